"""One athlete's set of charts as PNG images, each with a title, alt text and caption.

:func:`athlete_charts` draws the charts of :mod:`loadwatch.report.charts` for
one :class:`~loadwatch.report.model.AthleteView` and renders them to PNG; the
HTML report inlines them as ``data:`` URIs. The alt text starts with the
chart's title and says in words what the chart shows (for screen readers and
for mail clients that block images).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure

from loadwatch.findings.check import findings_frame
from loadwatch.report import charts
from loadwatch.report.limits import NAME_CHARS, SHOE_CHART_MAX, clean, more, pairs_shown
from loadwatch.report.model import SHOE_LINES_MI, AthleteView, ReportData, distance
from loadwatch.report.plots import mark_injuries

#: Chart keys, in report order, and their titles (the start of each alt text).
CHART_TITLES = {
    "weekly-distance": "Weekly distance against the established load",
    "long-run": "Each run against the longest of the previous 30 days",
    "acute-chronic": "Acute:chronic distance ratio",
    "climbing": "Weekly ascent and descent",
    "fast-distance": "Weekly fast distance",
    "shoes": "Shoe mileage against the 300 and 500 mile lines",
    "findings-timeline": "Timeline of findings",
}

#: How to read each chart (the caption under it).
CHART_CAPTIONS = {
    "weekly-distance": (
        "Bars are weekly running distance; the black line is the established load (the "
        "larger of the last two weeks and the 4-week average), the dashed lines the +10% "
        "(caution) and +30% (high) lines above it. Coloured bars are weeks that crossed a "
        "line; grey bars were not judged (first weeks, or a return after a layoff, judged "
        "by its own ramp)."
    ),
    "long-run": (
        "Each bar is one run; the black line is the longest run of the previous 30 days, "
        "the dashed line +10% above it (caution) and the dotted line +100% (high). In the "
        "grey span the runner was rebuilding after a break, compared with the runs before it."
    ),
    "acute-chronic": (
        "The weighted 7-day distance divided by the weighted 28-day distance before it. The "
        'green band is the team-sport "sweet spot" (0.8-1.3). This ratio is context only: '
        "its evidence in runners is contested, and it is never an alarm on its own."
    ),
    "climbing": (
        "Ascent above the axis, descent below, per week [m]. The dashed lines are where the "
        "hill-increase rule flags a week: more than twice the usual and at least 300 m more."
    ),
    "fast-distance": (
        "Running faster than the runner's own easy pace, per week (interval laps, or a "
        "minute or more held well above easy speed). The black line is the usual, the dashed "
        "line where the speedwork-increase rule flags a week."
    ),
    "shoes": (
        "Distance per pair, including distance before these records. The lines are the "
        "replacement reminders at 300 and 500 miles: a rule of thumb, not an injury risk."
    ),
    "findings-timeline": (
        "Every finding by date: red triangles are high, orange circles caution, grey dots "
        "notes (context, not warnings)."
    ),
}

__all__ = ["CHART_CAPTIONS", "CHART_TITLES", "ChartImage", "athlete_charts", "athlete_figures"]


@dataclass(frozen=True)
class ChartImage:
    """One rendered chart.

    Attributes
    ----------
    key
        A key of :data:`CHART_TITLES`.
    title
        The chart's title.
    alt
        Alt text: the title, then what the chart shows.
    caption
        How to read it.
    png
        The PNG image.
    """

    key: str
    title: str
    alt: str
    caption: str
    png: bytes


def _span(view: AthleteView) -> tuple | None:
    if view.timeline.empty or view.as_of is None:
        return None
    return (pd.Timestamp(view.timeline["start_local"].min()).date(), view.as_of)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _alts(view: AthleteView) -> dict[str, str]:
    """What each chart shows, in words."""
    span = _span(view)
    period = f" from {span[0]} to {span[1]}" if span else ""
    units = view.units
    bands = view.bands[view.bands["judged"]]
    high = int((bands["severity"] == "high").sum())
    caution = int((bands["severity"] == "caution").sum())
    spikes = view.runs[view.runs["judged"] & (view.runs["severity"] != "")]
    peak = view.ratio["ratio"].where(~view.ratio["after_layoff"]).max()
    hills = int(view.climbing["flagged"].sum()) if not view.climbing.empty else 0
    fast = int(view.fast["flagged"].sum()) if not view.fast.empty else 0
    top_week = view.weeks["distance_km"].max() if not view.weeks.empty else float("nan")
    alts = {
        "weekly-distance": (
            f"{len(view.weeks)} weeks{period}, the most {distance(top_week, units)}; "
            f"{_count(high, 'week')} above the +30% line and {_count(caution, 'other week')} "
            "above the +10% line"
        ),
        "long-run": (
            f"{_count(len(view.runs), 'run')}{period}; {_count(len(spikes), 'run')} more than "
            "10% beyond the longest of the previous 30 days"
        ),
        "acute-chronic": (
            f"the highest judged ratio was {peak:.2f}" if pd.notna(peak) else "no judged days"
        ),
        "climbing": f"{_count(hills, 'week')} flagged for much more climbing than usual",
        "fast-distance": f"{_count(fast, 'week')} flagged for much more fast running than usual",
        "findings-timeline": (
            f"{_count(len(view.alarms), 'warning')} and {_count(len(view.notes), 'note')}{period}"
        ),
    }
    if view.shoes is not None:
        shown, hidden = pairs_shown(view.shoes, SHOE_CHART_MAX)
        pairs = shown[shown["shoe"].notna()]
        alts["shoes"] = "; ".join(
            [f"{clean(name, NAME_CHARS)}: {distance(km, units, 0)}" for name, km in zip(
                pairs["shoe"], pairs["distance_km"], strict=True
            )] + ([more(hidden, "pairs")] if hidden else [])
        ) or "no pairs tracked"  # fmt: skip
    return alts


def athlete_figures(view: AthleteView, data: ReportData) -> dict[str, Figure]:
    """The charts of one athlete as matplotlib figures, by key (no shoe chart without shoes)."""
    span = _span(view)
    units = view.units
    ratio_rule = data.rule("acute-chronic")
    caution = ratio_rule.band("caution") if ratio_rule is not None else 1.5
    figures = {
        "weekly-distance": charts.weekly_distance_chart(view.bands, units=units, span=span),
        "long-run": charts.long_run_chart(view.runs, units=units, span=span),
        "acute-chronic": charts.acute_chronic_chart(view.ratio, caution=caution, span=span),
        "climbing": charts.climbing_chart(view.climbing, span=span),
        "fast-distance": charts.fast_distance_chart(view.fast, units=units, span=span),
    }
    if view.shoes is not None:
        shoe_rule = data.rule("shoe-mileage")
        lines = (
            tuple(shoe_rule.bands[s] for s in ("caution", "high") if s in shoe_rule.bands)
            if shoe_rule is not None and shoe_rule.unit == "mi"
            else SHOE_LINES_MI
        )
        figures["shoes"] = charts.shoe_chart(view.shoes, units=units, lines_mi=lines)
    figures["findings-timeline"] = charts.findings_timeline_chart(
        findings_frame(view.findings), span=span
    )
    injuries = data.injuries
    if injuries is not None and (injuries["athlete"] == view.name).any():
        for key, figure in figures.items():
            if key != "shoes" and figure.axes:
                mark_injuries(figure.axes[0], injuries, athlete=view.name, label=True)
    return figures


def athlete_charts(view: AthleteView, data: ReportData) -> list[ChartImage]:
    """The charts of one athlete rendered to PNG, in report order."""
    alts = _alts(view)
    images = []
    for key, figure in athlete_figures(view, data).items():
        title = CHART_TITLES[key]
        images.append(
            ChartImage(
                key=key,
                title=title,
                alt=f"{title}: {alts.get(key, '')}".rstrip(": "),
                caption=CHART_CAPTIONS[key],
                png=charts.png_bytes(figure),
            )
        )
    return images
