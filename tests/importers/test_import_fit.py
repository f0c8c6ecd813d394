"""FIT importer: the corpus manifest, the tolerant paths, hostile inputs, files written here."""

from __future__ import annotations

import functools
import hashlib
import itertools
import random
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import fitparse
import numpy as np
import pandas as pd
import pytest
from fitparse.utils import FitParseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadwatch.errors import (
    ActivityFileError,
    CorruptFileError,
    EmptyFileError,
    NotAnActivityError,
    UnsupportedFileError,
)
from loadwatch.importers.activity import RECORD_COLUMNS, Activity
from loadwatch.importers.fit.reader import decode_fit, read_fit, read_fit_records
from loadwatch.synthetic.fit_encoder import FitFileWriter, fit_seconds

from support import CORPUS_DIR, CorpusFile, corpus_files

FIT_ROWS = corpus_files("fit")

#: Corpus files that give no activity: the error and words of its reason.
REFUSED: dict[str, tuple[type[ActivityFileError], str]] = {
    "thomaschampagne_elevate/empty.fit": (EmptyFileError, r"empty \(0 bytes\)"),
    "dtcooper_python-fitparse/nametest.FIT": (
        NotAnActivityError,
        "a FIT settings file, not a recorded activity",
    ),
    # Every time in it is seconds since power-on (below 0x10000000): no UTC anywhere.
    "dtcooper_python-fitparse/antfs-dump.63.fit": (
        CorruptFileError,
        "no real start time: the device recorded only a relative clock",
    ),
}
READABLE = [row for row in FIT_ROWS if row.file not in REFUSED]
COROS = "dtcooper_python-fitparse/coros-pace-2-cycling-misaligned-fields.fit"
RUN = "corriporai_runpandas/run.fit"
SMALL_RUN = "dtcooper_python-fitparse/garmin-fenix-5-run.fit"


@functools.cache
def outcome(file: str) -> list[Activity] | ActivityFileError:
    """read_fit on a corpus file, once per test session; any other exception propagates."""
    data = corpus_bytes(file)
    try:
        return read_fit(data, file)
    except ActivityFileError as exc:
        return exc


def activities(file: str) -> list[Activity]:
    result = outcome(file)
    assert isinstance(result, list), f"{file}: {result}"
    return result


def corpus_bytes(file: str) -> bytes:
    path = CORPUS_DIR / file
    if not path.exists():
        pytest.skip(f"corpus file missing: {path}")
    return path.read_bytes()


# --- the corpus ------------------------------------------------------------------------


def test_manifest_rows_without_a_start_are_the_refused_ones() -> None:
    """A new corpus row without expected values must be added to REFUSED on purpose."""
    assert {row.file for row in FIT_ROWS if not row.start_time_utc} == (
        set(REFUSED) if FIT_ROWS else set()
    )


@pytest.mark.corpus
@pytest.mark.parametrize("row", READABLE, ids=str)
def test_corpus_file_matches_manifest(row: CorpusFile) -> None:
    found = activities(row.file)
    assert [a.session_index for a in found] == list(range(len(found)))
    assert all(a.format == "fit" and a.source == row.file for a in found)
    assert found[0].start_utc == datetime.fromisoformat(row.start_time_utc)
    assert all(a.start_utc.tzinfo is not None for a in found)
    expected_sports = (
        row.sport.removeprefix("multisport:").split("+")
        if row.sport.startswith("multisport:")
        else [row.sport]
    )
    assert [a.sport for a in found] == expected_sports
    distances = [a.distance_m for a in found]
    if row.total_distance_m is None:
        assert distances == [None]
    elif row.total_distance_m == 0:
        assert sum(d or 0 for d in distances) == pytest.approx(0, abs=1)
    else:
        assert sum(d or 0 for d in distances) == pytest.approx(row.total_distance_m, rel=0.01)


@pytest.mark.corpus
@pytest.mark.parametrize("file", sorted(REFUSED))
def test_refused_corpus_file_raises_its_error(file: str) -> None:
    error_type, phrase = REFUSED[file]
    with pytest.raises(error_type, match=phrase) as caught:
        read_fit(corpus_bytes(file), file)
    assert caught.value.path == file
    assert file not in caught.value.reason


