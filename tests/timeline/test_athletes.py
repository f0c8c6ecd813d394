"""Which athlete each file belongs to: one runner, a roster, nested settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadwatch.errors import SettingsError
from loadwatch.timeline.athletes import find_athletes


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_one_runner_without_settings_is_named_after_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "my-watch"
    touch(root / "2024" / "a.fit")
    touch(root / "2025" / "b.gpx")
    athletes = find_athletes(root)
    assert [a.name for a in athletes] == ["my-watch"]
    assert [p.name for p in athletes[0].files] == ["a.fit", "b.gpx"]


def test_year_folders_are_not_a_roster(tmp_path: Path) -> None:
    touch(tmp_path / "loadwatch.toml", '[athlete]\nname = "Sam"\n')
    touch(tmp_path / "2024" / "a.fit")
    touch(tmp_path / "2025" / "b.fit")
    athletes = find_athletes(tmp_path)
    assert [a.name for a in athletes] == ["Sam"]
    assert len(athletes[0].files) == 2


def test_roster_by_settings_files(tmp_path: Path) -> None:
    touch(
        tmp_path / "ann" / "loadwatch.toml", '[athlete]\nname = "Ann"\ntimezone = "Europe/Oslo"\n'
    )
    touch(tmp_path / "ann" / "runs" / "a.fit")
    touch(tmp_path / "bob" / "loadwatch.toml", "[athlete]\n")
    touch(tmp_path / "bob" / "b.gpx")
    athletes = find_athletes(tmp_path)
    assert [a.name for a in athletes] == ["Ann", "bob"]
    assert athletes[0].settings.timezone == "Europe/Oslo"
    assert [p.name for p in athletes[0].files] == ["a.fit"]
    assert [p.name for p in athletes[1].files] == ["b.gpx"]


def test_roster_flag_without_settings(tmp_path: Path) -> None:
    touch(tmp_path / "ann" / "a.fit")
    touch(tmp_path / "bob" / "b.fit")
    assert [a.name for a in find_athletes(tmp_path)] == [tmp_path.name]
    assert [a.name for a in find_athletes(tmp_path, roster=True)] == ["ann", "bob"]


def test_one_athlete_flag_ignores_nested_settings(tmp_path: Path) -> None:
    touch(tmp_path / "ann" / "loadwatch.toml", '[athlete]\nname = "Ann"\n')
    touch(tmp_path / "ann" / "a.fit")
    athletes = find_athletes(tmp_path, roster=False)
    assert len(athletes) == 1 and len(athletes[0].files) == 1


def test_single_file_uses_settings_beside_it(tmp_path: Path) -> None:
    touch(tmp_path / "loadwatch.toml", '[athlete]\nname = "Kim"\nweek_start = "sunday"\n')
    run = touch(tmp_path / "run.fit")
    (athlete,) = find_athletes(run)
    assert athlete.name == "Kim" and athlete.settings.week_start == "sunday"
    assert athlete.files == [run]


def test_bad_settings_and_missing_path(tmp_path: Path) -> None:
    touch(tmp_path / "ann" / "loadwatch.toml", '[athlete]\ntimezone = "Nowhere/Land"\n')
    with pytest.raises(SettingsError, match=r"athlete\.timezone"):
        find_athletes(tmp_path)
    with pytest.raises(FileNotFoundError):
        find_athletes(tmp_path / "missing")
