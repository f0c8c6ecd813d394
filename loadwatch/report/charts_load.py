"""Charts of the training load: weekly distance, long runs, the ratio, climbing, fast running.

Each function draws one athlete's frame of :mod:`loadwatch.report.frames` into
``ax`` (a new pyplot figure without it, see
:func:`~loadwatch.report.chart_style.new_axes`) and returns the Axes. Every
line and every number in a legend or title comes from the rule set the frame
was built with (``rules``, the packaged ``rules.toml`` by default), and
distances are drawn in the athlete's unit (:mod:`loadwatch.units`)::

    import loadwatch as lw
    from loadwatch.report import charts_load, frames

    result = lw.import_activities("sample_data/")
    rules = lw.load_rules()
    bands = frames.weekly_bands(lw.weekly_load(result), result.timeline, rules)
    daily = lw.daily_load(result)
    charts_load.draw_weekly_distance(bands, rules=rules, units="mi", daily=daily)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from loadwatch.load.common import pct as pct_change
from loadwatch.load.daily import ROLLING_DAYS
from loadwatch.report.chart_style import (
    COLORS,
    Span,
    centres,
    date_axis,
    empty,
    legend,
    new_axes,
    style,
)
from loadwatch.rules.ruleset import RuleSet, load_rules
from loadwatch.units import distance_text, scale, unit_name

#: Gabbett's team-sport "sweet spot" of the acute:chronic ratio, shaded as context
#: (Gabbett 2016, Br J Sports Med; not a loadwatch rule: rules.toml has the caution band).
SWEET_SPOT = (0.8, 1.3)
#: The ratio axis stops here; higher values sit on the top edge.
RATIO_TOP = 3.0

__all__ = [
    "RATIO_TOP",
    "SWEET_SPOT",
    "draw_acute_chronic",
    "draw_climbing",
    "draw_fast_distance",
    "draw_long_runs",
    "draw_weekly_distance",
    "pct",
    "rolling_x",
]


def pct(band: float) -> str:
    """A band in percent as a line's name: ``+10%``."""
    return f"+{band:g}%"


def _times(band_pct: float) -> str:
    """``2x`` for +100 %: how many times the usual a line is."""
    return f"{1 + band_pct / 100:g}x"


def _change_labels(
    ax: Axes, x: np.ndarray, y: np.ndarray, change: pd.Series, severity: pd.Series
) -> None:
    """Label each bar with a change (NaN: none), coloured by its severity."""
    for xi, yi, value, sev in zip(x, y, change, severity, strict=True):
        if pd.notna(value):
            ax.annotate(
                pct_change(value),
                (xi, yi),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color=COLORS.get(sev, COLORS["line"]),
            )


def rolling_x(days: pd.Series, window_days: int) -> np.ndarray:
    """Where a sum over the ``window_days`` days ending on each day is drawn: the
    middle of those days, so a 7-day sum meets a week's bar at that week's total."""
    end = pd.to_datetime(days) + pd.Timedelta(days=1)
    return (end - pd.Timedelta(days=window_days / 2)).to_numpy()