@pytest.mark.corpus
def test_every_corpus_fit_file_reads_or_raises_an_activity_file_error(
    corpus_dir: Path,
) -> None:
    files = sorted(
        p.relative_to(corpus_dir).as_posix()
        for p in corpus_dir.rglob("*")
        if p.suffix.lower() == ".fit"
    )
    assert len(files) >= 30
    kinds = {}
    for file in files:
        result = outcome(file)  # anything but an ActivityFileError escapes and fails
        kinds[file] = type(result).__name__
        if isinstance(result, list):
            assert result and all(isinstance(a, Activity) for a in result)
    assert kinds["thomaschampagne_elevate/empty.fit"] == "EmptyFileError"


@pytest.mark.corpus
def test_compressed_timestamp_headers_decode_to_a_steady_relative_clock() -> None:
    """antfs-dump.63.fit: 686 records with compressed timestamps, all device-relative."""
    file = "dtcooper_python-fitparse/antfs-dump.63.fit"
    for decoder in ("auto", "reference"):
        found = decode_fit(corpus_bytes(file), file, decoder=decoder)
        # Record times are a column of FIT seconds; whole seconds below 0x10000000 are relative.
        times = found.records["timestamp"].tolist()
        assert len(times) == 686
        assert all(t == int(t) and 0 <= t < 0x10000000 for t in times)
        assert times == sorted(times)
        assert times[-1] - times[0] == pytest.approx(3426, abs=5)  # the session's elapsed time


@pytest.mark.corpus
def test_multisport_sessions_split_records_and_laps_by_time() -> None:
    for row in FIT_ROWS:
        if not row.sport.startswith("multisport:"):
            continue
        found = activities(row.file)
        assert sum(a.n_records for a in found) == row.n_records
        for before, after in itertools.pairwise(found):
            assert before.start_utc <= after.start_utc
    triathlon = activities("muktihari_fit/triathlon_summary_first.fit")
    assert [a.sport for a in triathlon][1] == "transition"
    assert triathlon[0].sub_sport == "open_water"
    assert [len(a.laps) for a in triathlon] == [3, 2, 2, 1, 3]
    for activity in triathlon:
        for lap in activity.laps:
            assert lap.start_utc is not None and lap.start_utc >= activity.start_utc


@pytest.mark.corpus
def test_session_summary_fields() -> None:
    (run,) = activities(RUN)
    assert run.sport == "running" and run.sub_sport == "generic"
    assert run.elapsed_s == pytest.approx(3164.606)
    assert run.timer_s == pytest.approx(3164.606)
    assert run.ascent_m == 234
    assert run.avg_hr_bpm == 130
    assert run.avg_temperature_c == 27
    assert run.n_records == 1202
    assert run.device == "garmin fr645m"  # garmin_product 2888, named from fitdecode's profile
    assert run.start_lat == pytest.approx(49.4, abs=0.1)  # Heidelberg
    assert run.start_lon == pytest.approx(8.7, abs=0.1)
    (strava,) = activities("dtcooper_python-fitparse/strava-android-app-201.10-b1218918.fit")
    assert strava.ascent_m is None and strava.descent_m is None  # Strava writes no ascent
    (suunto,) = activities("thomaschampagne_elevate/bloemendaal.fit")
    assert suunto.device == "suunto Suunto 9 Baro"
    assert suunto.sub_sport == "trail"


# --- the tolerant paths ----------------------------------------------------------------


