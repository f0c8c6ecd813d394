"""Output that cannot hurt its reader or the user's files (issue 13: CLI and output safety).

Every hostile input here is built with loadwatch's own writers (loadwatch.synthetic)
or written as bytes into tmp_path: formula-like titles and shoe names for --csv,
escape sequences in names and file names for the terminal, report paths that
point at the user's files, a full disk, a closed pipe, Ctrl-C during a cold import.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch.cli as cli
from loadwatch.cli import main
from loadwatch.cli_guard import EXIT_INTERRUPTED, FIRST_DAY, LAST_DAY, capped_jobs
from loadwatch.errors import OutputFileError
from loadwatch.report.output_files import check_report_path, is_loadwatch_report, write_text_atomic
from loadwatch.report.records import ACTIVITY_FIELDS, records_to_csv
from loadwatch.safe_text import (
    json_finite,
    json_terminal_safe,
    neutralise_csv_cell,
    one_line,
    terminal_safe,
)
from loadwatch.synthetic import Athlete, PlannedRun, steady_weeks, write_athlete
from loadwatch.timeline.pool import MAX_WORKERS, POOL_MIN_BYTES, default_jobs, pool_plan
from loadwatch.timeline.problems import FileProblem

HOME = (40.78, -73.97)
ZONE = "America/New_York"
PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT / "sample_data"

#: Titles a spreadsheet would run as formulas (OWASP examples).
FORMULAS = ('=HYPERLINK("http://evil.example/?x","click")', "+cmd|' /C calc'!A0", "@SUM(1)")
#: Retitles the terminal window, rings the bell, clears the screen.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
ESCAPES_TOML = "\\u001b]0;pwned\\u0007\\u001b[2J"


def _raw_controls(text: str) -> list[str]:
    """Control characters a terminal would act on (newline and tab are layout)."""
    return re.findall("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


def _no_traceback(result: object) -> None:
    out = getattr(result, "stdout", "") + getattr(result, "stderr", "")
    assert "Traceback" not in out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An athlete whose name holds escape sequences, GPX titles that are formulas,
    a shoe named like a formula, and a run whose file name holds a newline and ESC."""
    folder = tmp_path_factory.mktemp("hostile") / "sam"
    runs = steady_weeks(date(2026, 3, 2), weeks=2, km_per_week=20.0, runs_per_week=2)
    for day, title in enumerate(FORMULAS):
        start = datetime(2026, 3, 20 + day, 7, 0)
        runs.append(PlannedRun(start, 6.0, fmt="gpx", name=title))
    shoes = [{"name": "@SUM(1)+Pegasus", "from": date(2026, 3, 1)}]
    write_athlete(Athlete("Sam Hostile", ZONE, HOME, runs, shoes=shoes), folder)
    settings = folder / "loadwatch.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        text.replace('name = "Sam Hostile"', f'name = "Sam {ESCAPES_TOML}"'), encoding="utf-8"
    )
    gpx = sorted(folder.glob("*.gpx"))[0]
    gpx.rename(folder / f"evil\n{ESCAPES}.gpx")
    (folder / "bad\nname\x1b[2J.fit").write_bytes(b"\x0e\x10not a FIT file at all")
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four runs of a plain athlete: enough for a report."""
    folder = tmp_path_factory.mktemp("small") / "riley"
    runs = steady_weeks(date(2026, 5, 4), weeks=2, km_per_week=16.0, runs_per_week=2)
    write_athlete(Athlete("Riley Small", ZONE, HOME, runs), folder)
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# --- safe_text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|x", "'+cmd|x"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),
        ("+12", "+12"),
        ("1e3", "1e3"),
        ("Morning Run", "Morning Run"),
        ("", ""),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_csv_cells_that_start_a_formula_are_neutralised(cell: object, expected: object) -> None:
    assert neutralise_csv_cell(cell) == expected


def test_records_to_csv_neutralises_text_and_keeps_numbers() -> None:
    records = [{"name": title, "distance_km": -1.5} for title in FORMULAS]
    rows = list(csv.DictReader(io.StringIO(records_to_csv(records, ("name", "distance_km")))))
    assert [row["name"] for row in rows] == ["'" + title for title in FORMULAS]
    assert [float(row["distance_km"]) for row in rows] == [-1.5] * len(FORMULAS)


def test_terminal_safe_shows_escapes_instead_of_sending_them() -> None:
    shown = terminal_safe(f"name {ESCAPES} end\nnext\tcol")
    assert _raw_controls(shown) == []
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in shown
    assert shown.endswith("end\nnext\tcol")  # the program's own layout stays
    assert one_line("a\nb\rc\td") == "a\\nb\\rc\\td"
    # C1 controls (8-bit CSI), bidi overrides and undecodable file-name bytes
    assert terminal_safe("\x9b2J \u202eevil") == "\\x9b2J \\u202eevil"
    undecodable = os.fsdecode(b"run-\xff.gpx")
    assert terminal_safe(undecodable) == "run-\\xff.gpx"
    assert terminal_safe(undecodable).encode("utf-8")  # printable


def test_json_is_strict_and_terminal_safe() -> None:
    data = {"a": [float("inf"), float("-inf"), float("nan"), 1.5], "b": {"c": float("nan")}}
    assert json_finite(data) == {"a": [None, None, None, 1.5], "b": {"c": None}}
    text = json_terminal_safe(json.dumps({"name": "x\x9by\u202e" + os.fsdecode(b"\xff")}))
    assert json.loads(text)["name"] == "x\x9by\u202e" + os.fsdecode(b"\xff")
    raw = json.dumps({"name": "x\x9b\u202e"}, ensure_ascii=False)
    assert _raw_controls(json_terminal_safe(raw)) == []


def test_a_file_problem_is_one_line_whatever_the_name() -> None:
    problem = FileProblem(f"runs/bad\nname{ESCAPES}.fit", "corrupt", "not a FIT file")
    line = problem.line()
    assert "\n" not in line and _raw_controls(line) == []
    assert line == "runs/bad\\nname\\x1b]0;pwned\\x07\\x1b[2J.fit: not a FIT file"


# --- CSV and terminal through the CLI -------------------------------------------------


def test_activities_csv_has_no_live_formulas(hostile: Path) -> None:
    result = CliRunner().invoke(main, ["activities", str(hostile), "--csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == list(ACTIVITY_FIELDS)
    names = {row["name"] for row in rows}
    assert {"'" + title for title in FORMULAS} <= names
    for row in rows:
        for field, value in row.items():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (field, value)
            if value.startswith("-"):
                float(value)  # only plain negative numbers may start with '-'
        float(row["distance_km"])


@pytest.mark.parametrize("command", ["activities", "weeks", "check", "shoes"])
def test_text_commands_send_no_escape_sequence_to_the_terminal(hostile: Path, command: str) -> None:
    result = CliRunner().invoke(main, [command, str(hostile)])
    _no_traceback(result)
    assert result.exit_code in (0, 1), result.output
    assert _raw_controls(result.stdout) == [] and _raw_controls(result.stderr) == []
    if result.exit_code == 0 and command != "check":
        assert "Sam \\x1b" in result.stdout  # the athlete's name, shown as text


def test_a_newline_in_a_file_name_stays_on_its_line(hostile: Path) -> None:
    result = CliRunner().invoke(main, ["activities", str(hostile)])
    assert result.exit_code == 0, result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1
    assert "bad\\nname\\x1b[2J.fit: " in error_lines[0]
    listed = [line for line in result.stdout.splitlines() if "evil" in line]
    assert len(listed) == 1 and listed[0].endswith("evil\\n\\x1b]0;pwned\\x07\\x1b[2J.gpx")
    rows = json.loads(CliRunner().invoke(main, ["activities", str(hostile), "--json"]).stdout)
    assert len(result.stdout.splitlines()) == len(rows) + 1  # header + one line per activity


def test_an_undecodable_file_name_is_printed_escaped(small: Path, tmp_path: Path) -> None:
    folder = tmp_path / "riley"
    folder.mkdir()
    for path in small.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    gpx_or_fit = sorted(folder.glob("*.fit"))[0]
    os.rename(os.fsencode(gpx_or_fit), os.fsencode(folder) + b"/run-\xff.fit")
    text = CliRunner().invoke(main, ["activities", str(folder), "--no-cache"])
    _no_traceback(text)
    assert text.exit_code == 0, text.stderr
    assert "run-\\xff.fit" in text.stdout
    as_json = CliRunner().invoke(main, ["activities", str(folder), "--no-cache", "--json"])
    assert as_json.exit_code == 0, as_json.stderr
    files = [Path(row["file"]).name for row in json.loads(as_json.stdout)]
    assert {os.fsdecode(b"run-\xff.fit"), "run-\\xff.fit"} & set(files)


def test_shoes_json_never_prints_infinity(tmp_path: Path) -> None:
    folder = tmp_path / "inf-shoes"
    shoes = [{"name": "Pegasus", "from": date(2026, 5, 1), "start_km": float("inf")}]
    runs = steady_weeks(date(2026, 5, 4), weeks=1, km_per_week=10.0, runs_per_week=2)
    write_athlete(Athlete("Inf Shoes", ZONE, HOME, runs, shoes=shoes), folder)
    assert "start_km = inf" in (folder / "loadwatch.toml").read_text(encoding="utf-8")
    result = CliRunner().invoke(main, ["shoes", str(folder), "--json"])
    _no_traceback(result)
    assert "Infinity" not in result.stdout and "NaN" not in result.stdout
    if result.exit_code == 0:  # settings may also refuse inf: one line, exit 1

        def refuse(constant: str) -> None:
            raise AssertionError(f"not JSON: {constant}")

        assert isinstance(json.loads(result.stdout, parse_constant=refuse), list)
    else:
        assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) >= 1


def test_error_lines_show_escapes_in_paths_the_user_typed(tmp_path: Path) -> None:
    missing = CliRunner().invoke(main, ["activities", str(tmp_path / f"no{ESCAPES}pe")])
    assert missing.exit_code == 2
    assert _raw_controls(missing.stderr) == [] and "no\\x1b]0;pwned" in missing.stderr
    refused = CliRunner().invoke(main, ["report", str(SAMPLE), "-o", f"{tmp_path}/r{ESCAPES}.txt"])
    assert refused.exit_code == 1 and _raw_controls(refused.stderr) == []
    assert len(refused.stderr.strip().splitlines()) == 1


# --- report -o never writes over the user's data -----------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "first-run.fit",  # an input (renamed below to the folder's first FIT file)
        "loadwatch.toml",
        "notes.txt",
        "my-page.html",  # the user's own HTML
        "link-to-run.html",  # a symbolic link to an input
        "dangling.html",  # a symbolic link to nowhere
        "a-folder.html",  # a folder
    ],
)
def test_report_refuses_to_write_over_user_files(small: Path, tmp_path: Path, target: str) -> None:
    folder = tmp_path / "riley"
    folder.mkdir()
    for path in small.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    first_fit = sorted(folder.glob("*.fit"))[0]
    (folder / "notes.txt").write_text("my training notes\n", encoding="utf-8")
    (folder / "my-page.html").write_text("<html><body>mine</body></html>\n", encoding="utf-8")
    (folder / "link-to-run.html").symlink_to(first_fit)
    (folder / "dangling.html").symlink_to(folder / "nowhere.html")
    (folder / "a-folder.html").mkdir()
    output = first_fit if target == "first-run.fit" else folder / target
    before = _snapshot(folder)
    result = CliRunner().invoke(main, ["report", str(folder), "-o", str(output)])
    _no_traceback(result)
    if target == "a-folder.html":  # click's own check of -o: a usage error
        assert result.exit_code == 2 and "is a directory" in result.stderr
    else:
        assert result.exit_code == 1
        assert len(result.stderr.strip().splitlines()) == 1
        assert "cannot write the report" in result.stderr and output.name in result.stderr
    assert _snapshot(folder) == before
    assert not (folder / "nowhere.html").exists()
    assert not list(folder.glob(".*.tmp"))


def test_report_path_that_resolves_to_an_input_is_refused(small: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text("<p>an input named like a report</p>", encoding="utf-8")
    (tmp_path / "alias").symlink_to(tmp_path)
    with pytest.raises(OutputFileError, match="it is an input"):
        check_report_path(tmp_path / "alias" / "report.html", [report])
    with pytest.raises(OutputFileError, match="it is an input"):
        check_report_path(tmp_path / "sub" / ".." / "report.html", [report])
    os.link(report, tmp_path / "hard.html")
    with pytest.raises(OutputFileError, match="it is an input"):
        check_report_path(tmp_path / "hard.html", [report])


def test_report_writes_new_files_and_replaces_only_its_own(small: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    first = CliRunner().invoke(main, ["report", str(small), "-o", str(output)])
    assert first.exit_code == 0, first.stderr
    assert is_loadwatch_report(output)
    assert '<meta name="generator" content="loadwatch ' in output.read_text(encoding="utf-8")
    output.write_bytes(output.read_bytes().replace(b"</body>", b"<!-- old --></body>"))
    again = CliRunner().invoke(main, ["report", str(small), "-o", str(output)])
    assert again.exit_code == 0, again.stderr
    assert b"<!-- old -->" not in output.read_bytes()  # replaced: it was loadwatch's
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # no temp file left


def test_write_text_atomic_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "caf\u00e9", encoding="ascii")
    assert target.read_text(encoding="utf-8") == "old report"
    with pytest.raises(OutputFileError, match="cannot write the file"):
        write_text_atomic(tmp_path / "missing" / "report.html", "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


#: Largest file the child process below may write [bytes]: less than a report.
FILE_SIZE_LIMIT = 64 * 1024


def _limit_file_size() -> None:  # in the child: writes past the limit fail with EFBIG
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE")
def test_a_report_that_cannot_be_written_leaves_the_old_one(small: Path, tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    assert CliRunner().invoke(main, ["report", str(small), "-o", str(output)]).exit_code == 0
    # An old report, smaller than the limit, that the new one (over the limit) must not replace.
    page = output.read_text(encoding="utf-8")
    head = page[: page.index("<body")]
    old = head + "<body>old report</body></html>\n"
    output.write_text(old, encoding="utf-8")
    assert len(old) < FILE_SIZE_LIMIT < len(page)
    done = subprocess.run(
        [sys.executable, "-m", "loadwatch", "report", str(small), "--no-cache", "-o", str(output)],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "cannot write the report" in last and "report.html" in last
    assert output.read_text(encoding="utf-8") == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


# --- dates, jobs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "option", "day"),
    [("report", "--until", "9999-12-31"), ("weeks", "--since", "0001-01-01")],
)
def test_out_of_range_dates_are_one_usage_line(command: str, option: str, day: str) -> None:
    result = CliRunner().invoke(main, [command, str(SAMPLE), option, day])
    _no_traceback(result)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and option in errors[0] and day in errors[0]


def test_dates_at_the_edges_of_the_range_work(small: Path) -> None:
    first, last = FIRST_DAY.isoformat(), LAST_DAY.isoformat()
    result = CliRunner().invoke(main, ["weeks", str(small), "--since", first, "--until", last])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) >= 3


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_are_a_usage_error(small: Path, jobs: str) -> None:
    result = CliRunner().invoke(main, ["activities", str(small), "--jobs", jobs])
    assert result.exit_code == 2 and "--jobs" in result.stderr


def test_jobs_are_capped_at_the_cores(small: Path) -> None:
    cores = default_jobs()
    assert capped_jobs(10_000) == min(cores, MAX_WORKERS)
    assert capped_jobs(1) == 1 and capped_jobs(None) is None
    assert pool_plan(100_000, POOL_MIN_BYTES * 4, 10_000)[0] <= MAX_WORKERS
    result = CliRunner().invoke(main, ["activities", str(small), "--jobs", "10000", "--json"])
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 4


# --- errors, interrupts, lost output ----------------------------------------------------


def test_an_unexpected_error_is_one_line_without_debug(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_result: object) -> None:
        raise ZeroDivisionError("division by zero in a weekly total")

    monkeypatch.setattr(cli, "weekly_load", broken)
    result = CliRunner().invoke(main, ["weeks", str(small)])
    assert result.exit_code == 1
    _no_traceback(result)
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "Error: internal error: ZeroDivisionError: division by zero in a weekly total "
        "(run with --debug for details)"
    )
    debug = CliRunner().invoke(main, ["--debug", "weeks", str(small)])
    assert isinstance(debug.exception, ZeroDivisionError)


def test_ctrl_c_inside_a_command_is_one_line_and_130(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(_result: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "weekly_load", interrupted)
    result = CliRunner().invoke(main, ["weeks", str(small)])
    assert result.exit_code == EXIT_INTERRUPTED == 130
    assert result.stderr.strip().splitlines()[-1] == "interrupted"
    assert result.stdout == ""


def _loadwatch(*args: str, **options: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "loadwatch", *args], **options)  # type: ignore[call-overload]


def test_stdout_on_a_full_disk_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "loadwatch", "activities", str(SAMPLE)],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=300,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: cannot write the output: No space left on device"
    )


def test_a_closed_pipe_is_one_line() -> None:
    process = _loadwatch(
        "activities", str(SAMPLE), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdout.close()  # like `| head -0`: the reader is gone before anything is written
    stderr = process.stderr.read()
    assert process.wait(timeout=300) == 1
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert stderr.strip().splitlines()[-1] == (
        "Error: cannot write the output: the reading end of the pipe was closed"
    )


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def sixty_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 FIT files of 1-s records: a cold import that takes the process pool a while."""
    folder = tmp_path_factory.mktemp("sixty") / "sixty-runner"
    runs = steady_weeks(
        date(2026, 1, 5), weeks=15, km_per_week=40.0, runs_per_week=4, record_interval_s=1
    )
    write_athlete(Athlete("Sixty Runner", ZONE, HOME, runs), folder)
    return folder


