"""Decoding in worker processes gives exactly what decoding in this process gives.

The folders are real FIT and GPX files written by the synthetic writer, with a
broken file, an identical copy and a FIT/GPX pair of one run among them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import loadwatch as lw
import loadwatch.timeline.decode as decode
from loadwatch.cli import main
from loadwatch.synthetic import Athlete, PlannedRun, steady_weeks, write_athlete
from loadwatch.timeline.pool import POOL_MIN_BYTES, POOL_MIN_FILES, pool_plan, run_pool

HOME = (40.78, -73.97)
UNCOUNTED = {"files_from_cache": 0, "files_decoded": 0}


def assert_same(a: lw.ImportResult, b: lw.ImportResult) -> None:
    pd.testing.assert_frame_equal(a.timeline, b.timeline)
    pd.testing.assert_frame_equal(a.laps, b.laps)
    # FileProblem equality ignores the exception object; the cache counters may differ.
    assert replace(a.report, **UNCOUNTED) == replace(b.report, **UNCOUNTED)
    assert a.report.lines() == b.report.lines()
    assert a.profiles.keys() == b.profiles.keys()
    for key, profile in a.profiles.items():
        np.testing.assert_array_equal(profile, b.profiles[key])


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """22 runs (some GPX), the same run again as a Strava GPX, an identical copy, a broken file."""
    folder = tmp_path_factory.mktemp("crowded") / "crowded-runner"
    runs = steady_weeks(date(2026, 1, 5), weeks=5, km_per_week=30.0, runs_per_week=4, gpx_every=5)
    runs += steady_weeks(date(2026, 2, 9), weeks=1, km_per_week=10.0, runs_per_week=2)
    twin = runs[3]
    runs.append(PlannedRun(twin.start_local, twin.distance_km, fmt="gpx", device="strava"))
    write_athlete(Athlete("Crowded Runner", "America/New_York", HOME, runs), folder)
    first = sorted(folder.glob("*.fit"))[0]
    shutil.copy2(first, folder / "copy-of-the-first-run.fit")
    (folder / "broken.fit").write_bytes(first.read_bytes()[:14] + b"\xff" * 64)
    return folder


def activity_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in (".fit", ".gpx", ".zip"))


def test_two_jobs_give_exactly_what_one_job_gives(crowded: Path) -> None:
    n = len(activity_files(crowded))
    assert n >= POOL_MIN_FILES + 4
    serial = lw.import_activities(crowded, jobs=1, cache=False)
    parallel = lw.import_activities(crowded, jobs=2, cache=False)
    assert_same(serial, parallel)
    assert serial.report.files_decoded == parallel.report.files_decoded == n
    assert len(parallel.report.duplicates) == 2
    (broken,) = [p for p in parallel.report.errors if p.source.endswith("broken.fit")]
    (same,) = [p for p in serial.report.errors if p.source.endswith("broken.fit")]
    # Read in a worker: the exception stays there, its traceback comes back as text.
    assert broken.error is None and "Traceback" in broken.trace
    assert same.error is not None


def test_pool_results_cached_equal_a_serial_import(crowded: Path) -> None:
    parallel = lw.import_activities(crowded, jobs=2)
    warm = lw.import_activities(crowded, jobs=1)
    assert warm.report.files_decoded == 0
    assert_same(parallel, warm)
    assert_same(warm, lw.import_activities(crowded, jobs=1, cache=False))


def test_zip_members_are_decoded_in_workers(crowded: Path, tmp_path: Path) -> None:
    export = tmp_path / "export"
    export.mkdir()
    with zipfile.ZipFile(export / "export.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in activity_files(crowded):
            archive.write(path, f"activities/{path.name}")
    serial = lw.import_activities(export, jobs=1, cache=False)
    parallel = lw.import_activities(export, jobs=2, cache=False)
    assert_same(serial, parallel)
    assert parallel.report.files_seen == len(activity_files(crowded))
    assert parallel.report.files_decoded == 1  # the archive is one file
    assert any(p.error is None and p.trace for p in parallel.report.errors)


def test_progress_is_called_once_per_file_in_this_process(crowded: Path) -> None:
    calls: list[tuple[int, int, str, int]] = []
    lw.import_activities(
        crowded,
        jobs=2,
        cache=False,
        progress=lambda done, total, source: calls.append((done, total, source, os.getpid())),
    )
    n = len(activity_files(crowded))
    assert [c[0] for c in calls] == list(range(n + 1))
    assert {c[1] for c in calls} == {n}
    assert sorted(c[2] for c in calls[:-1]) == sorted(str(p) for p in activity_files(crowded))
    assert {c[3] for c in calls} == {os.getpid()}


def test_few_files_stay_in_this_process(crowded: Path, tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    for path in [*activity_files(crowded)[: POOL_MIN_FILES - 4], crowded / "broken.fit"]:
        shutil.copy2(path, small / path.name)
    result = lw.import_activities(small, jobs=4, cache=False)
    (broken,) = result.report.errors
    assert broken.error is not None  # decoded here: the exception itself is kept


def _crash_on_marker(shared: tuple, items: list) -> list:
    """A worker whose process dies on one file, as a crash in a C extension would."""
    if any("crash-me" in source for _, source, _ in items):
        os._exit(70)
    return decode._decode_chunk(shared, items)


def test_a_crashing_worker_costs_only_the_file_it_was_reading(
    crowded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shutil.copytree(crowded, tmp_path / "crowded-runner")
    victim = sorted(folder.glob("*.fit"))[7]
    victim = victim.rename(folder / f"crash-me-{victim.name}")
    serial = lw.import_activities(folder, jobs=1, cache=False)
    monkeypatch.setattr(decode, "_decode_chunk", _crash_on_marker)
    crashed = lw.import_activities(folder, jobs=2)
    n = len(activity_files(folder))
    assert crashed.report.files_seen == n
    lost = [p for p in crashed.report.errors if p.source == str(victim)]
    assert len(lost) == 1 and lost[0].kind == "internal"
    assert "the process reading it stopped" in lost[0].reason
    assert set(crashed.timeline["file"]) == set(serial.timeline["file"]) - {str(victim)}
    kept = serial.timeline[serial.timeline["file"] != str(victim)].reset_index(drop=True)
    pd.testing.assert_frame_equal(crashed.timeline, kept)
    # The crash is not cached: the next run tries that file again, and only it.
    again = lw.import_activities(folder, jobs=2)
    assert (again.report.files_from_cache, again.report.files_decoded) == (n - 1, 1)


def _double_or_crash(shared: int, items: list) -> list:
    if "crash" in items:
        os._exit(71)
    return [shared * item for item in items]


def test_run_pool_isolates_the_item_that_kills_its_process() -> None:
    chunks = [
        (2, [1, 2, 3], ["a", "b", "c"]),
        (2, [4, "crash", 5], ["d", "x", "e"]),
        (3, [6], ["f"]),
        (3, [7, 8], ["g", "h"]),
    ]
    results = dict(run_pool(_double_or_crash, chunks, workers=2))
    assert sorted(results) == ["a", "b", "c", "d", "e", "f", "g", "h", "x"]
    assert isinstance(results.pop("x"), BaseException)
    assert results == {"a": 2, "b": 4, "c": 6, "d": 8, "e": 10, "f": 18, "g": 21, "h": 24}


def _where(shared: int, items: list) -> list:
    return [(shared * item, os.getpid()) for item in items]


def _here(shared: int, item: int) -> tuple[int, int]:
    return shared * item, os.getpid()


def test_this_process_reads_beside_the_workers_while_they_start() -> None:
    chunks = [(k, [k, k + 1], [f"{k}a", f"{k}b"]) for k in range(1, 13)]
    workers = 1
    results = dict(run_pool(_where, chunks, workers, here=_here))
    expected = {
        tag: shared * item
        for shared, items, tags in chunks
        for item, tag in zip(items, tags, strict=True)
    }
    assert {tag: value for tag, (value, _) in results.items()} == expected  # each once, right
    pids = {tag: pid for tag, (_, pid) in results.items()}
    sent_ahead = [tag for _, _, tags in chunks[: 2 * workers] for tag in tags]
    assert all(pids[tag] != os.getpid() for tag in sent_ahead)  # always the workers'
    # The next chunk is taken here at once: the workers are still starting.
    assert all(pids[tag] == os.getpid() for tag in chunks[2 * workers][2])


def test_a_worker_crash_is_isolated_while_this_process_reads_too() -> None:
    chunks = [(2, [4, "crash", 5], ["d", "x", "e"])] + [(3, [k], [f"k{k}"]) for k in range(6)]
    results = dict(run_pool(_double_or_crash, chunks, workers=1, here=lambda s, i: s * i))
    assert isinstance(results.pop("x"), BaseException)
    assert results == {"d": 8, "e": 10, **{f"k{k}": 3 * k for k in range(6)}}


def test_the_pool_is_used_only_where_it_pays() -> None:
    big = POOL_MIN_BYTES * 4
    assert pool_plan(POOL_MIN_FILES - 1, big, 4) == (0, 0)
    assert pool_plan(1000, big, 1) == (0, 0)
    # jobs=None waits for enough bytes to outweigh starting the pool; jobs=4 does not.
    assert pool_plan(100, POOL_MIN_BYTES // 2, None) == (0, 0)
    workers, size = pool_plan(100, POOL_MIN_BYTES // 2, 4)
    assert workers == 4 and 1 <= size <= 16 and workers * size * 4 >= 100


def test_jobs_must_be_positive(crowded: Path) -> None:
    with pytest.raises(ValueError, match="jobs must be 1 or more"):
        lw.import_activities(crowded, jobs=0)


# --- the command line --------------------------------------------------------------


def test_cli_jobs_give_the_same_output(crowded: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(main, ["activities", str(crowded), "--json", "--jobs", "1", "--no-cache"])
    two = runner.invoke(main, ["activities", str(crowded), "--json", "--jobs", "2", "--no-cache"])
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert one.stderr == two.stderr
    bad = runner.invoke(main, ["activities", str(crowded), "--jobs", "0"])
    assert bad.exit_code == 2 and "--jobs" in bad.stderr


def test_cli_scheduler_needs_the_dask_engine(crowded: Path) -> None:
    result = CliRunner().invoke(main, ["weeks", str(crowded), "--scheduler", "tcp://1.2.3.4:1"])
    assert result.exit_code == 2
    assert "--engine dask" in result.stderr


def test_cli_dask_engine_without_dask_says_how_to_install_it(
    crowded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    result = CliRunner().invoke(main, ["activities", str(crowded), "--engine", "dask"])
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert 'pip install "loadwatch[dask]"' in line
