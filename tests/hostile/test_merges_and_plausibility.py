"""No real run disappears into another file's span; impossible values never make load.

Issue 13: a GPX whose first time is a year early, and a watch left running for
29 hours, swallowed the real runs around them as "duplicates"; a TCX lap of
10¹² m made a 1,000,000,000 km week; a FIT file that repeats its session
message counted the run twice. Each case is built here with the project's own
writers (or as text/bytes in ``tmp_path``) beside good runs.
"""

from __future__ import annotations

import dataclasses
import math
import re
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pytest
from fitdecode.utils import compute_crc

import loadwatch as lw
from loadwatch.importers.fit.reader import decode_fit, read_fit
from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.fitwriter import fit_bytes
from loadwatch.synthetic.gpxwriter import gpx_text
from loadwatch.synthetic.track import simulate
from loadwatch.timeline.duplicates import (
    MIN_OVERLAP_OF_LONGER,
    SAME_START_S,
    merge_duplicates,
    same_activity,
    trusted_span,
)
from loadwatch.timeline.plausibility import (
    MAX_DISTANCE_KM,
    MAX_ELAPSED_S,
    MAX_SPEED_MPS,
    NOT_COUNTED,
    check_activity,
    is_flagged,
)
from loadwatch.timeline.rows import infer_is_run

from support import CORPUS_DIR

ZONE = "Europe/Amsterdam"
HOME = (52.37, 4.89)
DAY0 = datetime(2026, 6, 1, 7, 0)  # a Monday, local wall time
T0 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def row(file: str, start: datetime, elapsed_s: float, km: float, **extra: object) -> dict:
    """A timeline row as :func:`merge_duplicates` sees it."""
    base = {
        "file": file,
        "format": Path(file).suffix[1:],
        "start_utc": start,
        "elapsed_s": float(elapsed_s),
        "duration_s": float(elapsed_s),
        "distance_km": km,
        "n_laps": 0,
        "n_records": 100,
        "ascent_m": math.nan,
        "avg_hr_bpm": math.nan,
        "sport": "running",
        "sub_sport": None,
        "digest": file,
        "session_index": 0,
        "notes": "",
    }
    base.update(extra)
    return base


def six_runs(km: float = 5.5) -> list[dict]:
    """Six real runs over two weeks, each 30 minutes, every other morning or so."""
    days = (0, 2, 4, 7, 9, 11)
    return [row(f"run{i}.fit", T0 + timedelta(days=d), 1800, km) for i, d in enumerate(days)]


def import_folder(folder: Path) -> lw.ImportResult:
    return lw.import_activities(folder, roster=False, cache=False, jobs=1)


# --- 1. one file never absorbs another file's run ---------------------------------------


@pytest.mark.parametrize("moving_s", [1800.0, math.nan], ids=["moving-known", "moving-unknown"])
def test_a_year_long_span_absorbs_none_of_the_runs_inside_it(moving_s: float) -> None:
    runs = six_runs()
    year = timedelta(days=365)
    bad_clock = row(
        "bad-clock.gpx",
        T0 - year,
        (year + timedelta(days=20)).total_seconds(),
        5.5,
        duration_s=moving_s,
    )
    kept, merges = merge_duplicates([bad_clock, *runs], "sam")
    assert merges == []
    assert sorted(r["file"] for r in kept) == sorted(r["file"] for r in [bad_clock, *runs])
    for run in runs:
        assert same_activity(bad_clock, run) is None


def test_watch_left_running_for_29_hours_keeps_the_next_morning_run() -> None:
    left_running = row("watch.fit", T0, 29 * 3600, 10.0)
    next_morning = row("next.gpx", T0 + timedelta(days=1), 3600, 10.0)
    assert trusted_span(left_running) is None  # neither its elapsed nor its timer is plausible
    kept, merges = merge_duplicates([left_running, next_morning], "sam")
    assert merges == [] and len(kept) == 2


