"""The import cache never deletes what is not its own and never fails an import.

``cache clear`` and ``cache info`` touch only files in the ``imports`` folder
loadwatch marked as its own, with the names loadwatch gives; a file name that
is not UTF-8 is cached like any other; a cache that cannot be written leaves
the import whole. Every folder is written here (real FIT files from the
synthetic writer); each test has its own cache folder (conftest).
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.synthetic import PlannedRun, write_run
from loadwatch.timeline.cache import (
    IMPORTS_FOLDER,
    MARKER_FILE,
    AthleteCache,
    FileOutcome,
    cache_info,
    clear_cache,
)
from loadwatch.timeline.settings import AthleteSettings

HOME = (52.52, 13.405)
ZONE = "Europe/Berlin"
#: (local start, km) of the runs written; the second goes under a name that is not UTF-8.
RUNS = [(datetime(2026, 3, 2, 7, 0), 8.0), (datetime(2026, 3, 4, 7, 0), 6.0)]
BAD_NAME = b"run\xff.fit"
#: Not loadwatch's: they must survive every clear byte for byte.
FOREIGN = {
    "notes.parquet": b"PAR1 the user's own table PAR1",
    "x.tmp": b"half-written by another program",
    # loadwatch's naming pattern, but not a loadwatch cache (no cache key inside).
    "runs-0123456789abcdef.parquet": b"PAR1 looks like a cache name PAR1",
    "runs-0123456789abcdef.parquet.bak": b"a copy",
}


def write_runs(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for start, km in RUNS[:1]:
        write_run(PlannedRun(start, km), folder / "good.fit", timezone=ZONE, home=HOME)
    return folder


def write_bytes_name(folder: Path, name: bytes, data: bytes) -> bytes:
    """A file whose name is ``name`` (bytes, possibly not UTF-8); returns its full bytes path."""
    path = os.fsencode(folder) + b"/" + name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return path


def fit_bytes(tmp_path: Path, start: datetime, km: float) -> bytes:
    scratch = tmp_path / "scratch.fit"
    write_run(PlannedRun(start, km), scratch, timezone=ZONE, home=HOME)
    data = scratch.read_bytes()
    scratch.unlink()
    return data


def place_foreign(folder: Path) -> dict[Path, bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    placed = {}
    for name, data in FOREIGN.items():
        (folder / name).write_bytes(data)
        placed[folder / name] = data
    return placed


def own_parquet(cache_dir: Path) -> list[Path]:
    imports = cache_dir / IMPORTS_FOLDER
    return sorted(p for p in imports.glob("*.parquet") if p.name not in FOREIGN)


# --- cache clear and cache info: only loadwatch's files ------------------------------


def test_clear_removes_only_loadwatchs_files_and_info_counts_only_them(
    tmp_path: Path, import_cache_dir: Path
) -> None:
    runs = write_runs(tmp_path / "runs")
    user_files = place_foreign(import_cache_dir)
    lw.import_activities(runs, jobs=1)
    (mine,) = own_parquet(import_cache_dir)
    assert (import_cache_dir / IMPORTS_FOLDER / MARKER_FILE).is_file()
    user_files |= place_foreign(import_cache_dir / IMPORTS_FOLDER)
    leftover = import_cache_dir / IMPORTS_FOLDER / f"{mine.stem}.k3j_x9ab.tmp"  # a crashed write
    leftover.write_bytes(b"partial")
    info = cache_info()
    assert info.files == 2
    assert info.size_bytes == mine.stat().st_size + len(b"partial")
    cleared = clear_cache()
    assert (cleared.files, cleared.size_bytes) == (2, info.size_bytes)
    assert not mine.exists() and not leftover.exists()
    for path, data in user_files.items():
        assert path.read_bytes() == data
    assert cache_info().files == 0
    # The folder still holds the user's files: it stays, marked, and is used again.
    assert (import_cache_dir / IMPORTS_FOLDER / MARKER_FILE).is_file()
    again = lw.import_activities(runs, jobs=1)
    assert again.report.files_decoded == 1 and cache_info().files == 1


def test_a_folder_without_the_marker_is_not_loadwatchs_and_loses_nothing(
    tmp_path: Path, import_cache_dir: Path
) -> None:
    runs = write_runs(tmp_path / "runs")
    lw.import_activities(runs, jobs=1)
    (real_cache,) = own_parquet(import_cache_dir)
    other = tmp_path / "someone-elses" / IMPORTS_FOLDER
    other.mkdir(parents=True)
    copied = other / real_cache.name  # even a real loadwatch cache file, without the marker
    shutil.copyfile(real_cache, copied)
    user_files = place_foreign(other) | {copied: copied.read_bytes()}
    assert cache_info(other.parent).files == 0
    assert clear_cache(other.parent).files == 0
    for path, data in user_files.items():
        assert path.read_bytes() == data


def test_the_cache_clear_command_keeps_a_shared_folders_files(
    tmp_path: Path, import_cache_dir: Path
) -> None:
    runs = write_runs(tmp_path / "runs")
    user_files = place_foreign(import_cache_dir)
    assert CliRunner().invoke(main, ["activities", str(runs)]).exit_code == 0
    user_files |= place_foreign(import_cache_dir / IMPORTS_FOLDER)
    info = CliRunner().invoke(main, ["cache", "info"])
    assert info.exit_code == 0 and "1 cache files" in info.stdout
    cleared = CliRunner().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0 and "removed 1 cache files" in cleared.stdout
    assert own_parquet(import_cache_dir) == []
    for path, data in user_files.items():
        assert path.read_bytes() == data


def test_clearing_an_emptied_cache_removes_its_marker_and_folder(
    tmp_path: Path, import_cache_dir: Path
) -> None:
    lw.import_activities(write_runs(tmp_path / "runs"), jobs=1)
    assert clear_cache().files == 1
    assert not (import_cache_dir / IMPORTS_FOLDER).exists()
    assert import_cache_dir.is_dir()


# --- a file name that is not UTF-8 ----------------------------------------------------


def assert_same(a: lw.ImportResult, b: lw.ImportResult) -> None:
    pd.testing.assert_frame_equal(a.timeline, b.timeline)
    pd.testing.assert_frame_equal(a.laps, b.laps)
    assert a.report.lines() == b.report.lines()
    assert a.profiles.keys() == b.profiles.keys()
    for key, profile in a.profiles.items():
        np.testing.assert_array_equal(profile, b.profiles[key])


def test_a_file_name_that_is_not_utf8_is_imported_cold_and_warm(
    tmp_path: Path, import_cache_dir: Path
) -> None:
    runs = write_runs(tmp_path / "runs")
    start, km = RUNS[1]
    data = fit_bytes(tmp_path, start, km)
    bad_path = write_bytes_name(runs, BAD_NAME, data)
    # A file that is not an activity, under a name that is not UTF-8: reported on every run.
    junk_path = write_bytes_name(runs, b"junk\xfe.fit", b"\x0e\x10 not a FIT file at all")
    cold = lw.import_activities(runs, jobs=1)
    assert cold.report.files_decoded == 3
    assert sorted(cold.timeline["distance_km"].round(1)) == sorted(k for _, k in RUNS)
    shown = [f for f in cold.timeline["file"] if f.endswith("run\\xff.fit")]
    assert len(shown) == 1  # the name as its bytes, escaped: one line, valid text
    assert any("junk" in line for line in cold.report.lines())
    warm = lw.import_activities(runs, jobs=1)
    assert (warm.report.files_from_cache, warm.report.files_decoded) == (3, 0)
    assert_same(cold, warm)
    uncached = lw.import_activities(runs, jobs=1, cache=False)
    assert_same(cold, uncached)
    with open(bad_path, "rb") as fh:
        assert fh.read() == data
    with open(junk_path, "rb") as fh:
        assert fh.read() == b"\x0e\x10 not a FIT file at all"


def test_a_folder_whose_name_is_not_utf8_is_cached(tmp_path: Path, import_cache_dir: Path) -> None:
    parent = os.fsencode(tmp_path) + b"/athl\xe9te"
    os.mkdir(parent)
    folder = Path(os.fsdecode(parent))
    start, km = RUNS[0]
    write_run(PlannedRun(start, km), folder / "good.fit", timezone=ZONE, home=HOME)
    cold = lw.import_activities(folder, jobs=1)
    warm = lw.import_activities(folder, jobs=1)
    assert warm.report.files_from_cache == 1
    assert_same(cold, warm)
    assert cache_info().files == 1


# --- a cache that cannot be written --------------------------------------------------


def test_a_cache_folder_that_cannot_be_written_never_fails_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = write_runs(tmp_path / "runs")
    blocker = tmp_path / "not-a-folder"  # a file where the cache folder should be
    blocker.write_bytes(b"the user's file")
    monkeypatch.setenv("LOADWATCH_CACHE_DIR", str(blocker))
    result = lw.import_activities(runs, jobs=1)
    uncached = lw.import_activities(runs, jobs=1, cache=False)
    pd.testing.assert_frame_equal(result.timeline, uncached.timeline)
    pd.testing.assert_frame_equal(result.laps, uncached.laps)
    extra = [line for line in result.report.lines() if line not in uncached.report.lines()]
    assert len(extra) <= 1 and all("cache could not be written" in line for line in extra)
    assert len(result.timeline) == 1
    assert blocker.read_bytes() == b"the user's file"
    run = CliRunner().invoke(main, ["activities", str(runs)])
    assert run.exit_code == 0 and "Traceback" not in run.output


def test_a_failed_cache_write_says_why_in_one_line(tmp_path: Path) -> None:
    runs = write_runs(tmp_path / "runs")
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_bytes(b"x")
    store = AthleteCache(blocker, runs, AthleteSettings())
    outcome = FileOutcome(str(runs / "good.fit"), path=str(runs / "good.fit"), size=1, mtime_ns=1)
    store.save([outcome], store.combined([outcome]))
    assert store.write_error is not None and "\n" not in store.write_error
    assert store.write_error.startswith("the import cache could not be written in ")
    assert str(blocker) in store.write_error
    assert blocker.read_bytes() == b"x"
    writable = AthleteCache(tmp_path / "cache", runs, AthleteSettings())
    writable.save([outcome], writable.combined([outcome]))
    assert writable.write_error is None and cache_info(tmp_path / "cache").files == 1
