"""Daily running load: every day's figures and rolling sums come from the story's own plan.

The sample runner's files (``sample_data/``) are written from
:func:`loadwatch.synthetic.sample_athlete`; each expectation here is summed from
that plan (its runs, deduplicated as loadwatch should see them), never from the
table under test. The rolling windows are read from the schema's column names
(:data:`loadwatch.load.daily.ROLLING`) and the long-run window from the rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loadwatch as lw
from loadwatch.load.daily import (
    DAY_FIELDS,
    RECENT_DAYS,
    ROLLING,
    ROLLING_DAYS,
    daily_records,
    daily_table,
    daily_text,
)
from loadwatch.load.long_run import long_run_reference
from loadwatch.rules.ruleset import load_rules
from loadwatch.schema import DAYS, markdown_table
from loadwatch.synthetic import PlannedRun, sample_athlete, unique_runs
from loadwatch.synthetic.story import STORY_EVENTS
from loadwatch.units import km_to

from load_frames import run, timeline_of

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
RULES = load_rules()
WINDOW_DAYS = int(RULES["long-run-spike"].param("window_days"))
#: GPX track lengths are within 0.1 % of the plan: a few metres per run.
KM_TOLERANCE = 0.02


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE)


@pytest.fixture(scope="module")
def table(sample: lw.ImportResult) -> pd.DataFrame:
    return daily_table(sample.timeline)


@pytest.fixture(scope="module")
def story_runs() -> list[PlannedRun]:
    return [r for r in unique_runs(sample_athlete().runs) if r.sport == "running"]


def story_day(key: str) -> date:
    (event,) = [e for e in STORY_EVENTS if e.key == key]
    return event.day


def runs_between(runs: list[PlannedRun], first: date, last: date) -> list[PlannedRun]:
    return [r for r in runs if first <= r.start_local.date() <= last]


def row_of(table: pd.DataFrame, day: date) -> pd.Series:
    rows = table[table["day"] == pd.Timestamp(day)]
    assert len(rows) == 1, day
    return rows.iloc[0]


def test_columns_are_the_schema_and_the_windows_come_from_their_names(
    table: pd.DataFrame,
) -> None:
    assert tuple(table.columns) == DAYS.names()
    assert DAYS.json_fields() == DAY_FIELDS
    assert ROLLING_DAYS == (7, 28)  # the rolling 7- and 28-day sums
    assert ROLLING_DAYS[-1] == RECENT_DAYS
    for name, (base, _days) in ROLLING.items():
        assert base in DAYS.names() and DAYS[name].unit == DAYS[base].unit
    for name in DAYS.names_of("int64"):
        assert table[name].dtype == "int64"
    assert table["day"].dtype == "datetime64[ns]"
    rendered = markdown_table(DAYS)
    assert all(f"| `{name}` |" in rendered for name in DAYS.names())


def test_every_calendar_day_from_the_first_to_the_last_activity(
    sample: lw.ImportResult, table: pd.DataFrame
) -> None:
    first = sample.timeline["start_local"].min().normalize()
    last = sample.timeline["start_local"].max().normalize()
    assert table["day"].iloc[0] == first and table["day"].iloc[-1] == last
    assert len(table) == (last - first).days + 1
    assert (table["day"].diff().dropna() == pd.Timedelta(days=1)).all()
    assert set(table["athlete"]) == {sample_athlete().name}


def test_each_day_holds_the_story_runs_of_that_day_and_rest_days_are_zero(
    table: pd.DataFrame, story_runs: list[PlannedRun]
) -> None:
    rest_days = 0
    for row in table.itertuples(index=False):
        day = row.day.date()
        planned = runs_between(story_runs, day, day)
        assert row.runs == len(planned), day
        assert row.distance_km == pytest.approx(
            sum(r.distance_km for r in planned), abs=KM_TOLERANCE
        )
        assert row.longest_run_km == pytest.approx(
            max((r.distance_km for r in planned), default=0.0), abs=KM_TOLERANCE
        )
        if not planned:
            rest_days += 1
            assert (row.distance_km, row.duration_s, row.ascent_m) == (0.0, 0.0, 0.0)
    # the story's three-week layoff alone is 21 rest days in a row
    assert rest_days > 21


def test_rolling_sums_are_the_story_runs_of_the_days_ending_that_day(
    table: pd.DataFrame, story_runs: list[PlannedRun]
) -> None:
    for row in table.itertuples(index=False):
        day = row.day.date()
        for days in ROLLING_DAYS:
            planned = runs_between(story_runs, day - timedelta(days=days - 1), day)
            assert getattr(row, f"runs_{days}d") == len(planned), (day, days)
            assert getattr(row, f"distance_km_{days}d") == pytest.approx(
                sum(r.distance_km for r in planned), abs=KM_TOLERANCE
            ), (day, days)


def test_rolling_time_and_climbing_sum_the_days_of_the_window(table: pd.DataFrame) -> None:
    for name, (base, days) in ROLLING.items():
        expected = [table[base].iloc[max(0, i - days + 1) : i + 1].sum() for i in range(len(table))]
        assert table[name].to_list() == pytest.approx(expected, abs=1e-6), name


def test_a_sunday_closes_its_week_with_the_7_day_sum_equal_to_the_weekly_total(
    sample: lw.ImportResult, table: pd.DataFrame
) -> None:
    weeks = lw.weekly_load(sample)
    for week in weeks.itertuples(index=False):
        sunday = week.week_start + pd.Timedelta(days=6)
        if sunday > table["day"].iloc[-1]:
            continue
        row = row_of(table, sunday.date())
        assert row["distance_km_7d"] == pytest.approx(week.distance_km, abs=1e-6)
        assert row["runs_7d"] == week.runs
        assert row["duration_s_7d"] == pytest.approx(week.duration_s, abs=1e-6)


def test_the_window_longest_run_is_the_long_run_rules_reference_on_the_spike_day(
    sample: lw.ImportResult, table: pd.DataFrame, story_runs: list[PlannedRun]
) -> None:
    spike_day = story_day("long-run-spike")
    row = row_of(table, spike_day)
    before = runs_between(
        story_runs, spike_day - timedelta(days=WINDOW_DAYS), spike_day - timedelta(days=1)
    )
    story_longest = max(r.distance_km for r in before)
    assert row["longest_run_km_window"] == pytest.approx(story_longest, abs=KM_TOLERANCE)
    reference = long_run_reference(sample.timeline, RULES["long-run-spike"])
    spike = reference[reference["start_local"].dt.date == spike_day]
    assert spike["severity"].to_list() == ["caution"]  # the planted spike is flagged ...
    # ... against the same number this table shows for that day
    assert row["longest_run_km_window"] == pytest.approx(spike["reference_km"].iloc[0])
    assert row["longest_run_km"] > row["longest_run_km_window"] * (
        1 + RULES["long-run-spike"].band("caution") / 100
    )
    # the next day the spike itself is the longest of the window
    assert row_of(table, spike_day + timedelta(days=1))["longest_run_km_window"] == pytest.approx(
        row["longest_run_km"]
    )


def test_the_window_is_read_from_the_rule(sample: lw.ImportResult, tmp_path: Path) -> None:
    shorter = WINDOW_DAYS // 2
    text = files("loadwatch.rules").joinpath("rules.toml").read_text(encoding="utf-8")
    text, count = re.subn(
        rf"^window_days = {WINDOW_DAYS}$", f"window_days = {shorter}", text, flags=re.MULTILINE
    )
    assert count == 1
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    rules = lw.load_rules(path)
    table = daily_table(sample.timeline, rules=rules)
    longest = table["longest_run_km"].to_numpy()
    for i in range(1, len(table)):
        expected = longest[max(0, i - shorter) : i].max()
        assert table["longest_run_km_window"].iloc[i] == expected, table["day"].iloc[i]
    assert pd.isna(table["longest_run_km_window"].iloc[0])  # nothing before the records
    assert f"longest {shorter}d" in daily_text(daily_records(table), rules=rules)


def test_as_of_ignores_later_activities_and_runs_every_athlete_up_to_it(
    sample: lw.ImportResult, table: pd.DataFrame
) -> None:
    spike_day = story_day("long-run-spike")
    cut = daily_table(sample.timeline, as_of=spike_day - timedelta(days=1))
    assert cut["day"].iloc[-1] == pd.Timestamp(spike_day - timedelta(days=1))
    pd.testing.assert_frame_equal(cut, table.iloc[: len(cut)].reset_index(drop=True))
    longest = ROLLING_DAYS[-1]
    later = table["day"].iloc[-1] + pd.Timedelta(days=longest)
    quiet = daily_table(sample.timeline, as_of=later.date())
    assert len(quiet) == len(table) + longest
    tail = quiet.iloc[-longest:]
    assert (tail["distance_km"] == 0).all() and (tail["runs"] == 0).all()
    assert quiet.iloc[-1][f"distance_km_{longest}d"] == 0
    assert quiet.iloc[-1][f"runs_{longest}d"] == 0


def test_since_keeps_the_earlier_days_as_history(
    sample: lw.ImportResult, table: pd.DataFrame
) -> None:
    since = story_day("healthy-build")
    shown = daily_table(sample.timeline, since=since)
    assert shown["day"].iloc[0] == pd.Timestamp(since)
    full = table[table["day"] >= pd.Timestamp(since)].reset_index(drop=True)
    pd.testing.assert_frame_equal(shown, full)


def test_a_roster_runs_to_the_whole_rosters_latest_day() -> None:
    rows = [
        run(datetime(2026, 1, 5, 7, 0) + timedelta(days=2 * i), 8.0, athlete="Ann")
        for i in range(20)
    ]
    rows += [
        run(datetime(2026, 1, 6, 7, 0) + timedelta(days=i), 5.0, athlete="Ben") for i in range(5)
    ]
    table = daily_table(timeline_of(rows))
    last_day = pd.Timestamp(datetime(2026, 1, 5) + timedelta(days=38))
    for athlete, first in (("Ann", datetime(2026, 1, 5)), ("Ben", datetime(2026, 1, 6))):
        mine = table[table["athlete"] == athlete]
        assert mine["day"].iloc[0] == pd.Timestamp(first)
        assert mine["day"].iloc[-1] == last_day
    ben = table[table["athlete"] == "Ben"].iloc[-1]
    assert (ben["distance_km_7d"], ben["runs_28d"]) == (0.0, 0)  # stopped: zeros, not gone
    assert ben["longest_run_km_window"] == 0.0  # no run in the window before that day


def test_text_shows_the_last_days_in_the_runners_unit(table: pd.DataFrame) -> None:
    records = daily_records(table)
    text = daily_text(records, {sample_athlete().name: "mi"}, days=RECENT_DAYS)
    lines = text.splitlines()
    rows = [line.split() for line in lines if re.match(r"^[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} ", line)]
    assert len(rows) == RECENT_DAYS
    assert [row[1] for row in rows] == [r["day"] for r in records[-RECENT_DAYS:]]
    last = records[-1]
    assert rows[-1][3] == f"{km_to(last['distance_km_7d'], 'mi'):.1f}"
    assert rows[-1][2] == f"{km_to(last['distance_km'], 'mi'):.1f}"
    assert " in mi;" in lines[0] and "7d mi" in lines[2]
    rest = [row for row, r in zip(rows, records[-RECENT_DAYS:], strict=True) if r["runs"] == 0]
    assert rest and all(row[2] == "-" for row in rest)
    assert len(daily_text(records).splitlines()) == len(records) + 3  # every day by default


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=70),  # day of the history
            st.integers(min_value=5, max_value=22),  # hour
            st.sampled_from([0.0, 3.0, 5.5, 10.0, 21.1]),  # km (0: not a run)
            st.sampled_from(["running", "cycling"]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.integers(min_value=0, max_value=40),  # as_of: days after the last activity
)
def test_rolling_sums_hold_for_any_history(
    activities: list[tuple[int, int, float, str]], after: int
) -> None:
    start = datetime(2026, 3, 1)
    rows = [
        run(start + timedelta(days=d, hours=h), km, sport=sport) for d, h, km, sport in activities
    ]
    last_day = max(d for d, *_ in activities)
    as_of = (start + timedelta(days=last_day + after)).date()
    table = daily_table(timeline_of(rows), as_of=as_of)
    first_day = min(d for d, *_ in activities)
    assert len(table) == last_day + after - first_day + 1
    runs = [(d, km) for d, _h, km, sport in activities if sport == "running" and km > 0]
    for i, row in enumerate(table.itertuples(index=False)):
        day = first_day + i
        assert row.day == pd.Timestamp(start + timedelta(days=day))
        for days in ROLLING_DAYS:
            inside = [km for d, km in runs if day - days < d <= day]
            assert getattr(row, f"runs_{days}d") == len(inside)
            assert getattr(row, f"distance_km_{days}d") == pytest.approx(sum(inside), abs=1e-9)
        before = [km for d, km in runs if day - WINDOW_DAYS <= d < day]
        if i == 0:
            assert pd.isna(row.longest_run_km_window)
        else:
            assert row.longest_run_km_window == max(before, default=0.0)
