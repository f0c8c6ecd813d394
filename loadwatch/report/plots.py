"""Charts for notebooks: each takes the public tables and an optional Axes, and returns the Axes.

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

This is the public face of the one chart stack: the drawing is done by the
Axes-level functions of :mod:`loadwatch.report.charts_load`,
:mod:`~loadwatch.report.charts_shoes` and :mod:`~loadwatch.report.charts_findings`,
which the HTML report draws with too, so a notebook chart and a report chart
never disagree. The functions here pick the athlete from the weekly table or
timeline, build the chart's frame (:mod:`loadwatch.report.frames`) with the
rule set (``rules``, the packaged ``rules.toml`` by default), draw it in
``units`` and put the athlete's name in the title. Without ``ax=`` a new pyplot
figure is made, so Jupyter shows it inline with the notebook's own backend.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from loadwatch.load.daily import daily_table
from loadwatch.load.weekly import WeekStart, athlete_week_start
from loadwatch.report import frames
from loadwatch.report.chart_style import Span, titled
from loadwatch.report.charts_findings import (
    ATHLETE_COLORS,
    INJURY_COLOR,
    ROSTER_LABELS,
    draw_findings_timeline,
    mark_injuries,
    roster_weekly,
    rule_injury_rates,
)
from loadwatch.report.charts_load import (
    draw_acute_chronic,
    draw_climbing,
    draw_fast_distance,
    draw_long_runs,
    draw_weekly_distance,
)
from loadwatch.report.charts_shoes import draw_shoes
from loadwatch.rules.ruleset import RuleSet, load_rules

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
    "shoe_mileage",
    "weekly_distance",
]


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
    """One athlete's weekly distance against the caution and high lines of weekly-increase.

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
        established load, the caution and high lines and the rolling 7-day
        distance of the timeline's days (:func:`loadwatch.load.daily.daily_table`)
        (:func:`loadwatch.report.charts_load.draw_weekly_distance`).

    References
    ----------
    Nielsen RO et al. Excessive progression in weekly running distance and risk of
    running-related injuries. *J Orthop Sports Phys Ther* 2014;44(10):739-747.
    doi:10.2519/jospt.2014.5164
    """
    name = _athlete(weeks, athlete, "weekly table")
    rules = rules or load_rules()
    mine = _only(timeline, name)
    bands = frames.weekly_bands(_only(weeks, name), mine, rules)
    daily = daily_table(mine, rules=rules)
    ax = draw_weekly_distance(bands, rules=rules, units=units, daily=daily, span=span, ax=ax)
    return titled(ax, name)


def long_runs(
    timeline: pd.DataFrame,
    *,
    athlete: str | None = None,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Each run of one athlete against the longest run of the long-run-spike window.

    Parameters
    ----------
    timeline
        The activity timeline.
    athlete, rules, units, span, ax
        See :func:`weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        A bar per run [km or mi], spikes coloured, with the reference (the longest of
        the window) and the caution and high lines
        (:func:`loadwatch.report.charts_load.draw_long_runs`).

    References
    ----------
    Frandsen JSB et al. How much running is too much? Identifying high-risk running
    sessions in a 5200-person cohort study. *Br J Sports Med* 2025;59(17):1203-1210.
    doi:10.1136/bjsports-2024-109380
    """
    name = _athlete(timeline, athlete, "timeline")
    rules = rules or load_rules()
    runs = frames.long_runs(_only(timeline, name), rules)
    ax = draw_long_runs(runs, rules=rules, units=units, span=span, ax=ax)
    return titled(ax, name)


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
        (:func:`loadwatch.report.charts_load.draw_acute_chronic`).

    References
    ----------
    Williams S et al. Better way to determine the acute:chronic workload ratio?
    *Br J Sports Med* 2017;51(3):209-210. doi:10.1136/bjsports-2016-096589;
    Impellizzeri FM et al. What role do chronic workloads play in the acute to
    chronic workload ratio? *Sports Med* 2021;51(3):581-592.
    doi:10.1007/s40279-020-01378-6
    """
    name = _athlete(timeline, athlete, "timeline")
    rules = rules or load_rules()
    ratio = frames.daily_ratio(_only(timeline, name), rules)
    ax = draw_acute_chronic(ratio, rules=rules, span=span, ax=ax)
    return titled(ax, name)


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
    start = athlete_week_start(week_start, name) if name else "monday"
    rules = rules or load_rules()
    table = frames.climbing(_only(timeline, name), rules, start)
    ax = draw_climbing(table, rules=rules, span=span, ax=ax)
    return titled(ax, name)


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
    rules = rules or load_rules()
    table = frames.fast_weeks(_only(weeks, name), rules)
    ax = draw_fast_distance(table, rules=rules, units=units, span=span, ax=ax)
    return titled(ax, name)


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
    ax = draw_findings_timeline(_only(findings, name), span=span, ax=ax)
    return titled(ax, name)


def shoe_mileage(
    shoes: pd.DataFrame,
    *,
    athlete: str | None = None,
    rules: RuleSet | None = None,
    units: str = "km",
    ax: Axes | None = None,
) -> Axes:
    """One athlete's distance per pair of shoes against the shoe-mileage lines.

    Parameters
    ----------
    shoes
        :func:`loadwatch.shoes.shoe_table` (built with the same ``rules``).
    athlete, rules, units, ax
        See :func:`weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        A bar per pair against the rule's caution and high lines
        (:func:`loadwatch.report.charts_shoes.draw_shoes`).
    """
    name = _athlete(shoes, athlete, "shoe table")
    ax = draw_shoes(_only(shoes, name), rules=rules, units=units, ax=ax)
    return titled(ax, name)