@pytest.mark.corpus
def test_coros_file_that_fitparse_rejects_reads_in_full_through_fitdecode(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = corpus_bytes(COROS)
    with pytest.raises(FitParseError, match="Invalid field size 1"):
        for _ in fitparse.FitFile(data).get_messages():
            pass
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (ride,) = read_fit(data, COROS)
    assert not [w for w in caught if "fitdecode" in w.filename]  # 5 bad definitions, silenced
    assert capsys.readouterr() == ("", "")
    assert ride.sport == "cycling"
    assert ride.distance_m == pytest.approx(32145.8, rel=0.01)
    assert ride.elapsed_s == pytest.approx(12719, abs=1)
    assert ride.n_records == 11272
    assert ride.device == "coros COROS PACE 2"
    assert ride.notes == []
    records = read_fit_records(data, COROS)
    assert len(records) == 11272
    assert records["distance_m"].iloc[-1] == pytest.approx(32145.8, rel=0.01)


@pytest.mark.corpus
def test_truncated_file_keeps_what_was_read_before_the_end() -> None:
    file = "dtcooper_python-fitparse/nick.fit"
    (ride,) = activities(file)
    assert ride.sport == "cycling"  # from the sport message: there is no session
    assert ride.distance_m == pytest.approx(113550.9, rel=0.001)  # last record distance
    assert ride.n_records == 14391
    assert ride.notes == [
        "file is truncated: read 14,412 messages up to 17:02 UTC; the rest is lost"
    ]


@pytest.mark.corpus
def test_undefined_message_mid_file_keeps_what_came_before_and_ignores_2085() -> None:
    (run,) = activities("dtcooper_python-fitparse/strava-android-app-201.10-b1218918.fit")
    assert run.distance_m == pytest.approx(11274.0, rel=0.001)
    assert run.n_records == 472  # 473 records, one dated 2085
    assert run.notes[0] == "ignored 1 record with an impossible date (e.g. 2085-12-21)"
    assert run.notes[1].startswith("file is damaged part-way: read 488 messages up to")


@pytest.mark.corpus
def test_records_of_a_salvaged_file_skip_the_impossible_date() -> None:
    file = "dtcooper_python-fitparse/strava-android-app-201.10-b1218918.fit"
    records = read_fit_records(corpus_bytes(file), file)
    assert len(records) == 472
    assert records["time_utc"].max() < pd.Timestamp("2022-01-01", tz="UTC")


# --- hostile inputs --------------------------------------------------------------------


def _flip_middle_value(data: bytes) -> bytes:
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    return bytes(damaged)


HOSTILE: dict[str, tuple[Callable[[bytes], bytes], type[ActivityFileError], str]] = {
    "empty": (lambda data: b"", EmptyFileError, "empty"),
    "first-13-bytes": (lambda data: data[:13], CorruptFileError, "cut short inside its FIT header"),
    "header-only": (lambda data: data[:14], EmptyFileError, "only a FIT header and no data"),
    "half": (lambda data: data[: len(data) // 2], CorruptFileError, "cut short: it ends 28,811"),
    "all-but-1-byte": (lambda data: data[:-1], CorruptFileError, "ends 1 byte before"),
    "flipped-byte": (_flip_middle_value, CorruptFileError, r"failed its checksum \(CRC\)"),
    "random-bytes": (
        lambda data: random.Random(20240501).randbytes(len(data)),
        UnsupportedFileError,
        "not a FIT file",
    ),
    "gpx-named-fit": (
        lambda data: b'<?xml version="1.0"?><gpx version="1.1"></gpx>',
        UnsupportedFileError,
        "not a FIT file",
    ),
}


@pytest.mark.corpus
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_input_raises_an_activity_file_error(case: str, tmp_path: Path) -> None:
    original = CORPUS_DIR / RUN
    before = hashlib.sha256(corpus_bytes(RUN)).hexdigest()
    make, error_type, phrase = HOSTILE[case]
    hostile = tmp_path / "hostile.fit"
    hostile.write_bytes(make(original.read_bytes()))
    with pytest.raises(error_type, match=phrase):
        read_fit(hostile.read_bytes(), "hostile.fit")
    with pytest.raises(error_type, match=phrase):
        read_fit_records(hostile.read_bytes(), "hostile.fit")
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before


@pytest.mark.corpus
def test_flipped_bytes_anywhere_never_escape_as_another_exception() -> None:
    """Seeded flips over a whole small file: an error of ours, or a salvage with a note."""
    data = corpus_bytes(SMALL_RUN)
    rng = random.Random(7)
    outcomes = set()
    for position in rng.sample(range(len(data)), 60):
        damaged = bytearray(data)
        damaged[position] ^= 1 << rng.randrange(8)
        try:
            found = read_fit(bytes(damaged), "damaged.fit")
        except ActivityFileError as exc:
            outcomes.add(type(exc).__name__)
        else:
            # Only damage that looks like a file the device never finished is kept.
            assert any("truncated" in note for note in found[0].notes), position
            outcomes.add("salvaged")
    assert "CorruptFileError" in outcomes


@pytest.mark.corpus
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fraction=st.floats(min_value=0.0, max_value=0.9999))
def test_any_strict_prefix_of_a_fit_file_is_refused(fraction: float) -> None:
    data = corpus_bytes(SMALL_RUN)
    prefix = data[: int(len(data) * fraction)]
    with pytest.raises((CorruptFileError, EmptyFileError)):
        read_fit(prefix, "prefix.fit")


@pytest.mark.corpus
def test_trailing_bytes_and_a_repeated_copy_are_noted_not_fatal() -> None:
    data = corpus_bytes(RUN)
    (padded,) = read_fit(data + bytes(100), "padded.fit")
    assert padded.distance_m == pytest.approx(5839.77)
    assert padded.notes == ["ignored 100 bytes of unknown data after the end of the FIT data"]
    (doubled,) = read_fit(data + data, "doubled.fit")
    assert doubled.n_records == 1202
    assert doubled.notes == ["ignored 1 repeated copy of the same FIT data"]


# --- records, laps, local time ---------------------------------------------------------


@pytest.mark.corpus
def test_records_of_a_run() -> None:
    records = read_fit_records(corpus_bytes(RUN), RUN)
    assert list(records.columns) == list(RECORD_COLUMNS)
    assert len(records) == 1202
    assert str(records["time_utc"].dt.tz) == "UTC"
    assert records["time_utc"].is_monotonic_increasing
    assert records["time_utc"].iloc[0] == pd.Timestamp("2019-09-14T15:22:05Z")
    for column in list(RECORD_COLUMNS)[1:]:
        assert records[column].dtype == np.float64, column
    assert records["distance_m"].iloc[-1] == pytest.approx(5839.77, rel=0.01)
    assert records["distance_m"].is_monotonic_increasing
    positions = records.dropna(subset=["lat", "lon"])
    assert len(positions) > 1000
    assert positions["lat"].between(49.3, 49.5).all()
    assert positions["lon"].between(8.6, 8.8).all()
    assert records["heart_rate_bpm"].between(40, 220).all()
    assert records["speed_mps"].dropna().between(0, 10).all()


@pytest.mark.corpus
def test_records_of_a_multisport_file_cover_every_session() -> None:
    file = "dtcooper_python-fitparse/sample_mulitple_header.fit"
    records = read_fit_records(corpus_bytes(file), file)
    found = activities(file)
    assert len(records) == sum(a.n_records for a in found) == 1773
    assert records["time_utc"].iloc[0] >= found[0].start_utc


@pytest.mark.corpus
def test_laps_carry_intensity_trigger_and_add_up_to_the_session() -> None:
    (run,) = activities("dtcooper_python-fitparse/2013-02-06-12-11-14.fit")
    assert len(run.laps) == 5
    assert {lap.intensity for lap in run.laps} == {"active"}
    assert [lap.trigger for lap in run.laps] == ["distance"] * 4 + ["manual"]
    assert run.distance_m is not None
    assert sum(lap.distance_m or 0 for lap in run.laps) == pytest.approx(run.distance_m, rel=0.01)
    assert all(lap.avg_speed_mps and 1 < lap.avg_speed_mps < 7 for lap in run.laps)
    (other,) = activities(RUN)
    assert [lap.trigger for lap in other.laps] == ["distance"] * 5 + ["session_end"]
    assert other.laps[0].avg_speed_mps == pytest.approx(2.15)


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("file", "offset_s"),
    [
        (RUN, 7200),  # Heidelberg in September: CEST
        ("thomaschampagne_elevate/portland.fit", -8 * 3600),  # Portland in February: PST
        ("thomaschampagne_elevate/spiros-02.fit", 8 * 3600),
        # Zwift writes local_timestamp 1989-12-31: an unset clock, not an offset.
        ("thomaschampagne_elevate/zwift-pschit.fit", None),
        # COROS writes local == UTC whatever the zone (this run is in Prague, UTC+1).
        ("thomaschampagne_elevate/trosku.fit", None),
        ("dtcooper_python-fitparse/2013-02-06-12-11-14.fit", None),  # no local_timestamp
    ],
)
def test_local_offset_from_the_activity_message(file: str, offset_s: int | None) -> None:
    found = activities(file)
    assert {a.local_offset_s for a in found} == {offset_s}
    if offset_s is not None:
        assert offset_s % 900 == 0 and abs(offset_s) <= 14 * 3600


# --- files written here ----------------------------------------------------------------

START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def _relative_s(seconds_since_power_on: int) -> int:
    """A FIT time below 0x10000000: seconds since the device was switched on."""
    return seconds_since_power_on


def build_fit(
    *,
    file_type: str = "activity",
    start_s: int = fit_seconds(START),
    sport: str | int | None = "running",
    session: bool = True,
    time_created_s: int | None = None,
    correlation: tuple[int, int] | None = None,
    sport_message: str | None = None,
    n_records: int = 10,
) -> bytes:
    """A small FIT file: file_id, records 1 s apart at 3 m/s, optionally one session.

    Times are raw FIT seconds (since 1989-12-31 UTC, or since power-on below 0x10000000).
    """
    fit = FitFileWriter()
    fit.add(
        "file_id",
        type=file_type,
        manufacturer="development",
        product=0,
        time_created=time_created_s,
    )
    if correlation is not None:
        timestamp, system_timestamp = correlation
        fit.add("timestamp_correlation", timestamp=timestamp, system_timestamp=system_timestamp)
    if sport_message is not None:
        fit.add("sport", sport=sport_message)
    for index in range(n_records):
        fit.add("record", timestamp=start_s + index, distance=index * 3.0, heart_rate=120 + index)
    if session:
        end_s = start_s + n_records - 1
        fit.add(
            "session",
            start_time=start_s,
            timestamp=end_s,
            total_elapsed_time=n_records - 1,
            total_timer_time=n_records - 1,
            total_distance=(n_records - 1) * 3.0,
            sport=sport,
        )
        # local_timestamp: local wall time as seconds since the FIT epoch.
        fit.add("activity", timestamp=end_s, local_timestamp=end_s + 5400)  # UTC+1:30
    return fit.to_bytes()


def test_written_file_reads_back() -> None:
    (run,) = read_fit(build_fit(), "written.fit")
    assert run.start_utc == START
    assert run.sport == "running"
    assert run.distance_m == 27.0
    assert run.n_records == 10
    assert run.avg_hr_bpm == pytest.approx(124.5)  # from the records: the session has none
    assert run.max_hr_bpm == 129
    assert run.ascent_m is None
    assert run.local_offset_s == 5400
    assert run.device == "development 0"


def test_unknown_sport_code_is_kept_as_its_number() -> None:
    (activity,) = read_fit(build_fit(sport=200), "written.fit")
    assert activity.sport == "200"


def test_course_file_is_not_an_activity() -> None:
    with pytest.raises(NotAnActivityError, match="a FIT course file, not a recorded activity"):
        read_fit(build_fit(file_type="course"), "course.fit")


def test_file_without_session_is_built_from_its_records() -> None:
    data = build_fit(session=False, sport_message="cycling")
    (ride,) = read_fit(data, "records-only.fit")
    assert ride.sport == "cycling"
    assert ride.start_utc == START
    assert ride.distance_m == 27.0  # last record distance
    assert ride.elapsed_s == 9
    assert ride.timer_s is None


def test_relative_clock_with_a_timestamp_correlation_is_exact() -> None:
    data = build_fit(
        start_s=_relative_s(5000),
        correlation=(fit_seconds(START) - 1000, _relative_s(4000)),
    )
    (run,) = read_fit(data, "relative.fit")
    assert run.start_utc == START
    assert run.notes == []
    records = read_fit_records(data, "relative.fit")
    assert records["time_utc"].iloc[-1] == pd.Timestamp(START) + pd.Timedelta(seconds=9)


def test_relative_clock_with_a_real_creation_time_is_approximate() -> None:
    data = build_fit(start_s=_relative_s(5000), time_created_s=fit_seconds(START))
    (run,) = read_fit(data, "relative.fit")
    assert run.start_utc == START
    assert run.notes == [
        "start time is approximate: the watch kept time since power-on, so the start is "
        "taken from the time the file was created"
    ]


def test_relative_clock_alone_is_refused() -> None:
    with pytest.raises(CorruptFileError, match="only a relative clock"):
        read_fit(build_fit(start_s=_relative_s(5000)), "relative.fit")
    with pytest.raises(CorruptFileError, match="only a relative clock"):
        read_fit_records(build_fit(start_s=_relative_s(5000)), "relative.fit")
