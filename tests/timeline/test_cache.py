"""The import cache: a warm run equals a cold one, and only new or changed files are decoded.

Every folder is written by the tests (real FIT and GPX files from the
synthetic writer), or copied from ``sample_data/``; the corpus is only read.
Each test has its own cache folder (``LOADWATCH_CACHE_DIR``, see conftest).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.synthetic import Athlete, PlannedRun, steady_weeks, write_athlete, write_run
from loadwatch.timeline.cache import IMPORTS_FOLDER, cache_folder, cache_info, clear_cache
from loadwatch.timeline.settings import SettingsOverride

PROJECT = Path(__file__).resolve().parents[2]
HOME = (52.52, 13.405)
COUNTERS = ("files_from_cache", "files_decoded")


def report_dict(result: lw.ImportResult) -> dict:
    data = result.report.to_dict()
    for name in COUNTERS:
        data.pop(name)
    return data


def assert_same(a: lw.ImportResult, b: lw.ImportResult) -> None:
    """Timeline, laps, report (less the cache counters) and profiles are identical."""
    pd.testing.assert_frame_equal(a.timeline, b.timeline)
    pd.testing.assert_frame_equal(a.laps, b.laps)
    assert report_dict(a) == report_dict(b)
    assert a.report.lines() == b.report.lines()
    assert a.timeline.attrs == b.timeline.attrs
    assert a.profiles.keys() == b.profiles.keys()
    for key, profile in a.profiles.items():
        np.testing.assert_array_equal(profile, b.profiles[key])


def counts(result: lw.ImportResult) -> tuple[int, int]:
    """(files taken from the cache, files decoded)."""
    return result.report.files_from_cache, result.report.files_decoded


def cache_files(folder: Path) -> list[Path]:
    return sorted((folder / IMPORTS_FOLDER).glob("*.parquet"))


def runner(folder: Path) -> Athlete:
    """Ten runs (two of them GPX) and a ride, in Berlin."""
    runs = steady_weeks(date(2026, 3, 2), weeks=2, km_per_week=30.0, runs_per_week=5, gpx_every=4)
    runs.append(PlannedRun(datetime(2026, 3, 7, 9, 0), 30.0, pace_s_per_km=120, sport="cycling"))
    athlete = Athlete("Cache Runner", "Europe/Berlin", HOME, runs)
    write_athlete(athlete, folder)
    return athlete


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("written") / "cache-runner"
    runner(folder)
    return folder


@pytest.fixture
def folder(written: Path, tmp_path: Path) -> Path:
    """A fresh copy of the runner's folder (times kept) that a test may change."""
    copy = tmp_path / "cache-runner"
    shutil.copytree(written, copy)
    return copy


def n_files(folder: Path) -> int:
    return sum(1 for p in folder.iterdir() if p.suffix in (".fit", ".gpx", ".zip"))


# --- warm equals cold ------------------------------------------------------------


def test_warm_run_equals_cold_run_and_decodes_nothing(folder: Path, import_cache_dir: Path) -> None:
    n = n_files(folder)
    cold = lw.import_activities(folder, jobs=1)
    assert counts(cold) == (0, n)
    assert len(cache_files(import_cache_dir)) == 1
    warm = lw.import_activities(folder, jobs=1)
    assert counts(warm) == (n, 0)
    assert_same(cold, warm)
    assert warm.report.to_dict()["files_from_cache"] == n
    assert_same(cold, lw.import_activities(folder, cache=False, jobs=1))
    assert len(cold.timeline) == n and cold.timeline["is_run"].sum() == n - 1


def test_sample_data_warm_equals_cold(tmp_path: Path) -> None:
    sample = shutil.copytree(PROJECT / "sample_data", tmp_path / "sample_data")
    cold = lw.import_activities(sample)
    warm = lw.import_activities(sample)
    assert counts(warm) == (cold.report.files_decoded, 0)
    assert cold.report.files_decoded == cold.report.files_seen == 88
    assert_same(cold, warm)
    assert len(warm.report.duplicates) == 1


@pytest.mark.corpus
def test_corpus_warm_equals_cold_and_bad_files_are_reported_from_the_cache(
    corpus_dir: Path,
) -> None:
    cold = lw.import_activities(corpus_dir, roster=False)
    warm = lw.import_activities(corpus_dir, roster=False)
    assert warm.report.files_decoded == 0
    assert warm.report.errors, "the corpus has broken files"
    assert_same(cold, warm)
    # Tracebacks of bad files come back from the cache as text (for --debug).
    corrupt = [p for p in warm.report.errors if p.kind == "corrupt"]
    assert corrupt and all(p.error is None and "Traceback" in p.trace for p in corrupt)