def test_a_long_span_under_a_day_never_absorbs_a_short_run_inside_it() -> None:
    # A plausible 3-hour span and a 1-hour run inside it, same distance: the old
    # rule (half of the shorter) merged them; the overlap is a third of the longer.
    long_span = row("long.fit", T0, 3 * 3600, 8.0)
    inside = row("inside.gpx", T0 + timedelta(hours=1), 3600, 8.0)
    assert MIN_OVERLAP_OF_LONGER > 1 / 3
    assert same_activity(long_span, inside) is None
    kept, merges = merge_duplicates([long_span, inside], "sam")
    assert len(kept) == 2 and merges == []


def test_a_span_much_longer_than_its_moving_time_is_judged_by_its_moving_time() -> None:
    # 20 h elapsed for 1 h moving (a first point 19 hours early): the active part
    # is one hour from the start, so a run 10 hours later is not inside it.
    stretched = row("stretched.gpx", T0, 20 * 3600, 10.0, duration_s=3600.0)
    start = T0.timestamp()
    assert trusted_span(stretched) == (start, start + 3600.0)
    later = row("later.fit", T0 + timedelta(hours=10), 3600, 10.0)
    assert merge_duplicates([stretched, later], "sam")[1] == []


def test_the_same_run_from_a_watch_left_running_still_merges_by_start_and_distance() -> None:
    watch = row("watch.fit", T0, 29 * 3600, 10.0)
    phone = row("phone.gpx", T0 + timedelta(seconds=SAME_START_S / 2), 3600, 10.1)
    kept, merges = merge_duplicates([phone, watch], "sam")
    assert [r["file"] for r in kept] == ["watch.fit"]
    assert [(m.kept, m.dropped) for m in merges] == [("watch.fit", "phone.gpx")]
    assert "implausible" in merges[0].reason
    # ... but not when the distances differ, nor when the starts are far apart
    other = row("other.gpx", T0 + timedelta(seconds=SAME_START_S / 2), 3600, 4.0)
    assert same_activity(watch, other) is None
    late = row("late.gpx", T0 + timedelta(seconds=3 * SAME_START_S), 3600, 10.0)
    assert same_activity(watch, late) is None


def test_a_plausible_duplicate_is_kept_over_an_implausible_richer_file() -> None:
    broken = row("run.fit", T0, 3600, math.nan, notes=f"implausible: x, {NOT_COUNTED}")
    good = row("run.gpx", T0 + timedelta(seconds=3), 3590, 10.0)
    kept, merges = merge_duplicates([broken, good], "sam")
    assert [r["file"] for r in kept] == ["run.gpx"]
    assert [m.dropped for m in merges] == ["run.fit"]


def _gpx_run(day: int, km: float, *, name: str = "Morning Run") -> str:
    run = PlannedRun(DAY0 + timedelta(days=day), km, fmt="gpx", name=name)
    return gpx_text(run, simulate(run, HOME), timezone=ZONE)


def test_gpx_with_a_first_time_a_year_early_beside_six_runs_keeps_all_seven(
    tmp_path: Path,
) -> None:
    days = (0, 2, 4, 7, 9, 11)
    for day in days:
        (tmp_path / f"run-{day:02d}.gpx").write_text(_gpx_run(day, 5.5), encoding="utf-8")
    text = _gpx_run(1, 5.5)
    first = re.search(r"<trkpt .*?</trkpt>", text, flags=re.S)
    assert first is not None
    stamp = re.search(r"<time>(\d{4})-", first.group(0))
    assert stamp is not None
    early = first.group(0).replace(f"<time>{stamp.group(1)}-", f"<time>{int(stamp[1]) - 1}-")
    (tmp_path / "bad-clock.gpx").write_text(text.replace(first.group(0), early + first.group(0), 1))

    result = import_folder(tmp_path)
    assert result.report.duplicates == []
    timeline = result.timeline
    assert len(timeline) == 7
    assert timeline["is_run"].all()
    weeks = lw.weekly_table(timeline)
    assert weeks["runs"].sum() == 7
    assert weeks["distance_km"].sum() == pytest.approx(7 * 5.5, rel=0.03)
    # the six good runs each in their own day of the two weeks, whatever the bad clock did
    good = timeline[timeline["file"].str.contains("run-")]
    assert sorted(good["start_local"].dt.date) == [(DAY0 + timedelta(days=d)).date() for d in days]
    assert weeks.loc[weeks["week_start"] >= pd.Timestamp(DAY0.date()), "runs"].sum() >= 6


