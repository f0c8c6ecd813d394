"""The fast FIT decoder against the reference path (fitparse, then fitdecode).

Issue 8's acceptance test: every FIT file of the corpus and of ``sample_data/``
is read both ways and must give the same outcome, the same error or the same
activities and record frames. Then: the fast decoder really reads the clean
files (else the comparison proves nothing), and it leaves damaged or odd files
to the reference path: bad and zero checksums, cut-short and padded files,
bytes changed with the checksum made right again (fuzzing), big-endian files,
compressed timestamps and developer fields, in corpus files and in FIT files
written here byte by byte.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fitdecode
import numpy as np
import pandas as pd
import pytest
from fitdecode.utils import compute_crc

from loadwatch.errors import ActivityFileError, CorruptFileError, NotAnActivityError
from loadwatch.importers.activity import Activity, Lap
from loadwatch.importers.discover import file_data_from_bytes
from loadwatch.importers.fit.fast import decode_fit_fast
from loadwatch.importers.fit.messages import CRC_REASON, DecoderChoice, FitMessages
from loadwatch.importers.fit.reader import (
    activities_from_messages,
    decode_fit,
    read_fit,
    read_fit_records,
    records_from_messages,
)
from loadwatch.synthetic import PlannedRun, write_run

from support import CORPUS_DIR, corpus_files

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE_FITS = sorted((PROJECT / "sample_data").glob("*/*.fit"))
#: Every FIT file of the corpus: the manifest's, and any other on disk (.fit, .FIT, .fit.gz).
CORPUS_FITS = sorted(
    {row.file for row in corpus_files("fit", "fit.gz")}
    | {
        path.relative_to(CORPUS_DIR).as_posix()
        for path in (CORPUS_DIR.rglob("*") if CORPUS_DIR.exists() else ())
        if path.name.lower().endswith((".fit", ".fit.gz"))
    }
)

#: Corpus files the fast decoder leaves to the reference path: what reads them, and why.
NOT_VOUCHED = {
    "thomaschampagne_elevate/empty.fit": ("EmptyFileError", "0 bytes: refused before decoding"),
    "dtcooper_python-fitparse/nick.fit": ("fitparse", "cut short before its checksum"),
    "dtcooper_python-fitparse/strava-android-app-201.10-b1218918.fit": (
        "fitparse",
        "an undefined local message type mid-file",
    ),
}
BIG_ENDIAN = "thomaschampagne_elevate/zwift-pschit.fit"
COMPRESSED = "dtcooper_python-fitparse/antfs-dump.63.fit"
DEVELOPER = "dtcooper_python-fitparse/developer-types-sample.fit"
SMALL_RUN = "dtcooper_python-fitparse/garmin-fenix-5-run.fit"
SAMPLE_FIT = PROJECT / "sample_data" / "avery-stone" / "2026-06-01-0630-run.fit"

Outcome = tuple[list[Activity] | ActivityFileError, pd.DataFrame | ActivityFileError]


def corpus_data(file: str) -> bytes:
    """A corpus file's bytes, decompressed where it is ``.fit.gz`` (as the importer sees them)."""
    path = CORPUS_DIR / file
    if not path.exists():
        pytest.skip(f"corpus file missing: {path}")
    raw = path.read_bytes()
    return file_data_from_bytes(raw, file).data if raw else raw


def outcome(data: bytes, source: str, decoder: DecoderChoice) -> Outcome:
    """read_fit and read_fit_records with one decoder; an ActivityFileError is an outcome."""
    results: list = []
    for read in (read_fit, read_fit_records):
        try:
            results.append(read(data, source, decoder=decoder))
        except ActivityFileError as exc:
            results.append(exc)
    return results[0], results[1]


