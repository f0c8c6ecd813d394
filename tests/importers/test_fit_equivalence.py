"""The FIT fast path and the reference path give identical activities and record frames.

Issue 15's equivalence test. Every FIT file of the corpus (COROS files with
misaligned fields included, each also as ``.fit.gz``), of ``sample_data/`` and
of the real-shaped histories that ``benchmarks/real_shapes.py`` writes (Garmin:
records interleaved with ``hrv``, ``device_info`` and ``event``; COROS: the same
with a misaligned field, gzip'd) is read with ``decoder="auto"`` (the fast path
where it vouches for the file) and ``decoder="reference"`` (fitparse, then
fitdecode): every field of every Activity and every record frame must be equal
(NaN equal to NaN), and a broken file must fail with the same error or be
flagged with the same notes. Then files written here byte by byte exercise what
the header walk must get right: blocks of messages that repeat and then break
at any point, definitions that change mid-file, compressed-timestamp headers.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import random
import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from loadwatch.errors import ActivityFileError
from loadwatch.importers.activity import Activity
from loadwatch.importers.discover import file_data_from_bytes
from loadwatch.importers.fit.messages import DecoderChoice
from loadwatch.importers.fit.reader import (
    activities_from_messages,
    decode_fit,
    read_fit,
    read_fit_records,
    records_from_messages,
)
from loadwatch.synthetic.fit_encoder import (
    FitFileWriter,
    InterleavedLayout,
    MessageLayout,
    fit_seconds,
)

from support import CORPUS_DIR, PROJECT_ROOT, corpus_files

SAMPLE_FITS = sorted((PROJECT_ROOT / "sample_data").glob("*/*.fit"))
CORPUS_FITS = sorted(
    {row.file for row in corpus_files("fit", "fit.gz")}
    | {
        path.relative_to(CORPUS_DIR).as_posix()
        for path in (CORPUS_DIR.rglob("*") if CORPUS_DIR.exists() else ())
        if path.name.lower().endswith((".fit", ".fit.gz"))
    }
)
#: The corpus FIT files with content: a 0-byte file has no ``.gz`` form (the gzip of
#: nothing is refused before decoding), so the ``.gz`` test leaves it out.
CORPUS_FITS_WITH_BYTES = [
    file
    for file in CORPUS_FITS
    if not (CORPUS_DIR / file).exists() or (CORPUS_DIR / file).stat().st_size
]
#: The corpus's COROS files: one with misaligned fields (fitparse refuses it), one without.
COROS_FILES = (
    "dtcooper_python-fitparse/coros-pace-2-cycling-misaligned-fields.fit",
    "thomaschampagne_elevate/trosku.fit",
)

Outcome = list[Activity | pd.DataFrame | ActivityFileError]


def outcome(data: bytes, source: str, decoder: DecoderChoice) -> Outcome:
    """The activities and the record frame (or the error of each) with one decoder."""
    try:
        found = decode_fit(data, source, decoder=decoder)
    except ActivityFileError as exc:
        return [exc, exc]
    results: Outcome = []
    for read in (activities_from_messages, records_from_messages):
        try:
            result = read(found, source)
        except ActivityFileError as exc:
            results.append(exc)
            continue
        results.extend(result if isinstance(result, list) else [result])
    return results


def _same(one: object, other: object) -> bool:
    """Equal, NaN equal to NaN; arrays element by element."""
    if isinstance(one, np.ndarray) or isinstance(other, np.ndarray):
        return np.array_equal(np.asarray(one), np.asarray(other), equal_nan=True)
    if isinstance(one, float) and isinstance(other, float):
        return one == other or (np.isnan(one) and np.isnan(other))
    return one == other


def assert_identical(fast: Outcome, reference: Outcome, source: str) -> None:
    """Same errors (type and words), activities (every field) and record frames (exactly)."""
    assert [type(item) for item in fast] == [type(item) for item in reference], source
    for one, other in zip(fast, reference, strict=True):
        if isinstance(other, ActivityFileError):
            assert str(one) == str(other), source
        elif isinstance(other, pd.DataFrame):
            assert isinstance(one, pd.DataFrame)
            pd.testing.assert_frame_equal(one, other, check_exact=True, obj=source)
        else:
            for activity_field in dataclasses.fields(Activity):
                name = activity_field.name
                assert _same(getattr(one, name), getattr(other, name)), f"{source}: {name}"


def assert_both_ways(data: bytes, source: str) -> str:
    """Both paths give the same outcome; returns the decoder "auto" used (or the error)."""
    assert_identical(outcome(data, source, "auto"), outcome(data, source, "reference"), source)
    try:
        return decode_fit(data, source).decoder
    except ActivityFileError as exc:
        return type(exc).__name__


def corpus_bytes(file: str, *, gzipped: bool) -> tuple[bytes, str]:
    """A corpus file's bytes as the importer gets them (decompressed), optionally via ``.gz``."""
    path = CORPUS_DIR / file
    if not path.exists():
        pytest.skip(f"corpus file missing: {path}")
    raw = path.read_bytes()
    name = path.name
    if gzipped and not name.lower().endswith(".gz"):
        raw, name = gzip.compress(raw), name + ".gz"
    return (file_data_from_bytes(raw, name).data if raw else raw), name