def _left_running(run: PlannedRun, hours: float) -> bytes:
    """A FIT file of ``run`` whose watch ran on for ``hours``: 60-s records, frozen distance."""
    track = simulate(run, HOME)
    extra = np.arange(60, int(hours * 3600) + 1, 60)
    n = len(extra)

    def longer(values: np.ndarray | None, tail: float | None = None) -> np.ndarray | None:
        if values is None:
            return None
        fill = values[-1] if tail is None else tail
        return np.concatenate([values, np.full(n, fill, dtype=values.dtype)])

    track = dataclasses.replace(
        track,
        elapsed_s=np.concatenate([track.elapsed_s, track.elapsed_s[-1] + extra]),
        distance_m=longer(track.distance_m),
        speed_mps=longer(track.speed_mps, 0.0),
        lat=longer(track.lat),
        lon=longer(track.lon),
        altitude_m=longer(track.altitude_m),
        heart_rate_bpm=longer(track.heart_rate_bpm),
        cadence_rpm=longer(track.cadence_rpm, 0),
        temperature_c=longer(track.temperature_c),
    )
    return fit_bytes(run, track, timezone=ZONE)


def test_fit_watch_left_running_29_hours_keeps_the_next_morning_run(tmp_path: Path) -> None:
    first = PlannedRun(DAY0, 10.0)
    (tmp_path / "left-running.fit").write_bytes(_left_running(first, 29))
    morning = PlannedRun(DAY0 + timedelta(days=1), 10.0, fmt="gpx")
    (tmp_path / "next-morning.gpx").write_text(
        gpx_text(morning, simulate(morning, HOME), timezone=ZONE), encoding="utf-8"
    )

    result = import_folder(tmp_path)
    assert result.report.duplicates == []
    timeline = result.timeline.sort_values("start_utc")
    assert len(timeline) == 2 and timeline["is_run"].all()
    assert timeline["distance_km"].to_numpy() == pytest.approx([10.0, 10.0], rel=0.02)
    watch = timeline.iloc[0]
    assert "beyond" in watch["notes"] and math.isnan(watch["elapsed_s"])


# --- 2. plausibility where rows are built -----------------------------------------------

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"


def tcx_run(start: datetime, *laps: tuple[float, float, float, int]) -> str:
    """A TCX run; each lap ``(start offset [s], TotalTimeSeconds, DistanceMeters, points)``
    with that many 1-Hz trackpoints at 3 m/s from its start (no ``<Track>`` when 0)."""
    xml = []
    for offset, total_s, distance_m, n_points in laps:
        lap_start = start + timedelta(seconds=offset)
        points = "".join(
            f"<Trackpoint><Time>{lap_start + timedelta(seconds=i):%Y-%m-%dT%H:%M:%S}Z</Time>"
            f"<DistanceMeters>{3.0 * (offset + i):.1f}</DistanceMeters></Trackpoint>"
            for i in range(n_points)
        )
        xml.append(
            f'<Lap StartTime="{lap_start:%Y-%m-%dT%H:%M:%S}Z">'
            f"<TotalTimeSeconds>{total_s!r}</TotalTimeSeconds>"
            f"<DistanceMeters>{distance_m!r}</DistanceMeters>"
            "<Intensity>Active</Intensity><TriggerMethod>Manual</TriggerMethod>"
            + (f"<Track>{points}</Track>" if n_points else "")
            + "</Lap>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Activities><Activity Sport="Running">'
        f"<Id>{start:%Y-%m-%dT%H:%M:%S}Z</Id>{''.join(xml)}"
        "</Activity></Activities></TrainingCenterDatabase>"
    )


