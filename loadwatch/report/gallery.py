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
from loadwatch.load.daily import ROLLING_DAYS
from loadwatch.report import charts
from loadwatch.report.charts_findings import mark_injuries
from loadwatch.report.charts_load import SWEET_SPOT, pct
from loadwatch.report.charts_shoes import shoe_line_names
from loadwatch.report.limits import NAME_CHARS, SHOE_CHART_MAX, clean, more, pairs_shown
from loadwatch.report.model import AthleteView, ReportData, distance
from loadwatch.rules.ruleset import RuleSet, load_rules
from loadwatch.units import distance_text

#: Chart keys, in report order, and their titles (the start of each alt text). The
#: numbers of each rule are in the captions, read from the report's rule set.
CHART_TITLES = {
    "weekly-distance": "Weekly distance against the established load",
    "long-run": "Each run against the longest of the previous weeks",
    "acute-chronic": "Acute:chronic distance ratio",
    "climbing": "Weekly ascent and descent",
    "fast-distance": "Weekly fast distance",
    "shoes": "Shoe mileage against the replacement reminder lines",
    "findings-timeline": "Timeline of findings",
}


def chart_captions(rules: RuleSet, units: str = "km") -> dict[str, str]:
    """How to read each chart (the caption under it), with the numbers of ``rules``.

    Parameters
    ----------
    rules
        The rule set the report was built with.
    units
        ``km`` or ``mi``: the athlete's unit for distances in the captions.

    Returns
    -------
    dict
        Chart key → caption.
    """
    weekly, spike = rules["weekly-increase"], rules["long-run-spike"]
    hills, fast = rules["hill-increase"], rules["speedwork-increase"]
    shoe = rules["shoe-mileage"]
    recent, mean = int(weekly.param("recent_weeks")), int(weekly.param("mean_weeks"))
    days = int(spike.param("window_days"))
    ratio = rules["acute-chronic"]
    low, high = SWEET_SPOT
    return {
        "weekly-distance": (
            "Bars are weekly running distance; the black line is the established load (the "
            f"larger of the last {recent} weeks and the {mean}-week average), the "
            f"dashed lines the {pct(weekly.band('caution'))} (caution) and "
            f"{pct(weekly.band('high'))} (high) lines above it. Coloured bars are weeks that "
            "crossed a line; grey bars were not judged (first weeks, or a return after a "
            "layoff, judged by its own ramp). The blue line is the running distance of the "
            f"{ROLLING_DAYS[0]} days ending each day, drawn in the middle of those days: it "
            "meets each bar at the week's total."
        ),
        "long-run": (
            f"Each bar is one run; the black line is the longest run of the previous {days} "
            f"days, the dashed line {pct(spike.band('caution'))} above it (caution) and the "
            f"dotted line {pct(spike.band('high'))} (high). In the grey span the runner was "
            "rebuilding after a break, compared with the runs before it."
        ),
        "acute-chronic": (
            f"The weighted {int(ratio.param('acute_days'))}-day distance divided by the "
            f"weighted {int(ratio.param('chronic_days'))}-day distance before it. The green "
            f'band is the team-sport "sweet spot" ({low:g}-{high:g}). This ratio is context '
            "only: its evidence in runners is contested, and it is never an alarm on its own."
        ),
        "climbing": (
            "Ascent above the axis, descent below, per week [m]. The dashed lines are where the "
            f"hill-increase rule flags a week: more than {hills.band('caution'):g}% above "
            f"the usual and at least {float(hills.param('min_increase_m')):g} m more."
        ),
        "fast-distance": (
            "Running faster than the runner's own easy pace, per week (interval laps, or a "
            "minute or more held well above easy speed). The black line is the usual, the "
            "dashed line where the speedwork-increase rule flags a week: more than "
            f"{fast.band('caution'):g}% above the usual and at least "
            f"{distance_text(float(fast.param('min_increase_km')), units)} more."
        ),
        "shoes": (
            "Distance per pair, including distance before these records. The lines are the "
            f"{shoe_line_names(shoe)} replacement reminders: a rule of thumb, not an injury "
            "risk."
        ),
        "findings-timeline": (
            "Every finding by date: red triangles are high, orange circles caution, grey dots "
            "notes (context, not warnings)."
        ),
    }


#: The captions with the packaged ``rules.toml`` and distances in km.
CHART_CAPTIONS = chart_captions(load_rules())

__all__ = [
    "CHART_CAPTIONS",
    "CHART_TITLES",
    "ChartImage",
    "athlete_charts",
    "athlete_figures",
    "chart_captions",
]


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


def _alts(view: AthleteView, rules: RuleSet) -> dict[str, str]:
    """What each chart shows, in words (the lines named with the numbers of ``rules``)."""
    weekly, spike = rules["weekly-increase"], rules["long-run-spike"]
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
            f"{_count(high, 'week')} above the {pct(weekly.band('high'))} line and "
            f"{_count(caution, 'other week')} above the {pct(weekly.band('caution'))} line"
        ),
        "long-run": (
            f"{_count(len(view.runs), 'run')}{period}; {_count(len(spikes), 'run')} more than "
            f"{spike.band('caution'):g}% beyond the longest of the previous "
            f"{int(spike.param('window_days'))} days"
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
    """The charts of one athlete as matplotlib figures, by key (no shoe chart without shoes).

    Every line is drawn from the report's own rule set (``data.rules``) and every
    distance in the athlete's unit.
    """
    span = _span(view)
    units, rules = view.units, data.rules
    figures = {
        "weekly-distance": charts.weekly_distance_chart(
            view.bands, rules=rules, units=units, daily=view.daily, span=span
        ),
        "long-run": charts.long_run_chart(view.runs, rules=rules, units=units, span=span),
        "acute-chronic": charts.acute_chronic_chart(view.ratio, rules=rules, span=span),
        "climbing": charts.climbing_chart(view.climbing, rules=rules, span=span),
        "fast-distance": charts.fast_distance_chart(view.fast, rules=rules, units=units, span=span),
    }
    if view.shoes is not None:
        figures["shoes"] = charts.shoe_chart(view.shoes, rules=rules, units=units)
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
    alts = _alts(view, data.rules)
    captions = chart_captions(data.rules, view.units)
    images = []
    for key, figure in athlete_figures(view, data).items():
        title = CHART_TITLES[key]
        images.append(
            ChartImage(
                key=key,
                title=title,
                alt=f"{title}: {alts.get(key, '')}".rstrip(": "),
                caption=captions[key],
                png=charts.png_bytes(figure),
            )
        )
    return images
