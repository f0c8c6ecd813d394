"""Arithmetic and wording shared by the weekly rules.

Distances and paces in words come from :mod:`loadwatch.units` (in the athlete's unit).
A finding's message speaks to the runner ("you") or, in a coach's roster, names the
athlete (:class:`Voice`).

The *established* load of a week is what the athlete has been handling: the
largest of the last ``recent_weeks`` weeks and the mean of the last
``mean_weeks`` weeks (zero weeks count). Taking the larger of the two means a
single recovery week does not reset the base — returning to normal after it is
not a jump — while two or more low weeks do lower it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


def established(weeks: pd.DataFrame, column: str, recent_weeks: int, mean_weeks: int) -> pd.Series:
    """The established load of ``column`` before each week, per athlete.

    Parameters
    ----------
    weeks
        A weekly table (one row per athlete and consecutive week, zero weeks
        included), sorted by athlete and week.
    column
        The weekly quantity, e.g. ``distance_km``; NaN weeks are skipped.
    recent_weeks, mean_weeks
        Window lengths [weeks].

    Returns
    -------
    pandas.Series
        ``max(max of the last recent_weeks weeks, mean of the last mean_weeks
        weeks)``, from the weeks *before* each row; NaN for an athlete's first
        week. Early weeks use the weeks there are.
    """
    previous = weeks.groupby("athlete", sort=False)[column].shift(1)
    by_athlete = previous.groupby(weeks["athlete"], sort=False)
    recent = by_athlete.transform(lambda s: s.rolling(recent_weeks, min_periods=1).max())
    mean = by_athlete.transform(lambda s: s.rolling(mean_weeks, min_periods=1).mean())
    return pd.concat([recent, mean], axis=1).max(axis=1, skipna=True)


def week_index(weeks: pd.DataFrame) -> pd.Series:
    """0 for each athlete's first week in ``weeks``, 1 for the next, and so on."""
    return weeks.groupby("athlete", sort=False).cumcount()


def percent_change(value: pd.Series, reference: pd.Series) -> pd.Series:
    """``100 × (value / reference − 1)``; NaN where the reference is 0 or missing."""
    ref = reference.where(reference > 0)
    return 100.0 * (value / ref - 1.0)


def above(
    value: pd.Series, reference: pd.Series, band_pct: float, min_increase: float
) -> pd.Series:
    """True where ``value`` is more than ``band_pct`` % above ``reference`` *and* at least
    ``min_increase`` above it (a zero reference needs only the absolute increase)."""
    if math.isinf(band_pct):
        return pd.Series(False, index=value.index)
    ref = reference.fillna(np.inf)
    relative = value > ref * (1.0 + band_pct / 100.0)
    return relative & (value - ref >= min_increase)


def threshold(reference: float, band_pct: float, min_increase: float) -> float:
    """The smallest value :func:`above` would flag (its boundary)."""
    return max(reference * (1.0 + band_pct / 100.0), reference + min_increase)


def largest_within(reference: float, band_pct: float, min_increase: float, decimals: int) -> float:
    """The largest value with ``decimals`` decimals that :func:`above` does not flag.

    Starts at :func:`threshold` (rounded down) and steps down until :func:`above`
    itself says the value is within the rule, so a limit built from it keeps the
    rule's own comparison (``>`` on the relative band, ``>=`` on the absolute one).
    """
    scale = 10**decimals
    steps = math.floor(threshold(reference, band_pct, min_increase) * scale)
    ref = pd.Series([float(reference)])
    while steps > 0 and bool(
        above(pd.Series([steps / scale]), ref, band_pct, min_increase).iloc[0]
    ):
        steps -= 1
    return max(steps, 0) / scale


def as_date(value: pd.Timestamp) -> date:
    """A pandas timestamp as a :class:`datetime.date`."""
    return pd.Timestamp(value).date()


def pct(value: float) -> str:
    """``+23%`` (signed, whole percent); a change that rounds to nothing is ``+0%``,
    never ``-0%``."""
    whole = round(float(value))
    return f"{whole + 0:+d}%"


def weeks_phrase(n: int) -> str:
    """``1 week``, ``3 weeks``."""
    return f"{n} week" if n == 1 else f"{n} weeks"


def rises_past(band_pct: float) -> str:
    """The words for a caution band read from the rule: ``more than doubles`` at 100 %,
    else ``rises more than 50% above`` (never a number typed beside the rule)."""
    if band_pct == 100:
        return "more than doubles"
    return f"rises more than {band_pct:.0f}% above"


#: Characters of an athlete's name in a message at most (longer names end in ``…``).
NAME_CHARS = 40


@dataclass(frozen=True)
class Voice:
    """Who a message speaks about: the runner (``you``) or, in a roster, the athlete by name.

    Attributes
    ----------
    name
        The athlete's name, or None to say ``you``.
    """

    name: str | None = None

    @classmethod
    def of(cls, athlete: str, roster: bool) -> Voice:
        """The athlete by name in a roster (more than one athlete), else ``you``."""
        if not roster:
            return cls(None)
        name = " ".join(str(athlete).split())
        if len(name) > NAME_CHARS:
            name = name[: NAME_CHARS - 1] + "…"
        return cls(name or "this athlete")

    @property
    def who(self) -> str:
        """``you`` or the name."""
        return self.name or "you"

    @property
    def whose(self) -> str:
        """``your`` or ``Name's``."""
        return f"{self.name}'s" if self.name else "your"

    def verb(self, you_form: str, name_form: str) -> str:
        """``you_form`` for ``you`` (``run``), ``name_form`` for a name (``runs``)."""
        return name_form if self.name else you_form


def sentence(text: str) -> str:
    """``text`` with its first letter in upper case."""
    return text[:1].upper() + text[1:]


#: The runner, spoken to as ``you`` (a single athlete's import).
YOU = Voice()
