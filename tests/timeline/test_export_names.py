"""Without a loadwatch.toml, the athlete is named by the export's own profile.

Strava exports are written by :mod:`loadwatch.synthetic.strava_export` (with its
``profile.csv``); Garmin's ``user_profile.json`` is written as Garmin's export holds
it (``DI_CONNECT/DI-Connect-User/``) beside FIT files written by the project.
"""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

import loadwatch as lw
from loadwatch.importers.exports.profile import (
    MAX_NAME_CHARS,
    export_profile_name,
    garmin_profile_name,
    strava_profile_name,
)
from loadwatch.synthetic import build_weeks, write_run
from loadwatch.synthetic.strava_export import write_strava_export
from loadwatch.timeline.athletes import find_athletes

ZONE = "Europe/Berlin"
HOME = (52.52, 13.405)
FAST = {"record_interval_s": 60.0}


def strava(folder: Path, profile: tuple[str, str] | None) -> Path:
    runs = build_weeks(date(2026, 3, 2), [20.0], 3, **FAST)
    entries = [(100 + i, run, "") for i, run in enumerate(runs)]
    write_strava_export(folder, entries, timezone=ZONE, home=HOME, profile=profile)
    return folder


def garmin(folder: Path, profile: dict) -> Path:
    user = folder / "DI_CONNECT" / "DI-Connect-User"
    user.mkdir(parents=True)
    (user / "user_profile.json").write_text(json.dumps(profile), encoding="utf-8")
    uploads = folder / "DI_CONNECT" / "DI-Connect-Uploaded-Files"
    uploads.mkdir(parents=True)
    for run in build_weeks(date(2026, 3, 2), [15.0], 2, **FAST):
        write_run(run, uploads / f"{run.start_local:%Y%m%d%H%M}.fit", timezone=ZONE, home=HOME)
    return folder


def test_strava_profile_names_the_athlete(tmp_path: Path) -> None:
    folder = strava(tmp_path / "export_12345678", ("Jo", "Brennan"))
    result = lw.import_activities(folder)
    assert result.report.athletes == ["Jo Brennan"]
    assert set(result.timeline["athlete"]) == {"Jo Brennan"}
    # Without profile.csv the folder's name stays.
    plain = strava(tmp_path / "export_999", None)
    assert [a.name for a in find_athletes(plain)] == ["export_999"]


def test_garmin_user_profile_names_the_athlete(tmp_path: Path) -> None:
    folder = garmin(tmp_path / "garmin-export", {"firstName": "Minh", "lastName": "Ly"})
    assert [a.name for a in find_athletes(folder)] == ["Minh Ly"]
    assert lw.import_activities(folder).report.athletes == ["Minh Ly"]


def test_loadwatch_toml_name_wins(tmp_path: Path) -> None:
    folder = strava(tmp_path / "export_1", ("Jo", "Brennan"))
    (folder / "loadwatch.toml").write_text('[athlete]\nname = "Coach Name"\n', encoding="utf-8")
    assert [a.name for a in find_athletes(folder)] == ["Coach Name"]


def test_a_roster_of_exports_names_each_athlete_by_its_own_profile(tmp_path: Path) -> None:
    team = tmp_path / "team"
    strava(team / "export_1", ("Ana", "Silva"))
    strava(team / "export_2", ("Bo", "Chen"))
    strava(team / "export_3", None)
    names = [a.name for a in find_athletes(team, roster=True)]
    assert names == ["Ana Silva", "Bo Chen", "export_3"]


def test_a_zip_export_is_named_by_the_profile_inside(tmp_path: Path) -> None:
    folder = strava(tmp_path / "unpacked", ("Kai", "Moreno"))
    archive = tmp_path / "strava_export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    assert [a.name for a in find_athletes(archive)] == ["Kai Moreno"]
    assert export_profile_name(archive) == "Kai Moreno"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("First Name,Last Name\n  Jo ,  Brennan \n", "Jo Brennan"),
        ("First Name,Last Name\n,\n", None),
        ("Athlete ID\n1\n", None),
        ("First Name,Last Name\n", None),
        ('First Name,Last Name\n"a\x00b",c\n', "a\x00b c"),  # cleaned where it is shown
    ],
)
def test_strava_profile_rows(text: str, expected: str | None) -> None:
    assert strava_profile_name(text) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"firstName": "Minh", "lastName": "Ly"}', "Minh Ly"),
        (b'[{"firstName": "Minh"}]', "Minh"),
        (b'{"fullName": "Sam Ortiz"}', "Sam Ortiz"),
        (b'{"firstName": 7}', None),
        (b"not json", None),
        (b"\xff\xfe", None),
        (json.dumps({"firstName": "x" * 500}).encode(), "x" * MAX_NAME_CHARS),
    ],
)
def test_garmin_profile_payloads(data: bytes, expected: str | None) -> None:
    assert garmin_profile_name(data) == expected