@pytest.fixture(scope="module")
def cut_short_runs(sixty_runs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 FIT files cut short: each takes the reference path (costed x100), so an import
    without --jobs uses every core, this process reading beside the workers."""
    folder = tmp_path_factory.mktemp("cut") / "cut-short-runner"
    folder.mkdir()
    for path in sorted(sixty_runs.glob("*.fit"))[:20]:
        data = path.read_bytes()
        (folder / path.name).write_bytes(data[: len(data) * 3 // 4])
    return folder


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("jobs", [["--jobs", "2"], []], ids=["jobs=2", "every core"])
def test_ctrl_c_during_a_cold_import_is_quiet(
    jobs: list[str], sixty_runs: Path, cut_short_runs: Path, tmp_path: Path
) -> None:
    """SIGINT to the whole process group (as a terminal sends it) while workers decode
    (``--jobs 2``) or start while this process reads too (every core)."""
    folder = sixty_runs if jobs else cut_short_runs
    interrupted = 0
    for delay_s in (0.3, 0.1, 0.0):
        process = _loadwatch(
            "weeks",
            "--no-cache",
            *jobs,
            str(folder),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env={**os.environ, "LOADWATCH_CACHE_DIR": str(tmp_path)},
        )
        deadline = time.monotonic() + 120
        while process.poll() is None and not _children(process.pid):
            assert time.monotonic() < deadline
            time.sleep(0.005)
        time.sleep(delay_s)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
        assert "Traceback" not in stderr, stderr
        assert process.returncode in (0, EXIT_INTERRUPTED), stderr
        if process.returncode == EXIT_INTERRUPTED:
            assert stderr.strip().splitlines()[-1] == "interrupted"
            interrupted += 1
            break
    assert interrupted == 1, "the import always finished before Ctrl-C: too fast to test"


def test_sample_report_still_works(tmp_path: Path) -> None:
    output = tmp_path / "x" / "report.html"
    output.parent.mkdir()
    result = CliRunner().invoke(main, ["report", str(SAMPLE) + "/", "-o", str(output)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"Report written to {output}"
    assert is_loadwatch_report(output)
