"""The load rules on real files: synthetic athletes written as FIT/GPX, imported, checked.

Each athlete tells one story from the issue; every test asserts *where* the
finding is (which week or run) and where it is not. All athletes are written
into one roster folder and imported once for the module.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import loadwatch
from loadwatch.findings.check import evaluate, findings_frame, weekly_load
from loadwatch.importers.streams import speed_profile
from loadwatch.load.weekly import weekly_table
from loadwatch.rules.ruleset import Finding
from loadwatch.synthetic import (
    Athlete,
    Intervals,
    PlannedRun,
    build_weeks,
    ramp_km,
    weekly_totals,
    write_athlete,
)
from loadwatch.timeline.build import ImportResult

LONDON = ("Europe/London", (51.5074, -0.1278))
LOS_ANGELES = ("America/Los_Angeles", (34.0522, -118.2437))
MON = date(2026, 1, 5)  # a Monday
#: Coarse samples keep FIT writing fast; 30 s is the stream's longest non-pause step.
FAST_FILE = {"record_interval_s": 30.0, "heart_rate": False}


def _athlete(name: str, place: tuple[str, tuple[float, float]], runs: list[PlannedRun]) -> Athlete:
    return Athlete(name, place[0], place[1], runs)


def steady_then_jump() -> Athlete:
    """8 weeks of 30 km, then one 45 km week."""
    return _athlete("Steady Sam", LONDON, build_weeks(MON, [30] * 8 + [45], 4, **FAST_FILE))


BUILD_KM = ramp_km(30, 16, 0.07, recovery_every=4, recovery_factor=0.75)


def build_with_recovery() -> Athlete:
    """A +7 %/week build with a −25 % recovery week every 4th week (GPX)."""
    return _athlete("Build Bea", LONDON, build_weeks(MON, BUILD_KM, 4, fmt="gpx", **FAST_FILE))


SPIKE_DAY = date(2026, 2, 15)  # Sunday of week 6


def long_run_spike() -> Athlete:
    """Five weeks whose longest run is 12 km, then a 20 km Sunday long run."""
    runs = build_weeks(MON, [34.3] * 6, 4, **FAST_FILE)
    long_run = next(r for r in runs if r.start_local.date() == SPIKE_DAY)
    runs[runs.index(long_run)] = replace(long_run, distance_km=20.0)
    return _athlete("Long Lou", LONDON, runs)


def hill_repeats() -> Athlete:
    """A flat runner (6 weeks) whose week 7 holds ~900 m of hill repeats, then flat again."""
    runs = build_weeks(MON, [30] * 9, 4, **FAST_FILE)
    week7 = [r for r in runs if MON + timedelta(weeks=6) <= r.start_local.date()]
    week7 = [r for r in week7 if r.start_local.date() < MON + timedelta(weeks=7)]
    for run, climb in zip(week7, (250, 200, 200, 250), strict=True):
        runs[runs.index(run)] = replace(run, ascent_m=float(climb))
    return _athlete("Hill Hana", LONDON, runs)


INTERVAL_DAY = datetime(2026, 2, 19, 18, 30)  # Thursday of week 7, instead of an easy run


def first_intervals(name: str, fmt: str) -> Athlete:
    """Six easy weeks, then week 7's Thursday run is a 6 × 800 m session at 4:00/km
    (the week's distance unchanged), then easy again."""
    easy = {"record_interval_s": 10.0, "heart_rate": False, "fmt": fmt}
    runs = build_weeks(MON, [30] * 8, 3, pace_s_per_km=330.0, **easy)
    runs = [r for r in runs if r.start_local.date() != INTERVAL_DAY.date()]
    runs.append(
        PlannedRun(
            INTERVAL_DAY,
            10.0,
            pace_s_per_km=330.0,
            intervals=Intervals(reps=6, rep_m=800, rep_pace_s_per_km=240, recovery_s=120),
            **easy,
        )
    )
    return _athlete(name, LONDON, runs)


def layoff_then_full() -> Athlete:
    """Six weeks of 30 km, four weeks off, then straight back to 30 km a week."""
    return _athlete(
        "Layoff Leo", LONDON, build_weeks(MON, [30] * 6 + [0] * 4 + [30] * 3, 4, **FAST_FILE)
    )


def layoff_then_ramp() -> Athlete:
    """Six weeks of 30 km, four weeks off, then back at 50 % → 75 % → 100 %."""
    weeks = [30] * 6 + [0] * 4 + [15, 22.5, 30, 30]
    return _athlete("Ramp Rae", LONDON, build_weeks(MON, weeks, 4, **FAST_FILE))


LA_FIRST = date(2026, 2, 2)  # Monday; the weeks span the DST start of 2026-03-08


def sunday_evenings() -> Athlete:
    """A Los Angeles runner: 32 km/week, Sunday long run in the evening for 4 weeks
    (Monday in UTC), then in the morning for 4 weeks."""
    evening = build_weeks(LA_FIRST, [32] * 4, 3, long_run_time=datetime(1, 1, 1, 18).time())
    morning = build_weeks(LA_FIRST + timedelta(weeks=4), [32] * 4, 3)
    runs = [replace(r, **FAST_FILE) for r in evening + morning]
    return _athlete("Sunday Sol", LOS_ANGELES, runs)


ATHLETES = (
    steady_then_jump,
    build_with_recovery,
    long_run_spike,
    hill_repeats,
    lambda: first_intervals("Interval Ian", "fit"),
    lambda: first_intervals("Interval Gia", "gpx"),
    layoff_then_full,
    layoff_then_ramp,
    sunday_evenings,
)


def profiles_of(result: ImportResult) -> dict[str, object]:
    """Speed profiles per activity: ``result.profiles``, and for any run the import kept
    none of, computed here from the file's time and distance stream."""
    profiles = dict(getattr(result, "profiles", {}) or {})
    for row in result.timeline[result.timeline["is_run"]].itertuples(index=False):
        if row.activity_id in profiles:
            continue
        records = loadwatch.read_records(row.file)
        seconds = (records["time_utc"] - records["time_utc"].iloc[0]).dt.total_seconds()
        profiles[row.activity_id] = speed_profile(seconds.to_numpy(), records["distance_m"])
    return profiles


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportResult, list[Finding]]:
    root: Path = tmp_path_factory.mktemp("roster")
    for make in ATHLETES:
        athlete = make()
        write_athlete(athlete, root / athlete.name.lower().replace(" ", "-"))
    result = loadwatch.import_activities(root, roster=True)
    assert not result.report.errors, result.report.lines()
    starts = {name: s.week_start for name, s in result.settings.items()}
    findings = evaluate(result.timeline, result.laps, profiles_of(result), week_start=starts)
    return result, findings


