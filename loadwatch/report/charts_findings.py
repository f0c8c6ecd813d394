"""Charts over findings and athletes: the findings timeline, a roster side by side,
rule-injury rates, and injury marks on any date chart.

Like every chart function, each takes ``ax=None`` (a new pyplot figure without it)
and returns the Axes; :func:`mark_injuries` draws on an existing chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loadwatch.report.chart_style import COLORS, Span, date_axis, empty, new_axes, style, text
from loadwatch.rules.ruleset import NOTE_IDS, RULE_IDS
from loadwatch.units import scale, unit_name

#: Colours of the rule-rate bars (caution orange and ok blue, Okabe–Ito).
FIRED_COLOR, NOT_FIRED_COLOR = COLORS["caution"], COLORS["ok"]

#: Colour of the injury markers (Okabe–Ito reddish purple: unused by the other charts).
INJURY_COLOR = "#CC79A7"

#: Line colours for athletes side by side (Okabe–Ito without the injury colour).
ATHLETE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#56B4E9", "#D55E00", "#000000", "#999999")

#: Title words and axis label of :func:`roster_weekly` per weekly column (``{unit}``:
#: the distance unit of the axis).
ROSTER_LABELS = {
    "distance_km": ("running distance", "{unit} per week"),
    "runs": ("runs", "runs per week"),
    "duration_s": ("running time", "s per week"),
    "ascent_m": ("ascent", "m per week"),
    "descent_m": ("descent", "m per week"),
    "longest_run_km": ("longest run", "{unit}"),
    "fast_km": ("fast running", "fast {unit} per week"),
    "heat_s": ("running in the heat", "s per week"),
}

__all__ = [
    "ATHLETE_COLORS",
    "FIRED_COLOR",
    "INJURY_COLOR",
    "NOT_FIRED_COLOR",
    "ROSTER_LABELS",
    "draw_findings_timeline",
    "mark_injuries",
    "roster_weekly",
    "rule_injury_rates",
    "timeline_height",
    "timeline_rows",
]


def timeline_rows(findings: pd.DataFrame) -> list[str]:
    """The timeline's rows, top first: the alarm rules, then the notes and any other
    rule that fired."""
    fired = [r for r in findings["rule"].unique() if r not in RULE_IDS]
    extra = [r for r in NOTE_IDS if r in fired] + sorted(r for r in fired if r not in NOTE_IDS)
    return [*RULE_IDS, *extra]


def timeline_height(rows: int) -> float:
    """Height of a findings timeline of ``rows`` rules [inches]."""
    return 1.0 + 0.32 * rows


def draw_findings_timeline(
    findings: pd.DataFrame,
    *,
    rule_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Every finding on one time line: a row per rule, a marker per finding.

    Parameters
    ----------
    findings
        One athlete's :func:`loadwatch.findings_frame`.
    rule_ids
        Rows to show, top first; by default the alarm rules, then any other
        rule (notes, shoes) that fired.
    labels
        Rule id → row label (the rule id by default).
    span
        ``(first, last)`` day to show; the data's range by default.
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        High: red triangles; caution: orange circles; notes: small grey dots.
    """
    if rule_ids is None:
        rule_ids = timeline_rows(findings)
    ax = new_axes(ax, timeline_height(len(rule_ids)))
    style(ax, "Timeline of findings", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    rows = {rule: len(rule_ids) - 1 - i for i, rule in enumerate(rule_ids)}
    ax.set_yticks(list(rows.values()), [text((labels or {}).get(r, r)) for r in rows], fontsize=8)
    ax.set_ylim(-0.7, len(rule_ids) - 0.3)
    markers = {
        "high": ("^", 70, COLORS["high"]),
        "caution": ("o", 45, COLORS["caution"]),
        "note": (".", 40, COLORS["note"]),
    }
    for severity, (marker, size, color) in markers.items():
        part = findings[(findings["severity"] == severity) & findings["rule"].isin(list(rows))]
        ax.scatter(
            pd.to_datetime(part["date"]).to_numpy(),
            part["rule"].map(rows).to_numpy(dtype=float),
            marker=marker,
            s=size,
            color=color,
            label=severity,
            zorder=3,
        )
    if findings.empty and span is None:
        ax.text(0.5, 0.5, "Nothing found", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
    else:
        date_axis(ax, span)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, ncols=3, frameon=False)
    return ax


def roster_weekly(
    weeks: pd.DataFrame,
    *,
    column: str = "distance_km",
    athletes: Sequence[str] | None = None,
    ylabel: str | None = None,
    units: str = "km",
    ax: Axes | None = None,
) -> Axes:
    """Several athletes' weekly values side by side, one line per athlete.

    Parameters
    ----------
    weeks
        The weekly table (:func:`loadwatch.weekly_load`).
    column
        The column to draw, e.g. ``distance_km`` [km], ``fast_km`` [km],
        ``ascent_m`` [m] or ``runs``.
    athletes
        Which athletes, in legend order; all by default.
    ylabel
        Axis label; the column name by default.
    units
        ``km`` or ``mi``: the unit of the axis for the ``*_km`` columns.
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        A step line per athlete over the weeks (each week drawn from its first
        day), zero weeks included.
    """
    ax = new_axes(ax, 3.2)
    names = list(athletes) if athletes is not None else list(dict.fromkeys(weeks["athlete"]))
    title, axis = ROSTER_LABELS.get(column, (column.replace("_", " "), column))
    style(ax, f"Weekly {title} by athlete", ylabel or axis.format(unit=unit_name(units)))
    factor = scale(units) if column.endswith("_km") else 1.0
    if weeks.empty or not names:
        return empty(ax, "No runs yet")
    for i, name in enumerate(names):
        mine = weeks[weeks["athlete"] == name].sort_values("week_start")
        if mine.empty:
            continue
        x = pd.to_datetime(mine["week_start"]).to_numpy()
        values = mine[column].to_numpy(dtype=float) * factor
        # One more step so the last week is drawn to its end.
        x = np.append(x, x[-1] + np.timedelta64(7, "D"))
        values = np.append(values, values[-1])
        ax.step(
            x,
            values,
            where="post",
            lw=1.6,
            color=ATHLETE_COLORS[i % len(ATHLETE_COLORS)],
            label=text(name),
        )
    ax.set_ylim(bottom=0)
    date_axis(ax)
    ax.legend(loc="upper left", fontsize=8, ncols=4, frameon=False)
    return ax


def rule_injury_rates(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Share of weeks followed by an injury, with and without each rule firing.

    Parameters
    ----------
    table
        :func:`loadwatch.findings.injuries.rule_injury_table` (without ``per_athlete``).
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        Two horizontal bars per rule [% of weeks]: weeks the rule fired and
        weeks it did not, each labelled with its counts (injured after / weeks).
        Description, not proof: see :func:`loadwatch.findings.injuries.rule_injury_table`.
    """
    if "athlete" in table.columns:
        raise ValueError("draw one athlete at a time: filter the per-athlete table first")
    ax = new_axes(ax, 1.2 + 0.55 * max(len(table), 1))
    style(ax, "Weeks followed by an injury within the follow-up (description)", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    if table.empty:
        return empty(ax, "No rule fired")
    y = np.arange(len(table))[::-1].astype(float)
    fired = table["rate_fired"].fillna(0).to_numpy() * 100
    other = table["rate_not_fired"].fillna(0).to_numpy() * 100
    ax.barh(y + 0.2, fired, height=0.38, color=FIRED_COLOR, label="rule fired")
    ax.barh(y - 0.2, other, height=0.38, color=NOT_FIRED_COLOR, label="rule did not fire")
    for yi, value, hit, n in zip(
        y, fired, table["injured_after_fired"], table["weeks_fired"], strict=True
    ):
        ax.annotate(f"{hit}/{n}", (value, yi + 0.2), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)  # fmt: skip
    for yi, value, hit, n in zip(
        y, other, table["injured_after_not_fired"], table["weeks_not_fired"], strict=True
    ):
        ax.annotate(f"{hit}/{n}", (value, yi - 0.2), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=7)  # fmt: skip
    ax.set_yticks(y, [text(r) for r in table["rule"]], fontsize=8)
    ax.set_xlabel("% of athlete-weeks followed by an injury", fontsize=9)
    ax.set_xlim(0, max(10.0, float(np.nanmax(np.concatenate([fired, other]))) * 1.3))
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return ax


def mark_injuries(
    ax: Axes,
    injuries: pd.DataFrame,
    *,
    athlete: str | None = None,
    label: bool = True,
    color: str = INJURY_COLOR,
) -> Axes:
    """Mark logged injuries on a chart with a date axis: a dashed line and the area.

    Parameters
    ----------
    ax
        A chart whose x axis is dates (any of this module's or
        :mod:`loadwatch.report.charts`'s time charts).
    injuries
        :func:`loadwatch.findings.injuries.read_injuries` (``athlete, date, area``).
    athlete
        Only this athlete's injuries; all rows by default (then, with several
        athletes, each label names the athlete).
    label
        Write the area (``injury: calf``) beside each line.
    color
        Line and label colour.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with one line per injury day (injuries on the same day share it,
        their labels side by side). Where the chart's x range was fixed (e.g. a
        report's span), it is kept and injuries outside it are left out;
        otherwise the range grows to show every injury. The first line carries
        the legend label ``injury`` (call ``ax.legend()`` again to list it).
    """
    hurt = injuries if athlete is None else injuries[injuries["athlete"] == athlete]
    if hurt.empty:
        return ax
    named = athlete is None and hurt["athlete"].nunique() > 1
    fixed = not ax.get_autoscalex_on()
    low, high = ax.get_xlim()
    days: dict[pd.Timestamp, list[str]] = {}
    for day, area, who in sorted(
        zip(pd.to_datetime(hurt["date"]), hurt["area"], hurt["athlete"], strict=True),
        key=lambda row: (row[0], str(row[2])),
    ):
        label_text = text(area) + (f" ({text(who)})" if named else "")
        days.setdefault(pd.Timestamp(day).normalize(), []).append(label_text)
    first = True
    for day, texts in days.items():
        when = day.to_pydatetime()
        if fixed and not low <= mdates.date2num(when) <= high:
            continue
        ax.axvline(
            when, color=color, lw=1.4, ls=(0, (4, 2)), zorder=4, label="injury" if first else None
        )
        first = False
        if label:
            # Several injuries on one day: one rotated column of text each.
            ax.annotate(
                "\n".join([f"injury: {texts[0]}", *texts[1:]]),
                (when, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                rotation=90,
                ha="left",
                va="top",
                fontsize=7,
                color=color,
            )
    if fixed:
        ax.set_xlim(low, high)
    return ax
