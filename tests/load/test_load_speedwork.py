"""Fast distance (workout laps or the speed stream) and ``speedwork-increase``."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from loadwatch.importers.streams import speed_profile
from loadwatch.load import speedwork
from loadwatch.load.weekly import weekly_table
from loadwatch.rules.ruleset import load_rules
from loadwatch.timeline.build import LAP_COLUMNS

from load_frames import run, timeline_of

RULES = load_rules()
RULE = RULES["speedwork-increase"]
MON = date(2026, 1, 5)
EASY_MPS = 1000.0 / 330.0  # 5:30 min/km
REP_MPS = 1000.0 / 240.0  # 4:00 min/km


def stream(segments: list[tuple[float, float]], step_s: float = 5.0) -> np.ndarray:
    """A speed profile from ``(metres, speed)`` segments, sampled every ``step_s``."""
    speeds = []
    for metres, speed in segments:
        speeds += [speed] * max(1, round(metres / speed / step_s))
    rng = np.random.default_rng(len(speeds))
    speed = np.asarray(speeds) * (1 + rng.normal(0, 0.02, len(speeds)))
    distance = np.concatenate(([0.0], np.cumsum(speed * step_s)))
    return speed_profile(np.arange(distance.size) * step_s, distance)


def interval_segments(reps: int = 6, rep_m: float = 800.0) -> list[tuple[float, float]]:
    recovery = (120 * EASY_MPS / 1.25, EASY_MPS / 1.25)
    segments = [(2000.0, EASY_MPS)]
    for i in range(reps):
        segments.append((rep_m, REP_MPS))
        if i < reps - 1:
            segments.append(recovery)
    return [*segments, (2000.0, EASY_MPS)]


def easy_weeks(weeks: int, first: date = MON) -> tuple[list[dict], dict[str, np.ndarray]]:
    rows, profiles = [], {}
    for w in range(weeks):
        for day, km in ((1, 8.0), (3, 8.0), (6, 12.0)):
            start = datetime.combine(first + timedelta(weeks=w, days=day), datetime.min.time())
            row = run(start + timedelta(hours=7), km)
            rows.append(row)
            profiles[row["activity_id"]] = stream([(km * 1000.0, EASY_MPS)])
    return rows, profiles


def interval_run(day: date, with_profile: bool = True) -> tuple[dict, np.ndarray | None]:
    segments = interval_segments()
    km = sum(m for m, _ in segments) / 1000.0
    row = run(datetime.combine(day, datetime.min.time()) + timedelta(hours=18), km)
    return row, stream(segments) if with_profile else None


def workout_laps(row: dict, easy_active: bool = False) -> pd.DataFrame:
    """FIT workout laps of :func:`interval_run`: warm-up, 6 × (active, rest), cool-down."""
    laps = [("warmup", 2000.0, EASY_MPS)]
    for i in range(6):
        laps.append(("active", 800.0, EASY_MPS if easy_active else REP_MPS))
        if i < 5:
            laps.append(("rest", 120 * EASY_MPS / 1.25, EASY_MPS / 1.25))
    laps.append(("cooldown", 2000.0, EASY_MPS))
    return pd.DataFrame(
        [
            {
                "athlete": row["athlete"],
                "activity_id": row["activity_id"],
                "lap_index": i,
                "start_utc": row["start_utc"],
                "elapsed_s": metres / speed,
                "timer_s": metres / speed,
                "distance_m": metres,
                "avg_speed_mps": speed,
                "intensity": intensity,
                "trigger": "manual",
            }
            for i, (intensity, metres, speed) in enumerate(laps)
        ],
        columns=list(LAP_COLUMNS),
    )


def evaluate(rows, laps=None, profiles=None):
    timeline = timeline_of(rows)
    fast = speedwork.fast_distance_km(timeline, laps, profiles, RULE)
    weeks = weekly_table(timeline, fast_km=fast)
    speeds = speedwork.run_speeds(timeline, laps, profiles, RULE)
    return speedwork.evaluate(weeks, RULES, speeds), weeks


def test_first_interval_session_from_the_speed_stream_is_flagged_that_week_only() -> None:
    rows, profiles = easy_weeks(8)
    row, profile = interval_run(MON + timedelta(weeks=6, days=2))
    profiles[row["activity_id"]] = profile
    findings, weeks = evaluate([*rows, row], profiles=profiles)
    assert [f.week_start for f in findings] == [MON + timedelta(weeks=6)]
    finding = findings[0]
    # The speed must be held for a minute (a trailing 60 s mean), so the first seconds of
    # each repetition do not count and a few seconds of each recovery do.
    assert finding.value == pytest.approx(4.8, abs=1.0)
    assert finding.severity == "caution" and finding.unit == "km"
    assert finding.evidence == "consensus heuristic"
    assert "the first after 6 easy weeks" in finding.message
    assert "no difference in injuries" in finding.evidence_note
    assert finding.evidence_note not in finding.message
    # The easy pace is the median bin of the profiles (0.1 m/s wide): 5:28-5:31 min/km.
    assert re.search(r"your easy 5:(2[89]|3[01]) min/km", finding.message)
    assert finding.message.endswith(finding.advice) and "Next week" in finding.advice
    # The advice keeps the fast running within the caution line (the finding's threshold).
    advised = float(re.search(r"to (\d+\.\d) km or less", finding.advice)[1])
    assert advised <= finding.threshold
    assert weeks["fast_km"].drop(6).max() < 0.3  # easy weeks hold (almost) no fast running


def test_first_interval_session_from_workout_laps_is_flagged() -> None:
    rows, profiles = easy_weeks(8)
    row, _ = interval_run(MON + timedelta(weeks=6, days=2), with_profile=False)
    findings, _ = evaluate([*rows, row], laps=workout_laps(row), profiles=profiles)
    assert [f.week_start for f in findings] == [MON + timedelta(weeks=6)]
    assert findings[0].value == pytest.approx(4.8)  # exactly the six active laps


def test_active_laps_at_easy_pace_are_not_fast() -> None:
    rows, profiles = easy_weeks(8)
    row, _ = interval_run(MON + timedelta(weeks=6, days=2), with_profile=False)
    findings, weeks = evaluate(
        [*rows, row], laps=workout_laps(row, easy_active=True), profiles=profiles
    )
    assert weeks["fast_km"].max() == 0.0
    assert findings == []


def test_auto_laps_are_not_a_workout_so_the_stream_decides() -> None:
    rows, profiles = easy_weeks(1)
    row = rows[0]
    auto = workout_laps(row).assign(intensity="active", trigger="distance")
    timeline = timeline_of(rows)
    speeds = speedwork.run_speeds(timeline, auto, profiles, RULE)
    assert (speeds["fast_source"] == "stream").all()
    assert speeds["fast_km"].max() < 0.3


def test_regular_weekly_intervals_are_not_flagged_after_the_first() -> None:
    rows, profiles = easy_weeks(10)
    for w in range(6, 10):
        row, profile = interval_run(MON + timedelta(weeks=w, days=2))
        rows.append(row)
        profiles[row["activity_id"]] = profile
    findings, _ = evaluate(rows, profiles=profiles)
    assert [f.week_start for f in findings] == [MON + timedelta(weeks=6)]


def test_doubling_the_fast_distance_is_flagged() -> None:
    rows, profiles = easy_weeks(10)
    for w, reps in ((4, 3), (5, 3), (6, 3), (7, 8)):
        segments = interval_segments(reps=reps)
        row = run(
            datetime.combine(MON + timedelta(weeks=w, days=2), datetime.min.time()),
            sum(m for m, _ in segments) / 1000.0,
        )
        rows.append(row)
        profiles[row["activity_id"]] = stream(segments)
    findings, _ = evaluate(rows, profiles=profiles)
    # Week 4: 2.4 km after four easy weeks; week 7: 6.4 km against a usual 2.4 km.
    assert [f.week_start for f in findings] == [MON + timedelta(weeks=4), MON + timedelta(weeks=7)]


def test_strides_twice_a_week_are_not_fast_running() -> None:
    # 6 × 20 s strides at 5 m/s at the end of an easy run: the one-minute trailing mean of
    # the speed profile lets each burst lift it a little (under 1 km a run), which is
    # below the minimum for a run to count as a fast session.
    strides = [(7000.0, EASY_MPS)] + [(100.0, 5.0), (200.0, EASY_MPS)] * 6
    rows, profiles = easy_weeks(8)
    for w in range(4, 8):
        for day in (2, 4):
            start = datetime.combine(MON + timedelta(weeks=w, days=day), datetime.min.time())
            row = run(start, 8.8)
            rows.append(row)
            profiles[row["activity_id"]] = stream(strides, step_s=1.0)
    findings, weeks = evaluate(rows, profiles=profiles)
    assert findings == []
    assert weeks["fast_km"].max() == 0.0


def test_the_stream_of_a_hilly_run_is_not_used() -> None:
    # Easy effort, but 1.5 km of quick downhills in a run with 30 m of climbing per km.
    downhill = [(2000.0, EASY_MPS), (1500.0, 3.8), (2000.0, 2.6), (2500.0, EASY_MPS)]
    rows, profiles = easy_weeks(4)
    flat = run(datetime(2026, 2, 3, 7), 8.0)
    hilly = run(datetime(2026, 2, 5, 7), 8.0, ascent_m=240.0, descent_m=240.0)
    for row in (flat, hilly):
        rows.append(row)
        profiles[row["activity_id"]] = stream(downhill)
    speeds = speedwork.run_speeds(timeline_of(rows), None, profiles, RULE).set_index("start_local")
    assert speeds.loc[pd.Timestamp(flat["start_local"]), "fast_source"] == "stream"
    assert speeds.loc[pd.Timestamp(flat["start_local"]), "fast_km"] > 1.0
    assert speeds.loc[pd.Timestamp(hilly["start_local"]), "fast_source"] == "hilly"
    assert np.isnan(speeds.loc[pd.Timestamp(hilly["start_local"]), "fast_km"])


def test_a_short_workout_under_a_kilometre_is_not_a_fast_session() -> None:
    rows, profiles = easy_weeks(1)
    row = rows[0]
    laps = workout_laps(row)
    laps.loc[laps["intensity"] == "active", "distance_m"] = 150.0  # 6 × 150 m = 0.9 km
    speeds = speedwork.run_speeds(timeline_of(rows), laps, profiles, RULE)
    assert speeds.loc[speeds["fast_source"] == "laps", "fast_km"].tolist() == [0.0]


def test_easy_speed_is_the_athletes_own() -> None:
    rows, profiles = easy_weeks(3)
    slow_rows = [run(r["start_local"], r["distance_km"], athlete="Slow") for r in rows]
    slow_profiles = {r["activity_id"]: stream([(8000.0, 2.4)]) for r in slow_rows}
    speeds = speedwork.run_speeds(
        timeline_of(rows + slow_rows), None, {**profiles, **slow_profiles}, RULE
    )
    easy = speeds.groupby("athlete")["easy_mps"].median()
    assert easy["Runner"] == pytest.approx(EASY_MPS, abs=0.1)
    assert easy["Slow"] == pytest.approx(2.4, abs=0.1)
    line = speeds["fast_line_mps"] / speeds["easy_mps"]
    assert line.to_numpy() == pytest.approx(1 + RULE.param("fast_margin"))


def test_fast_distance_is_zero_for_other_sports_and_unknown_without_data() -> None:
    timeline = timeline_of([run("2026-01-06 07:00", 8.0), run("2026-01-07", 30.0, sport="cycling")])
    fast = speedwork.fast_distance_km(timeline)
    assert np.isnan(fast.iloc[0])
    assert fast.iloc[1] == 0.0


def test_no_runs() -> None:
    assert speedwork.fast_distance_km(timeline_of([])).empty
