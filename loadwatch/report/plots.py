"""Plot functions for notebooks: each takes a table and an optional Axes, and returns the Axes.

They compose: lay out a grid with matplotlib and fill each cell::

    import matplotlib.pyplot as plt
    import loadwatch as lw
    from loadwatch.report import plots

    result = lw.import_activities("team/")
    weeks = lw.weekly_load(result)
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True, layout="constrained")
    plots.weekly_distance(weeks, result.timeline, athlete="Ann Lee", ax=axes[0])
    plots.findings_timeline(lw.findings_frame(lw.check(result)), athlete="Ann Lee", ax=axes[1])
    plots.mark_injuries(axes[0], injuries, athlete="Ann Lee")

The single-athlete charts are the HTML report's own
(:mod:`loadwatch.report.charts`, fed by :mod:`loadwatch.report.frames`), so a
notebook chart and a report chart never disagree; this module picks the
athlete, titles the chart with the name and returns the Axes instead of the
Figure. :func:`roster_weekly`, :func:`rule_injury_rates` and
:func:`mark_injuries` are drawn here. Without ``ax=`` a new pyplot figure is
made (so Jupyter shows it); with ``ax=`` nothing touches pyplot, so the report
can call :func:`mark_injuries` on its Agg figures (importing this module does not
import :mod:`loadwatch.report`, so the report may import from here).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loadwatch.load.weekly import WeekStart, athlete_week_start
from loadwatch.rules.ruleset import RuleSet, load_rules

if TYPE_CHECKING:
    from types import ModuleType

#: Width of a new figure [inches] (the report's charts are as wide).
WIDTH_IN = 9.0

#: Colours of the rule-rate bars (the report's caution orange and ok blue, Okabe–Ito).
FIRED_COLOR, NOT_FIRED_COLOR = "#E69F00", "#0072B2"

#: Colour of the injury markers (Okabe–Ito reddish purple: unused by the charts).
INJURY_COLOR = "#CC79A7"

#: Line colours for athletes side by side (Okabe–Ito without the injury colour).
ATHLETE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#56B4E9", "#D55E00", "#000000", "#999999")

#: Title words and axis label of :func:`roster_weekly` per weekly column.
ROSTER_LABELS = {
    "distance_km": ("running distance", "km per week"),
    "runs": ("runs", "runs per week"),
    "duration_s": ("running time", "s per week"),
    "ascent_m": ("ascent", "m per week"),
    "descent_m": ("descent", "m per week"),
    "longest_run_km": ("longest run", "km"),
    "fast_km": ("fast running", "fast km per week"),
    "heat_s": ("running in the heat", "s per week"),
}

Span = tuple[date, date] | None

__all__ = [
    "ATHLETE_COLORS",
    "INJURY_COLOR",
    "ROSTER_LABELS",
    "acute_chronic",
    "climbing",
    "fast_distance",
    "findings_timeline",
    "long_runs",
    "mark_injuries",
    "roster_weekly",
    "rule_injury_rates",
    "weekly_distance",
]


def _report() -> tuple[ModuleType, ModuleType]:
    """:mod:`loadwatch.report.charts` and ``frames``, imported on first use, so that the
    report package may import :func:`mark_injuries` from here without an import cycle."""
    from loadwatch.report import charts, frames

    return charts, frames


def _new_axes(ax: Axes | None, height_in: float = 3.2) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=(WIDTH_IN, height_in), layout="constrained")
    return new


def _athlete(frame: pd.DataFrame, athlete: str | None, what: str) -> str | None:
    """The athlete to draw: ``athlete``, or the only one in ``frame``."""
    if athlete is not None:
        return athlete
    names = list(dict.fromkeys(frame["athlete"])) if "athlete" in frame.columns else []
    if len(names) > 1:
        raise ValueError(
            f"the {what} holds {len(names)} athletes ({', '.join(map(str, names))}): "
            "choose one with athlete="
        )
    return names[0] if names else None


def _only(frame: pd.DataFrame, athlete: str | None) -> pd.DataFrame:
    if athlete is None or "athlete" not in frame.columns:
        return frame
    return frame[frame["athlete"] == athlete].reset_index(drop=True)


def _text(value: object) -> str:
    """Untrusted text for matplotlib: ``$`` would start mathtext."""
    return str(value).replace("$", r"\$")


def _style(ax: Axes, title: str, ylabel: str) -> None:
    """The report charts' look: left title, light grid, no top or right frame."""
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _nothing(ax: Axes, text: str) -> Axes:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _titled(ax: Axes, athlete: str | None) -> Axes:
    title = ax.get_title(loc="left")
    if athlete and title and not title.startswith(f"{athlete}:"):
        ax.set_title(f"{_text(athlete)}: {title}", loc="left", fontsize=11, fontweight="bold")
    return ax