def found(findings: list[Finding], athlete: str, rule: str | None = None) -> pd.DataFrame:
    frame = findings_frame(findings)
    frame = frame[frame["athlete"] == athlete]
    return frame if rule is None else frame[frame["rule"] == rule]


def week(index: int, first: date = MON) -> pd.Timestamp:
    """First day of week ``index`` (1-based) of a plan starting on ``first``."""
    return pd.Timestamp(first + timedelta(weeks=index - 1))


def test_every_athlete_was_imported_with_its_runs(imported) -> None:
    result, _ = imported
    names = set(result.timeline["athlete"])
    assert names == {make().name for make in ATHLETES}
    assert result.timeline["is_run"].all()


def test_steady_weeks_then_a_45_km_week_is_high_in_that_week_only(imported) -> None:
    _, findings = imported
    hits = found(findings, "Steady Sam", "weekly-increase")
    assert hits["week_start"].tolist() == [week(9)]
    assert hits["severity"].tolist() == ["high"]
    assert hits["value"].iloc[0] == pytest.approx(50.0, abs=1.0)
    assert hits["date"].iloc[0] == week(9) + pd.Timedelta(days=6)


def test_a_build_with_recovery_weeks_is_never_high(imported) -> None:
    result, findings = imported
    weeks = weekly_table(result.timeline[result.timeline["athlete"] == "Build Bea"])
    assert weeks["distance_km"].round(0).tolist() == pytest.approx(BUILD_KM, abs=1.0)
    hits = found(findings, "Build Bea", "weekly-increase")
    assert (hits["severity"] != "high").all()
    # Not even a caution in the week after each recovery week (weeks 5, 9, 13).
    after_recovery = {week(i) for i in (5, 9, 13)}
    assert after_recovery.isdisjoint(set(hits["week_start"]))
    assert found(findings, "Build Bea")["severity"].isin(["caution", "high"]).sum() == 0


def test_a_20_km_run_after_a_month_of_12_km_is_a_spike_on_that_day_only(imported) -> None:
    result, findings = imported
    runs = result.timeline[result.timeline["athlete"] == "Long Lou"]
    before = runs[runs["start_local"] < pd.Timestamp(SPIKE_DAY)]
    assert before["distance_km"].max() == pytest.approx(12.0, abs=0.05)
    hits = found(findings, "Long Lou", "long-run-spike")
    assert hits["date"].tolist() == [pd.Timestamp(SPIKE_DAY)]
    assert hits["severity"].tolist() == ["caution"]  # +67 %: above +10 %, not above +100 %
    message = hits["message"].iloc[0]
    assert "the longest of the previous 30 days was 12.0 km" in message
    assert "the caution line was 13.2 km (+10%)" in message