def test_the_users_files_are_never_written(folder: Path) -> None:
    def snapshot() -> dict[str, tuple[int, int, bytes]]:
        return {
            p.name: (p.stat().st_size, p.stat().st_mtime_ns, p.read_bytes())
            for p in folder.rglob("*")
        }

    before = snapshot()
    lw.import_activities(folder)
    lw.import_activities(folder)
    assert snapshot() == before


# --- what is decoded again -------------------------------------------------------


def test_adding_a_file_decodes_only_that_file(folder: Path) -> None:
    n = n_files(folder)
    lw.import_activities(folder, jobs=1)
    extra = PlannedRun(datetime(2026, 3, 15, 18, 0), 5.0)
    write_run(extra, folder / "extra.fit", timezone="Europe/Berlin", home=HOME)
    grown = lw.import_activities(folder, jobs=1)
    assert counts(grown) == (n, 1)
    assert len(grown.timeline) == n + 1
    assert_same(grown, lw.import_activities(folder, cache=False, jobs=1))
    assert counts(lw.import_activities(folder, jobs=1)) == (n + 1, 0)


def test_a_changed_file_is_decoded_again(folder: Path) -> None:
    n = n_files(folder)
    first = lw.import_activities(folder, jobs=1)
    target = sorted(folder.glob("*.fit"))[0]
    before = target.stat().st_mtime_ns
    row = first.timeline[first.timeline["file"] == str(target)].iloc[0]
    start = row["start_local"].to_pydatetime()
    write_run(PlannedRun(start, 12.5), target, timezone="Europe/Berlin", home=HOME)
    os.utime(target, ns=(before + 10**9, before + 10**9))  # a coarse clock could miss it
    second = lw.import_activities(folder, jobs=1)
    assert counts(second) == (n - 1, 1)
    changed = second.timeline[second.timeline["file"] == str(target)].iloc[0]
    assert changed["distance_km"] == pytest.approx(12.5, abs=0.01)
    assert row["distance_km"] != pytest.approx(12.5, abs=0.01)
    assert_same(second, lw.import_activities(folder, cache=False, jobs=1))


def test_a_touched_file_is_hashed_again_but_not_decoded(
    folder: Path, import_cache_dir: Path
) -> None:
    n = n_files(folder)
    lw.import_activities(folder, jobs=1)
    target = sorted(folder.glob("*.gpx"))[0]
    later = target.stat().st_mtime_ns + 5 * 10**9
    os.utime(target, ns=(later, later))
    touched = lw.import_activities(folder, jobs=1)
    assert counts(touched) == (n, 0)
    # The new time is remembered, so the next run need not hash the file again.
    (cache_file,) = cache_files(import_cache_dir)
    assert later in pq.read_table(cache_file).column("mtime_ns").to_pylist()
    assert counts(lw.import_activities(folder, jobs=1)) == (n, 0)


def test_a_deleted_file_drops_its_row_and_its_cache_entry(
    folder: Path, import_cache_dir: Path
) -> None:
    n = n_files(folder)
    lw.import_activities(folder, jobs=1)
    victim = sorted(folder.glob("*.fit"))[2]
    victim.unlink()
    after = lw.import_activities(folder, jobs=1)
    assert counts(after) == (n - 1, 0)
    assert str(victim) not in set(after.timeline["file"])
    assert len(after.timeline) == n - 1
    (cache_file,) = cache_files(import_cache_dir)
    paths = pq.read_table(cache_file).column("path").to_pylist()
    assert len(paths) == n - 1 and not any(p.endswith(victim.name) for p in paths)


def test_a_new_time_zone_in_the_settings_decodes_everything_again(folder: Path) -> None:
    n = n_files(folder)
    lw.import_activities(folder, jobs=1)
    toml = folder / "loadwatch.toml"
    toml.write_text(toml.read_text().replace("Europe/Berlin", "Asia/Tokyo"))
    moved = lw.import_activities(folder, jobs=1)
    assert counts(moved) == (0, n)
    gpx = moved.timeline[moved.timeline["format"] == "gpx"]
    assert set(gpx["timezone"]) == {"Asia/Tokyo"}
    assert_same(moved, lw.import_activities(folder, cache=False, jobs=1))
    # A time zone given on the command line is a settings change too.
    paris = lw.import_activities(folder, overrides=SettingsOverride(timezone="Europe/Paris"))
    assert counts(paris) == (0, n)