def weekly_distance(
    weeks: pd.DataFrame,
    timeline: pd.DataFrame,
    *,
    athlete: str | None = None,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """One athlete's weekly distance against the +10 % and +30 % lines of weekly-increase.

    Parameters
    ----------
    weeks
        The weekly table (:func:`loadwatch.weekly_load`), any number of athletes.
    timeline
        The activity timeline (its layoffs: return weeks are not judged).
    athlete
        Which athlete; may be left out when the tables hold one.
    rules
        The rule set; the packaged ``rules.toml`` by default.
    units
        ``km`` or ``mi`` on the axis.
    span
        ``(first, last)`` day to show; the data's range by default.
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        Bars of weekly distance [km or mi], high and caution weeks coloured; the
        established load and the caution and high lines
        (:func:`loadwatch.report.charts.weekly_distance_chart`).

    References
    ----------
    Nielsen RO et al. Excessive progression in weekly running distance and risk of
    running-related injuries. *J Orthop Sports Phys Ther* 2014;44(10):739-747.
    doi:10.2519/jospt.2014.5164
    """
    name = _athlete(weeks, athlete, "weekly table")
    ax = _new_axes(ax, 3.3)
    charts, frames = _report()
    bands = frames.weekly_bands(_only(weeks, name), _only(timeline, name), rules or load_rules())
    charts.weekly_distance_chart(bands, units=units, span=span, ax=ax)
    return _titled(ax, name)


def long_runs(
    timeline: pd.DataFrame,
    *,
    athlete: str | None = None,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Each run of one athlete against the longest run of the previous 30 days.

    Parameters
    ----------
    timeline
        The activity timeline.
    athlete, rules, units, span, ax
        See :func:`weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        A bar per run [km or mi], spikes coloured, with the 30-day reference and the
        +10 % and +100 % lines (:func:`loadwatch.report.charts.long_run_chart`).

    References
    ----------
    Frandsen JSB et al. How much running is too much? Identifying high-risk running
    sessions in a 5200-person cohort study. *Br J Sports Med* 2025;59(17):1203-1210.
    doi:10.1136/bjsports-2024-109380
    """
    name = _athlete(timeline, athlete, "timeline")
    ax = _new_axes(ax, 3.3)
    charts, frames = _report()
    runs = frames.long_runs(_only(timeline, name), rules or load_rules())
    charts.long_run_chart(runs, units=units, span=span, ax=ax)
    return _titled(ax, name)


def acute_chronic(
    timeline: pd.DataFrame,
    *,
    athlete: str | None = None,
    rules: RuleSet | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """One athlete's daily acute:chronic distance ratio (context, not an alarm).

    Parameters
    ----------
    timeline
        The activity timeline.
    athlete, rules, span, ax
        See :func:`weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        The uncoupled EWMA 7-day : 28-day ratio with the caution line
        (:func:`loadwatch.report.charts.acute_chronic_chart`).

    References
    ----------
    Williams S et al. Better way to determine the acute:chronic workload ratio?
    *Br J Sports Med* 2017;51(3):209-210. doi:10.1136/bjsports-2016-096589;
    Impellizzeri FM et al. What role do chronic workloads play in the acute to
    chronic workload ratio? *Sports Med* 2021;51(3):581-592.
    doi:10.1007/s40279-020-01378-6
    """
    name = _athlete(timeline, athlete, "timeline")
    ax = _new_axes(ax, 3.0)
    charts, frames = _report()
    rules = rules or load_rules()
    ratio = frames.daily_ratio(_only(timeline, name), rules)
    caution = float(rules["acute-chronic"].band("caution"))
    charts.acute_chronic_chart(ratio, caution=caution, span=span, ax=ax)
    return _titled(ax, name)


def climbing(
    timeline: pd.DataFrame,
    *,
    athlete: str | None = None,
    week_start: WeekStart = "monday",
    rules: RuleSet | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """One athlete's weekly ascent and descent [m] against the hill-increase lines.

    Parameters
    ----------
    timeline
        The activity timeline.
    week_start
        ``"monday"``/``"sunday"``, or athlete → week start.
    athlete, rules, span, ax
        See :func:`weekly_distance`.

    References
    ----------
    Neves KA et al. Does Achilles tendon cross sectional area differ after downhill,
    level and uphill running in trained runners? *J Sports Sci Med* 2014;13:823-828.
    (A consensus heuristic: no injury-outcome study.)
    """
    name = _athlete(timeline, athlete, "timeline")
    ax = _new_axes(ax, 3.0)
    charts, frames = _report()
    start = athlete_week_start(week_start, name) if name else "monday"
    table = frames.climbing(_only(timeline, name), rules or load_rules(), start)
    charts.climbing_chart(table, span=span, ax=ax)
    return _titled(ax, name)


def fast_distance(
    weeks: pd.DataFrame,
    *,
    athlete: str | None = None,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """One athlete's weekly fast distance against the usual and the speedwork line.

    Parameters
    ----------
    weeks
        The weekly table with ``fast_km`` (:func:`loadwatch.weekly_load`).
    athlete, rules, units, span, ax
        See :func:`weekly_distance`.

    References
    ----------
    Ramskov D et al. Run Clever - no difference in risk of injury when comparing
    progression in running volume and running intensity in recreational runners.
    *BMJ Open Sport Exerc Med* 2018;4(1):e000333. doi:10.1136/bmjsem-2017-000333
    """
    name = _athlete(weeks, athlete, "weekly table")
    ax = _new_axes(ax, 3.0)
    charts, frames = _report()
    table = frames.fast_weeks(_only(weeks, name), rules or load_rules())
    charts.fast_distance_chart(table, units=units, span=span, ax=ax)
    return _titled(ax, name)


def findings_timeline(
    findings: pd.DataFrame,
    *,
    athlete: str | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """One athlete's findings on a time line: a row per rule, a marker per finding.

    Parameters
    ----------
    findings
        :func:`loadwatch.findings_frame`.
    athlete, span, ax
        See :func:`weekly_distance`.
    """
    name = _athlete(findings, athlete, "findings table")
    ax = _new_axes(ax, 3.2)
    charts, _ = _report()
    charts.findings_timeline_chart(_only(findings, name), span=span, ax=ax)
    return _titled(ax, name)


def roster_weekly(
    weeks: pd.DataFrame,
    *,
    column: str = "distance_km",
    athletes: Sequence[str] | None = None,
    ylabel: str | None = None,
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
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        A step line per athlete over the weeks (each week drawn from its first
        day), zero weeks included.
    """
    ax = _new_axes(ax, 3.2)
    names = list(athletes) if athletes is not None else list(dict.fromkeys(weeks["athlete"]))
    title, unit = ROSTER_LABELS.get(column, (column.replace("_", " "), column))
    _style(ax, f"Weekly {title} by athlete", ylabel or unit)
    if weeks.empty or not names:
        return _nothing(ax, "No runs yet")
    for i, name in enumerate(names):
        mine = weeks[weeks["athlete"] == name].sort_values("week_start")
        if mine.empty:
            continue
        x = pd.to_datetime(mine["week_start"]).to_numpy()
        values = mine[column].to_numpy(dtype=float)
        # One more step so the last week is drawn to its end.
        x = np.append(x, x[-1] + np.timedelta64(7, "D"))
        values = np.append(values, values[-1])
        ax.step(
            x,
            values,
            where="post",
            lw=1.6,
            color=ATHLETE_COLORS[i % len(ATHLETE_COLORS)],
            label=_text(name),
        )
    ax.set_ylim(bottom=0)
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
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
    ax = _new_axes(ax, 1.2 + 0.55 * max(len(table), 1))
    _style(ax, "Weeks followed by an injury within the follow-up (description)", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    if table.empty:
        return _nothing(ax, "No rule fired")
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
    ax.set_yticks(y, [_text(r) for r in table["rule"]], fontsize=8)
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
        text = _text(area) + (f" ({_text(who)})" if named else "")
        days.setdefault(pd.Timestamp(day).normalize(), []).append(text)
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
