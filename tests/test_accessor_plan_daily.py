"""``timeline.loadwatch.plan()`` and ``timeline.loadwatch.daily_load()`` on the sample runner.

Both call the library (:func:`loadwatch.plan`, :func:`loadwatch.daily_load`), so the
accessor gives the CLI's numbers; the numbers themselves are checked against the
story (:func:`loadwatch.synthetic.sample_athlete`) and the rule set.
"""

from __future__ import annotations

import warnings
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest

import loadwatch as lw
import loadwatch.accessor  # registers DataFrame.loadwatch
from loadwatch.load.daily import ROLLING_DAYS
from loadwatch.schema import DAYS, PLAN
from loadwatch.synthetic import sample_athlete, unique_runs
from loadwatch.synthetic.story import STORY_EVENTS

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
RULE = lw.load_rules()["long-run-spike"]


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE)


def story_longest_before(as_of: pd.Timestamp) -> float:
    """The story's longest run in the long-run-spike window of a run at the very end of
    the day after ``as_of`` (where the plan puts its probe)."""
    probe = as_of + pd.Timedelta(days=2) - pd.Timedelta(seconds=1)
    start = probe - pd.Timedelta(days=int(RULE.param("window_days")))
    runs = [r for r in unique_runs(sample_athlete().runs) if r.sport == "running"]
    return max(r.distance_km for r in runs if start <= pd.Timestamp(r.start_local) < probe)


def test_plan_is_the_librarys_plan_and_keeps_within_the_long_run_line(
    sample: lw.ImportResult,
) -> None:
    plans = sample.timeline.loadwatch.plan()
    assert list(plans.columns) == list(PLAN.names())
    pd.testing.assert_frame_equal(plans, lw.plan(sample))
    (plan,) = plans.to_dict("records")
    as_of = plan["as_of"]
    assert as_of == sample.timeline["start_local"].max().normalize()
    caution = 1 + RULE.band("caution") / 100
    assert plan["run_km_max"] == pytest.approx(story_longest_before(as_of) * caution, abs=0.01)


def test_plan_as_of_the_day_before_the_planted_spike_is_below_it(
    sample: lw.ImportResult,
) -> None:
    (spike,) = [e for e in STORY_EVENTS if e.key == "long-run-spike"]
    before = spike.day - timedelta(days=1)
    (plan,) = sample.timeline.loadwatch.plan(as_of=before).to_dict("records")
    spike_km = max(
        r.distance_km for r in sample_athlete().runs if r.start_local.date() == spike.day
    )
    assert plan["run_km_max"] < spike_km
    pd.testing.assert_frame_equal(
        sample.timeline.loadwatch.plan(before, result=sample), lw.plan(sample, as_of=before)
    )


def test_plan_without_its_import_warns_and_still_plans(sample: lw.ImportResult) -> None:
    alone = sample.timeline.copy()
    alone.attrs = {}
    with pytest.warns(UserWarning, match="pass result="):
        plans = alone.loadwatch.plan()
    assert plans["run_km_max"].tolist() == lw.plan(sample)["run_km_max"].tolist()


def test_daily_load_is_the_librarys_and_needs_only_the_timeline(sample: lw.ImportResult) -> None:
    alone = sample.timeline.copy()
    alone.attrs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the timeline alone is enough: no warning
        daily = alone.loadwatch.daily_load()
    assert tuple(daily.columns) == DAYS.names()
    pd.testing.assert_frame_equal(daily, lw.daily_load(sample))
    last = daily.iloc[-1]
    weeks = lw.weekly_load(sample)
    # the sample ends on a Sunday: the 7 days ending it are its last week
    assert last["day"].day_name() == "Sunday"
    assert last[f"distance_km_{ROLLING_DAYS[0]}d"] == pytest.approx(weeks["distance_km"].iloc[-1])
    since = last["day"] - pd.Timedelta(days=3)
    tail = sample.timeline.loadwatch.daily_load(since=since.date())
    pd.testing.assert_frame_equal(tail, daily.iloc[-4:].reset_index(drop=True))
