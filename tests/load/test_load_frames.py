"""The in-memory timeline builders of ``load_frames`` (used by the load and rule tests)."""

from __future__ import annotations

import pandas as pd

from loadwatch.timeline.build import COLUMNS

from load_frames import MONDAY, run, timeline_of, week_runs


def test_week_runs_sum_to_the_planned_weeks() -> None:
    rows = week_runs(MONDAY, [30, 0, 12.5], runs_per_week=4)
    frame = timeline_of(rows)
    assert len(frame) == 8
    weekly = frame.groupby(frame["start_local"].dt.normalize().dt.to_period("W"))["distance_km"]
    assert weekly.sum().round(3).tolist() == [30.0, 12.5]
    assert frame["start_local"].dt.day_of_week.max() == 6  # the long run is on Sunday


def test_run_rows_have_every_timeline_column_and_a_utc_start() -> None:
    row = run("2026-03-08 18:00", 10.0, utc_offset_h=-7)
    frame = timeline_of([row])
    assert list(frame.columns) == list(COLUMNS)
    assert frame.loc[0, "start_utc"] == pd.Timestamp("2026-03-09 01:00", tz="UTC")
    assert bool(frame.loc[0, "is_run"])
    assert not timeline_of([run("2026-03-08", 30.0, sport="cycling")]).loc[0, "is_run"]