@cache
def corpus_reference(file: str) -> tuple[bytes, Outcome]:
    """A corpus file's bytes and the reference path's outcome, once per session."""
    data, name = corpus_bytes(file, gzipped=False)
    return data, outcome(data, name, "reference")


@pytest.mark.corpus
@pytest.mark.parametrize("file", CORPUS_FITS)
def test_corpus_file_reads_identically(file: str) -> None:
    data, reference = corpus_reference(file)
    name = Path(file).name
    assert_identical(outcome(data, name, "auto"), reference, name)


@pytest.mark.corpus
@pytest.mark.parametrize("file", CORPUS_FITS_WITH_BYTES)
def test_corpus_file_as_fit_gz_reads_identically(file: str) -> None:
    """The same file gzip'd: decompressed as the importer does, then the fast path."""
    data, reference = corpus_reference(file)
    unpacked, _ = corpus_bytes(file, gzipped=True)
    assert unpacked == data
    name = Path(file).name  # the same source name: errors and activities name it
    assert_identical(outcome(unpacked, name, "auto"), reference, name)


@pytest.mark.corpus
@pytest.mark.parametrize("file", COROS_FILES)
def test_coros_files_take_the_fast_path(file: str) -> None:
    """Misaligned fields in messages that are not read no longer send a file away."""
    data, name = corpus_bytes(file, gzipped=True)
    assert assert_both_ways(data, name) == "fast"


@pytest.mark.parametrize("path", SAMPLE_FITS, ids=lambda path: path.name)
def test_sample_data_file_reads_identically(path: Path) -> None:
    assert assert_both_ways(path.read_bytes(), path.name) == "fast"


# --- the benchmark's real-shaped files --------------------------------------------------


@cache
def real_shapes() -> ModuleType:
    """``benchmarks/real_shapes.py``, the writer of the real-shaped histories."""
    path = PROJECT_ROOT / "benchmarks" / "real_shapes.py"
    spec = importlib.util.spec_from_file_location("benchmarks_real_shapes", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("shape", "reference_decoder"), [("garmin", "fitparse"), ("coros", "fitdecode")]
)
@pytest.mark.parametrize("day", [0, 1])
def test_real_shaped_file_reads_identically(
    shape: str, reference_decoder: str, day: int, tmp_path: Path
) -> None:
    (path,) = real_shapes().write_history(tmp_path, shape, 1 + day, minutes=12.0)[day:]
    data = file_data_from_bytes(path.read_bytes(), path.name).data
    assert path.name.endswith(".fit.gz" if shape == "coros" else ".fit")
    assert decode_fit(data, path.name, decoder="reference").decoder == reference_decoder
    assert assert_both_ways(data, path.name) == "fast"
    (activity,) = read_fit(data, path.name)
    assert activity.n_records == 12 * 60 + 1  # one a second, none lost in the interleaving


# --- written byte by byte: what the header walk must get right --------------------------

START = datetime(2026, 3, 1, 7, 0, tzinfo=UTC)
RECORD = ("timestamp", "distance", "heart_rate")


def _frame(writer: FitFileWriter, seconds: int) -> bytes:
    end = fit_seconds(START) + seconds
    writer.add("lap", timestamp=end, start_time=START, total_elapsed_time=float(seconds))
    writer.add("session", timestamp=end, start_time=START, sport="running")
    writer.add("activity", timestamp=end, num_sessions=1)
    return writer.to_bytes()


def _start(writer: FitFileWriter) -> None:
    writer.add("file_id", type="activity", manufacturer="garmin", product=1)
    writer.add("event", timestamp=START, event="timer", event_type="start")


