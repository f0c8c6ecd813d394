"""What real disks hold: special files, deep and unreadable folders, equal names, gzip members.

Each case is built on disk beside a good run written by ``loadwatch.synthetic``:
FIFOs, sockets and links to devices named like activity files, archives,
settings and export tables (never opened: one line each); a folder 1,000
levels deep and one deeper than the system allows a path; a folder that links
to itself; folders the user cannot read (checked in a process without the
permission to override file modes, since the tests run as root); a roster
whose athletes share one ``loadwatch.toml`` name; a ``.gpx.gz`` of two gzip
members.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from loadwatch.errors import (
    LoadwatchError,
    SpecialFileError,
    UnreadableFolderError,
    UnsafeFileError,
    UnsupportedFileError,
)
from loadwatch.findings.injuries import read_injuries
from loadwatch.importers.archives import iter_archive
from loadwatch.importers.discover import (
    MAX_GZIP_MEMBERS,
    gunzip_capped,
    read_file_data,
    scan_folder,
)
from loadwatch.importers.read import read_activity_file
from loadwatch.importers.regular_files import (
    FileTooLargeError,
    NotARegularFileError,
    open_regular_file,
    read_regular_bytes,
)
from loadwatch.load.weekly import weekly_table
from loadwatch.shoes import shoe_table
from loadwatch.synthetic import Athlete, PlannedRun, steady_weeks, write_athlete, write_run
from loadwatch.timeline.athletes import find_athletes, select_athlete
from loadwatch.timeline.build import import_activities

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Longest an import beside special files may take [s]: a FIFO that is opened blocks forever.
BOUND_S = 20.0
HOME = (40.78, -73.97)
TZ = "America/New_York"


def _good_run(folder: Path, day: int = 1, km: float = 5.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    run = PlannedRun(datetime(2026, 6, day, 7, 0), km, fmt="gpx")
    return write_run(run, folder / f"2026-06-{day:02d}-run.gpx", timezone=TZ, home=HOME)


def _bounded(call, *args, **kwargs):
    """``call(*args)`` in a thread; fails (instead of hanging the suite) past BOUND_S."""
    out: dict[str, object] = {}

    def target() -> None:
        try:
            out["value"] = call(*args, **kwargs)
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(BOUND_S)
    elapsed = time.monotonic() - started
    assert not worker.is_alive(), f"{call.__name__} still running after {BOUND_S} s"
    assert elapsed < BOUND_S
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out["value"]


def _deep_chain(base: Path, levels: int, name: str) -> int:
    """``base/name/name/…`` ``levels`` deep, made through folder descriptors (no path limit,
    no recursion: ``os.makedirs`` recurses once per level); the open bottom folder."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(levels):
        os.mkdir(name, dir_fd=fd)
        inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = inner
    return fd


def _remove_chain(base: Path, name: str) -> None:
    """Remove ``base/name/name/…`` bottom up through folder descriptors.

    pytest's own clean-up (``shutil.rmtree``) recurses once per level and would
    leave a chain this deep behind.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY
    fds = [os.open(base, flags)]
    try:
        while True:
            try:
                fds.append(os.open(name, flags, dir_fd=fds[-1]))
            except FileNotFoundError:
                break
        while len(fds) > 1:
            fd = fds.pop()
            for entry in os.listdir(fd):  # files only: the folder below is already gone
                os.unlink(entry, dir_fd=fd)
            os.close(fd)
            os.rmdir(name, dir_fd=fds[-1])
    finally:
        for fd in fds:
            os.close(fd)


def _unix_socket(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    return sock


# -- 1. only regular files are opened ---------------------------------------------


@pytest.fixture
def special_folder(tmp_path: Path):
    """A runner's folder: one good run, and special files named like everything loadwatch reads."""
    folder = tmp_path / "runner"
    good = _good_run(folder)
    specials: dict[str, str] = {}
    for name in ("run.fit", "b.gpx", "c.tcx.gz", "d.zip", "loadwatch.toml"):
        os.mkfifo(folder / name)
        specials[name] = "(a FIFO)"
    os.mkfifo(folder / "activities.csv")
    os.mkfifo(folder / "shoes.csv")
    os.mkfifo(folder / "123_summarizedActivities.json")
    os.mkfifo(folder / "injuries.csv")
    os.mkfifo(folder / "shoe-overrides.csv")
    sock = _unix_socket(folder / "e.tcx")
    specials["e.tcx"] = "(a socket)"
    (folder / "run.zip").symlink_to("/dev/zero")
    specials["run.zip"] = "(a character device)"
    (folder / "run.fit.gz").symlink_to("/dev/urandom")
    specials["run.fit.gz"] = "(a character device)"
    (folder / "gone.gpx").symlink_to(folder / "never-written.gpx")
    specials["gone.gpx"] = "link to nothing"
    (folder / "linked.gpx").symlink_to(good)  # a link to a regular file is read
    yield folder, good, specials
    sock.close()