def test_rule_settings_do_not_invalidate_the_cache(folder: Path) -> None:
    n = n_files(folder)
    lw.import_activities(folder, jobs=1)
    toml = folder / "loadwatch.toml"
    toml.write_text(toml.read_text().replace('week_start = "monday"', 'week_start = "sunday"'))
    again = lw.import_activities(folder, jobs=1)
    assert counts(again) == (n, 0)
    assert again.settings["Cache Runner"].week_start == "sunday"


def test_the_same_folder_named_another_way_uses_the_cache(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = n_files(folder)
    absolute = lw.import_activities(folder, jobs=1)
    monkeypatch.chdir(folder.parent)
    relative = lw.import_activities(Path(folder.name), jobs=1)
    assert counts(relative) == (n, 0)
    # File names are the ones given this time, not the cached ones.
    assert relative.timeline["file"].str.startswith(folder.name + os.sep).all()
    files = relative.timeline["file"].map(lambda f: str(folder.parent / f))
    assert files.tolist() == absolute.timeline["file"].tolist()


# --- no cache, a broken cache, a shared cache ------------------------------------


def test_cache_false_reads_and_writes_nothing(folder: Path, import_cache_dir: Path) -> None:
    n = n_files(folder)
    result = lw.import_activities(folder, cache=False, jobs=1)
    assert counts(result) == (0, n)
    assert list(import_cache_dir.iterdir()) == []
    lw.import_activities(folder, jobs=1)
    assert counts(lw.import_activities(folder, cache=False, jobs=1)) == (0, n)


def test_cache_in_a_folder_of_ones_choosing(folder: Path, tmp_path: Path) -> None:
    mine = tmp_path / "my-cache"
    lw.import_activities(folder, cache=mine, jobs=1)
    assert len(cache_files(mine)) == 1
    assert counts(lw.import_activities(folder, cache=str(mine), jobs=1))[1] == 0


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_cache_file_is_ignored_and_rebuilt(
    folder: Path, import_cache_dir: Path, damage: str
) -> None:
    n = n_files(folder)
    cold = lw.import_activities(folder, jobs=1)
    (cache_file,) = cache_files(import_cache_dir)
    data = cache_file.read_bytes()
    broken = {"garbage": b"not parquet at all" * 50, "truncated": data[: len(data) // 2]}
    cache_file.write_bytes(broken.get(damage, b""))
    rebuilt = lw.import_activities(folder, jobs=1)
    assert counts(rebuilt) == (0, n)
    assert_same(cold, rebuilt)
    assert counts(lw.import_activities(folder, jobs=1)) == (n, 0)


def test_a_cache_of_another_format_is_rebuilt(
    folder: Path, import_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import loadwatch.timeline.cache

    n = n_files(folder)
    lw.import_activities(folder, jobs=1)
    monkeypatch.setattr(
        loadwatch.timeline.cache, "CACHE_FORMAT", loadwatch.timeline.cache.CACHE_FORMAT + 1
    )
    assert counts(lw.import_activities(folder, jobs=1)) == (0, n)
    assert counts(lw.import_activities(folder, jobs=1)) == (n, 0)


def test_two_imports_at_once_leave_a_valid_cache(folder: Path) -> None:
    n = n_files(folder)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: lw.import_activities(folder, jobs=1), range(2)))
    assert_same(results[0], results[1])
    assert counts(lw.import_activities(folder, jobs=1)) == (n, 0)


def test_bad_files_are_reported_on_every_run_without_being_decoded(folder: Path) -> None:
    (folder / "empty.fit").write_bytes(b"")
    good = sorted(folder.glob("*.fit"))[1].read_bytes()
    (folder / "cut.fit").write_bytes(good[: len(good) // 3])
    (folder / "notes.gpx").write_text("just some notes, not XML")
    n = n_files(folder)
    cold = lw.import_activities(folder, jobs=1)
    warm = lw.import_activities(folder, jobs=1)
    assert counts(warm) == (n, 0)
    assert_same(cold, warm)
    kinds = {Path(p.source).name: p.kind for p in warm.report.errors}
    assert (kinds["empty.fit"], kinds["notes.gpx"]) == ("empty", "unsupported")
    # A cut file is an error, or read up to the cut with a warning.
    flagged = warm.report.errors + warm.report.warnings
    assert any(Path(p.source).name == "cut.fit" for p in flagged)


# --- zip archives ----------------------------------------------------------------


def write_zip(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def test_a_zip_archive_is_cached_whole_and_read_again_when_it_changes(
    written: Path, tmp_path: Path
) -> None:
    fits = sorted(written.glob("*.fit"))
    members = {f"activities/{p.name}": p.read_bytes() for p in fits[:4]}
    members["activities/broken.fit"] = b"\x0e\x10" + b"\0" * 30
    export = tmp_path / "export"
    export.mkdir()
    archive = write_zip(export / "export.zip", members)
    cold = lw.import_activities(export, jobs=1)
    assert counts(cold) == (0, 1)
    assert cold.report.files_seen == 5 and len(cold.timeline) == 4
    assert cold.timeline["file"].str.startswith(str(archive) + "!activities/").all()
    warm = lw.import_activities(export, jobs=1)
    assert counts(warm) == (1, 0)
    assert_same(cold, warm)
    assert [p.source for p in warm.report.errors] == [f"{archive}!activities/broken.fit"]

    members[f"activities/{fits[5].name}"] = fits[5].read_bytes()
    write_zip(archive, members)
    later = archive.stat().st_mtime_ns + 10**9
    os.utime(archive, ns=(later, later))
    grown = lw.import_activities(export, jobs=1)
    assert counts(grown) == (0, 1)
    assert len(grown.timeline) == 5
    assert_same(grown, lw.import_activities(export, cache=False, jobs=1))


# --- cache info and clear, in the library and on the command line ----------------


def test_cache_folder_follows_the_environment(
    import_cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache_folder() == import_cache_dir
    assert cache_folder(False) is None
    monkeypatch.delenv("LOADWATCH_CACHE_DIR")
    assert cache_folder().name == "loadwatch" or "loadwatch" in str(cache_folder())


def test_clear_removes_only_loadwatchs_files(folder: Path, import_cache_dir: Path) -> None:
    lw.import_activities(folder, jobs=1)
    (import_cache_dir / "keep-me.txt").write_text("not loadwatch's")
    (import_cache_dir / IMPORTS_FOLDER / "keep-me-too.txt").write_text("nor this")
    info = cache_info()
    assert info.folder == import_cache_dir and info.files == 1 and info.size_bytes > 0
    cleared = clear_cache()
    assert (cleared.files, cleared.size_bytes) == (1, info.size_bytes)
    assert cache_info().files == 0
    assert (import_cache_dir / "keep-me.txt").exists()
    assert (import_cache_dir / IMPORTS_FOLDER / "keep-me-too.txt").exists()
    n = n_files(folder)
    assert counts(lw.import_activities(folder, jobs=1)) == (0, n)


def cli() -> CliRunner:
    return CliRunner()


def test_cli_cache_info_and_clear(folder: Path, import_cache_dir: Path) -> None:
    empty = cli().invoke(main, ["cache", "info"])
    assert empty.exit_code == 0
    assert str(import_cache_dir) in empty.stdout and "0 cache files" in empty.stdout
    assert cli().invoke(main, ["activities", str(folder)]).exit_code == 0
    info = cli().invoke(main, ["cache", "info"])
    assert "1 cache files" in info.stdout and "kB" in info.stdout
    cleared = cli().invoke(main, ["cache", "clear"])
    assert cleared.exit_code == 0
    assert "removed 1 cache files" in cleared.stdout and "freed" in cleared.stdout
    assert cache_info().files == 0
    for sub in ("info", "clear"):
        helped = cli().invoke(main, ["cache", sub, "--help"])
        assert helped.exit_code == 0 and f"loadwatch cache {sub}" in helped.stdout


def test_cli_no_cache_and_the_verbose_counts(folder: Path, import_cache_dir: Path) -> None:
    n = n_files(folder)
    first = cli().invoke(main, ["-v", "activities", str(folder), "--no-cache"])
    assert first.exit_code == 0, first.stderr
    assert f"{n} files decoded, 0 from the cache (--no-cache)" in first.stderr
    assert list(import_cache_dir.iterdir()) == []
    cli().invoke(main, ["activities", str(folder)])
    second = cli().invoke(main, ["-v", "activities", str(folder)])
    assert f"0 files decoded, {n} from the cache" in second.stderr
    assert second.stdout == first.stdout


def test_cli_debug_shows_tracebacks_of_cached_bad_files(folder: Path) -> None:
    good = sorted(folder.glob("*.fit"))[1].read_bytes()
    (folder / "bad.fit").write_bytes(good[:14] + b"\xff" * 40)
    cli().invoke(main, ["activities", str(folder)])
    warm = cli().invoke(main, ["--debug", "activities", str(folder)])
    assert warm.exit_code == 0
    assert "bad.fit" in warm.stderr and "Traceback" in warm.stderr