def draw_weekly_distance(
    bands: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    daily: pd.DataFrame | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Weekly distance with the weekly-increase caution and high lines above the
    established load, and the rolling 7-day distance.

    Parameters
    ----------
    bands
        One athlete's :func:`loadwatch.report.frames.weekly_bands`.
    rules
        The rule set ``bands`` was built with (names of the lines); the packaged one
        by default.
    units
        ``km`` or ``mi`` for the axis.
    daily
        The same athlete's :func:`loadwatch.load.daily.daily_table`: its shortest
        rolling sum (``distance_km_7d``) is drawn as a line; None leaves it out.
    span
        ``(first, last)`` day to show; the data's range by default.
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        Bars: weekly distance (high and caution weeks coloured, weeks not judged
        grey); lines: the established load, the smallest weeks the caution and
        high bands flag, and the distance of the 7 days ending each day (drawn at
        the middle of those days, :func:`rolling_x`); labels: the change of each
        week above the caution band.

    References
    ----------
    Nielsen RO et al. Excessive progression in weekly running distance and risk of
    running-related injuries. *J Orthop Sports Phys Ther* 2014;44(10):739-747.
    doi:10.2519/jospt.2014.5164
    """
    rule = (rules or load_rules())["weekly-increase"]
    ax = new_axes(ax, 3.3)
    style(ax, "Weekly distance against your established load", f"{unit_name(units)} per week")
    if bands.empty:
        return empty(ax, "No runs yet")
    factor = scale(units)
    x = centres(bands["week_start"])
    severity = bands["severity"].where(bands["judged"], "")
    colors = [
        COLORS[s] if s in ("high", "caution") else (COLORS["ok"] if j else COLORS["muted"])
        for s, j in zip(severity, bands["judged"], strict=True)
    ]
    distance = bands["distance_km"].to_numpy() * factor
    bars = ax.bar(x, distance, width=5.5, color=colors, edgecolor="white", linewidth=0.5)
    for bar, sev in zip(bars, severity, strict=True):
        bar.set_hatch("///" if sev == "high" else "")
    established = bands["established_km"].where(bands["judged"]).to_numpy() * factor
    caution = bands["caution_km"].to_numpy() * factor
    high = bands["high_km"].to_numpy() * factor
    ax.fill_between(x, caution, high, step="mid", color=COLORS["caution"], alpha=0.15, lw=0)
    ax.step(x, established, where="mid", color=COLORS["line"], lw=1.2, label="established load")
    for line, name in ((caution, "caution"), (high, "high")):
        ax.step(x, line, where="mid", color=COLORS[name], lw=1.2, ls="--",
                label=f"{pct(rule.band(name))} line")  # fmt: skip
    rolling = np.array([])
    if daily is not None and not daily.empty:
        window = ROLLING_DAYS[0]
        rolling = daily[f"distance_km_{window}d"].to_numpy(dtype=float) * factor
        ax.plot(rolling_x(daily["day"], window), rolling, color=COLORS["descent"], lw=1.3,
                label=f"rolling {window}-day distance")  # fmt: skip
    top = np.nanmax(np.concatenate([distance, high[np.isfinite(high)], rolling, [1.0]]))
    shown = bands["judged"] & (bands["change_pct"] > rule.band("caution"))
    _change_labels(ax, x, distance, bands["change_pct"].where(shown), severity)
    ax.set_ylim(0, top * 1.25)
    date_axis(ax, span)
    legend(ax, extra=[Patch(color=COLORS["muted"], label="not judged: first weeks, return")])
    return ax


def draw_long_runs(
    runs: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Each run against the longest run of the long-run-spike window.

    Parameters
    ----------
    runs
        One athlete's :func:`loadwatch.report.frames.long_runs`.
    rules, units, span, ax
        See :func:`draw_weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        A bar per run (spikes coloured, with their change), the reference (the
        longest of the previous ``window_days`` days), the caution and high lines,
        and the rebuilding weeks after a break shaded.

    References
    ----------
    Frandsen JSB et al. How much running is too much? Identifying high-risk running
    sessions in a 5200-person cohort study. *Br J Sports Med* 2025;59(17):1203-1210.
    doi:10.1136/bjsports-2024-109380
    """
    rule = (rules or load_rules())["long-run-spike"]
    days = int(rule.param("window_days"))
    ax = new_axes(ax, 3.3)
    style(ax, f"Each run against your longest of the previous {days} days", unit_name(units))
    if runs.empty:
        return empty(ax, "No runs yet")
    factor = scale(units)
    x = pd.to_datetime(runs["start_local"]).to_numpy()
    severity = runs["severity"].where(runs["judged"], "")
    colors = [COLORS.get(s, COLORS["ok"]) if s else COLORS["ok"] for s in severity]
    distance = runs["distance_km"].to_numpy() * factor
    ax.bar(x, distance, width=0.9, color=colors, label="a run")
    rebuilding = runs["rebuilding"].fillna(False).to_numpy(dtype=bool)
    blocks = np.flatnonzero(np.diff(np.concatenate(([0], rebuilding.astype(int), [0]))))
    for i, (start, stop) in enumerate(zip(blocks[::2], blocks[1::2], strict=True)):
        ax.axvspan(
            x[start] - np.timedelta64(12, "h"),
            x[stop - 1] + np.timedelta64(12, "h"),
            color=COLORS["muted"],
            alpha=0.3,
            lw=0,
            label=None if i else "rebuilding after a break",
        )
    reference = runs["reference_km"].where(runs["judged"]).to_numpy() * factor
    caution = runs["caution_km"].to_numpy() * factor
    high = runs["high_km"].to_numpy() * factor
    ax.plot(x, reference, drawstyle="steps-post", color=COLORS["line"], lw=1.2, label="longest")
    for line, name, dash in ((caution, "caution", "--"), (high, "high", ":")):
        ax.plot(x, line, drawstyle="steps-post", color=COLORS[name], ls=dash, lw=1.2,
                label=pct(rule.band(name)))  # fmt: skip
    _change_labels(ax, x, distance, runs["change_pct"].where(severity != ""), severity)
    finite = np.concatenate([distance, caution[np.isfinite(caution)], [1.0]])
    ax.set_ylim(0, np.nanmax(finite) * 1.3)
    date_axis(ax, span)
    legend(ax, ncols=5)
    return ax


def draw_acute_chronic(
    ratio: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """The daily acute:chronic distance ratio with its caution band (context only).

    Parameters
    ----------
    ratio
        One athlete's :func:`loadwatch.report.frames.daily_ratio`.
    rules, span, ax
        See :func:`draw_weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        The ratio on judged days (days above the caution band marked), the
        :data:`SWEET_SPOT` shaded, the caution line, and the weeks after a layoff
        (not judged) shaded grey. The axis stops at :data:`RATIO_TOP`.

    References
    ----------
    Williams S et al. Better way to determine the acute:chronic workload ratio?
    *Br J Sports Med* 2017;51(3):209-210. doi:10.1136/bjsports-2016-096589;
    Gabbett TJ. The training-injury prevention paradox. *Br J Sports Med*
    2016;50(5):273-280. doi:10.1136/bjsports-2015-095788
    """
    rule = (rules or load_rules())["acute-chronic"]
    caution = rule.band("caution")
    ax = new_axes(ax, 3.0)
    style(ax, "Acute:chronic distance ratio (context, not an alarm)", "ratio")
    judged = ratio["ratio"].where(~ratio["after_layoff"]) if not ratio.empty else ratio
    if ratio.empty or judged.notna().sum() == 0:
        days = int(rule.param("min_history_days"))
        return empty(ax, f"Not enough history for the ratio ({days} days)")
    x = pd.to_datetime(ratio["day"]).to_numpy()
    values = judged.to_numpy(dtype=float)
    low, high = SWEET_SPOT
    ax.axhspan(low, high, color=COLORS["good"], alpha=0.12, lw=0,
               label=f'{low:g}-{high:g} "sweet spot"')  # fmt: skip
    ax.axhline(caution, color=COLORS["caution"], ls="--", lw=1.2, label=f"caution line {caution:g}")
    quiet = ratio["after_layoff"].to_numpy(dtype=bool)
    if quiet.any():
        ax.fill_between(
            x, 0, 1, where=quiet, transform=ax.get_xaxis_transform(), color=COLORS["muted"],
            alpha=0.3, lw=0, label="after a layoff: not judged",
        )  # fmt: skip
    acute, chronic = int(rule.param("acute_days")), int(rule.param("chronic_days"))
    ax.plot(x, np.minimum(values, RATIO_TOP), color=COLORS["ok"], lw=1.4,
            label=f"{acute}-day : {chronic}-day")  # fmt: skip
    over = values > caution
    ax.scatter(x[over], np.minimum(values[over], RATIO_TOP), color=COLORS["caution"], s=14,
               zorder=3)  # fmt: skip
    ax.set_ylim(0, max(2.0, min(RATIO_TOP, np.nanmax(values) * 1.15)))
    date_axis(ax, span)
    legend(ax)
    return ax


def draw_climbing(
    climbing: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Weekly ascent (up) and descent (down) [m] against the hill-increase flag lines.

    Parameters
    ----------
    climbing
        One athlete's :func:`loadwatch.report.frames.climbing`.
    rules, span, ax
        See :func:`draw_weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        Ascent bars above zero and descent bars below [m], flagged weeks coloured,
        and the dashed lines the rule flags beyond.
    """
    rule = (rules or load_rules())["hill-increase"]
    ax = new_axes(ax, 3.0)
    style(ax, "Weekly climbing: ascent up, descent down", "m per week")
    if climbing.empty or climbing[["ascent_m", "descent_m"]].isna().all().all():
        return empty(ax, "No climbing recorded")
    x = centres(climbing["week_start"])
    up = climbing["ascent_m"].to_numpy(dtype=float)
    down = -climbing["descent_m"].to_numpy(dtype=float)
    up_colors = [COLORS["caution"] if f else "#8C6D31" for f in climbing["ascent_flag"]]
    down_colors = [COLORS["caution"] if f else COLORS["descent"] for f in climbing["descent_flag"]]
    ax.bar(x, np.nan_to_num(up), width=5.5, color=up_colors, label="ascent")
    ax.bar(x, np.nan_to_num(down), width=5.5, color=down_colors, label="descent")
    more_m = float(rule.param("min_increase_m"))
    flag = f"flag line ({_times(rule.band('caution'))} usual and +{more_m:g} m)"
    ax.step(x, climbing["ascent_limit_m"], where="mid", color=COLORS["caution"], ls="--", lw=1.2,
            label=flag)  # fmt: skip
    ax.step(x, -climbing["descent_limit_m"], where="mid", color=COLORS["caution"], ls="--", lw=1.2)
    ax.axhline(0, color=COLORS["line"], lw=0.8)
    limit = np.nanmax(np.abs(np.concatenate([up, down, [10.0]])))
    ax.set_ylim(-limit * 1.2, limit * 1.35)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{abs(v):.0f}")
    date_axis(ax, span)
    legend(ax)
    return ax


def draw_fast_distance(
    fast: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Axes:
    """Weekly fast distance against the usual and the speedwork-increase flag line.

    Parameters
    ----------
    fast
        One athlete's :func:`loadwatch.report.frames.fast_weeks`.
    rules, units, span, ax
        See :func:`draw_weekly_distance`.

    Returns
    -------
    matplotlib.axes.Axes
        Bars of fast distance (flagged weeks coloured), the usual and the flag line.
    """
    rule = (rules or load_rules())["speedwork-increase"]
    ax = new_axes(ax, 3.0)
    style(ax, "Weekly fast running", f"fast {unit_name(units)} per week")
    if fast.empty:
        return empty(ax, "No runs yet")
    factor = scale(units)
    x = centres(fast["week_start"])
    colors = [COLORS["caution"] if f else COLORS["ok"] for f in fast["flagged"]]
    values = fast["fast_km"].to_numpy(dtype=float) * factor
    ax.bar(x, values, width=5.5, color=colors, label="fast distance")
    ax.step(x, fast["usual_fast_km"] * factor, where="mid", color=COLORS["line"], lw=1.2,
            label="usual")  # fmt: skip
    more = distance_text(float(rule.param("min_increase_km")), units)
    ax.step(x, fast["limit_km"] * factor, where="mid", color=COLORS["caution"], ls="--", lw=1.2,
            label=f"flag line ({_times(rule.band('caution'))} usual, +{more})")  # fmt: skip
    ax.set_ylim(0, max(1.0, float(np.nanmax(np.concatenate([values, [0.0]]))) * 1.35))
    date_axis(ax, span)
    legend(ax)
    return ax