def test_scan_names_each_special_file_and_keeps_regular_ones(special_folder) -> None:
    folder, good, specials = special_folder
    scan = _bounded(scan_folder, folder, "loadwatch.toml")
    assert scan.files == [good, folder / "linked.gpx"]
    assert scan.settings == []  # the FIFO named loadwatch.toml is not a settings file
    by_path = {Path(p.path).name: p for p in scan.problems}
    assert set(by_path) == set(specials)
    for name, kind in specials.items():
        assert isinstance(by_path[name], SpecialFileError)
        assert kind in by_path[name].reason
        assert by_path[name].reason.endswith("skipped")


def test_import_beside_special_files_is_bounded_and_names_each(special_folder) -> None:
    folder, _good, specials = special_folder
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()}
    result = _bounded(import_activities, folder, cache=False)
    lines = result.report.lines()
    for name, kind in specials.items():
        named = [line for line in lines if f"{folder / name}:" in line]
        assert len(named) == 1, (name, lines)
        assert kind in named[0]
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file()} == before


def test_special_export_tables_are_one_line_and_the_run_imports(special_folder) -> None:
    folder, good, _specials = special_folder
    result = _bounded(import_activities, folder, cache=False)
    # The good run, and its link, are imported (the link is a duplicate of it).
    assert len(result.timeline) == 1
    assert Path(result.timeline["file"].iloc[0]).name in (good.name, "linked.gpx")
    assert result.timeline["distance_km"].iloc[0] == pytest.approx(5.0, rel=0.01)
    lines = result.report.lines()
    for name in ("activities.csv", "shoes.csv", "123_summarizedActivities.json"):
        named = [line for line in lines if f"{folder / name}:" in line]
        assert named == [f"warning: {folder / name}: not a regular file (a FIFO): skipped"]


def test_injury_log_and_shoe_overrides_fifos_never_block(special_folder) -> None:
    folder, _good, _specials = special_folder
    result = _bounded(import_activities, folder, cache=False)
    assert _bounded(read_injuries, result).empty  # the FIFO injuries.csv is not a log
    shoes = _bounded(shoe_table, result)  # nor the FIFO shoe-overrides.csv a list of pairs
    assert shoes["distance_km"].sum() == pytest.approx(5.0, rel=0.01)


def test_readers_refuse_special_files_before_opening(tmp_path: Path) -> None:
    fifo = tmp_path / "run.fit"
    os.mkfifo(fifo)
    zero = tmp_path / "export.zip"
    zero.symlink_to("/dev/zero")
    urandom = tmp_path / "run.gpx.gz"
    urandom.symlink_to("/dev/urandom")
    with pytest.raises(SpecialFileError, match=r"run\.fit: not a regular file \(a FIFO\)"):
        _bounded(read_activity_file, fifo)
    with pytest.raises(SpecialFileError, match="a character device"):
        _bounded(read_file_data, urandom)
    with pytest.raises(SpecialFileError, match=r"export\.zip: not a regular file"):
        _bounded(lambda: list(iter_archive(zero)))
    with pytest.raises(NotARegularFileError, match="a FIFO"):
        _bounded(open_regular_file, fifo)
    with pytest.raises(NotARegularFileError, match="a folder"):
        read_regular_bytes(tmp_path, 10)


def test_read_is_capped_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_bytes(b"x" * 1001)
    assert read_regular_bytes(path, 1001) == b"x" * 1001
    with pytest.raises(FileTooLargeError, match="larger than the 1,000 bytes limit"):
        read_regular_bytes(path, 1000)
    link = tmp_path / "link.csv"
    link.symlink_to(path)
    assert len(read_regular_bytes(link, 2000)) == 1001


# -- 2. folder walking: any depth, no loops, unreadable folders named --------------


