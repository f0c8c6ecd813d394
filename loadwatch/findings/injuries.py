"""The injury log: ``injuries.csv`` in an athlete's folder, and which warnings came before.

An athlete (or their coach) may keep an ``injuries.csv`` beside the activity
files and ``loadwatch.toml``:

.. code-block:: text

    date,area,note
    2026-07-28,calf,tight left calf two days after the long run
    2026-10-02,achilles,

``date`` is the local day the pain stopped a run or began (``YYYY-MM-DD``);
``area`` is one of :data:`AREAS` (a few common spellings such as ``achilles
tendon`` or ``shins`` are accepted); ``note`` is optional free text. Blank
lines and lines starting with ``#`` are skipped. A bad line is an
:class:`InjuryLogError` naming the file, the line and the column; a date
before 1970 or after 2100 is a bad date (a typo in the year). With
``skip_bad_lines=True`` the other lines are still read and each bad line is
one message in ``frame.attrs["problems"]`` (reading the log:
:mod:`loadwatch.findings.injury_log`).

With a log, two questions can be asked of the findings::

    import loadwatch as lw
    from loadwatch.findings.injuries import (
        injuries_with_preceding_findings, read_injuries, rule_injury_table,
    )

    result = lw.import_activities("team/")
    injuries = read_injuries(result)            # athlete, date, area, note
    findings = lw.check(result)
    injuries_with_preceding_findings(injuries, findings)   # per injury: what fired before
    rule_injury_table(findings, injuries, lw.weekly_load(result))  # per rule: how often

This is the first step toward calibrating thresholds to a person or a squad.
With the handful of injuries one runner or one squad has, the tables describe
what happened; they cannot show that a rule predicts or causes injury.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from loadwatch.findings.check import findings_frame
from loadwatch.findings.injury_log import (
    AREA_ALIASES,
    AREAS,
    INJURIES_FILE,
    INJURY_COLUMNS,
    LOG_COLUMNS,
    InjuryLogError,
    empty_injuries,
    normalize_area,
    read_injury_log,
)
from loadwatch.rules.ruleset import ALARMS, RULE_IDS, SEVERITIES, Finding
from loadwatch.schema import ATTRS_KEY, text_list
from loadwatch.timeline.athletes import find_athletes
from loadwatch.timeline.build import ImportResult

#: Columns of :func:`preceding_findings`.
PRECEDING_COLUMNS = (
    "athlete", "injury_date", "area", "rule", "severity",
    "finding_date", "days_before", "value", "threshold", "unit",
)  # fmt: skip

#: Columns of :func:`injuries_with_preceding_findings`.
INJURY_SUMMARY_COLUMNS = (
    "athlete", "date", "area", "note", "rules", "findings", "worst_severity", "days_since_last",
)  # fmt: skip

#: Columns of :func:`rule_injury_table` (``athlete`` first with ``per_athlete=True``).
RULE_TABLE_COLUMNS = (
    "rule", "weeks_fired", "injured_after_fired", "rate_fired",
    "weeks_not_fired", "injured_after_not_fired", "rate_not_fired", "ratio", "injuries_preceded",
)  # fmt: skip

#: Label of the row that counts a week when any of the rules fired.
ANY_RULE = "(any rule)"

__all__ = [
    "ANY_RULE", "AREAS", "AREA_ALIASES", "INJURIES_FILE", "INJURY_COLUMNS",
    "INJURY_SUMMARY_COLUMNS", "LOG_COLUMNS", "PRECEDING_COLUMNS", "RULE_TABLE_COLUMNS",
    "InjuryLogError", "injuries_with_preceding_findings", "normalize_area", "preceding_findings",
    "read_injuries", "read_injury_log", "rule_injury_table",
]  # fmt: skip


def _common_folder(files: Iterable[str]) -> Path | None:
    parents = sorted({str(Path(f).parent) for f in files if f})
    if not parents:
        return None
    try:
        return Path(os.path.commonpath(parents))
    except ValueError:  # different drives
        return None


def _timeline_folders(timeline: pd.DataFrame) -> dict[str, Path]:
    """Athlete → folder: from ``timeline.attrs[ATTRS_KEY]`` where the import put it,
    else the folder holding all of the athlete's files."""
    folders: dict[str, Path] = {}
    known = timeline.attrs.get(ATTRS_KEY, {}).get("athletes", {})
    for athlete, info in known.items():
        if isinstance(info, Mapping) and info.get("folder"):
            folders[str(athlete)] = Path(str(info["folder"]))
    for athlete, rows in timeline.groupby("athlete", sort=True):
        if athlete in folders:
            continue
        files = [str(f) for f in rows["file"]]
        files += [f for merged in rows["merged_from"] for f in text_list(merged)]
        folder = _common_folder(files)
        if folder is not None:
            folders[str(athlete)] = folder
    return folders


