"""Every number and date from a table or a setting is checked where it enters.

Absurd values (a year typo, ``nan``, ``inf``, ``1e300``, a string where a
number belongs) in ``loadwatch.toml``, ``injuries.csv``,
``shoe-overrides.csv``, Strava's ``activities.csv`` and Garmin's summaries
JSON are one line naming the file and the key or row, never a traceback; the
good values beside them are still used. Every input is written here, with the
project's own writers for the activity files.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.entry_checks import EARLIEST_DAY, LATEST_DAY
from loadwatch.errors import SettingsError
from loadwatch.findings.injuries import InjuryLogError, read_injuries, read_injury_log
from loadwatch.importers.exports.garmin import parse_garmin_summary
from loadwatch.importers.exports.strava import parse_strava_export
from loadwatch.shoes.sources import read_overrides
from loadwatch.synthetic import PlannedRun, write_run
from loadwatch.synthetic.strava_export import HEADER
from loadwatch.timeline.settings import MAX_DROP_MM, MAX_START_KM, load_settings

HOME = (52.52, 13.405)
ZONE = "Europe/Berlin"
RUN_START = datetime(2026, 3, 2, 7, 0)
RUN_KM = 8.0
#: Larger than Python's csv field limit (131,072 characters).
HUGE_FIELD = "x" * 200_000


def write_good_run(folder: Path, name: str = "2026-03-02-0700-run.fit") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_run(PlannedRun(RUN_START, RUN_KM), folder / name, timezone=ZONE, home=HOME)


def no_traceback(result) -> None:  # click's Result
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- loadwatch.toml ------------------------------------------------------------------

SHOE = '[[shoes]]\nname = "A"\nfrom = 2026-01-01\n'


@pytest.mark.parametrize(
    ("text", "key", "phrase"),
    [
        (SHOE + "start_km = nan", "shoes[0].start_km", "finite number"),
        (SHOE + "start_km = inf", "shoes[0].start_km", "finite number"),
        (SHOE + "start_km = -inf", "shoes[0].start_km", "finite number"),
        (SHOE + "start_km = -0.5", "shoes[0].start_km", "at least 0"),
        (SHOE + "start_km = 1e300", "shoes[0].start_km", f"at most {MAX_START_KM:g}"),
        (SHOE + 'start_km = "120"', "shoes[0].start_km", "expected a number"),
        (SHOE + "start_km = true", "shoes[0].start_km", "expected a number"),
        (SHOE + "drop_mm = nan", "shoes[0].drop_mm", "finite number"),
        (SHOE + "drop_mm = inf", "shoes[0].drop_mm", "finite number"),
        (SHOE + "drop_mm = -4", "shoes[0].drop_mm", "at least 0"),
        (SHOE + "drop_mm = 1000", "shoes[0].drop_mm", f"at most {MAX_DROP_MM:g}"),
        ('[[shoes]]\nname = "A"\nfrom = 3026-07-01', "shoes[0].from", "after 2100"),
        ('[[shoes]]\nname = "A"\nfrom = 0001-01-01', "shoes[0].from", "before 1970"),
        ('[[shoes]]\nname = "A"\nfrom = "1969-12-31"', "shoes[0].from", "before 1970"),
        (SHOE + "until = 9999-12-31", "shoes[0].until", "after 2100"),
        (SHOE + "until = 2026-02-01T25:00:00", "(file)", "not valid TOML"),
        ("a = " + "[" * 5000 + "]" * 5000, "(file)", "nested too deeply"),
        ("[athlete]\nname = " + "9" * 5000, "(file)", "not readable"),
    ],
)
def test_bad_numbers_and_dates_in_settings_name_the_file_and_key(
    tmp_path: Path, text: str, key: str, phrase: str
) -> None:
    path = tmp_path / "loadwatch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=phrase) as info:
        load_settings(path)
    assert info.value.key == key
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: ") and "\n" not in message


def test_settings_limits_are_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "loadwatch.toml"
    path.write_text(
        f'[[shoes]]\nname = "A"\nfrom = {EARLIEST_DAY.isoformat()}\nuntil = '
        f"{LATEST_DAY.isoformat()}\ndrop_mm = {MAX_DROP_MM:g}\nstart_km = {MAX_START_KM:g}\n",
        encoding="utf-8",
    )
    (shoe,) = load_settings(path).shoes
    assert (shoe.start, shoe.until) == (EARLIEST_DAY, LATEST_DAY)
    assert (shoe.drop_mm, shoe.start_km) == (MAX_DROP_MM, MAX_START_KM)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_cli_shoes_json_with_a_nan_start_km_is_one_line_not_infinity(
    tmp_path: Path, value: str
) -> None:
    folder = tmp_path / "runner"
    write_good_run(folder)
    toml = folder / "loadwatch.toml"
    toml.write_text(f'[athlete]\nname = "Sam"\n\n{SHOE}start_km = {value}\n', encoding="utf-8")
    before = toml.read_bytes()
    result = CliRunner().invoke(main, ["shoes", str(folder), "--json", "--no-cache"])
    no_traceback(result)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "loadwatch.toml" in lines[0] and "shoes[0].start_km" in lines[0]
    assert "Infinity" not in result.output and "NaN" not in result.output
    assert toml.read_bytes() == before


# --- Garmin Connect summaries ------------------------------------------------------------

GOOD_START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
GOOD_MS = int(GOOD_START.timestamp() * 1000)


def summary_json(*starts: str) -> bytes:
    """A summaries file: entry 1 has a good start; then one entry per raw JSON start value."""
    entries = [f'{{"activityId": 1000001, "name": "Good", "beginTimestamp": {GOOD_MS}}}']
    entries += [
        f'{{"activityId": {2000000 + i}, "name": "Bad {i}", "beginTimestamp": {raw}}}'
        for i, raw in enumerate(starts)
    ]
    return ('[{"summarizedActivitiesExport": [' + ", ".join(entries) + "]}]").encode()


@pytest.mark.parametrize(
    "raw",
    [
        "1e20",
        "-1e20",
        '"1700000000000"',
        "NaN",
        "Infinity",
        "-Infinity",
        "1e13",  # year 2286: past pandas' nanosecond times
        "250000000000000",  # year 9892
        "1" + "0" * 40,  # beyond any float
        "-1",
        "0",
        "true",
        "[1, 2]",
        "{}",
    ],
)
def test_a_garmin_summary_with_an_absurd_start_is_one_line_and_matched_by_id(raw: str) -> None:
    origin = "export/DI_CONNECT/DI-Connect-Fitness/u_0_summarizedActivities.json"
    summary = parse_garmin_summary(summary_json(raw), origin)
    good, bad = summary.activities
    assert good.start_utc == GOOD_START and bad.start_utc is None
    assert (bad.activity_id, bad.name) == ("2000000", "Bad 0")
    (problem,) = summary.problems
    assert problem[0] == origin and "\n" not in problem[1]
    assert "1 activity summary has no usable start time" in problem[1]
    assert "summary 2: beginTimestamp" in problem[1]
    # The good start is still found by time; the bad one by its id only.
    assert summary.find(["upload.fit"], GOOD_START) is good
    assert summary.find(["runner@example.com_2000000.fit"], GOOD_START) is bad


def test_a_future_start_is_not_used_and_startTimeGmt_is_the_fallback() -> None:
    # After the last time any recording is believed to have (PLAUSIBLE_UNTIL_UTC, 2100).
    future_ms = int(datetime(2150, 1, 1, tzinfo=UTC).timestamp() * 1000)
    data = json.dumps(
        [
            {
                "summarizedActivitiesExport": [
                    {"activityId": 7, "beginTimestamp": future_ms, "startTimeGmt": GOOD_MS},
                    {"activityId": 8, "beginTimestamp": future_ms},
                ]
            }
        ]
    ).encode()
    summary = parse_garmin_summary(data, "s.json")
    assert [a.start_utc for a in summary.activities] == [GOOD_START, None]
    (problem,) = summary.problems
    # The first has a usable fallback: only the second is without a start.
    assert "1 activity summary has no usable start time (first: summary 2:" in problem[1]


def test_a_garmin_summary_with_a_huge_integer_is_one_settings_error() -> None:
    data = b'[{"summarizedActivitiesExport": [{"activityId": ' + b"9" * 5000 + b"}]}]"
    with pytest.raises(SettingsError, match="not a readable JSON file") as info:
        parse_garmin_summary(data, "s.json")
    assert str(info.value).startswith("s.json: (file): ")


def write_garmin_folder(root: Path, raw_start: str) -> Path:
    """An unpacked Garmin export: one uploaded run and its summary with ``raw_start``."""
    uploads = root / "DI_CONNECT" / "DI-Connect-Uploaded-Files"
    write_good_run(uploads, "runner@example.com_12345678901.fit")
    fitness = root / "DI_CONNECT" / "DI-Connect-Fitness"
    fitness.mkdir(parents=True)
    entry = '{"activityId": 12345678901, "name": "Park loop", "activityType": "running", '
    entry += f'"beginTimestamp": {raw_start}, "distance": 1e300, "duration": -5}}'
    path = fitness / "runner@example.com_0_summarizedActivities.json"
    path.write_text(f'[{{"summarizedActivitiesExport": [{entry}]}}]', encoding="utf-8")
    return path


@pytest.mark.parametrize("raw", ["1e20", "NaN", "1e13"])
def test_an_absurd_garmin_start_never_stops_an_import_or_a_command(
    tmp_path: Path, raw: str
) -> None:
    root = tmp_path / "garmin"
    summary = write_garmin_folder(root, raw)
    before = summary.read_bytes()
    result = lw.import_activities(root, cache=False, jobs=1)
    assert len(result.timeline) == 1
    row = result.timeline.iloc[0]
    assert row["name"] == "Park loop"  # matched by the id in the file name
    assert row["distance_km"] == pytest.approx(RUN_KM, rel=0.02)
    lines = [line for line in result.report.lines() if str(summary) in line]
    assert len(lines) == 1 and "no usable start time" in lines[0]
    for command in (["activities"], ["weeks"], ["check"], ["shoes"]):
        run = CliRunner().invoke(main, [*command, str(root), "--no-cache"])
        no_traceback(run)
        assert run.exit_code == 0, run.output
    assert summary.read_bytes() == before


# --- Strava activities.csv ------------------------------------------------------------


def strava_text(rows: list[dict[str, str]]) -> str:
    """activities.csv text with Strava's header; ``Distance`` fills the last (metres) column."""
    lines = []
    for values in rows:
        cells = [""] * len(HEADER)
        for column, value in values.items():
            at = [i for i, name in enumerate(HEADER) if name == column][-1]
            cells[at] = value
        lines.append(cells)
    with_header = [HEADER, *lines]
    from io import StringIO

    out = StringIO()
    csv.writer(out).writerows(with_header)
    return out.getvalue()