def assert_same_value(fast: object, reference: object, what: str) -> None:
    """Equal values; floats and arrays (NaN-aware) to a tight tolerance; laps field by field."""
    if isinstance(reference, np.ndarray) or isinstance(fast, np.ndarray):
        assert isinstance(fast, np.ndarray) and isinstance(reference, np.ndarray), what
        np.testing.assert_allclose(fast, reference, rtol=1e-12, atol=0, err_msg=what)
    elif isinstance(reference, float):
        assert fast == pytest.approx(reference, rel=1e-12, abs=0), what
    elif isinstance(reference, list) and all(isinstance(lap, Lap) for lap in reference):
        assert isinstance(fast, list) and len(fast) == len(reference), what
        for index, (fast_lap, reference_lap) in enumerate(zip(fast, reference, strict=True)):
            for lap_field in dataclasses.fields(Lap):
                name = lap_field.name
                assert_same_value(
                    getattr(fast_lap, name), getattr(reference_lap, name), f"{what}[{index}].{name}"
                )
    else:
        assert fast == reference, what


def assert_same_outcome(fast: Outcome, reference: Outcome) -> None:
    """Same error (type and words), or same activities (every field) and record frames."""
    for fast_result, reference_result in zip(fast, reference, strict=True):
        if isinstance(reference_result, ActivityFileError):
            assert type(fast_result) is type(reference_result)
            assert str(fast_result) == str(reference_result)
        elif isinstance(reference_result, pd.DataFrame):
            assert isinstance(fast_result, pd.DataFrame)
            pd.testing.assert_frame_equal(fast_result, reference_result, rtol=1e-12, atol=0)
        else:
            assert isinstance(fast_result, list), fast_result
            assert len(fast_result) == len(reference_result)
            for index, (one, other) in enumerate(zip(fast_result, reference_result, strict=True)):
                for activity_field in dataclasses.fields(Activity):
                    name = activity_field.name
                    assert_same_value(
                        getattr(one, name), getattr(other, name), f"activity {index}: {name}"
                    )


def decoder_used(data: bytes, source: str) -> str:
    """Which decoder read the file (``fast``, ``fitparse``, ``fitdecode``), or the error's name."""
    try:
        return decode_fit(data, source).decoder
    except ActivityFileError as exc:
        return type(exc).__name__


def assert_same_messages(fast: FitMessages, reference: FitMessages) -> None:
    """The decoders' own results are equal: every wanted value, every record column."""
    assert fast.messages == reference.messages
    assert fast.n_messages == reference.n_messages
    assert fast.stopped_early == reference.stopped_early
    assert set(fast.records.columns) == set(reference.records.columns)
    for name, column in reference.records.columns.items():
        np.testing.assert_array_equal(fast.records[name], column, err_msg=name)


# --- the acceptance test: every FIT file, both ways ------------------------------------


def _messages_or_error(
    data: bytes, source: str, decoder: DecoderChoice
) -> FitMessages | ActivityFileError:
    try:
        return decode_fit(data, source, decoder=decoder)
    except ActivityFileError as exc:
        return exc


def _outcome_of(found: FitMessages | ActivityFileError, source: str) -> Outcome:
    """What read_fit and read_fit_records give for these decoded messages (or this error)."""
    if isinstance(found, ActivityFileError):
        return found, found
    results: list = []
    for build in (activities_from_messages, records_from_messages):
        try:
            results.append(build(found, source))
        except ActivityFileError as exc:
            results.append(exc)
    return results[0], results[1]


def reads_both_ways(
    data: bytes, source: str
) -> tuple[FitMessages | ActivityFileError, FitMessages | ActivityFileError]:
    """decode_fit with ``"auto"`` and with ``"reference"``.

    Where the fast decoder steps aside, "auto" has just run the reference path
    (the same call as ``decoder="reference"``), so that path is not run twice.
    """
    auto = _messages_or_error(data, source, "auto")
    if isinstance(auto, FitMessages) and auto.decoder == "fast":
        return auto, _messages_or_error(data, source, "reference")
    if isinstance(auto, FitMessages):
        assert decode_fit_fast(data) is None
    return auto, auto


def assert_same_both_ways(
    auto: FitMessages | ActivityFileError, reference: FitMessages | ActivityFileError, source: str
) -> str:
    """Same messages, activities and records both ways; returns the decoder "auto" used.

    Where the reference path ends in fitdecode (fitparse refuses a COROS file's
    misaligned fields), its messages are fitdecode's own rendering (aware
    times, its newer enum names): the record columns and the outcome must be
    the same, the message dicts cannot be.
    """
    if isinstance(auto, FitMessages) and auto.decoder == "fast":
        assert isinstance(reference, FitMessages), reference
        if reference.decoder == "fitparse":
            assert_same_messages(auto, reference)
        else:
            for name, column in reference.records.columns.items():
                np.testing.assert_array_equal(auto.records[name], column, err_msg=name)
    assert_same_outcome(_outcome_of(auto, source), _outcome_of(reference, source))
    return auto.decoder if isinstance(auto, FitMessages) else type(auto).__name__


