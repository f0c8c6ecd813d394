"""The pool's gate and chunks follow the decoded size and the decoding path, not bytes on disk.

Files are written by the synthetic FIT writer (gzip'd here) or taken from the
corpus; expected costs are the sizes of the bytes each test wrote.
"""

from __future__ import annotations

import gzip
import zipfile
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path
from unittest.mock import patch

import pandas as pd
import pytest

import loadwatch as lw
from loadwatch.errors import CorruptFileError
from loadwatch.importers.fit.fast import decode_fit_fast
from loadwatch.importers.fit.reader import decode_fit
from loadwatch.synthetic import PlannedRun, write_run
from loadwatch.synthetic.fitwriter import DEVICE_IDS
from loadwatch.timeline import pool
from loadwatch.timeline.decode_cost import (
    GZIP_RATIO,
    HEAD_BYTES,
    REFERENCE_PATH_FACTOR,
    file_cost,
    takes_reference_path,
)
from loadwatch.timeline.pool import (
    CHUNKS_PER_WORKER,
    POOL_MIN_BYTES,
    POOL_MIN_FILES,
    chunk_cost,
    default_jobs,
    pool_plan,
)
from loadwatch.timeline.problems import FileProblem

HOME = (40.78, -73.97)
COROS_FILE = "dtcooper_python-fitparse/coros-pace-2-cycling-misaligned-fields.fit"


def write_fit(path: Path, day: int, *, km: float = 5.0, device: str = "garmin") -> bytes:
    """A synthetic run written at ``path``; its bytes."""
    run = PlannedRun(
        datetime(2026, 1, 1, 7, 0) + timedelta(days=day), km, record_interval_s=1.0, device=device
    )
    return write_run(run, path, timezone="UTC", home=HOME).read_bytes()


def gzip_file(plain: Path) -> Path:
    """``plain`` compressed beside itself as ``.gz``; the plain file removed."""
    packed = plain.with_name(plain.name + ".gz")
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return packed


def test_a_plain_fit_costs_its_size(tmp_path: Path) -> None:
    data = write_fit(tmp_path / "run.fit", 0)
    assert file_cost(tmp_path / "run.fit", len(data)) == (1, len(data))
    assert file_cost(tmp_path / "run.fit", -1) == (1, len(data))  # size read from disk


def test_a_fit_gz_costs_its_decoded_size(tmp_path: Path) -> None:
    data = write_fit(tmp_path / "run.fit", 0)
    packed = gzip_file(tmp_path / "run.fit")
    assert packed.stat().st_size < len(data)
    assert file_cost(packed, packed.stat().st_size) == (1, len(data))


def test_a_gz_whose_trailer_cannot_be_right_uses_the_typical_ratio(tmp_path: Path) -> None:
    packed = tmp_path / "odd.fit.gz"
    packed.write_bytes(b"\x1f\x8b" + b"\x00" * 40)  # trailer says 0 bytes decoded
    assert file_cost(packed, 42) == (1, 42 * GZIP_RATIO)


def test_a_zip_costs_its_members_decoded_sizes(tmp_path: Path) -> None:
    plain = write_fit(tmp_path / "a.fit", 0)
    other = gzip.compress(write_fit(tmp_path / "b.fit", 1))
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("activities/a.fit", plain)
        out.writestr("activities/b.fit.gz", other)
    n, cost = file_cost(archive, archive.stat().st_size)
    assert (n, cost) == (2, len(plain) + len(other) * GZIP_RATIO)


def test_a_damaged_zip_costs_its_size_on_disk(tmp_path: Path) -> None:
    archive = tmp_path / "cut.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert file_cost(archive, 104) == (1, 104)


@pytest.mark.parametrize("device", sorted(DEVICE_IDS))
def test_a_clean_file_of_any_device_costs_the_fast_path(tmp_path: Path, device: str) -> None:
    data = write_fit(tmp_path / "run.fit", 0, device=device)
    assert decode_fit(data, "run.fit").decoder == "fast"
    assert not takes_reference_path(data[:HEAD_BYTES], len(data), data[-2:])
    assert file_cost(tmp_path / "run.fit", len(data)) == (1, len(data))


def test_nothing_but_fit_is_costed_as_the_reference_path() -> None:
    assert not takes_reference_path(b"", 0)
    assert not takes_reference_path(b'<?xml version="1.0"?><gpx>', 26)


def test_a_cut_short_file_costs_the_reference_path(tmp_path: Path) -> None:
    data = write_fit(tmp_path / "run.fit", 0)[:-500]
    (tmp_path / "run.fit").write_bytes(data)
    with pytest.raises(CorruptFileError, match="cut short"):  # judged by the reference path
        decode_fit(data, "run.fit")
    assert file_cost(tmp_path / "run.fit", len(data)) == (1, len(data) * REFERENCE_PATH_FACTOR)
    packed = gzip_file(tmp_path / "run.fit")
    assert file_cost(packed, packed.stat().st_size) == (1, len(data) * REFERENCE_PATH_FACTOR)


def test_a_file_without_checksum_costs_the_reference_path(tmp_path: Path) -> None:
    data = write_fit(tmp_path / "run.fit", 0)
    unchecked = data[:-2] + b"\x00\x00"
    assert decode_fit_fast(unchecked) is None  # the fast decoder does not vouch for it
    (tmp_path / "run.fit").write_bytes(unchecked)
    cost = len(unchecked) * REFERENCE_PATH_FACTOR
    assert file_cost(tmp_path / "run.fit", len(unchecked)) == (1, cost)


