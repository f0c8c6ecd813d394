"""The report and its terminal summary from one computation (``loadwatch report``).

:func:`write_report` and :func:`summary_text` each compute the report data;
:func:`publish` computes it once (:func:`~loadwatch.report.model.build_report_data`),
writes the HTML file and returns the data, from which
:func:`~loadwatch.report.summary.summary_from_data` gives the summary::

    data, written = publish(result, "report.html")
    print(summary_from_data(data))
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from loadwatch.report.html import _input_files, render
from loadwatch.report.model import ReportData, build_report_data
from loadwatch.report.output_files import check_report_path, write_text_atomic
from loadwatch.rules.ruleset import Finding, RuleSet
from loadwatch.timeline.build import ImportResult

__all__ = ["publish"]


def publish(
    result: ImportResult,
    path: str | Path,
    *,
    findings: list[Finding] | None = None,
    rules: RuleSet | None = None,
    as_of: date | None = None,
) -> tuple[ReportData, Path]:
    """Write the HTML report of an import to ``path`` and return its data with the path.

    The same file as :func:`loadwatch.report.html.write_report` (the path is
    checked first, the page written atomically); the returned
    :class:`~loadwatch.report.model.ReportData` gives the terminal summary without
    computing anything again.

    Parameters
    ----------
    result
        An import (:func:`loadwatch.import_activities`).
    path
        The ``.html`` file to write.
    findings, rules, as_of
        As for :func:`~loadwatch.report.model.build_report_data`.

    Returns
    -------
    tuple of (ReportData, Path)
        What the report shows, and the file written.

    Raises
    ------
    OutputFileError
        The path is refused, or the file cannot be written; nothing is written.
    """
    path = check_report_path(path, _input_files(result))
    data = build_report_data(result, findings, rules, as_of=as_of)
    written = write_text_atomic(path, render(data), encoding="utf-8", what="the report")
    return data, written