@functools.cache
def corpus_both_ways(
    file: str,
) -> tuple[FitMessages | ActivityFileError, FitMessages | ActivityFileError]:
    """A corpus file decoded both ways, once per test session."""
    return reads_both_ways(corpus_data(file), file)


@pytest.mark.corpus
@pytest.mark.parametrize("file", CORPUS_FITS)
def test_corpus_file_reads_the_same_both_ways(file: str) -> None:
    used = assert_same_both_ways(*corpus_both_ways(file), file)
    assert used == NOT_VOUCHED.get(file, ("fast",))[0]


@pytest.mark.parametrize("path", SAMPLE_FITS, ids=lambda path: path.name)
def test_sample_data_file_reads_the_same_both_ways(path: Path) -> None:
    auto, reference = reads_both_ways(path.read_bytes(), path.name)
    assert assert_same_both_ways(auto, reference, path.name) == "fast"


# --- the fast decoder reads the clean files ---------------------------------------------


@pytest.mark.corpus
def test_fast_decoder_reads_every_clean_corpus_file() -> None:
    vouched = {file for file in CORPUS_FITS if decode_fit_fast(corpus_data(file)) is not None}
    assert vouched == set(CORPUS_FITS) - set(NOT_VOUCHED)
    assert len(vouched) >= 30  # 33 of the 36 corpus FIT files (COROS misaligned fields included)


def test_fast_decoder_reads_every_sample_data_file() -> None:
    assert len(SAMPLE_FITS) >= 50
    assert {decoder_used(path.read_bytes(), path.name) for path in SAMPLE_FITS} == {"fast"}


def test_unknown_decoder_choice_is_an_error() -> None:
    data = SAMPLE_FIT.read_bytes()
    with pytest.raises(ValueError, match="decoder must be 'auto' or 'reference'"):
        decode_fit(data, "run.fit", decoder="fast")  # type: ignore[arg-type]
    assert decode_fit_fast(b"") is None


@pytest.mark.corpus
def test_settings_file_is_not_an_activity_on_the_fast_path() -> None:
    file = "dtcooper_python-fitparse/nametest.FIT"
    data = corpus_data(file)
    found = decode_fit(data, file)
    assert found.decoder == "fast" and found.stopped_early
    assert found.messages["file_id"][0]["type"] == "settings"
    with pytest.raises(NotAnActivityError, match="a FIT settings file, not a recorded activity"):
        read_fit(data, file)


# --- damage: never vouched for, refused as before --------------------------------------


def _flip_byte(data: bytes, position: int) -> bytes:
    damaged = bytearray(data)
    damaged[position] ^= 0xFF
    return bytes(damaged)


def _zero_crc(data: bytes) -> bytes:
    return data[:-2] + b"\x00\x00"