def test_tcx_lap_of_10_to_the_12_metres_makes_no_billion_km_week(tmp_path: Path) -> None:
    good_km = 8.0
    (tmp_path / "good.tcx").write_text(tcx_run(T0, (0, 2400.0, good_km * 1000, 0)))
    (tmp_path / "absurd.tcx").write_text(tcx_run(T0 + timedelta(days=2), (0, 2400.0, 1e12, 0)))

    result = import_folder(tmp_path)
    timeline = result.timeline.set_index(result.timeline["file"].map(lambda f: Path(f).name))
    absurd = timeline.loc["absurd.tcx"]  # kept in the timeline ...
    assert not absurd["is_run"]  # ... out of load
    assert "implausible: 1,000,000,000 km in 40 min" in absurd["notes"]
    assert NOT_COUNTED in absurd["notes"]
    assert math.isnan(absurd["distance_km"])
    assert timeline.loc["good.tcx", "is_run"]
    weeks = lw.weekly_table(result.timeline)
    assert weeks["distance_km"].max() == pytest.approx(good_km)
    assert weeks["runs"].sum() == 1


def test_tcx_negative_total_time_is_not_used(tmp_path: Path) -> None:
    n = 600
    (tmp_path / "negative.tcx").write_text(tcx_run(T0, (0, -1800.0, 3.0 * (n - 1), n)))
    (activity,) = import_folder(tmp_path).timeline.itertuples()
    assert "moving time of -1800 s cannot be right" in activity.notes
    assert activity.duration_s == activity.elapsed_s == n - 1  # the points' time instead
    assert activity.is_run  # the distance is real: it still counts
    assert not is_flagged(activity.notes)


def test_tcx_moving_time_longer_than_elapsed_takes_the_elapsed_time(tmp_path: Path) -> None:
    # Lap 1 claims an hour but lap 2 starts 5 minutes later: the laps' times add
    # up to 65 minutes over a file that spans 10 minutes.
    laps = [(0, 3600.0, 900.0, 300), (300, 300.0, 900.0, 300)]
    (tmp_path / "long-timer.tcx").write_text(tcx_run(T0, *laps))
    (activity,) = import_folder(tmp_path).timeline.itertuples()
    assert "moving time (65 min) is longer than the elapsed time (10 min)" in activity.notes
    assert activity.duration_s == activity.elapsed_s == 600
    assert activity.distance_km == pytest.approx(1.8)
    assert activity.is_run


#: Farther than any run [m] (but not than a ride).
TOO_FAR_M = (MAX_DISTANCE_KM["foot"] + 1) * 1000


@pytest.mark.parametrize(
    ("sport", "distance_m", "elapsed_s", "timer_s", "counts", "words"),
    [
        ("running", 10_000.0, 3000.0, 2900.0, True, None),
        ("running", math.inf, 3000.0, None, False, "an endless distance"),
        ("running", -5000.0, 3000.0, None, False, "-5.00 km"),
        ("running", TOO_FAR_M, 23 * 3600.0, None, False, f"{TOO_FAR_M / 1000:,.0f} km in 23.0 h"),
        ("cycling", TOO_FAR_M, 23 * 3600.0, None, True, None),
        ("running", (MAX_SPEED_MPS["foot"] + 1) * 600, 600.0, None, False, "in 10 min"),
        ("cycling", (MAX_SPEED_MPS["foot"] + 1) * 600, 600.0, None, True, None),
        ("running", 10_000.0, -60.0, None, True, "elapsed time of -60 s cannot be right"),
        ("running", 10_000.0, MAX_ELAPSED_S + 3600, None, True, "a watch left running"),
    ],
)
def test_check_activity_limits(
    sport: str,
    distance_m: float,
    elapsed_s: float,
    timer_s: float | None,
    counts: bool,
    words: str | None,
) -> None:
    checked = check_activity(sport, distance_m, elapsed_s, timer_s)
    assert checked.counts is counts
    assert is_flagged("; ".join(checked.notes)) is not counts
    if words is None:
        assert checked.notes == ()
    else:
        assert any(words in note for note in checked.notes), checked.notes
    if counts:
        assert checked.distance_m == distance_m
    else:
        assert math.isnan(checked.distance_m)
    if not 0 <= elapsed_s <= MAX_ELAPSED_S:
        assert math.isnan(checked.elapsed_s)