def test_a_flat_runners_first_week_of_hill_repeats_is_flagged(imported) -> None:
    result, findings = imported
    weeks = weekly_table(result.timeline[result.timeline["athlete"] == "Hill Hana"])
    assert weeks.loc[weeks["week_start"] == week(7), "ascent_m"].iloc[0] == pytest.approx(
        900, rel=0.05
    )
    hits = found(findings, "Hill Hana", "hill-increase")
    assert hits["week_start"].tolist() == [week(7)]
    assert hits["severity"].tolist() == ["caution"]
    assert hits["evidence"].tolist() == ["consensus heuristic"]


@pytest.mark.parametrize("name", ["Interval Ian", "Interval Gia"])
def test_the_first_interval_session_after_six_easy_weeks_is_flagged(imported, name) -> None:
    result, findings = imported
    hits = found(findings, name, "speedwork-increase")
    assert hits["week_start"].tolist() == [week(7)]
    # About the 4.8 km of repetitions: laps (FIT) or the position stream (GPX).
    assert hits["value"].iloc[0] == pytest.approx(4.8, abs=0.8)
    runs = result.timeline[result.timeline["athlete"] == name]
    assert set(runs["format"]) == {"fit" if name == "Interval Ian" else "gpx"}
    # The week's distance did not change: only the speed did.
    assert found(findings, name, "weekly-increase").empty


@pytest.mark.parametrize("name", ["Interval Ian", "Interval Gia"])
def test_runs_get_their_speed_profile_at_import(imported, name) -> None:
    result, _ = imported
    runs = result.timeline[result.timeline["athlete"] == name]
    assert set(runs["activity_id"]) <= set(result.profiles)


def test_the_interval_files_differ_in_laps(imported) -> None:
    result, _ = imported
    laps = result.laps.merge(result.timeline[["activity_id", "athlete"]], on="activity_id")
    ian = laps[laps["athlete_x"] == "Interval Ian"]
    assert {"warmup", "active", "rest", "cooldown"} <= set(ian["intensity"].dropna())
    assert laps[laps["athlete_x"] == "Interval Gia"].empty


def test_weekly_load_counts_fast_distance_only_in_the_interval_week(imported) -> None:
    result, _ = imported
    weeks = weekly_load(result)
    ian = weeks[weeks["athlete"] == "Interval Ian"].set_index("week_start")["fast_km"]
    assert ian[week(7)] == pytest.approx(4.8, abs=0.3)
    assert ian.drop(week(7)).max() < 0.5


def test_straight_back_to_full_volume_after_four_weeks_off(imported) -> None:
    _, findings = imported
    hits = found(findings, "Layoff Leo", "return-from-layoff")
    assert len(hits) >= 1
    first = hits.sort_values("date").iloc[0]
    assert first["week_start"] == week(11)  # the first week back
    assert first["severity"] == "caution"
    assert "50%" in first["message"]
    assert found(findings, "Layoff Leo", "weekly-increase").empty
    assert found(findings, "Layoff Leo", "return-from-layoff")["week_start"].max() <= week(12)


def test_a_gradual_return_is_not_flagged(imported) -> None:
    _, findings = imported
    alarms = found(findings, "Ramp Rae")
    assert alarms[alarms["severity"].isin(["caution", "high"])].empty


def test_los_angeles_sunday_evening_runs_stay_in_their_local_week(imported) -> None:
    result, findings = imported
    sol = result.timeline[result.timeline["athlete"] == "Sunday Sol"]
    weeks = weekly_table(sol)
    planned = weekly_totals(sunday_evenings().runs)
    assert weeks["week_start"].dt.date.tolist() == [w.week_start for w in planned]
    assert weeks["distance_km"].tolist() == pytest.approx([32.0] * 8, abs=0.1)
    assert found(findings, "Sunday Sol").empty  # 8 weeks: not a beginner, nothing to flag
    # In UTC weeks the evening long runs fall on Monday: week 5 would hold two long runs.
    utc = sol.assign(start_local=sol["start_utc"].dt.tz_localize(None))
    utc_findings = evaluate(utc)
    jumps = found(utc_findings, "Sunday Sol", "weekly-increase")
    assert week(5, LA_FIRST) in set(jumps["week_start"])
