"""The weekly chart's rolling 7-day line: the report's and the notebook's, in the runner's unit.

The line is the daily table's shortest rolling sum (:mod:`loadwatch.load.daily`),
drawn at the middle of its days, so on the last day of each week it meets that
week's bar at the week's total; a runner in miles reads it in miles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import loadwatch as lw
from loadwatch.load.daily import ROLLING_DAYS
from loadwatch.report import build_report_data, plots
from loadwatch.report.chart_style import centres
from loadwatch.report.charts_load import draw_weekly_distance
from loadwatch.report.gallery import athlete_figures, chart_captions
from loadwatch.timeline.settings import SettingsOverride
from loadwatch.units import KM_PER_MI

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
LABEL = f"rolling {ROLLING_DAYS[0]}-day distance"


@pytest.fixture(scope="module")
def sample_mi() -> lw.ImportResult:
    return lw.import_activities(SAMPLE_DIR, overrides=SettingsOverride(units="mi"))


def rolling_line(ax):
    lines = [line for line in ax.get_lines() if line.get_label() == LABEL]
    assert len(lines) == 1, [line.get_label() for line in ax.get_lines()]
    return lines[0]


def bar_heights(ax) -> dict[np.datetime64, float]:
    """Bar centre (as datetime64) → height, read from the drawn bars."""
    out = {}
    for patch in ax.patches:
        middle = patch.get_x() + patch.get_width() / 2
        day = np.datetime64("1970-01-01") + np.timedelta64(round(middle * 86400), "s")
        out[day.astype("datetime64[h]")] = patch.get_height()
    return out


def test_the_reports_weekly_chart_has_the_rolling_line_in_miles(
    sample_mi: lw.ImportResult,
) -> None:
    data = build_report_data(sample_mi)
    (view,) = data.athletes
    assert view.units == "mi"
    ax = athlete_figures(view, data)["weekly-distance"].axes[0]
    line = rolling_line(ax)
    daily = lw.daily_load(sample_mi)
    window = ROLLING_DAYS[0]
    np.testing.assert_allclose(line.get_ydata(), daily[f"distance_km_{window}d"] / KM_PER_MI)
    assert len(line.get_xdata()) == len(daily)  # every day, rest days included
    assert ax.get_ylim()[1] >= np.max(line.get_ydata())
    assert LABEL in [t.get_text() for t in ax.get_legend().get_texts()]
    caption = chart_captions(data.rules)["weekly-distance"]
    assert f"running distance of the {ROLLING_DAYS[0]} days ending each day" in caption


def test_the_line_meets_each_full_weeks_bar_at_the_weeks_total(
    sample_mi: lw.ImportResult,
) -> None:
    data = build_report_data(sample_mi)
    (view,) = data.athletes
    ax = draw_weekly_distance(
        view.bands, rules=data.rules, units="mi", daily=view.daily, ax=Figure().add_subplot()
    )
    line = rolling_line(ax)
    x = pd.to_datetime(line.get_xdata()).to_numpy().astype("datetime64[h]")
    y = np.asarray(line.get_ydata())
    bars = bar_heights(ax)
    met = 0
    for week_centre, weekly in zip(
        centres(view.weeks["week_start"]), view.weeks["distance_km"], strict=True
    ):
        at = np.flatnonzero(x == week_centre.astype("datetime64[h]"))
        if not at.size:
            continue  # a week that ends after the last day
        assert y[at[0]] == pytest.approx(weekly / KM_PER_MI)
        assert bars[week_centre.astype("datetime64[h]")] == pytest.approx(y[at[0]])
        met += 1
    assert met == len(view.weeks)  # the sample's last day is a Sunday


def test_the_notebook_chart_draws_the_same_line(sample_mi: lw.ImportResult) -> None:
    weeks = lw.weekly_load(sample_mi)
    ax = plots.weekly_distance(weeks, sample_mi.timeline, units="km", ax=Figure().add_subplot())
    daily = lw.daily_load(sample_mi)
    np.testing.assert_allclose(
        rolling_line(ax).get_ydata(), daily[f"distance_km_{ROLLING_DAYS[0]}d"]
    )


def test_without_a_daily_table_there_is_no_line(sample_mi: lw.ImportResult) -> None:
    data = build_report_data(sample_mi)
    (view,) = data.athletes
    ax = draw_weekly_distance(view.bands, rules=data.rules, ax=Figure().add_subplot())
    assert LABEL not in [line.get_label() for line in ax.get_lines()]
