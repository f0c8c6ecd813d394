"""The same activity from two files is counted once; different activities never merge."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from loadwatch.timeline.duplicates import merge_duplicates, same_activity

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def row(file: str, fmt: str, start_min: float, minutes: float, km: float, **extra) -> dict:
    base = {
        "file": file,
        "format": fmt,
        "start_utc": T0 + timedelta(minutes=start_min),
        "elapsed_s": minutes * 60,
        "duration_s": minutes * 60,
        "distance_km": km,
        "n_laps": 0,
        "n_records": 100,
        "ascent_m": math.nan,
        "avg_hr_bpm": math.nan,
        "sport": "running",
        "sub_sport": None,
        "digest": file,
        "session_index": 0,
    }
    base.update(extra)
    return base


def test_fit_and_gpx_of_one_run_merge_keeping_fit_and_filling_ascent() -> None:
    fit = row("run.fit", "fit", 0, 60, 10.0, n_laps=10)
    gpx = row("run.gpx", "gpx", 0.2, 59.5, 10.3, ascent_m=84.0, n_records=3600)
    kept, merges = merge_duplicates([gpx, fit], "avery")
    assert len(kept) == 1
    assert kept[0]["file"] == "run.fit"
    assert kept[0]["ascent_m"] == 84.0  # filled from the GPX
    assert kept[0]["merged_from"] == ["run.gpx"]
    assert [(m.kept, m.dropped) for m in merges] == [("run.fit", "run.gpx")]
    assert "overlap" in merges[0].reason


def test_identical_content_merges() -> None:
    a = row("a/run.fit", "fit", 0, 30, 5.0, digest="abc")
    b = row("b/copy.fit", "fit", 0, 30, 5.0, digest="abc")
    kept, merges = merge_duplicates([a, b], "x")
    assert len(kept) == 1 and len(merges) == 1
    assert merges[0].reason == "identical file content"


def test_back_to_back_runs_do_not_merge() -> None:
    warmup = row("w.fit", "fit", 0, 15, 3.0, digest="w")
    race = row("r.fit", "fit", 16, 40, 10.0, digest="r")
    kept, merges = merge_duplicates([warmup, race], "x")
    assert len(kept) == 2 and merges == []


def test_sessions_of_one_file_never_merge() -> None:
    a = row("tri.fit", "fit", 0, 60, 40.0, session_index=0, sport="cycling")
    b = row("tri.fit", "fit", 0, 60, 40.0, session_index=1, sport="running")
    kept, _ = merge_duplicates([a, b], "x")
    assert len(kept) == 2


def test_overlap_with_very_different_distance_is_not_a_duplicate_unless_same_start() -> None:
    walk = row("walk.fit", "fit", 0, 60, 4.0, digest="1")
    run = row("run.gpx", "gpx", 20, 60, 12.0, digest="2")
    assert same_activity(walk, run) is None
    ride_fit = row("ride.fit", "fit", 0, 120, 36.3, digest="3", sport="cycling")
    ride_gpx = row("ride.gpx", "gpx", 0.5, 119, 47.0, digest="4", sport="cycling")
    assert same_activity(ride_fit, ride_gpx) is not None


def test_unknown_sport_of_kept_file_is_taken_from_the_duplicate() -> None:
    fit = row("run.fit", "fit", 0, 60, 10.0, sport="unknown")
    gpx = row("run.gpx", "gpx", 0, 60, 10.0, sport="running")
    kept, _ = merge_duplicates([fit, gpx], "x")
    assert kept[0]["file"] == "run.fit" and kept[0]["sport"] == "running"


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(5, 180), st.floats(0.5, 40)),
        min_size=0,
        max_size=12,
    )
)
def test_merging_never_loses_or_invents_activities(items) -> None:
    rows = [
        row(f"f{i}.fit", "fit", start, minutes, km, digest=f"d{i}")
        for i, (start, minutes, km) in enumerate(items)
    ]
    kept, merges = merge_duplicates(rows, "x")
    assert len(kept) + len(merges) == len(rows)
    kept_files = {r["file"] for r in kept}
    dropped = {m.dropped for m in merges}
    assert kept_files.isdisjoint(dropped)
    assert kept_files | dropped == {r["file"] for r in rows}
    # kept activities never overlap each other by more than half with similar distance
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            assert same_activity(a, b) is None
    assert [r["start_utc"] for r in kept] == sorted(r["start_utc"] for r in kept)