BAD_DISTANCES = ["inf", "-inf", "nan", "NaN", "-5", "1e300", "1e12", "ten", "1e999"]


def test_strava_distances_out_of_range_are_not_used_and_counted_in_one_line() -> None:
    rows = [{"Activity ID": "1", "Filename": "activities/1.fit", "Distance": "8040.5"}]
    rows += [
        {
            "Activity ID": str(10 + i),
            "Filename": f"activities/{10 + i}.fit",
            "Distance": value,
            "Activity Date": "Feb 30, 99999, 25:61:00 PM",
            "Elapsed Time": value,
        }
        for i, value in enumerate(BAD_DISTANCES)
    ]
    export = parse_strava_export(
        strava_text(rows), None, folder=Path("export"), origin="export/activities.csv"
    )
    assert export is not None
    by_id = {a.activity_id: a for a in export.activities}
    assert by_id["1"].distance_km == pytest.approx(8.0405)
    assert all(by_id[str(10 + i)].distance_km is None for i in range(len(BAD_DISTANCES)))
    (problem,) = export.problems
    assert problem[0] == "export/activities.csv" and "\n" not in problem[1]
    assert f"{len(BAD_DISTANCES)} rows have a distance that is not a number" in problem[1]
    assert "first: row 3: Distance 'inf'" in problem[1]


