"""The report's figures: each chart function's Axes on an off-screen report figure.

The charts themselves are drawn once, by the Axes-level functions of
:mod:`loadwatch.report.charts_load`, :mod:`~loadwatch.report.charts_shoes` and
:mod:`~loadwatch.report.charts_findings` (which notebooks use through
:mod:`loadwatch.report.plots`). This module only gives each one the report's
frame: a :class:`matplotlib.figure.Figure` on its own Agg canvas with fixed
margins (:func:`~loadwatch.report.chart_style.report_axes`, no pyplot state, so
the notebook's backend is never touched), and returns the Figure for
:func:`png_bytes`. Given ``ax=``, a function draws there and returns its figure::

    import loadwatch as lw
    from loadwatch.report import charts, frames

    result = lw.import_activities("sample_data/")
    rules = lw.load_rules()
    bands = frames.weekly_bands(lw.weekly_load(result), result.timeline, rules)
    png = charts.png_bytes(charts.weekly_distance_chart(bands, rules=rules))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from loadwatch.report.chart_style import COLORS, DPI, WIDTH_IN, Span, png_bytes, report_axes
from loadwatch.report.charts_findings import (
    draw_findings_timeline,
    timeline_height,
    timeline_rows,
)
from loadwatch.report.charts_load import (
    draw_acute_chronic,
    draw_climbing,
    draw_fast_distance,
    draw_long_runs,
    draw_weekly_distance,
)
from loadwatch.report.charts_shoes import draw_shoes, shoe_chart_height
from loadwatch.report.limits import SHOE_CHART_MAX
from loadwatch.rules.ruleset import RuleSet

__all__ = [
    "COLORS",
    "DPI",
    "WIDTH_IN",
    "acute_chronic_chart",
    "climbing_chart",
    "fast_distance_chart",
    "findings_timeline_chart",
    "long_run_chart",
    "png_bytes",
    "shoe_chart",
    "weekly_distance_chart",
]


def _figure(ax: Axes | None, height_in: float) -> Axes:
    return ax if ax is not None else report_axes(height_in)


def _of(ax: Axes) -> Figure:
    return ax.figure  # type: ignore[return-value]


def weekly_distance_chart(
    bands: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    daily: pd.DataFrame | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_load.draw_weekly_distance` as a report figure."""
    ax = _figure(ax, 3.3)
    return _of(draw_weekly_distance(bands, rules=rules, units=units, daily=daily, span=span, ax=ax))


def long_run_chart(
    runs: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_load.draw_long_runs` as a report figure."""
    ax = _figure(ax, 3.3)
    return _of(draw_long_runs(runs, rules=rules, units=units, span=span, ax=ax))


def acute_chronic_chart(
    ratio: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_load.draw_acute_chronic` as a report figure."""
    ax = _figure(ax, 3.0)
    return _of(draw_acute_chronic(ratio, rules=rules, span=span, ax=ax))


def climbing_chart(
    climbing: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_load.draw_climbing` as a report figure."""
    ax = _figure(ax, 3.0)
    return _of(draw_climbing(climbing, rules=rules, span=span, ax=ax))


def fast_distance_chart(
    fast: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_load.draw_fast_distance` as a report figure."""
    ax = _figure(ax, 3.0)
    return _of(draw_fast_distance(fast, rules=rules, units=units, span=span, ax=ax))


def shoe_chart(
    shoes: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    limit: int = SHOE_CHART_MAX,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_shoes.draw_shoes` as a report figure."""
    ax = _figure(ax, shoe_chart_height(shoes, limit))
    return _of(draw_shoes(shoes, rules=rules, units=units, limit=limit, ax=ax))


def findings_timeline_chart(
    findings: pd.DataFrame,
    *,
    rule_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """:func:`~loadwatch.report.charts_findings.draw_findings_timeline` as a report figure."""
    rows = list(rule_ids) if rule_ids is not None else timeline_rows(findings)
    ax = _figure(ax, timeline_height(len(rows)))
    return _of(draw_findings_timeline(findings, rule_ids=rows, labels=labels, span=span, ax=ax))
