"""The command line, through click's CliRunner: output formats, errors, exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from loadwatch.cli import main
from loadwatch.report.records import ACTIVITY_FIELDS, WEEK_FIELDS

from support import CORPUS_DIR

RUN_FIT = CORPUS_DIR / "corriporai_runpandas" / "run.fit"
RIDE_FIT = CORPUS_DIR / "dtcooper_python-fitparse" / "garmin-fenix-5-bike.fit"
WALK_FIT = CORPUS_DIR / "dtcooper_python-fitparse" / "garmin-fenix-5-walk.fit"
RUN_GPX = CORPUS_DIR / "thomaschampagne_elevate" / "20170319_run_906581465.gpx"


@pytest.fixture
def folder(tmp_path: Path, corpus_dir: Path) -> Path:
    root = tmp_path / "runner"
    root.mkdir()
    for source in (RUN_FIT, RIDE_FIT, WALK_FIT, RUN_GPX):
        shutil.copy(source, root / source.name)
    (root / "broken.fit").write_bytes(RUN_FIT.read_bytes()[:40])
    (root / "empty.gpx").write_bytes(b"")
    (root / "notes.txt").write_text("not an activity")
    return root


def runner() -> CliRunner:
    return CliRunner()


def test_activities_json_is_valid_and_lists_bad_files_on_stderr(folder: Path) -> None:
    result = runner().invoke(main, ["activities", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 4
    for record in records:
        assert list(record) == list(ACTIVITY_FIELDS)
        assert record["start_utc"].endswith("Z")
        assert record["athlete"] == "runner"
    by_file = {Path(r["file"]).name: r for r in records}
    assert by_file["run.fit"]["sport"] == "running" and by_file["run.fit"]["is_run"]
    assert abs(by_file["run.fit"]["distance_km"] - 5.8398) < 0.01
    assert by_file["run.fit"]["start_utc"] == "2019-09-14T15:22:05Z"
    assert not by_file["garmin-fenix-5-bike.fit"]["is_run"]
    assert "broken.fit" in result.stderr and "empty.gpx" in result.stderr
    assert "notes.txt" not in result.stderr
    assert "Traceback" not in result.stderr
    for line in result.stderr.splitlines():
        if "broken.fit" in line or "empty.gpx" in line:
            assert line.startswith("error: ")


def test_activities_csv(folder: Path) -> None:
    result = runner().invoke(main, ["activities", str(folder), "--csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    assert list(rows[0]) == list(ACTIVITY_FIELDS)


def test_activities_text_table(folder: Path) -> None:
    result = runner().invoke(main, ["activities", str(folder)])
    assert result.exit_code == 0
    assert "run.fit" in result.stdout
    assert "(cycling)" in result.stdout  # non-runs are marked
    assert "imported 6 files" in result.stderr  # notes.txt is not a candidate


def test_weeks_json(folder: Path) -> None:
    result = runner().invoke(main, ["weeks", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    weeks = json.loads(result.stdout)
    assert weeks, "expected at least one week"
    for week in weeks:
        assert list(week) == list(WEEK_FIELDS)
    total = sum(w["distance_km"] for w in weeks)
    records = json.loads(runner().invoke(main, ["activities", str(folder), "--json"]).stdout)
    assert total == pytest.approx(sum(r["distance_km"] for r in records if r["is_run"]), abs=0.01)


def test_bad_settings_is_one_line_error_exit_1(folder: Path) -> None:
    (folder / "loadwatch.toml").write_text('[athlete]\ntimezone = "Atlantis/Capital"\n')
    result = runner().invoke(main, ["activities", str(folder)])
    assert result.exit_code == 1
    assert "athlete.timezone" in result.stderr
    assert "unknown time zone" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = runner().invoke(main, ["activities", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    for name, command in main.commands.items():
        result = runner().invoke(main, [name, "--help"])
        assert result.exit_code == 0
        assert command.help and "Example" in command.help, name
        assert f"loadwatch {name}" in result.stdout


def test_python_dash_m(folder: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "loadwatch", "activities", str(folder), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 4


# --- check and weeks on the sample runner -------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def sample_findings() -> list[dict]:
    result = CliRunner().invoke(main, ["check", str(SAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_check_json_fields_and_story(sample_findings: list[dict]) -> None:
    from loadwatch.findings.table import FINDING_FIELDS
    from loadwatch.rules.ruleset import EVIDENCE_LABELS

    for finding in sample_findings:
        assert list(finding) == list(FINDING_FIELDS)
        assert finding["severity"] in ("note", "caution", "high")
        assert finding["evidence"] in EVIDENCE_LABELS
        assert finding["source"] and finding["message"]
    fired = {(f["rule"], f["date"]) for f in sample_findings if f["severity"] != "note"}
    rules = {rule for rule, _ in fired}
    assert {
        "weekly-increase",
        "long-run-spike",
        "hill-increase",
        "speedwork-increase",
        "return-from-layoff",
    } <= rules
    assert ("long-run-spike", "2026-07-26") in fired
    high = [f for f in sample_findings if f["severity"] == "high"]
    assert [(f["rule"], f["week_start"]) for f in high] == [
        ("weekly-increase", "2026-07-06"),
        ("shoe-mileage", "2026-08-17"),  # Trainer A passes 500 miles (a replacement reminder)
    ]


def test_check_fail_on_and_notes() -> None:
    failing = CliRunner().invoke(main, ["check", str(SAMPLE), "--fail-on", "high", "--json"])
    assert failing.exit_code == 3
    no_notes = CliRunner().invoke(main, ["check", str(SAMPLE), "--no-notes", "--json"])
    assert no_notes.exit_code == 0
    assert all(f["severity"] != "note" for f in json.loads(no_notes.stdout))


def test_check_text_names_rule_numbers_source_and_red_flags() -> None:
    result = CliRunner().invoke(main, ["check", str(SAMPLE)])
    assert result.exit_code == 0
    text = result.stdout
    assert "HIGH" in text and "weekly-increase (contested)" in text
    assert "the caution line was 13.2 km (+10%)" in text
    assert "Source: Frandsen JSB et al." in text
    assert "Not medical advice" in text and "swelling" in text


def test_weeks_json_has_fast_and_heat_columns() -> None:
    result = CliRunner().invoke(main, ["weeks", str(SAMPLE), "--json"])
    weeks = json.loads(result.stdout)
    by_week = {w["week_start"]: w for w in weeks}
    assert by_week["2026-08-17"]["fast_km"] > 3.0  # the first interval session
    assert by_week["2026-06-08"]["fast_km"] == 0.0
    assert by_week["2026-07-06"]["heat_s"] > 0
    assert by_week["2026-09-14"]["distance_km"] == 0.0  # layoff: a zero week, kept


# --- input options shared by every command ------------------------------------------


def test_since_until_filter_output_but_keep_history() -> None:
    args = ["check", str(SAMPLE), "--json", "--no-notes", "--since", "2026-09-01"]
    findings = json.loads(CliRunner().invoke(main, args).stdout)
    assert findings and all(f["date"] >= "2026-09-01" for f in findings)
    # the return after the layoff is still found: history before --since still counts
    assert any(f["rule"] == "return-from-layoff" for f in findings)
    args = ["weeks", str(SAMPLE), "--json", "--since", "2026-09-01", "--until", "2026-09-30"]
    weeks = json.loads(CliRunner().invoke(main, args).stdout)
    assert [w["week_start"] for w in weeks] == [
        "2026-08-31",
        "2026-09-07",
        "2026-09-14",
        "2026-09-21",
        "2026-09-28",
    ]


def test_units_mi_in_text_and_km_in_json() -> None:
    text = CliRunner().invoke(main, ["weeks", str(SAMPLE), "--units", "mi"]).stdout
    assert text.splitlines()[0].split()[2] == "mi"
    assert "28.6" in text  # the 46.0 km week in miles
    records = json.loads(
        CliRunner().invoke(main, ["weeks", str(SAMPLE), "--units", "mi", "--json"]).stdout
    )
    assert max(r["distance_km"] for r in records) == pytest.approx(46.0, abs=0.1)


def test_week_start_override(folder: Path) -> None:
    monday = json.loads(CliRunner().invoke(main, ["weeks", str(folder), "--json"]).stdout)
    sunday = json.loads(
        CliRunner().invoke(main, ["weeks", str(folder), "--json", "--week-start", "sunday"]).stdout
    )
    from datetime import date

    assert all(date.fromisoformat(w["week_start"]).weekday() == 0 for w in monday)
    assert all(date.fromisoformat(w["week_start"]).weekday() == 6 for w in sunday)


def test_timezone_override_is_validated_and_used(folder: Path) -> None:
    bad = CliRunner().invoke(main, ["activities", str(folder), "--timezone", "Mars/Olympus"])
    assert bad.exit_code == 1 and "--timezone" in bad.stderr
    gpx_only = folder.parent / "gpx-only"
    gpx_only.mkdir()
    shutil.copy(RUN_GPX, gpx_only / RUN_GPX.name)  # a GPX in UTC: local time from the zone
    args = ["activities", str(gpx_only), "--json", "--timezone", "Asia/Tokyo"]
    (record,) = json.loads(CliRunner().invoke(main, args).stdout)
    assert record["timezone"] == "Asia/Tokyo"
    assert record["start_local"].endswith("+09:00")


def test_athlete_selects_from_a_roster(tmp_path: Path, corpus_dir: Path) -> None:
    for name, source in (("ann", RUN_FIT), ("bob", RUN_GPX)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "loadwatch.toml").write_text(f'[athlete]\nname = "{name.title()}"\n')
        shutil.copy(source, tmp_path / name / source.name)
    both = json.loads(CliRunner().invoke(main, ["activities", str(tmp_path), "--json"]).stdout)
    assert sorted(r["athlete"] for r in both) == ["Ann", "Bob"]
    args = ["activities", str(tmp_path), "--json", "--athlete", "bob"]
    only = json.loads(CliRunner().invoke(main, args).stdout)
    assert [r["athlete"] for r in only] == ["Bob"]
    missing = CliRunner().invoke(main, ["activities", str(tmp_path), "--athlete", "Cy"])
    assert missing.exit_code == 1 and "athletes: Ann, Bob" in missing.stderr


def test_shoes_json_and_text() -> None:
    from loadwatch.shoes import SHOE_FIELDS

    result = CliRunner().invoke(main, ["shoes", str(SAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    pairs = {r["shoe"]: r for r in json.loads(result.stdout)}
    assert list(pairs["Trainer A"]) == list(SHOE_FIELDS)
    assert pairs["Trainer A"]["status"] == "high"
    assert pairs["Trainer A"]["forecast_500mi"] == "2026-08-23"
    assert pairs["Racer B"]["status"] == "ok"
    text = CliRunner().invoke(main, ["shoes", str(SAMPLE), "--units", "mi"]).stdout
    assert "Trainer A" in text and "mi" in text