def test_a_strava_table_with_a_field_over_the_csv_limit_is_one_settings_error() -> None:
    text = strava_text([{"Activity ID": "1", "Filename": "a/1.fit", "Activity Name": HUGE_FIELD}])
    with pytest.raises(SettingsError, match="not a readable CSV file") as info:
        parse_strava_export(text, None, folder=Path("e"), origin="e/activities.csv")
    assert str(info.value).startswith("e/activities.csv: (file): ")


def test_a_strava_export_with_an_infinite_distance_still_imports_its_run(tmp_path: Path) -> None:
    root = tmp_path / "export_1"
    write_good_run(root / "activities", "42.fit")
    table = root / "activities.csv"
    table.write_text(
        strava_text(
            [
                {
                    "Activity ID": "42",
                    "Activity Type": "Run",
                    "Activity Name": "Morning",
                    "Filename": "activities/42.fit",
                    "Distance": "inf",
                }
            ]
        ),
        encoding="utf-8",
    )
    before = table.read_bytes()
    result = lw.import_activities(root, cache=False, jobs=1)
    (row,) = result.timeline.itertuples()
    assert row.name == "Morning" and row.distance_km == pytest.approx(RUN_KM, rel=0.02)
    assert "differs" not in (row.notes or "")
    lines = [line for line in result.report.lines() if str(table) in line]
    assert len(lines) == 1 and "1 row has a distance that is not a number" in lines[0]
    for command in (["activities", "--json"], ["shoes", "--json"]):
        run = CliRunner().invoke(main, [command[0], str(root), *command[1:], "--no-cache"])
        no_traceback(run)
        assert run.exit_code == 0 and "Infinity" not in run.stdout
    assert table.read_bytes() == before


