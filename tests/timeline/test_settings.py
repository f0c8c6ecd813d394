"""loadwatch.toml: valid settings load; every bad value is one error naming its key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from loadwatch.errors import SettingsError
from loadwatch.timeline.settings import load_settings, settings_for_folder

GOOD = """
[athlete]
name = "Avery Stone"
timezone = "America/New_York"
week_start = "sunday"
units = "mi"

[[shoes]]
name = "Trainer A"
from = 2026-01-05
until = 2026-05-10
drop_mm = 10
start_km = 120.5

[[shoes]]
name = "Racer B"
from = "2026-05-11"
drop_mm = 4
minimalist = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "loadwatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_settings_load(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.name == "Avery Stone"
    assert settings.timezone == "America/New_York"
    assert settings.week_start == "sunday"
    assert settings.units == "mi"
    assert [s.name for s in settings.shoes] == ["Trainer A", "Racer B"]
    first, second = settings.shoes
    assert first.start == date(2026, 1, 5) and first.until == date(2026, 5, 10)
    assert first.drop_mm == 10 and first.start_km == 120.5
    assert second.start == date(2026, 5, 11) and second.until is None and second.minimalist


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    settings = settings_for_folder(tmp_path)
    assert settings.timezone is None
    assert settings.week_start == "monday"
    assert settings.units == "km"
    assert settings.shoes == ()


@pytest.mark.parametrize(
    ("text", "key", "phrase"),
    [
        ('[athlete]\ntimezone = "Mars/Olympus"', "athlete.timezone", "unknown time zone"),
        ('[athlete]\ntimezone = "EST5EDT-nope"', "athlete.timezone", "unknown time zone"),
        ("[athlete]\ntimezone = 5", "athlete.timezone", "IANA"),
        ('[athlete]\nweek_start = "tuesday"', "athlete.week_start", "monday, sunday"),
        ('[athlete]\nunits = "furlongs"', "athlete.units", "km, mi"),
        ('[athlete]\ntimezon = "UTC"', "athlete.timezon", "unknown setting"),
        ('[[shoes]]\nname = "A"\nfrom = "2026-13-45"', "shoes[0].from", "date like"),
        ('[[shoes]]\nname = "A"', "shoes[0].from", "first worn"),
        ("[[shoes]]\nfrom = 2026-01-01", "shoes[0].name", "needs a name"),
        (
            '[[shoes]]\nname = "A"\nfrom = 2026-02-01\nuntil = 2026-01-01',
            "shoes[0].until",
            "before",
        ),
        ('[[shoes]]\nname = "A"\nfrom = 2026-01-01\ndrop_mm = "ten"', "shoes[0].drop_mm", "number"),
        ('[[shoes]]\nname = "A"\nfrom = 2026-01-01\nstart_km = -5', "shoes[0].start_km", "least"),
        (
            '[[shoes]]\nname = "A"\nfrom = 2026-01-01\n[[shoes]]\nname = "A"\nfrom = 2026-02-01',
            "shoes[1].name",
            "twice",
        ),
        ("[athlete\nname = 'x'", "(file)", "not valid TOML"),
    ],
)
def test_bad_setting_names_the_key(tmp_path: Path, text: str, key: str, phrase: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError, match=phrase) as info:
        load_settings(path)
    assert info.value.key == key
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}: ")