def random_interleaving(seed: int) -> tuple[bytes, int]:
    """Records with ``hrv`` after most, blocks of pairs broken at random by other messages.

    Returns the file and its number of records.
    """
    rng = random.Random(seed)
    pairs = InterleavedLayout(
        MessageLayout("record", 14, RECORD), MessageLayout("hrv", 15, ("time",))
    )
    lone = MessageLayout("record", 14, RECORD)
    writer = FitFileWriter()
    _start(writer)
    second = 0
    while second < 900:
        n = rng.choice((1, 2, 3, 40, 33, 64, 150))
        t = fit_seconds(START) + second + np.arange(n)
        streams = {"timestamp": t, "distance": 3.0 * (second + np.arange(n)), "heart_rate": 140}
        if rng.random() < 0.7:
            writer.add_rows(pairs, pairs.rows(n, [streams, {"time": np.full(n, 0.43)}]))
        else:
            writer.add_rows(lone, lone.rows(n, streams))
        second += n
        what = rng.random()
        if what < 0.3:
            writer.add("device_info", timestamp=int(t[-1]), device_index=rng.randrange(3))
        elif what < 0.6:
            writer.add("event", timestamp=int(t[-1]), event="timer", event_type="marker")
    return _frame(writer, second), second


@pytest.mark.parametrize("seed", range(6))
def test_repeating_blocks_broken_anywhere(seed: int) -> None:
    data, n_records = random_interleaving(seed)
    assert assert_both_ways(data, "interleaved.fit") == "fast"
    (activity,) = read_fit(data, "interleaved.fit")
    assert activity.n_records == n_records


def changing_definitions() -> bytes:
    """Records in 20 field sets: the writer's 16 local types are redefined again and again."""
    optional = ("heart_rate", "cadence", "temperature", "altitude", "speed")
    layouts = [
        ("timestamp", "distance", *(name for bit, name in enumerate(optional) if mask >> bit & 1))
        for mask in range(20)
    ]
    writer = FitFileWriter()
    _start(writer)
    values = {"heart_rate": 150, "cadence": 85, "temperature": 12, "altitude": 40.0, "speed": 3.1}
    for second in range(600):
        fields = layouts[second % 7 if second < 300 else second % 20]
        given = {name: values[name] for name in fields[2:]}
        writer.add(
            "record",
            timestamp=fit_seconds(START) + second,
            distance=3.1 * second,
            **given,
        )
    return _frame(writer, 600)


def test_definitions_changing_mid_file() -> None:
    data = changing_definitions()
    assert assert_both_ways(data, "redefined.fit") == "fast"
    records = read_fit_records(data, "redefined.fit")
    assert len(records) == 600
    assert records["heart_rate_bpm"].isna().any() and records["heart_rate_bpm"].notna().any()


def compressed_pairs(offset_s: int) -> bytes:
    """Records with compressed-timestamp headers (local type 1) between full-time records."""
    full = MessageLayout("record", 0, RECORD)
    short = MessageLayout("record", 1, ("distance", "heart_rate"))
    hrv = MessageLayout("hrv", 2, ("time",))
    pairs = InterleavedLayout(short, hrv)
    writer = FitFileWriter()
    _start(writer)
    base = fit_seconds(START) + offset_s
    second = 0
    for block in range(12):
        writer.add_rows(
            full,
            full.rows(1, {"timestamp": base + second, "distance": 3.0 * second, "heart_rate": 150}),
        )
        n = 20 + 7 * block
        rows = pairs.rows(
            n, [{"distance": 3.0 * (second + 1 + np.arange(n)), "heart_rate": 151}, {"time": 0.4}]
        )
        time_s = base + second + 1 + np.arange(n)
        rows["m0"]["header"] = 0x80 | 1 << 5 | (time_s & 0x1F)
        writer.add_rows(pairs, rows)
        second += n + 1
    return _frame(writer, second + offset_s)


@pytest.mark.parametrize("offset_s", [0, 13, 31])
def test_compressed_timestamps_between_full_ones(offset_s: int) -> None:
    data = compressed_pairs(offset_s)
    assert assert_both_ways(data, "compressed.fit") == "fast"
    records = read_fit_records(data, "compressed.fit")
    steps = records["time_utc"].diff().dropna()
    assert (steps == pd.Timedelta(seconds=1)).all()
    assert records["time_utc"].iloc[0] == pd.Timestamp(START + timedelta(seconds=offset_s))