# --- injuries.csv ---------------------------------------------------------------------

BAD_DAYS = [
    ("3026-07-01", "after 2100"),
    ("0001-01-01", "before 1970"),
    ("1969-12-31", "before 1970"),
    ("9999-12-31", "after 2100"),
    ("2026-02-30", "is not a date"),
]


@pytest.mark.parametrize(("day", "phrase"), BAD_DAYS)
def test_an_injury_date_out_of_range_is_one_line_naming_file_and_line(
    tmp_path: Path, day: str, phrase: str
) -> None:
    log = tmp_path / "injuries.csv"
    log.write_text(f"date,area,note\n2026-07-01,calf,\n{day},shin,typo\n", encoding="utf-8")
    with pytest.raises(InjuryLogError, match=phrase) as info:
        read_injury_log(log, "Ann")
    message = str(info.value)
    assert message.startswith(f"{log}: line 3, date: ") and "\n" not in message


def test_with_skip_bad_lines_the_other_injuries_are_still_used(tmp_path: Path) -> None:
    folder = tmp_path / "ann"
    write_good_run(folder)
    (folder / "loadwatch.toml").write_text('[athlete]\nname = "Ann"\n', encoding="utf-8")
    log = folder / "injuries.csv"
    lines = ["date,area,note", "2026-07-01,calf,"]
    lines += [f"{day},shin,typo" for day, _ in BAD_DAYS]
    lines += ["2026-08-15,achilles,"]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = log.read_bytes()
    frame = read_injury_log(log, "Ann", skip_bad_lines=True)
    assert [d.date() for d in frame["date"]] == [date(2026, 7, 1), date(2026, 8, 15)]
    problems = frame.attrs["problems"]
    assert len(problems) == len(BAD_DAYS)
    for number, (message, (_, phrase)) in enumerate(zip(problems, BAD_DAYS, strict=True), 3):
        assert message.startswith(f"{log}: line {number}, date: ") and phrase in message
    everyone = read_injuries(folder, skip_bad_lines=True)
    assert list(everyone["area"]) == ["calf", "achilles"]
    assert everyone.attrs["problems"] == problems
    assert log.read_bytes() == before


def test_an_injury_log_with_a_field_over_the_csv_limit_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "injuries.csv"
    log.write_text(f"date,area,note\n2026-07-01,calf,{HUGE_FIELD}\n", encoding="utf-8")
    with pytest.raises(InjuryLogError, match="not a readable CSV file") as info:
        read_injury_log(log, "Ann")
    assert str(info.value).startswith(f"{log}: line 1, file: ")


# --- shoe-overrides.csv ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "phrase"),
    [
        ("3026-07-01", "after 2100"),
        ("1969-12-31", "before 1970"),
        ("2026-02-30", "is not a date"),
        ("0001-01-01", "is not a date"),
    ],
)
def test_an_override_date_out_of_range_names_the_file_and_line(
    tmp_path: Path, key: str, phrase: str
) -> None:
    path = tmp_path / "shoe-overrides.csv"
    path.write_text(f"file_or_date,shoe\n2026-03-02,Trainer A\n{key},Racer B\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=phrase) as info:
        read_overrides(path)
    assert str(info.value).startswith(f"{path}: line 3: ")


def test_override_limits_are_inclusive(tmp_path: Path) -> None:
    path = tmp_path / "shoe-overrides.csv"
    path.write_text(f"file_or_date,shoe\n{EARLIEST_DAY},A\n{LATEST_DAY},B\n", encoding="utf-8")
    assert sorted(read_overrides(path).by_day) == [EARLIEST_DAY, LATEST_DAY]


def test_an_override_file_with_a_field_over_the_csv_limit_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "shoe-overrides.csv"
    path.write_text(f"file_or_date,shoe\n2026-03-02,{HUGE_FIELD}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not a readable CSV file") as info:
        read_overrides(path)
    assert str(info.value).startswith(f"{path}: (file): ")


def test_a_bad_override_date_in_a_runners_folder_is_one_cli_line(tmp_path: Path) -> None:
    folder = tmp_path / "runner"
    write_good_run(folder)
    (folder / "loadwatch.toml").write_text(f"{SHOE}", encoding="utf-8")
    (folder / "shoe-overrides.csv").write_text("file_or_date,shoe\n3026-03-02,A\n")
    result = CliRunner().invoke(main, ["shoes", str(folder), "--no-cache"])
    no_traceback(result)
    assert "shoe-overrides.csv" in result.output and "after 2100" in result.output
