"""An athlete's settings: ``loadwatch.toml`` in the athlete's folder.

.. code-block:: toml

    [athlete]
    name = "Avery Stone"
    timezone = "America/New_York"   # IANA name
    week_start = "monday"           # or "sunday"
    units = "km"                    # or "mi"

    [[shoes]]
    name = "Trainer A"
    from = 2026-01-05
    until = 2026-05-10              # optional
    drop_mm = 10                    # optional
    start_km = 0                    # optional: distance run before these logs
    minimalist = false              # optional

Every setting is optional. A bad value is a :class:`~loadwatch.errors.SettingsError`
naming the file and the key: numbers must be finite and in range (``drop_mm`` at
most :data:`MAX_DROP_MM`, ``start_km`` at most :data:`MAX_START_KM`), dates from
1970 to 2100 (:mod:`loadwatch.entry_checks`).
"""

from __future__ import annotations

import contextlib
import math
import tomllib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loadwatch.entry_checks import day_problem, number_problem
from loadwatch.errors import SettingsError
from loadwatch.importers.regular_files import MAX_TABLE_BYTES, read_regular_bytes
from loadwatch.units import UNITS

SETTINGS_FILE = "loadwatch.toml"
WEEK_STARTS = ("monday", "sunday")

_ATHLETE_KEYS = {"name", "timezone", "week_start", "units"}
_SHOE_KEYS = {"name", "from", "until", "drop_mm", "start_km", "minimalist", "brand", "model"}
_TOP_KEYS = {"athlete", "shoes"}
#: Largest ``drop_mm`` [mm]: running shoes drop 0-16 mm; more is a typo.
MAX_DROP_MM = 50.0
#: Largest ``start_km`` [km]: no pair of shoes is run this far.
MAX_START_KM = 20_000.0


@dataclass(frozen=True)
class ShoeSetting:
    """One ``[[shoes]]`` period: the pair worn for runs from ``start`` to ``until``."""

    name: str
    start: date
    until: date | None = None
    drop_mm: float | None = None
    start_km: float = 0.0
    minimalist: bool = False
    brand: str | None = None
    model: str | None = None


@dataclass(frozen=True)
class AthleteSettings:
    """The settings of one athlete; defaults where ``loadwatch.toml`` is absent."""

    name: str | None = None
    timezone: str | None = None
    week_start: str = "monday"
    units: str = "km"
    shoes: tuple[ShoeSetting, ...] = field(default_factory=tuple)
    #: The file these came from (``None`` for defaults).
    path: Path | None = None

    def zone(self) -> ZoneInfo | None:
        """The athlete's time zone as a :class:`zoneinfo.ZoneInfo`, if set."""
        return ZoneInfo(self.timezone) if self.timezone else None


def validate_timezone(value: object, path: str | Path, key: str) -> str:
    """Return ``value`` if it is a known IANA time-zone name, else raise SettingsError."""
    if not isinstance(value, str) or not value.strip():
        raise SettingsError(path, key, f"expected an IANA time-zone name, got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            path,
            key,
            f"unknown time zone {value!r} (use an IANA name such as 'Europe/London')",
        ) from exc
    return value


def validate_choice(value: object, choices: tuple[str, ...], path: str | Path, key: str) -> str:
    """Return ``value`` lower-cased if it is one of ``choices``, else raise SettingsError."""
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    raise SettingsError(path, key, f"expected one of {', '.join(choices)}; got {value!r}")


def _date(value: object, path: Path, key: str) -> date:
    day: date | None = None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            day = date.fromisoformat(value.strip())
    if day is None:
        raise SettingsError(path, key, f"expected a date like 2026-01-05, got {value!r}")
    problem = day_problem(day)
    if problem is not None:
        raise SettingsError(path, key, problem)
    return day


def _number(
    value: object, path: Path, key: str, *, minimum: float = 0.0, maximum: float = math.inf
) -> float:
    """``value`` as a finite float from ``minimum`` to ``maximum``, else SettingsError."""
    problem = number_problem(value, minimum=minimum, maximum=maximum)
    if problem is not None:
        raise SettingsError(path, key, problem)
    return float(value)  # type: ignore[arg-type]


def _unknown_keys(table: dict[str, Any], known: set[str], path: Path, prefix: str) -> None:
    for key in table:
        if key not in known:
            raise SettingsError(
                path,
                f"{prefix}{key}",
                f"unknown setting (known: {', '.join(sorted(known))})",
            )


