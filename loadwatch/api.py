"""The report and shoe entry points of ``import loadwatch as lw``, taking what a user has.

:func:`write_report`, :func:`summary_text`, :func:`shoe_table` and
:func:`shoe_records` accept a path, an :class:`~loadwatch.timeline.build.ImportResult`
or a timeline DataFrame whose import is in memory
(:func:`loadwatch.timeline.source.as_import`), and ``units=`` like ``--units``;
they then call the function of the same name in :mod:`loadwatch.report` or
:mod:`loadwatch.shoes`, which take the import itself.
(:func:`loadwatch.check` and :func:`loadwatch.weekly_load` accept the same by themselves.)
:func:`daily_load` takes the same and needs only the timeline
(:func:`loadwatch.load.daily.daily_table`).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd

from loadwatch.load.daily import daily_table as _daily_table
from loadwatch.rules.ruleset import Finding, RuleSet
from loadwatch.timeline.build import ImportResult
from loadwatch.timeline.source import as_import

__all__ = ["daily_load", "shoe_records", "shoe_table", "summary_text", "write_report"]

#: What the functions here accept as their first argument.
Source: TypeAlias = ImportResult | str | os.PathLike | pd.DataFrame


def _result(source: object, caller: str, units: str | None = None) -> ImportResult:
    result = as_import(source, caller, units=units)
    assert isinstance(result, ImportResult)  # without timeline_ok it is always one
    return result


def write_report(
    result: Source,
    path: str | Path,
    *,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    as_of: date | None = None,
    units: str | None = None,
) -> Path:
    """Write the HTML report (:func:`loadwatch.report.write_report`) of a path or an import.

    ``units`` (``"km"``/``"mi"``) is ``--units``; ``as_of`` is ``report --until``.
    """
    from loadwatch.report.html import write_report as _write_report  # not on terminal runs

    imported = _result(result, "write_report", units)
    return _write_report(imported, path, findings=findings, rules=rules, as_of=as_of)


def summary_text(
    result: Source,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    *,
    as_of: date | None = None,
    units: str | None = None,
) -> str:
    """The terminal summary (:func:`loadwatch.report.summary_text`) of a path or an import."""
    from loadwatch.report.summary import summary_text as _summary_text  # not on other commands

    imported = _result(result, "summary_text", units)
    return _summary_text(imported, findings, rules, as_of=as_of)


def shoe_table(result: Source, *args: Any, **kwargs: Any) -> pd.DataFrame:
    """Mileage per pair (:func:`loadwatch.shoes.shoe_table`) of a path or an import."""
    from loadwatch.shoes.mileage import shoe_table as _shoe_table  # not on other commands

    return _shoe_table(_result(result, "shoe_table"), *args, **kwargs)


def shoe_records(table: pd.DataFrame | Source) -> list[dict[str, Any]]:
    """JSON-ready rows (:func:`loadwatch.shoes.shoe_records`) of a shoe table.

    Given a path, an import or a timeline instead, its :func:`shoe_table` first.
    """
    from loadwatch.shoes.mileage import SHOE_FIELDS
    from loadwatch.shoes.mileage import shoe_records as _shoe_records
    from loadwatch.shoes.mileage import shoe_table as _shoe_table

    is_table = isinstance(table, pd.DataFrame) and set(SHOE_FIELDS) <= set(table.columns)
    if is_table:
        return _shoe_records(table)
    return _shoe_records(_shoe_table(_result(table, "shoe_records")))


def daily_load(
    result: Source,
    as_of: date | None = None,
    *,
    since: date | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Daily running load with rolling 7- and 28-day sums (``loadwatch days --json``).

    :func:`loadwatch.load.daily.daily_table` of a path, an import or a timeline
    (the timeline alone is enough: nothing here needs laps or settings).

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`), a path, or a timeline DataFrame.
    as_of
        The last local day (``days --until``): later activities are ignored and every
        athlete's rows run up to it; by default the day of the latest activity of the
        whole import (a roster's "today").
    since
        Keep the rows from this local day (``days --since``); earlier days still count
        in the rolling sums.
    rules
        A rule set (the long-run-spike window); the packaged ``rules.toml`` by default.

    Returns
    -------
    pandas.DataFrame
        One row per athlete and local day, rest days as zeros, with the columns of
        :data:`loadwatch.schema.DAYS` (km, s, m).
    """
    source = as_import(result, "daily_load", timeline_ok=True)
    timeline = source if isinstance(source, pd.DataFrame) else source.timeline
    return _daily_table(timeline, as_of=as_of, since=since, rules=rules)