def test_a_run_by_its_title_only_must_have_a_runners_speed() -> None:
    seconds = 1800.0
    too_fast_km = (MAX_SPEED_MPS["foot"] + 2) * seconds / 1000
    checked = check_activity("unknown", too_fast_km * 1000, seconds, None)
    assert checked.counts  # no sport named: the generous limits of any sport apply
    base = {"sport": "unknown", "name": "Morning Run", "duration_s": seconds, "notes": ""}
    is_run, inferred, note = infer_is_run({**base, "distance_km": too_fast_km})
    assert (is_run, inferred) == (False, True) and is_flagged(note)
    assert infer_is_run({**base, "distance_km": 8.0})[0]


def test_moving_time_within_the_tolerance_is_kept() -> None:
    checked = check_activity("running", 10_000.0, 3000.0, 3003.0)
    assert checked.duration_s == 3003.0 and checked.notes == ()
    clamped = check_activity("running", 10_000.0, 3000.0, 3600.0)
    assert clamped.duration_s == 3000.0 and len(clamped.notes) == 1


# --- 3. a FIT file that repeats its session message --------------------------------------


def _with_session_repeated(data: bytes) -> bytes:
    """``data`` with a copy of its session message right after it (sizes and CRCs fixed)."""
    with fitdecode.FitReader(data, keep_raw_chunks=True) as reader:
        sessions = [
            frame.chunk
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "session"
        ]
    assert len(sessions) == 1
    chunk = sessions[0]
    end = chunk.offset + len(chunk.bytes)
    body = bytearray(data[:end] + chunk.bytes + data[end:-2])
    header_size = body[0]
    struct.pack_into("<I", body, 4, len(body) - header_size)
    if header_size >= 14:
        struct.pack_into("<H", body, 12, compute_crc(body, end=12))
    return bytes(body) + struct.pack("<H", compute_crc(body))


def test_repeated_session_message_counts_the_run_once(tmp_path: Path) -> None:
    run = PlannedRun(DAY0, 7.0)
    data = _with_session_repeated(fit_bytes(run, simulate(run, HOME), timezone=ZONE))
    assert len(decode_fit(data, "twice.fit", decoder="reference").messages["session"]) == 2
    assert decode_fit(data, "twice.fit", decoder="auto").decoder == "fast"
    for decoder in ("auto", "reference"):
        (activity,) = read_fit(data, "twice.fit", decoder=decoder)
        assert activity.distance_m == pytest.approx(run.distance_m, rel=0.01)
        assert any("repeated copy of a session message" in n for n in activity.notes)

    (tmp_path / "twice.fit").write_bytes(data)
    timeline = import_folder(tmp_path).timeline
    assert len(timeline) == 1
    assert timeline["distance_km"].sum() == pytest.approx(run.distance_km, rel=0.01)


def test_different_sessions_of_one_file_are_not_taken_for_repeats() -> None:
    # The corpus triathlon's sessions differ: all of them still count.
    path = CORPUS_DIR / "muktihari_fit" / "triathlon_summary_first.fit"
    if not path.exists():
        pytest.skip("corpus file missing")
    data = path.read_bytes()
    sessions = decode_fit(data, path.name, decoder="reference").messages["session"]
    activities = read_fit(data, path.name)
    assert len(activities) == len(sessions) > 1
    assert not any("repeated" in n for a in activities for n in a.notes)
