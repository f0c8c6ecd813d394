"""One home for units: kilometres and miles, and distances and paces as text.

loadwatch computes in kilometres (and metres, seconds) everywhere; a runner
whose ``loadwatch.toml`` says ``units = "mi"`` reads every text loadwatch
writes — finding messages, tables, the terminal summary, the report and chart
axes — in miles. Everything that turns a distance or a pace into words or a
chart axis goes through this module, so the factor and the wording exist once.
JSON and CSV keep ``*_km`` fields (adding ``*_mi`` where a runner asks in miles),
and a finding's ``value`` and ``threshold`` stay in its rule's unit: only the
words change with the runner's unit.

Climbing stays in metres for every runner (:func:`climb_text`): the hill rule's
thresholds are in metres, the weekly tables and charts show ``ascent_m``, and a
runner in miles reads "320 m" beside "7.5 mi" rather than one number in two
units across the report. Changing that choice means changing
:func:`climb_text` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal, TypeAlias

#: Kilometres in one international mile (exact, by definition).
KM_PER_MI = 1.609344

#: The units a runner can choose (``loadwatch.toml`` ``units``, ``--units``).
UNITS = ("km", "mi")
Unit = Literal["km", "mi"]
#: A unit for everyone, or athlete name -> unit (each athlete's ``loadwatch.toml``).
Units: TypeAlias = str | Mapping[str, str]


def _missing(value: float | None) -> bool:
    """True for None, NaN and pandas' NA (anything that is not a number)."""
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def km_to(value_km: float, unit: str) -> float:
    """A distance in km as a number in ``unit`` (``"km"`` or ``"mi"``)."""
    return value_km / KM_PER_MI if unit == "mi" else value_km


def to_km(value: float, unit: str) -> float:
    """A distance in ``unit`` as km (e.g. a shoe's 300-mile line)."""
    return value * KM_PER_MI if unit == "mi" else value


def scale(unit: str) -> float:
    """Factor from km to ``unit``: multiply a km column by it to plot it in ``unit``."""
    return 1.0 / KM_PER_MI if unit == "mi" else 1.0


def unit_of(units: Units, athlete: str) -> str:
    """The unit of ``athlete``: ``units`` itself, or its entry (``"km"`` when missing)."""
    if isinstance(units, str):
        return unit_name(units)
    return unit_name(units.get(athlete, "km"))


def distance_text(
    value_km: float | None, unit: str, digits: int = 1, *, grouped: bool = False
) -> str:
    """``12.0 km`` or ``7.5 mi`` from a distance in km; ``-`` for a missing value.

    ``grouped`` separates thousands (``1,000,000 km``).
    """
    if _missing(value_km):
        return "-"
    assert value_km is not None
    comma = "," if grouped else ""
    return f"{km_to(value_km, unit):{comma}.{digits}f} {unit_name(unit)}"


def limit_text(value_km: float | None, unit: str, digits: int = 1) -> str:
    """A limit ("up to …") as text: rounded *down* in the runner's unit.

    ``17.05 km`` reads ``17.0 km`` (never ``17.1 km``), so a runner who keeps to
    the number shown keeps to the limit itself. ``-`` for a missing value.
    """
    if _missing(value_km):
        return "-"
    assert value_km is not None
    step = 10.0**digits
    shown = math.floor(km_to(value_km, unit) * step + 1e-9) / step
    return f"{shown:.{digits}f} {unit_name(unit)}"


def unit_word(unit: str) -> str:
    """The unit as a word: ``"kilometre"`` or ``"mile"``."""
    return "mile" if unit == "mi" else "kilometre"


def climb_text(value_m: float | None, unit: str = "km", digits: int = 0) -> str:
    """Climbing or descent [m] as text: ``320 m`` for every ``unit`` (see the module
    docstring); ``-`` for a missing value."""
    if _missing(value_m):
        return "-"
    assert value_m is not None
    return f"{value_m:.{digits}f} m"


def pace_text(speed_mps: float | None, unit: str) -> str:
    """Speed as running pace, ``5:30 min/km`` or ``8:51 min/mi``; ``-`` where unknown."""
    if _missing(speed_mps) or not speed_mps or speed_mps <= 0:
        return "-"
    metres = 1000.0 * (KM_PER_MI if unit == "mi" else 1.0)
    seconds = round(metres / speed_mps)
    return f"{seconds // 60}:{seconds % 60:02d} min/{unit_name(unit)}"


def unit_name(unit: str) -> str:
    """``"km"`` or ``"mi"`` (anything else is km: the unit loadwatch computes in)."""
    return "mi" if unit == "mi" else "km"


__all__ = [
    "KM_PER_MI",
    "UNITS",
    "Unit",
    "Units",
    "climb_text",
    "distance_text",
    "km_to",
    "pace_text",
    "scale",
    "to_km",
    "unit_name",
    "unit_of",
    "unit_word",
]