def test_a_coros_fit_gz_costs_the_fast_path(tmp_path: Path, corpus_dir: Path) -> None:
    """COROS's misaligned fields no longer send the file to fitparse and fitdecode."""
    data = (corpus_dir / COROS_FILE).read_bytes()
    assert decode_fit(data, COROS_FILE).decoder == "fast"
    packed = tmp_path / "coros.fit.gz"
    packed.write_bytes(gzip.compress(data))
    assert file_cost(packed, packed.stat().st_size) == (1, len(data))


def test_chunk_cost_cuts_the_work_in_chunks_per_worker() -> None:
    for total, workers in ((10, 3), (POOL_MIN_BYTES, 2), (1, 8), (0, 2)):
        limit = chunk_cost(total, workers)
        assert limit >= 1
        assert limit * CHUNKS_PER_WORKER * workers >= total
        assert (limit - 1) * CHUNKS_PER_WORKER * workers < max(total, 1)


#: The gate for the folder below: the pool's start weighed as this many bytes (the real
#: POOL_MIN_BYTES would need ~100 MB of files; the arithmetic is the same).
TEST_POOL_MIN_BYTES = 2 * 1024**2


@pytest.fixture
def small_pool_start(monkeypatch: pytest.MonkeyPatch) -> int:
    """POOL_MIN_BYTES lowered to :data:`TEST_POOL_MIN_BYTES` for one test."""
    monkeypatch.setattr(pool, "POOL_MIN_BYTES", TEST_POOL_MIN_BYTES)
    return TEST_POOL_MIN_BYTES


@pytest.fixture(scope="module")
def gz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Gzip'd long 1-s runs: decoded, enough for two workers to pay (by the test's gate);
    on disk, far less."""
    folder = tmp_path_factory.mktemp("gz") / "gz-runner"
    folder.mkdir()
    decoded = day = 0
    # On 2 cores the pool pays from 3 starts' worth of work (pool_plan): a little more.
    while decoded < TEST_POOL_MIN_BYTES * 3.5 or day < POOL_MIN_FILES:
        plain = folder / f"run-{day:03d}.fit"
        decoded += len(write_fit(plain, day, km=30.0, device="coros" if day % 5 == 0 else "garmin"))
        gzip_file(plain)
        day += 1
    first = gzip.decompress((folder / "run-000.fit.gz").read_bytes())
    (folder / "broken.fit.gz").write_bytes(gzip.compress(first[:14] + b"\xff" * 64))
    return folder


def test_a_folder_of_fit_gz_gets_workers(gz_folder: Path, small_pool_start: int) -> None:
    files = sorted(gz_folder.glob("run-*.fit.gz"))
    on_disk = sum(p.stat().st_size for p in files)
    assert pool_plan(len(files), on_disk, None) == (0, 0)  # bytes on disk: this process
    costs = [file_cost(p, p.stat().st_size) for p in files]
    decoded = sum(len(gzip.decompress(p.read_bytes())) for p in files)
    assert sum(cost for _, cost in costs) == decoded  # clean files: the fast path's cost
    with patch.object(pool, "default_jobs", return_value=2):  # as on the 2-core machine
        workers, size = pool_plan(len(files), decoded, None)
    assert workers == 1  # beside this process, which reads too
    assert size >= 1


@pytest.mark.parametrize("cores", [2, 4, 8])
def test_the_gate_starts_workers_where_they_save_another_start(cores: int) -> None:
    """With every core, this process reads alone until the workers are up, then with them.

    Work ``W`` then takes ``S + (W - S) / cores`` (``S``: a worker's start,
    POOL_MIN_BYTES of decoding); the pool starts where that saves at least ``S``.
    """
    start = POOL_MIN_BYTES

    def saved(work: int) -> Fraction:
        return work - (start + Fraction(work - start, cores))

    seen = set()
    with patch.object(pool, "default_jobs", return_value=cores):
        for work in range(start // 2, 4 * start, start // 16):
            workers, _ = pool_plan(100, work, None)
            assert workers == (cores - 1 if saved(work) >= start else 0), work
            seen.add(workers)
    assert seen == {0, cores - 1}  # both sides of the gate were tried


def broken_problem(result: lw.ImportResult) -> FileProblem:
    (problem,) = [p for p in result.report.errors if p.source.endswith("broken.fit.gz")]
    return problem


def test_a_folder_of_fit_gz_reads_the_same_with_any_jobs(gz_folder: Path) -> None:
    n = len(list(gz_folder.glob("*.fit.gz")))
    serial = lw.import_activities(gz_folder, jobs=1, cache=False)
    assert serial.report.files_decoded == n
    assert len(serial.timeline) == n - 1  # all but the broken file
    assert broken_problem(serial).error is not None  # read here: the exception is kept
    for jobs in (2, None):
        other = lw.import_activities(gz_folder, jobs=jobs, cache=False)
        pd.testing.assert_frame_equal(serial.timeline, other.timeline)
        pd.testing.assert_frame_equal(serial.laps, other.laps)
        assert serial.report.lines() == other.report.lines()
        assert other.report.files_decoded == n


def test_without_jobs_a_folder_of_fit_gz_is_read_in_workers(
    gz_folder: Path, small_pool_start: int
) -> None:
    if default_jobs() < 2:
        pytest.skip("one core: no pool whatever the cost")
    result = lw.import_activities(gz_folder, cache=False)  # jobs=None: the gate decides
    problem = broken_problem(result)
    # Read in a worker process: the exception stayed there, its traceback came back as text.
    assert problem.error is None
    assert "Traceback" in problem.trace