def _shoe(entry: object, index: int, path: Path) -> ShoeSetting:
    prefix = f"shoes[{index}]"
    if not isinstance(entry, dict):
        raise SettingsError(path, prefix, "expected a [[shoes]] table")
    _unknown_keys(entry, _SHOE_KEYS, path, f"{prefix}.")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise SettingsError(path, f"{prefix}.name", "every shoe needs a name")
    if "from" not in entry:
        raise SettingsError(path, f"{prefix}.from", "every shoe needs the date it was first worn")
    start = _date(entry["from"], path, f"{prefix}.from")
    until = _date(entry["until"], path, f"{prefix}.until") if "until" in entry else None
    if until is not None and until < start:
        raise SettingsError(path, f"{prefix}.until", f"{until} is before 'from' ({start})")
    drop = (
        _number(entry["drop_mm"], path, f"{prefix}.drop_mm", maximum=MAX_DROP_MM)
        if "drop_mm" in entry
        else None
    )
    start_km = _number(entry.get("start_km", 0), path, f"{prefix}.start_km", maximum=MAX_START_KM)
    minimalist = entry.get("minimalist", False)
    if not isinstance(minimalist, bool):
        raise SettingsError(
            path, f"{prefix}.minimalist", f"expected true or false, got {minimalist!r}"
        )
    brand = entry.get("brand")
    model = entry.get("model")
    return ShoeSetting(
        name=name.strip(),
        start=start,
        until=until,
        drop_mm=drop,
        start_km=start_km,
        minimalist=minimalist,
        brand=str(brand) if brand is not None else None,
        model=str(model) if model is not None else None,
    )


def parse_settings(data: dict[str, Any], path: Path) -> AthleteSettings:
    """Validate a parsed TOML document; see the module docstring for the keys."""
    _unknown_keys(data, _TOP_KEYS, path, "")
    athlete = data.get("athlete", {})
    if not isinstance(athlete, dict):
        raise SettingsError(path, "athlete", "expected an [athlete] table")
    _unknown_keys(athlete, _ATHLETE_KEYS, path, "athlete.")
    name = athlete.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise SettingsError(path, "athlete.name", f"expected a name, got {name!r}")
    timezone = (
        validate_timezone(athlete["timezone"], path, "athlete.timezone")
        if "timezone" in athlete
        else None
    )
    week_start = validate_choice(
        athlete.get("week_start", "monday"), WEEK_STARTS, path, "athlete.week_start"
    )
    units = validate_choice(athlete.get("units", "km"), UNITS, path, "athlete.units")
    shoes_raw = data.get("shoes", [])
    if not isinstance(shoes_raw, list):
        raise SettingsError(path, "shoes", "expected [[shoes]] tables")
    shoes = tuple(_shoe(entry, i, path) for i, entry in enumerate(shoes_raw))
    seen: set[str] = set()
    for i, shoe in enumerate(shoes):
        if shoe.name in seen:
            raise SettingsError(path, f"shoes[{i}].name", f"{shoe.name!r} is listed twice")
        seen.add(shoe.name)
    return AthleteSettings(
        name=name.strip() if isinstance(name, str) else None,
        timezone=timezone,
        week_start=week_start,
        units=units,
        shoes=shoes,
        path=path,
    )


def load_settings(path: str | Path) -> AthleteSettings:
    """Read and validate one ``loadwatch.toml``.

    Raises
    ------
    SettingsError
        The file is not valid TOML, or a key has a bad value; the message names the key.
    """
    path = Path(path)
    try:
        data = tomllib.loads(read_regular_bytes(path, MAX_TABLE_BYTES).decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(path, "(file)", f"not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise SettingsError(path, "(file)", "not readable: nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(path, "(file)", "not UTF-8 text (TOML files are UTF-8)") from exc
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise SettingsError(path, "(file)", f"not readable: {exc}") from exc
    except OSError as exc:
        raise SettingsError(path, "(file)", f"cannot be read: {exc.strerror}") from exc
    return parse_settings(data, path)


@dataclass(frozen=True)
class SettingsOverride:
    """Settings given on the command line; each replaces the file's value where set."""

    timezone: str | None = None
    week_start: str | None = None
    units: str | None = None

    def __post_init__(self) -> None:
        if self.timezone is not None:
            validate_timezone(self.timezone, "command line", "--timezone")
        if self.week_start is not None:
            validate_choice(self.week_start, WEEK_STARTS, "command line", "--week-start")
        if self.units is not None:
            validate_choice(self.units, UNITS, "command line", "--units")

    def apply(self, settings: AthleteSettings) -> AthleteSettings:
        """``settings`` with every value this override sets replaced."""
        changes = {
            key: getattr(self, key).lower() if key != "timezone" else getattr(self, key)
            for key in ("timezone", "week_start", "units")
            if getattr(self, key) is not None
        }
        return replace(settings, **changes)


def settings_for_folder(folder: Path) -> AthleteSettings:
    """The settings in ``folder/loadwatch.toml``, or defaults where there is none."""
    candidate = folder / SETTINGS_FILE
    if candidate.is_file():
        return load_settings(candidate)
    return AthleteSettings()
