"""One home for units: kilometres and miles, and distances and paces as text.

loadwatch computes in kilometres (and metres, seconds) everywhere; a runner
whose ``loadwatch.toml`` says ``units = "mi"`` reads every text loadwatch
writes — finding messages, tables, the terminal summary, the report and chart
axes — in miles. Everything that turns a distance or a pace into words or a
chart axis goes through this module, so the factor and the wording exist once.
JSON and CSV keep ``*_km`` fields (adding ``*_mi`` where a runner asks in miles).
"""

from __future__ import annotations

import math
from typing import Literal

#: Kilometres in one international mile (exact, by definition).
KM_PER_MI = 1.609344

#: The units a runner can choose (``loadwatch.toml`` ``units``, ``--units``).
UNITS = ("km", "mi")
Unit = Literal["km", "mi"]


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def km_to(value_km: float, unit: str) -> float:
    """A distance in km as a number in ``unit`` (``"km"`` or ``"mi"``)."""
    return value_km / KM_PER_MI if unit == "mi" else value_km


def to_km(value: float, unit: str) -> float:
    """A distance in ``unit`` as km (e.g. a shoe's 300-mile line)."""
    return value * KM_PER_MI if unit == "mi" else value


def scale(unit: str) -> float:
    """Factor from km to ``unit``: multiply a km column by it to plot it in ``unit``."""
    return 1.0 / KM_PER_MI if unit == "mi" else 1.0


def distance_text(value_km: float | None, unit: str, digits: int = 1) -> str:
    """``12.0 km`` or ``7.5 mi`` from a distance in km; ``-`` for a missing value."""
    if _missing(value_km):
        return "-"
    assert value_km is not None
    return f"{km_to(value_km, unit):.{digits}f} {unit_name(unit)}"


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
    "distance_text",
    "km_to",
    "pace_text",
    "scale",
    "to_km",
    "unit_name",
]
