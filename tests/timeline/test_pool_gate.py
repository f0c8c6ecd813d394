"""The pool's gate and chunks follow the decoded size and the decoding path, not bytes on disk.

Files are written by the synthetic FIT writer (gzip'd here) or taken from the
corpus; expected costs are the sizes of the bytes each test wrote.
"""

from __future__ import annotations

import gzip
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

import loadwatch as lw
from loadwatch.importers.fit.reader import decode_fit
from loadwatch.synthetic import PlannedRun, write_run
from loadwatch.synthetic.fitwriter import DEVICE_IDS
from loadwatch.timeline.build import FileProblem
from loadwatch.timeline.decode_cost import (
    GZIP_RATIO,
    REFERENCE_PATH_FACTOR,
    REFUSED_MAKERS,
    file_cost,
    fit_maker,
)
from loadwatch.timeline.pool import (
    CHUNKS_PER_WORKER,
    POOL_MIN_BYTES,
    POOL_MIN_FILES,
    chunk_cost,
    default_jobs,
    pool_plan,
)

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
def test_the_maker_is_read_from_the_file_id(tmp_path: Path, device: str) -> None:
    data = write_fit(tmp_path / "run.fit", 0, device=device)
    assert fit_maker(data[:256]) == DEVICE_IDS[device]["manufacturer"]
    factor = REFERENCE_PATH_FACTOR if fit_maker(data) in REFUSED_MAKERS else 1
    assert file_cost(tmp_path / "run.fit", len(data)) == (1, len(data) * factor)


def test_no_maker_in_what_is_not_fit() -> None:
    assert fit_maker(b"") is None
    assert fit_maker(b'<?xml version="1.0"?><gpx>') is None
    assert fit_maker(b"\x0e\x10" + b"\x00" * 6 + b".FIT" + b"\x00" * 2) is None  # header only


def test_a_coros_fit_gz_costs_the_reference_path(tmp_path: Path, corpus_dir: Path) -> None:
    data = (corpus_dir / COROS_FILE).read_bytes()
    assert decode_fit(data, COROS_FILE).decoder != "fast"  # the costly path, really
    packed = tmp_path / "coros.fit.gz"
    packed.write_bytes(gzip.compress(data))
    assert file_cost(packed, packed.stat().st_size) == (1, len(data) * REFERENCE_PATH_FACTOR)


def test_chunk_cost_cuts_the_work_in_chunks_per_worker() -> None:
    for total, workers in ((10, 3), (POOL_MIN_BYTES, 2), (1, 8), (0, 2)):
        limit = chunk_cost(total, workers)
        assert limit >= 1
        assert limit * CHUNKS_PER_WORKER * workers >= total
        assert (limit - 1) * CHUNKS_PER_WORKER * workers < max(total, 1)


@pytest.fixture(scope="module")
def gz_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Gzip'd long 1-s runs: together more than POOL_MIN_BYTES decoded, far less on disk."""
    folder = tmp_path_factory.mktemp("gz") / "gz-runner"
    folder.mkdir()
    decoded = day = 0
    while decoded < POOL_MIN_BYTES * 1.1 or day < POOL_MIN_FILES:
        plain = folder / f"run-{day:03d}.fit"
        decoded += len(write_fit(plain, day, km=30.0, device="coros" if day % 5 == 0 else "garmin"))
        gzip_file(plain)
        day += 1
    first = gzip.decompress((folder / "run-000.fit.gz").read_bytes())
    (folder / "broken.fit.gz").write_bytes(gzip.compress(first[:14] + b"\xff" * 64))
    return folder


def test_a_folder_of_fit_gz_gets_workers(gz_folder: Path) -> None:
    if default_jobs() < 2:
        pytest.skip("one core: no pool whatever the cost")
    files = sorted(gz_folder.glob("run-*.fit.gz"))
    on_disk = sum(p.stat().st_size for p in files)
    assert on_disk < POOL_MIN_BYTES  # the gate of bytes on disk kept them in this process
    assert pool_plan(len(files), on_disk, None) == (0, 0)
    costs = [file_cost(p, p.stat().st_size) for p in files]
    decoded = sum(len(gzip.decompress(p.read_bytes())) for p in files)
    assert sum(cost for _, cost in costs) >= decoded >= POOL_MIN_BYTES
    workers, size = pool_plan(sum(n for n, _ in costs), sum(cost for _, cost in costs), None)
    assert workers > 1
    assert size >= 1


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


def test_without_jobs_a_folder_of_fit_gz_is_read_in_workers(gz_folder: Path) -> None:
    if default_jobs() < 2:
        pytest.skip("one core: no pool whatever the cost")
    result = lw.import_activities(gz_folder, cache=False)  # jobs=None: the gate decides
    problem = broken_problem(result)
    # Read in a worker process: the exception stayed there, its traceback came back as text.
    assert problem.error is None
    assert "Traceback" in problem.trace