#: How to damage a clean file, and the start of the reason it is refused (None: read).
DAMAGE: dict[str, tuple[Callable[[bytes], bytes], str | None]] = {
    "flipped-byte": (lambda data: _flip_byte(data, len(data) // 2), CRC_REASON),
    "cut-short": (lambda data: data[:-10], "the file is cut short: it ends 10 bytes before"),
    # fitparse does not take a zero checksum as "not computed": refused, as before.
    "zero-checksum": (_zero_crc, CRC_REASON),
    "padded": (lambda data: data + bytes(50), None),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_copy_is_left_to_the_reference_path(case: str) -> None:
    make, reason = DAMAGE[case]
    clean = SAMPLE_FIT.read_bytes()
    assert decode_fit_fast(clean) is not None
    damaged = make(clean)
    assert decode_fit_fast(damaged) is None
    fast = outcome(damaged, "damaged.fit", "auto")
    assert_same_outcome(fast, outcome(damaged, "damaged.fit", "reference"))
    activities, records = fast
    if reason is None:  # padding: read, with a note
        assert isinstance(activities, list) and isinstance(records, pd.DataFrame)
        assert activities[0].notes == [
            "ignored 50 bytes of unknown data after the end of the FIT data"
        ]
        assert len(records) == activities[0].n_records == 468
    else:
        assert isinstance(activities, CorruptFileError)
        assert activities.reason.startswith(reason)


# --- fuzzing: changed bytes under a right checksum --------------------------------------


def _fix_crc(data: bytes) -> bytes:
    """Make the file's checksums right again (header CRC, then the file CRC)."""
    fixed = bytearray(data)
    if fixed[0] >= 14:
        fixed[12:14] = struct.pack("<H", compute_crc(fixed, end=12))
    fixed[-2:] = struct.pack("<H", compute_crc(fixed, end=len(fixed) - 2))
    return bytes(fixed)


def _decode_outcome(data: bytes, decoder: DecoderChoice) -> FitMessages | tuple[str, str]:
    try:
        return decode_fit(data, "fuzz.fit", decoder=decoder)
    except ActivityFileError as exc:
        return type(exc).__name__, exc.reason


def _fuzz(data: bytes, seed: int, n_cases: int) -> tuple[int, int]:
    """Change random bytes, fix the checksum, compare both paths; (cases vouched, cases)."""
    rng = random.Random(seed)
    vouched = 0
    for _ in range(n_cases):
        damaged = bytearray(data)
        for _ in range(rng.choice((1, 1, 2, 3))):
            damaged[rng.randrange(14, len(data) - 2)] ^= 1 << rng.randrange(8)
        damaged = bytearray(_fix_crc(bytes(damaged)))
        fast, reference = (
            _decode_outcome(bytes(damaged), "auto"),
            _decode_outcome(bytes(damaged), "reference"),
        )
        if isinstance(fast, FitMessages) and fast.decoder == "fast":
            vouched += 1
            assert isinstance(reference, FitMessages), reference
            assert reference.damage is None
            # fitdecode reads what fitparse refuses: a misaligned field in an unread message.
            assert reference.decoder in ("fitparse", "fitdecode")
            assert_same_both_ways(fast, reference, "fuzz.fit")
        elif isinstance(fast, FitMessages):
            assert isinstance(reference, FitMessages)
            assert (fast.decoder, fast.n_messages) == (reference.decoder, reference.n_messages)
        else:
            assert fast == reference
    return vouched, n_cases


@pytest.mark.corpus
def test_changed_bytes_under_a_right_checksum_read_as_fitparse_reads_them() -> None:
    """Either the fast decoder steps aside, or it gives exactly the reference's values."""
    vouched, cases = _fuzz(corpus_data(SMALL_RUN), seed=8, n_cases=50)
    assert 10 <= vouched < cases  # both kinds happen: the test is not vacuous


def test_changed_bytes_in_a_written_file_read_as_fitparse_reads_them() -> None:
    vouched, cases = _fuzz(written_fit(big_endian=False), seed=9, n_cases=120)
    assert 10 <= vouched < cases


# --- byte order, compressed timestamps, developer fields --------------------------------


def fit_definitions(data: bytes) -> list[fitdecode.FitDefinitionMessage]:
    with fitdecode.FitReader(data) as reader:
        return [frame for frame in reader if isinstance(frame, fitdecode.FitDefinitionMessage)]


@pytest.mark.corpus
def test_big_endian_corpus_file() -> None:
    data = corpus_data(BIG_ENDIAN)
    assert {d.endian for d in fit_definitions(data) if d.name == "record"} == {">"}
    found, reference = corpus_both_ways(BIG_ENDIAN)
    assert isinstance(found, FitMessages) and isinstance(reference, FitMessages)
    assert found.decoder == "fast"
    assert_same_messages(found, reference)
    assert np.nanmax(found.records["distance"]) == pytest.approx(15643.9, rel=0.01)


@pytest.mark.corpus
def test_compressed_timestamp_corpus_file() -> None:
    data = corpus_data(COMPRESSED)
    with fitdecode.FitReader(data) as reader:
        offsets = [
            frame.time_offset
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record"
        ]
    assert len(offsets) == 686 and None not in offsets  # every record header is compressed
    found, reference = corpus_both_ways(COMPRESSED)
    assert isinstance(found, FitMessages) and isinstance(reference, FitMessages)
    assert found.decoder == "fast"
    assert_same_messages(found, reference)
    steps = np.diff(found.records["timestamp"])
    assert steps.min() >= 0 and (steps > 31).sum() == 0


@pytest.mark.corpus
def test_developer_fields_are_skipped() -> None:
    data = corpus_data(DEVELOPER)
    assert any(d.dev_field_defs for d in fit_definitions(data) if d.name == "record")
    found, reference = corpus_both_ways(DEVELOPER)
    assert isinstance(found, FitMessages) and isinstance(reference, FitMessages)
    assert found.decoder == "fast"
    assert_same_messages(found, reference)
    assert np.isfinite(found.records["heart_rate"]).sum() > 3000


# --- files written here byte by byte ------------------------------------------------------

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
START = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
#: Seconds between records: gaps up to 31 s, rolling over the 5-bit offset many times.
STEPS = [1, 1, 1, 5, 31, 2, 17, 1, 30, 29, 3, 1, 1, 8, 31, 31, 1, 16]


def _fit_seconds(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


def _definition(
    local: int,
    mesg_num: int,
    fields: list[tuple[int, int, int]],
    endian: str,
    dev_fields: list[tuple[int, int, int]] | None = None,
) -> bytes:
    header = 0x40 | local | (0x20 if dev_fields is not None else 0)
    out = struct.pack(f"{endian}BBBHB", header, 0, endian == ">", mesg_num, len(fields))
    out += b"".join(bytes(field) for field in fields)
    if dev_fields is not None:
        out += bytes([len(dev_fields)]) + b"".join(bytes(field) for field in dev_fields)
    return out


def written_fit(*, big_endian: bool, describe_dev_field: bool = True, crc: bool = True) -> bytes:
    """A small activity with compressed timestamps, a developer field and both byte orders.

    file_id; developer_data_id and field_description (a uint16 dev field); one
    record with a full timestamp, then records with compressed-timestamp
    headers and a developer field, a second full timestamp, more compressed
    records; a lap and a session whose timestamps are compressed too.
    """
    e = ">" if big_endian else "<"
    t0 = _fit_seconds(START)
    body = _definition(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (2, 2, 0x84), (4, 4, 0x86)], e)
    body += struct.pack(f"{e}BBHHI", 0, 4, 255, 7, t0)  # activity, development, product 7
    body += _definition(1, 207, [(1, 16, 0x0D), (3, 1, 0x02)], e)
    body += struct.pack(f"{e}B16sB", 1, bytes(range(16)), 0)
    body += _definition(1, 206, [(0, 1, 0x02), (1, 1, 0x02), (2, 1, 0x02), (3, 8, 0x07)], e)
    body += struct.pack(f"{e}BBBB8s", 1, 0, 0, 0x84, b"power\x00\x00\x00")
    body += _definition(1, 20, [(253, 4, 0x86), (3, 1, 0x02), (5, 4, 0x86)], e)
    body += struct.pack(f"{e}BIBI", 1, t0, 120, 0)
    dev_fields = [(0, 2, 0)] if describe_dev_field else [(0, 2, 1)]
    body += _definition(2, 20, [(3, 1, 0x02), (5, 4, 0x86), (6, 2, 0x84)], e, dev_fields)
    moment = t0
    for index, step in enumerate(STEPS):
        moment += step
        if index == len(STEPS) // 2:  # a full timestamp in the middle resets the accumulator
            body += struct.pack(f"{e}BIBI", 1, moment, 130, 100 * moment - 100 * t0)
            continue
        header = 0x80 | (2 << 5) | (moment & 0x1F)
        speed = 0xFFFF if index == 3 else 3000 + index  # one invalid speed
        body += struct.pack(f"{e}BBIHH", header, 121 + index, 100 * (moment - t0), speed, 200)
    body += _definition(3, 19, [(2, 4, 0x86), (7, 4, 0x86), (9, 4, 0x86), (24, 1, 0x00)], e)
    elapsed = moment - t0
    body += struct.pack(f"{e}BIIIB", 0x80 | (3 << 5) | (moment & 0x1F), t0, elapsed * 1000, 0, 7)
    session_fields = [(2, 4, 0x86), (7, 4, 0x86), (8, 4, 0x86), (5, 1, 0x00), (6, 1, 0x00)]
    body += _definition(3, 18, session_fields, e)
    body += struct.pack(
        f"{e}BIIIBB", 0x80 | (3 << 5) | (moment & 0x1F), t0, elapsed * 1000, elapsed * 1000, 1, 0
    )
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT")
    header += struct.pack("<H", compute_crc(header))
    data = header + body
    return data + struct.pack("<H", compute_crc(data) if crc else 0)


@pytest.mark.parametrize("big_endian", [False, True], ids=["little-endian", "big-endian"])
def test_written_file_with_compressed_timestamps_and_a_developer_field(big_endian: bool) -> None:
    data = written_fit(big_endian=big_endian)
    fast = decode_fit(data, "written.fit")
    assert fast.decoder == "fast"
    assert_same_messages(fast, decode_fit(data, "written.fit", decoder="reference"))
    expected = np.cumsum([_fit_seconds(START), *STEPS])
    np.testing.assert_array_equal(fast.records["timestamp"], expected)
    end = START + timedelta(seconds=int(sum(STEPS)))
    assert fast.messages["session"][0]["timestamp"] == end.replace(tzinfo=None)
    assert fast.messages["lap"][0]["timestamp"] == end.replace(tzinfo=None)
    assert fast.messages["lap"][0]["lap_trigger"] == "session_end"
    speed = fast.records["enhanced_speed"]  # from speed, as a component, as fitparse does
    assert np.isnan(speed[4]) and speed[1] == pytest.approx(3.0)
    assert_same_outcome(outcome(data, "w.fit", "auto"), outcome(data, "w.fit", "reference"))
    (run,) = read_fit(data, "written.fit")
    assert run.start_utc == START and run.elapsed_s == sum(STEPS)
    assert run.sport == "running" and run.n_records == len(STEPS) + 1
    records = read_fit_records(data, "written.fit")
    assert records["time_utc"].iloc[-1] == pd.Timestamp(end)


def test_undescribed_developer_field_is_left_to_the_reference_path() -> None:
    data = written_fit(big_endian=False, describe_dev_field=False)
    assert decode_fit_fast(data) is None
    assert decode_fit_fast(written_fit(big_endian=False)) is not None
    assert decoder_used(data, "written.fit") != "fast"
    assert_same_outcome(outcome(data, "w.fit", "auto"), outcome(data, "w.fit", "reference"))


def test_written_file_without_checksum_is_refused_as_before() -> None:
    data = written_fit(big_endian=True, crc=False)
    assert decode_fit_fast(data) is None
    with pytest.raises(CorruptFileError, match=r"failed its checksum \(CRC\)"):
        read_fit(data, "written.fit")


@pytest.mark.parametrize("device", ["garmin", "coros", "strava"])
def test_one_second_records_of_each_device(device: str, tmp_path: Path) -> None:
    """Synthetic watch files, one record a second: enhanced, plain+enhanced, plain fields."""
    run = PlannedRun(
        datetime(2026, 6, 1, 6, 30),
        3.0,
        record_interval_s=1.0,
        device=device,
        temperature_c=18.0,
        ascent_m=40.0,
    )
    path = write_run(run, tmp_path / "run.fit", timezone="Europe/Berlin", home=(52.52, 13.40))
    data = path.read_bytes()
    found = decode_fit(data, path.name)
    assert found.decoder == "fast"
    assert len(found.records) > 900
    assert_same_messages(found, decode_fit(data, path.name, decoder="reference"))
    assert_same_outcome(outcome(data, path.name, "auto"), outcome(data, path.name, "reference"))
    records = read_fit_records(data, path.name)
    assert records["speed_mps"].notna().all() and records["altitude_m"].notna().all()
    assert (records["time_utc"].diff().dropna() == pd.Timedelta(seconds=1)).mean() > 0.99
