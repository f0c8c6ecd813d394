"""The benchmark's fast FIT data (benchmarks/fitgen.py: plans and one-second streams,
encoded by the package's FIT writer) are real FIT files.

A short plan in New York across the 2026 change to daylight-saving time is
written with the generator, then read back by fitparse (message counts, one
record a second, session totals, checksums) and by loadwatch (distance, time,
sport, start, laps, local time), and loadwatch's weekly totals are compared
with the plan's own.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import fitparse
import pytest

import loadwatch as lw
from loadwatch.synthetic import weekly_totals

from support import PROJECT_ROOT

ZONE = "America/New_York"


def _load_fitgen():
    path = PROJECT_ROOT / "benchmarks" / "fitgen.py"
    spec = importlib.util.spec_from_file_location("benchmarks_fitgen", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fitgen = _load_fitgen()


@pytest.fixture(scope="module")
def athlete():
    # Two weeks of four short runs; DST starts in New York on Sunday 2026-03-08.
    return fitgen.runner_plan(
        "Bench Tester",
        ZONE,
        (40.78, -73.97),
        first_monday=date(2026, 3, 2),
        weeks=2,
        runs_per_week=4,
        volume=0.3,
        minutes_range=(10.0, 40.0),
        seed=3,
    )


@pytest.fixture(scope="module")
def written(athlete, tmp_path_factory) -> list[tuple[Path, object]]:
    folder = tmp_path_factory.mktemp("bench") / "bench-tester"
    paths = fitgen.write_athlete_fit(athlete, folder, seed=5)
    runs = sorted(athlete.runs, key=lambda r: r.start_local)
    return list(zip(paths, runs, strict=True))


def _utc_start(run) -> datetime:
    return run.start_local.replace(tzinfo=ZoneInfo(ZONE)).astimezone(UTC)


def test_the_plan_crosses_the_clock_change(athlete):
    offsets = {_utc_start(r).utcoffset() for r in athlete.runs}
    local_offsets = {r.start_local.replace(tzinfo=ZoneInfo(ZONE)).utcoffset() for r in athlete.runs}
    assert offsets == {timedelta(0)}
    assert local_offsets == {timedelta(hours=-5), timedelta(hours=-4)}
    assert len(athlete.runs) == 8


@pytest.mark.parametrize("index", [0, 3, 7])
def test_fitparse_reads_a_generated_file(written, index):
    path, run = written[index]
    duration = fitgen.duration_s(run)
    messages = list(fitparse.FitFile(str(path), check_crc=True).get_messages())
    counts = Counter(m.name for m in messages)
    laps = math.ceil(run.distance_km - 1e-9)  # an auto lap every started kilometre
    assert counts == {
        "file_id": 1,
        "event": 2,
        "device_info": 1,
        "record": duration + 1,
        "lap": laps,
        "session": 1,
        "activity": 1,
    }
    values = {name: [m.get_values() for m in messages if m.name == name] for name in counts}
    file_id = values["file_id"][0]
    assert (file_id["type"], file_id["manufacturer"], file_id["garmin_product"]) == (
        "activity",
        "garmin",
        3992,
    )
    start = _utc_start(run).replace(tzinfo=None)
    records = values["record"]
    assert [r["timestamp"] for r in records] == [
        start + timedelta(seconds=s) for s in range(duration + 1)
    ]
    assert records[0]["distance"] == 0
    assert records[-1]["distance"] == pytest.approx(run.distance_km * 1000, abs=0.01)
    assert all(1.5 < r["enhanced_speed"] < 6 for r in records)
    assert all(abs(r["position_lat"] / 2**31 * 180 - 40.78) < 0.05 for r in records)
    session = values["session"][0]
    assert session["sport"] == "running"
    assert session["start_time"] == start
    assert session["total_distance"] == pytest.approx(run.distance_km * 1000, abs=0.01)
    assert session["total_elapsed_time"] == session["total_timer_time"] == duration
    assert session["num_laps"] == laps
    assert session["total_ascent"] == pytest.approx(run.ascent_m, abs=2)
    assert session["total_descent"] == pytest.approx(run.ascent_m, abs=2)
    assert 100 < session["avg_heart_rate"] < session["max_heart_rate"] <= 200
    lap_values = values["lap"]
    assert sum(lap["total_distance"] for lap in lap_values) == pytest.approx(
        session["total_distance"], abs=0.05
    )
    assert [lap["lap_trigger"] for lap in lap_values] == ["distance"] * (laps - 1) + ["session_end"]
    end_local = (_utc_start(run) + timedelta(seconds=duration)).astimezone(ZoneInfo(ZONE))
    local = values["activity"][0]["local_timestamp"]
    assert local == end_local.replace(tzinfo=None)


def test_loadwatch_reads_the_generated_folder(written, athlete):
    result = lw.import_activities(written[0][0].parent)
    assert result.report.errors == [] and result.report.warnings == []
    timeline = result.timeline.sort_values("start_utc").reset_index(drop=True)
    assert len(timeline) == len(written)
    for (_, run), (_, row) in zip(written, timeline.iterrows(), strict=True):
        start = _utc_start(run)
        assert row["sport"] == "running" and row["is_run"]
        assert row["start_utc"] == start
        assert row["start_local"] == run.start_local
        assert row["timezone"] == ZONE
        assert row["utc_offset_s"] == start.astimezone(ZoneInfo(ZONE)).utcoffset().total_seconds()
        assert row["distance_km"] == pytest.approx(run.distance_km, abs=1e-5)
        assert row["duration_s"] == row["elapsed_s"] == fitgen.duration_s(run)
        assert row["n_records"] == fitgen.duration_s(run) + 1
        assert row["n_laps"] == math.ceil(run.distance_km - 1e-9)
        assert row["device"] == "garmin fr255"
    weeks = lw.weekly_table(result.timeline)
    plan = weekly_totals(athlete.runs, athlete.week_start)
    assert [w.date() for w in weeks["week_start"]] == [w.week_start for w in plan]
    for got, want in zip(weeks["distance_km"], plan, strict=True):
        assert got == pytest.approx(want.distance_km, rel=0.005)
    for got, want in zip(weeks["ascent_m"], plan, strict=True):
        assert got == pytest.approx(want.ascent_m, rel=0.005, abs=4)


def test_files_are_deterministic_from_the_seed(athlete):
    run = athlete.runs[0]
    same = [fitgen.fit_file_bytes(run, timezone=ZONE, home=athlete.home, seed=9) for _ in "ab"]
    other = fitgen.fit_file_bytes(run, timezone=ZONE, home=athlete.home, seed=10)
    assert same[0] == same[1]
    assert other != same[0] and len(other) == len(same[0])


def test_the_benchmark_plans_have_the_promised_size():
    runner = fitgen.five_year_runner()
    minutes = [fitgen.duration_s(r) / 60 for r in runner.runs]
    assert 1400 <= len(runner.runs) <= 1600
    assert 4.5e6 <= fitgen.record_count(runner.runs) <= 6e6
    assert min(minutes) >= 25 and max(minutes) <= 150
    assert sum(40 <= m <= 70 for m in minutes) > len(minutes) / 2
    weeks = weekly_totals(runner.runs)
    km = [w.distance_km for w in weeks]
    jumps = sum(1 for a, b in itertools.pairwise(km) if a > 0 and b > 1.3 * a)
    assert jumps >= 3  # a few realistic spikes for the rules to find
    assert sum(1 for k in km if k == 0) == 3  # one three-week layoff
    roster = fitgen.roster_plan()
    assert len(roster) == 30
    assert len({a.name for a in roster}) == 30
    assert 200 * 30 <= sum(len(a.runs) for a in roster) <= 300 * 30
