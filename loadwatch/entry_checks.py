"""Range and finiteness checks for numbers and dates where they enter loadwatch.

Tables and settings the runner (or a service's export) wrote are read by
several modules: ``loadwatch.toml``, ``injuries.csv``, ``shoe-overrides.csv``,
Strava's ``activities.csv``, Garmin's summaries JSON. Each checks what it
reads with these functions, so that a year typo (``3026-07-01``), ``nan``,
``inf`` or ``1e300`` is one line naming the file and the row or key, never a
traceback further down (pandas' nanosecond times end in 2262) and never a
figure taken at face value.

The limits are heuristics, chosen wide: no runner's log or shoe predates
:data:`EARLIEST_DAY`, and a date past :data:`LATEST_DAY` is a typo.
"""

from __future__ import annotations

import math
from datetime import date

__all__ = [
    "EARLIEST_DAY",
    "LATEST_DAY",
    "day_problem",
    "finite_number",
    "number_problem",
]

#: Earliest day a log, a shoe or an override can name (the Unix epoch).
EARLIEST_DAY = date(1970, 1, 1)
#: Latest day they can name; later is a typo in the year (``3026`` for ``2026``).
LATEST_DAY = date(2100, 12, 31)


def finite_number(value: object) -> float | None:
    """``value`` as a float if it is a finite int or float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int beyond any float
        return None
    return number if math.isfinite(number) else None


def number_problem(
    value: object, *, minimum: float = 0.0, maximum: float = math.inf, unit: str = ""
) -> str | None:
    """What is wrong with ``value`` as a number from ``minimum`` to ``maximum``; None if nothing.

    Parameters
    ----------
    value
        The value read (any type).
    minimum, maximum
        The inclusive range.
    unit
        Appended to the limits in the message (``" km"``).
    """
    number = finite_number(value)
    if number is None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {value!r}"
        return f"expected a finite number, got {value!r}"
    if number < minimum:
        return f"must be at least {minimum:g}{unit}, got {value!r}"
    if number > maximum:
        return f"must be at most {maximum:g}{unit}, got {value!r}"
    return None


def day_problem(day: date) -> str | None:
    """What is wrong with ``day`` as a day of a runner's log; None if it is in range."""
    if day < EARLIEST_DAY:
        return f"{day.isoformat()} is before {EARLIEST_DAY.year} (a typo in the year?)"
    if day > LATEST_DAY:
        return f"{day.isoformat()} is after {LATEST_DAY.year} (a typo in the year?)"
    return None