def test_folder_1000_levels_deep_is_imported(tmp_path: Path, request) -> None:
    (tmp_path / "deep").mkdir()
    os.close(_deep_chain(tmp_path / "deep", 1000, "d"))
    request.addfinalizer(lambda: _remove_chain(tmp_path / "deep", "d"))
    bottom = tmp_path.joinpath("deep", *["d"] * 1000)
    athlete = Athlete("Deep Runner", TZ, HOME, [PlannedRun(datetime(2026, 6, 2, 7, 0), 6.0)])
    written = write_athlete(athlete, bottom)
    athletes = find_athletes(tmp_path / "deep")  # its loadwatch.toml found at the bottom
    assert [a.name for a in athletes] == ["Deep Runner"]
    assert athletes[0].files == written[1:]
    result = import_activities(tmp_path / "deep", cache=False)
    assert list(result.timeline["athlete"]) == ["Deep Runner"]
    assert result.timeline["distance_km"].iloc[0] == pytest.approx(6.0, rel=0.01)


def test_folder_deeper_than_a_path_can_be_is_named(tmp_path: Path, request) -> None:
    good = _good_run(tmp_path / "runner")
    levels = os.pathconf(tmp_path, "PC_PATH_MAX") // 4 + 10  # "ddd/" per level
    fd = _deep_chain(tmp_path / "runner", levels, "ddd")
    request.addfinalizer(lambda: _remove_chain(tmp_path / "runner", "ddd"))
    try:
        run_fd = os.open("x.gpx", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(run_fd, good.read_bytes())
        os.close(run_fd)
    finally:
        os.close(fd)
    scan = scan_folder(tmp_path / "runner")
    assert scan.files == [good]  # the file below the limit cannot be named by a path
    [problem] = scan.problems
    assert isinstance(problem, UnreadableFolderError)
    assert problem.path.startswith(str(tmp_path / "runner" / "ddd" / "ddd"))
    assert "path is too long" in problem.reason
    assert problem.reason.endswith("its files were not imported")


def test_folder_links_are_not_followed_so_no_loop(tmp_path: Path) -> None:
    folder = tmp_path / "runner"
    good = _good_run(folder / "2026")
    (folder / "2026" / "again").symlink_to(folder, target_is_directory=True)
    (folder / "loop.gpx").symlink_to(folder / "loop.gpx")  # a link to itself
    scan = _bounded(scan_folder, folder)
    assert scan.files == [good]
    [problem] = scan.problems
    assert problem.path == str(folder / "loop.gpx")
    assert "loop of symbolic links" in problem.reason


_UNREADABLE_CHECK = """
import json, sys
from pathlib import Path
from loadwatch.timeline.athletes import find_athletes
from loadwatch.timeline.build import import_activities

root = Path(sys.argv[1])
out = {}
for roster in (None, True):
    athletes = find_athletes(root, roster=roster)
    result = import_activities(root, roster=roster, cache=False)
    out[str(roster)] = {
        "problems": sorted(str(p) for a in athletes for p in a.problems),
        "athletes": sorted(a.name for a in athletes),
        "runs": sorted(result.timeline["athlete"]),
        "lines": result.report.lines(),
    }
print(json.dumps(out))
"""


def _without_override(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``script`` where file modes bind: as root only without the override capabilities."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    command = [sys.executable, "-c", script, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv is not None, "as root, the permission test needs setpriv (util-linux)"
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def test_unreadable_folders_are_named_and_the_others_import(tmp_path: Path) -> None:
    team = tmp_path / "team"
    write_athlete(
        Athlete("Ann", TZ, HOME, [PlannedRun(datetime(2026, 6, 3, 7, 0), 7.0)]), team / "ann"
    )
    write_athlete(
        Athlete("Bo", TZ, HOME, [PlannedRun(datetime(2026, 6, 4, 7, 0), 8.0)]), team / "bo"
    )
    _good_run(team / "ann" / "old", day=5)
    os.chmod(team / "ann" / "old", 0)
    os.chmod(team / "bo", 0)
    try:
        done = _without_override(_UNREADABLE_CHECK, str(team))
    finally:
        os.chmod(team / "ann" / "old", 0o755)
        os.chmod(team / "bo", 0o755)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    out = json.loads(done.stdout)
    reason = "cannot read this folder (permission denied): its files were not imported"
    for roster in ("None", "True"):
        seen = out[roster]
        assert f"{team / 'ann' / 'old'}: {reason}" in seen["problems"]
        assert f"{team / 'bo'}: {reason}" in seen["problems"]
        assert seen["runs"] == ["Ann"]  # Ann's readable run; Bo's folder could not be read
        for folder in (team / "ann" / "old", team / "bo"):
            assert f"error: {folder}: {reason}" in seen["lines"]
    assert out["True"]["athletes"] == ["Ann", "bo"]  # a roster entry stays, named


# -- 3. athletes are their folders -------------------------------------------------


def _sam(folder: Path, km_per_week: float, weeks: int) -> None:
    runs = steady_weeks(date(2026, 6, 1), weeks=weeks, km_per_week=km_per_week, runs_per_week=2)
    write_athlete(Athlete("Sam", TZ, HOME, runs), folder)


def test_equal_settings_names_stay_two_athletes(tmp_path: Path) -> None:
    _sam(tmp_path / "sam-a", km_per_week=20.0, weeks=2)
    _sam(tmp_path / "sam-b", km_per_week=36.0, weeks=3)
    athletes = find_athletes(tmp_path)
    assert [a.name for a in athletes] == ["Sam (sam-a)", "Sam (sam-b)"]
    assert [len(a.files) for a in athletes] == [4, 6]

    result = import_activities(tmp_path, cache=False)
    counts = result.timeline.groupby("athlete").size().to_dict()
    assert counts == {"Sam (sam-a)": 4, "Sam (sam-b)": 6}
    for athlete in result.timeline.itertuples():
        assert f"{athlete.athlete[5:-1]}" in str(athlete.file)  # each run from its own folder
    weeks = weekly_table(result.timeline)
    km = weeks.groupby("athlete")["distance_km"].sum()
    assert km["Sam (sam-a)"] == pytest.approx(2 * 20.0, rel=0.02)
    assert km["Sam (sam-b)"] == pytest.approx(3 * 36.0, rel=0.02)


def test_select_by_shown_name_base_name_or_folder(tmp_path: Path) -> None:
    _sam(tmp_path / "sam-a", km_per_week=20.0, weeks=1)
    _sam(tmp_path / "sam-b", km_per_week=30.0, weeks=1)
    athletes = find_athletes(tmp_path)
    [chosen] = select_athlete(list(athletes), "sam (SAM-B)")
    assert chosen.folder == tmp_path / "sam-b"
    [chosen] = select_athlete(list(athletes), "sam-a")
    assert chosen.folder == tmp_path / "sam-a"
    with pytest.raises(
        LoadwatchError, match=r"2 athletes are called 'Sam': Sam \(sam-a\), Sam \(sam-b\)"
    ):
        select_athlete(list(athletes), "Sam")
    result = import_activities(tmp_path, athlete="Sam (sam-b)", cache=False)
    assert set(result.timeline["athlete"]) == {"Sam (sam-b)"}


def test_equal_folder_names_are_told_apart_by_their_paths(tmp_path: Path) -> None:
    _sam(tmp_path / "north" / "sam", km_per_week=20.0, weeks=1)
    _sam(tmp_path / "south" / "sam", km_per_week=30.0, weeks=1)
    names = [a.name for a in find_athletes(tmp_path)]
    assert names == ["Sam (north/sam)", "Sam (south/sam)"]


# -- 4. multi-member gzip -------------------------------------------------------------


def test_two_member_gzip_reads_like_the_plain_file(tmp_path: Path, corpus_dir: Path) -> None:
    source = corpus_dir / "GoldenCheetah_sweatpy" / "activity_4801048867.gpx"
    data = source.read_bytes()
    half = len(data) // 2
    packed = tmp_path / "ride.gpx.gz"
    packed.write_bytes(gzip.compress(data[:half], mtime=0) + gzip.compress(data[half:], mtime=0))
    plain = tmp_path / "ride.gpx"
    plain.write_bytes(data)
    assert read_file_data(packed).data == data
    [from_members] = read_activity_file(packed)
    [from_plain] = read_activity_file(plain)
    assert from_members.distance_m == from_plain.distance_m
    assert from_members.start_utc == from_plain.start_utc
    assert from_members.n_records == from_plain.n_records == 5159  # the MANIFEST row


def test_gzip_members_share_one_bomb_cap() -> None:
    member = gzip.compress(b"<" * 50_000, mtime=0)  # ~100 bytes packed, ratio ~500 alone
    with pytest.raises(UnsafeFileError, match="possible gzip bomb"):
        gunzip_capped(gzip.compress(b"<gpx/>") + member, "x.gpx.gz")
    # Two ordinary members and zero padding after them: read in full.
    text = b"<gpx>" + b"<trkpt/>" * 20 + b"</gpx>"
    assert (
        gunzip_capped(gzip.compress(text[:30]) + gzip.compress(text[30:]) + b"\0" * 8, "g") == text
    )
    many = gzip.compress(b"a", mtime=0) * (MAX_GZIP_MEMBERS + 1)
    with pytest.raises(UnsafeFileError, match="gzip members"):
        gunzip_capped(many, "many.gpx.gz")
    with pytest.raises(UnsupportedFileError, match="damaged gzip"):
        gunzip_capped(gzip.compress(text) + gzip.compress(text)[:-12], "cut.gpx.gz")
