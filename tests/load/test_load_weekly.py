"""The weekly table: local weeks, zero weeks, running only; property tests of the arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadwatch.load.weekly import WEEK_COLUMNS, week_start_of, weekly_table

from load_frames import run, timeline_of, week_runs

MON = date(2026, 1, 5)


def test_zero_weeks_are_kept_between_runs() -> None:
    frame = timeline_of(week_runs(MON, [20, 0, 0, 25], 2))
    weeks = weekly_table(frame)
    assert weeks["week_start"].tolist() == [
        pd.Timestamp(MON + timedelta(weeks=i)) for i in range(4)
    ]
    assert weeks["distance_km"].tolist() == pytest.approx([20, 0, 0, 25])
    assert weeks["runs"].tolist() == [2, 0, 0, 2]
    assert weeks["longest_run_km"].tolist() == pytest.approx([13, 0, 0, 16.25])
    assert list(weeks.columns) == list(WEEK_COLUMNS)


def test_only_runs_count() -> None:
    frame = timeline_of(
        [
            run("2026-01-06 07:00", 8.0),
            run("2026-01-07 07:00", 40.0, sport="cycling"),
            run("2026-01-08 07:00", 2.0, sport="swimming"),
        ]
    )
    weeks = weekly_table(frame)
    assert weeks["distance_km"].tolist() == [8.0]
    assert weeks["runs"].tolist() == [1]


def test_sunday_weeks_put_a_sunday_run_first() -> None:
    frame = timeline_of([run("2026-01-10 07:00", 5.0), run("2026-01-11 07:00", 10.0)])  # Sat, Sun
    monday = weekly_table(frame, "monday")
    sunday = weekly_table(frame, "sunday")
    assert monday["distance_km"].tolist() == [15.0]
    assert sunday["week_start"].tolist() == [pd.Timestamp("2026-01-04"), pd.Timestamp("2026-01-11")]
    assert sunday["distance_km"].tolist() == [5.0, 10.0]


def test_week_start_per_athlete() -> None:
    frame = timeline_of(
        [run("2026-01-11 07:00", 10.0, athlete="A"), run("2026-01-11 07:00", 10.0, athlete="B")]
    )
    weeks = weekly_table(frame, {"A": "sunday", "B": "monday"}).set_index("athlete")
    assert weeks.loc["A", "week_start"] == pd.Timestamp("2026-01-11")
    assert weeks.loc["B", "week_start"] == pd.Timestamp("2026-01-05")


def test_fast_distance_and_heat_time() -> None:
    rows = [
        run("2026-01-06 07:00", 10.0, avg_temperature_c=26.0),
        run("2026-01-08 07:00", 10.0, avg_temperature_c=np.nan, max_temperature_c=30.0),
        run("2026-01-10 07:00", 10.0, avg_temperature_c=24.9, max_temperature_c=28.0),
    ]
    frame = timeline_of(rows)
    fast = pd.Series([0.0, 2.5, np.nan], index=frame.index)
    weeks = weekly_table(frame, fast_km=fast, heat_c=25.0)
    assert weeks["fast_km"].tolist() == [2.5]
    # The average decides; the maximum only where there is no average.
    assert weeks["heat_s"].tolist() == [2 * 10.0 * 330.0]
    assert weekly_table(frame)["fast_km"].isna().all()


def test_empty_timeline_gives_an_empty_table_with_the_columns() -> None:
    weeks = weekly_table(timeline_of([]))
    assert weeks.empty
    assert list(weeks.columns) == list(WEEK_COLUMNS)
    assert weeks["week_start"].dtype == "datetime64[ns]"


def test_bad_week_start_is_refused() -> None:
    with pytest.raises(ValueError, match="week_start"):
        week_start_of(pd.Series(pd.to_datetime(["2026-01-05"])), "tuesday")


def test_unknown_ascent_counts_as_nothing_not_as_nan() -> None:
    frame = timeline_of([run("2026-01-06", 5.0, ascent_m=np.nan), run("2026-01-07", 5.0)])
    assert weekly_table(frame)["ascent_m"].tolist() == [0.0]


# --- property tests -------------------------------------------------------------------

_local_times = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31))
_runs = st.lists(
    st.tuples(_local_times, st.floats(min_value=0.5, max_value=45.0)), min_size=1, max_size=40
)


@settings(max_examples=60, deadline=None)
@given(runs=_runs, start=st.sampled_from(["monday", "sunday"]))
def test_weekly_table_arithmetic(runs, start) -> None:
    frame = timeline_of([run(t, km) for t, km in runs])
    weeks = weekly_table(frame, start)
    # Every kilometre and every run is counted once.
    assert weeks["distance_km"].sum() == pytest.approx(sum(km for _, km in runs))
    assert weeks["runs"].sum() == len(runs)
    # Consecutive weeks, each starting at midnight on the right weekday.
    first_day = 0 if start == "monday" else 6
    assert (weeks["week_start"].dt.day_of_week == first_day).all()
    assert (weeks["week_start"] == weeks["week_start"].dt.normalize()).all()
    assert (weeks["week_start"].diff().dropna() == pd.Timedelta(days=7)).all()
    # From the first run's week to the last run's week, zero weeks included.
    dates = [t.date() for t, _ in runs]
    span_days = (max(dates) - min(dates)).days
    assert span_days // 7 + 1 <= len(weeks) <= span_days // 7 + 2
    # Each run falls in the week that starts on or before its day, within 7 days.
    for t, km in runs:
        row = weeks[weeks["week_start"] <= pd.Timestamp(t)].iloc[-1]
        assert pd.Timestamp(t) - row["week_start"] < pd.Timedelta(days=7)
        assert row["longest_run_km"] >= km - 1e-9


@settings(max_examples=40, deadline=None)
@given(km=st.floats(min_value=0.5, max_value=45), moment=_local_times)
def test_one_run_is_one_week(km, moment) -> None:
    weeks = weekly_table(timeline_of([run(moment, km)]))
    assert len(weeks) == 1
    assert weeks["distance_km"].iloc[0] == pytest.approx(km)
    assert weeks["longest_run_km"].iloc[0] == pytest.approx(km)


_LA = ZoneInfo("America/Los_Angeles")
# The DST weeks of 2026 in Los Angeles: clocks go forward on 8 March, back on 1 November.
_dst_moments = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 3, 16)),
    st.datetimes(min_value=datetime(2026, 10, 25), max_value=datetime(2026, 11, 9)),
)


@settings(max_examples=60, deadline=None)
@given(moments=st.lists(_dst_moments, min_size=1, max_size=20))
def test_dst_weeks_follow_the_local_calendar(moments) -> None:
    rows = []
    for moment in moments:
        utc = moment.replace(tzinfo=UTC)
        local = utc.astimezone(_LA)
        offset_h = local.utcoffset().total_seconds() / 3600.0
        rows.append(run(local.replace(tzinfo=None), 5.0, utc_offset_h=offset_h))
    frame = timeline_of(rows)
    weeks = weekly_table(frame)
    for row in frame.itertuples():
        local_day = row.start_local.date()
        monday = local_day - timedelta(days=local_day.weekday())
        assert pd.Timestamp(monday) in set(weeks["week_start"])
    counted = weeks.set_index("week_start")["runs"]
    expected = pd.Series(
        [r.start_local.date() - timedelta(days=r.start_local.weekday()) for r in frame.itertuples()]
    ).value_counts()
    for monday, n in expected.items():
        assert counted[pd.Timestamp(monday)] == n