def _result_folders(result: ImportResult) -> dict[str, Path]:
    folders = _timeline_folders(result.timeline)
    for athlete, settings in result.settings.items():
        if settings.path is not None:
            folders[athlete] = Path(settings.path).parent
    return folders


def read_injuries(
    source: str | Path | ImportResult | pd.DataFrame,
    *,
    roster: bool | None = None,
    folders: Mapping[str, str | Path] | None = None,
    skip_bad_lines: bool = False,
) -> pd.DataFrame:
    """Every athlete's ``injuries.csv``, in one table.

    Parameters
    ----------
    source
        A runner's or a roster's folder (athletes found as the import finds them,
        :func:`loadwatch.timeline.athletes.find_athletes`); an import
        (:func:`loadwatch.import_activities`: each athlete's folder is the one
        holding its ``loadwatch.toml``, else the folder holding all of its
        files); or an activity timeline (the same, from its ``file`` column).
    roster
        With a folder: see :func:`loadwatch.timeline.athletes.find_athletes`.
    folders
        Athlete → folder, where the log is elsewhere (it replaces the folder
        found for that athlete).
    skip_bad_lines
        See :func:`read_injury_log`.

    Returns
    -------
    pandas.DataFrame
        :data:`INJURY_COLUMNS` (``athlete, date, area, note``), sorted by athlete
        and date; no rows when no athlete has a log. ``attrs["problems"]``: one
        line per line left out (with ``skip_bad_lines``).

    Raises
    ------
    InjuryLogError
        A log has a bad line (the message names file, line and column).
    FileNotFoundError
        ``source`` is a path that does not exist.
    """
    if isinstance(source, ImportResult):
        found = _result_folders(source)
    elif isinstance(source, pd.DataFrame):
        found = _timeline_folders(source)
    else:
        found = {a.name: a.folder for a in find_athletes(source, roster=roster)}
    for athlete, folder in (folders or {}).items():
        found[athlete] = Path(folder)
    logs = [
        read_injury_log(folder / INJURIES_FILE, athlete, skip_bad_lines=skip_bad_lines)
        for athlete, folder in sorted(found.items())
        if (folder / INJURIES_FILE).is_file()
    ]
    problems = [line for log in logs for line in log.attrs.get("problems", [])]
    logs = [log for log in logs if not log.empty]
    frame = empty_injuries()
    if logs:
        frame = pd.concat(logs, ignore_index=True)
        frame = frame.sort_values(["athlete", "date"], kind="stable").reset_index(drop=True)
    frame.attrs = {"problems": problems}
    return frame


def _as_frame(findings: Iterable[Finding] | pd.DataFrame) -> pd.DataFrame:
    frame = findings if isinstance(findings, pd.DataFrame) else findings_frame(findings)
    frame = frame.copy()
    for column in ("date", "week_start"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def _injury_frame(injuries: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("athlete", "date", "area") if c not in injuries.columns]
    if missing:
        raise ValueError(f"the injury table needs the columns {', '.join(missing)}")
    frame = injuries.copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.normalize().astype("datetime64[ns]")
    if "note" not in frame.columns:
        frame["note"] = ""
    return frame


def preceding_findings(
    injuries: pd.DataFrame,
    findings: Iterable[Finding] | pd.DataFrame,
    weeks: int = 4,
    *,
    severities: Sequence[str] = ALARMS,
) -> pd.DataFrame:
    """Every finding of the ``weeks`` weeks before each injury, one row per pair.

    A finding precedes an injury when it is the same athlete's and its date
    lies from ``7 × weeks`` days before the injury up to the injury day itself
    (a run on that day may be the one that hurt).

    Parameters
    ----------
    injuries
        :func:`read_injuries` (``athlete, date, area``).
    findings
        :func:`loadwatch.check`, or its :func:`loadwatch.findings_frame`.
    weeks
        Length of the window before each injury [weeks].
    severities
        Which findings count; the alarms (caution, high) by default.

    Returns
    -------
    pandas.DataFrame
        :data:`PRECEDING_COLUMNS`; ``days_before`` [days] is the injury date minus
        the finding date; sorted by athlete, injury date, finding date.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    frame = _as_frame(findings)
    frame = frame[frame["severity"].isin(list(severities))]
    hurt = _injury_frame(injuries)
    pairs = hurt[["athlete", "date", "area"]].merge(
        frame.rename(columns={"date": "finding_date"}), on="athlete", how="inner"
    )
    pairs = pairs.rename(columns={"date": "injury_date"})
    pairs["days_before"] = (pairs["injury_date"] - pairs["finding_date"]).dt.days
    pairs = pairs[(pairs["days_before"] >= 0) & (pairs["days_before"] <= 7 * weeks)]
    pairs = pairs.sort_values(["athlete", "injury_date", "finding_date", "rule"], kind="stable")
    out = pairs[list(PRECEDING_COLUMNS)].reset_index(drop=True)
    out["days_before"] = out["days_before"].astype("int64")
    return out


def _rule_order(rules: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(rules))
    known = [r for r in RULE_IDS if r in present]
    return known + sorted(r for r in present if r not in RULE_IDS)


def injuries_with_preceding_findings(
    injuries: pd.DataFrame,
    findings: Iterable[Finding] | pd.DataFrame,
    weeks: int = 4,
    *,
    severities: Sequence[str] = ALARMS,
) -> pd.DataFrame:
    """For each injury, which rules fired in the ``weeks`` weeks before it.

    Parameters
    ----------
    injuries
        :func:`read_injuries`.
    findings
        :func:`loadwatch.check`, or its :func:`loadwatch.findings_frame`.
    weeks
        Window before each injury [weeks]; see :func:`preceding_findings`.
    severities
        Which findings count; the alarms (caution, high) by default.

    Returns
    -------
    pandas.DataFrame
        One row per injury, :data:`INJURY_SUMMARY_COLUMNS`: ``rules`` (the rule ids
        that fired, comma-separated in the order of ``rules.toml``; "" for none),
        ``findings`` (how many findings), ``worst_severity`` ("" for none) and
        ``days_since_last`` [days] from the latest finding to the injury (NaN for
        none).

    Notes
    -----
    An injury with warnings before it does not show the warnings were right,
    and one without does not show they were wrong: most weeks with a warning
    are followed by no injury, and injuries also come from things loadwatch
    cannot see (sleep, strength, illness, a new surface). See
    :func:`rule_injury_table` for the comparison with weeks without a warning.
    """
    hurt = _injury_frame(injuries).reset_index(drop=True)
    pairs = preceding_findings(hurt, findings, weeks, severities=severities)
    rank = {severity: i for i, severity in enumerate(SEVERITIES)}
    rows = []
    for injury in hurt.itertuples(index=False):
        mine = pairs[(pairs["athlete"] == injury.athlete) & (pairs["injury_date"] == injury.date)]
        worst = max(mine["severity"], key=rank.__getitem__, default="")
        rows.append(
            {
                "athlete": injury.athlete,
                "date": injury.date,
                "area": injury.area,
                "note": injury.note,
                "rules": ", ".join(_rule_order(mine["rule"])),
                "findings": len(mine),
                "worst_severity": worst,
                "days_since_last": float(mine["days_before"].min()) if len(mine) else math.nan,
            }
        )
    out = pd.DataFrame(rows, columns=list(INJURY_SUMMARY_COLUMNS))
    out["date"] = out["date"].astype("datetime64[ns]")
    out["findings"] = out["findings"].astype("int64")
    out["days_since_last"] = out["days_since_last"].astype("float64")
    return out


def _ratio(fired: float, not_fired: float) -> float:
    if math.isnan(fired) or math.isnan(not_fired):
        return math.nan
    if not_fired == 0:
        return math.inf if fired > 0 else math.nan
    return fired / not_fired


def _week_keys(athletes: pd.Series, weeks: pd.Series) -> pd.Series:
    starts = pd.to_datetime(weeks).dt.strftime("%Y-%m-%d")
    return athletes.astype(str) + "|" + starts


def rule_injury_table(
    findings: Iterable[Finding] | pd.DataFrame,
    injuries: pd.DataFrame,
    weekly_table: pd.DataFrame,
    weeks: int = 4,
    *,
    severities: Sequence[str] = ALARMS,
    rules: Sequence[str] | None = None,
    per_athlete: bool = False,
) -> pd.DataFrame:
    """How often each rule was followed by an injury, against weeks it did not fire.

    The unit is the *athlete-week with running* (a row of ``weekly_table`` with
    ``runs > 0``). A rule *fired* in a week when one of its findings (of
    ``severities``) has that athlete and ``week_start``. A week is *followed by
    an injury* when the athlete logged one in that week or within ``7 × weeks``
    days after its last day.

    Parameters
    ----------
    findings
        :func:`loadwatch.check`, or its :func:`loadwatch.findings_frame`.
    injuries
        :func:`read_injuries`.
    weekly_table
        :func:`loadwatch.weekly_load` of the same import.
    weeks
        Follow-up after each week [weeks].
    severities
        Which findings count; the alarms (caution, high) by default.
    rules
        Rule ids to list; by default every rule that fired, in the order of
        ``rules.toml``. A last row :data:`ANY_RULE` counts weeks in which any of
        them fired.
    per_athlete
        One block of rows per athlete (an ``athlete`` column first): the same
        comparison within one runner's own history.

    Returns
    -------
    pandas.DataFrame
        :data:`RULE_TABLE_COLUMNS`: ``weeks_fired`` and ``injured_after_fired``
        (of those, followed by an injury), ``rate_fired`` (their ratio);
        ``weeks_not_fired``, ``injured_after_not_fired`` and ``rate_not_fired``
        for the other weeks with running; ``ratio`` = ``rate_fired /
        rate_not_fired`` (``inf`` where no week without the rule was followed by
        an injury, NaN where a rate is undefined); ``injuries_preceded``: logged
        injuries with the rule among their :func:`preceding_findings`.

    Notes
    -----
    **This is description, not proof.** With the few injuries one runner or one
    squad has, a ratio of 3 or of 0.5 can arise by chance alone; no confidence
    interval is given because the weeks are not independent (one injury follows
    up to ``weeks + 1`` consecutive weeks, and one load spike often fires several
    rules). Rules fire when load rises, and load also rises before races and in
    training blocks that differ in other ways, so a high ratio does not show the
    rule's threshold is the cause. Use the table to ask whether a threshold
    suits a person or a squad (a rule that fires every week and precedes no
    injury, an injury no rule preceded), and read it beside the published
    evidence each rule cites. Weeks near the end of the data have a shorter
    follow-up: the log is taken as complete up to the last week of data.

    References
    ----------
    Nielsen RO et al. Excessive progression in weekly running distance and risk of
    running-related injuries. *J Orthop Sports Phys Ther* 2014;44(10):739-747.
    doi:10.2519/jospt.2014.5164 (the weekly-increase bands).
    Frandsen JSB et al. How much running is too much? Identifying high-risk running
    sessions in a 5200-person cohort study. *Br J Sports Med* 2025;59(17):1203-1210.
    doi:10.1136/bjsports-2024-109380 (the long-run-spike bands).
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    frame = _as_frame(findings)
    frame = frame[frame["severity"].isin(list(severities))]
    hurt = _injury_frame(injuries)
    table = weekly_table.loc[weekly_table["runs"] > 0, ["athlete", "week_start"]].copy()
    table["week_start"] = pd.to_datetime(table["week_start"]).astype("datetime64[ns]")
    table = table.reset_index(drop=True)
    table["injured_after"] = _followed_by_injury(table, hurt, weeks)
    keys = _week_keys(table["athlete"], table["week_start"])
    rule_ids = list(rules) if rules is not None else _rule_order(frame["rule"])
    fired_keys = {
        rule: set(_week_keys(part["athlete"], part["week_start"]))
        for rule, part in frame.groupby("rule")
    }
    for rule in rule_ids:
        table[rule] = keys.isin(fired_keys.get(rule, set()))
    table[ANY_RULE] = table[rule_ids].any(axis=1) if rule_ids else False
    pairs = preceding_findings(hurt, frame, weeks, severities=severities)

    groups = [(None, table, pairs)]
    if per_athlete:
        groups = [
            (athlete, part, pairs[pairs["athlete"] == athlete])
            for athlete, part in table.groupby("athlete", sort=True)
        ]
    rows = []
    for athlete, part, near in groups:
        for rule in [*rule_ids, ANY_RULE]:
            fired = part[rule].to_numpy(dtype=bool)
            injured = part["injured_after"].to_numpy(dtype=bool)
            n_fired, n_not = int(fired.sum()), int((~fired).sum())
            hit_fired, hit_not = int((fired & injured).sum()), int((~fired & injured).sum())
            rate_fired = hit_fired / n_fired if n_fired else math.nan
            rate_not = hit_not / n_not if n_not else math.nan
            chosen = near if rule == ANY_RULE else near[near["rule"] == rule]
            if rule == ANY_RULE:
                chosen = chosen[chosen["rule"].isin(rule_ids)]
            row = {
                "rule": rule,
                "weeks_fired": n_fired,
                "injured_after_fired": hit_fired,
                "rate_fired": rate_fired,
                "weeks_not_fired": n_not,
                "injured_after_not_fired": hit_not,
                "rate_not_fired": rate_not,
                "ratio": _ratio(rate_fired, rate_not),
                "injuries_preceded": len(chosen[["athlete", "injury_date"]].drop_duplicates()),
            }
            if per_athlete:
                row = {"athlete": athlete, **row}
            rows.append(row)
    columns = (["athlete"] if per_athlete else []) + list(RULE_TABLE_COLUMNS)
    out = pd.DataFrame(rows, columns=columns)
    for column in ("rate_fired", "rate_not_fired", "ratio"):
        out[column] = out[column].astype("float64")
    return out


def _followed_by_injury(weeks_table: pd.DataFrame, injuries: pd.DataFrame, weeks: int) -> pd.Series:
    """True where the athlete logged an injury in the week or ``7 × weeks`` days after it."""
    flags = np.zeros(len(weeks_table), dtype=bool)
    horizon = pd.Timedelta(days=7 + 7 * weeks)
    by_athlete = {a: g["date"].to_numpy() for a, g in injuries.groupby("athlete")}
    for i, (athlete, start) in enumerate(
        zip(weeks_table["athlete"], weeks_table["week_start"], strict=True)
    ):
        days = by_athlete.get(athlete)
        if days is None:
            continue
        start64 = np.datetime64(start, "ns")
        flags[i] = bool(((days >= start64) & (days < start64 + horizon.to_timedelta64())).any())
    return pd.Series(flags, index=weeks_table.index)
