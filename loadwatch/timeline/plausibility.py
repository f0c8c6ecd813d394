"""Physical limits for one activity: what no runner, rider or watch can do.

A damaged or hand-edited file can claim anything: a TCX lap of 10¹² m, a
negative ``TotalTimeSeconds``, a moving time longer than the time that passed,
a watch that ran on for a day. Taken at face value one such file makes a
1,000,000,000 km week and every finding after it is noise. :func:`check_activity`
is called where a timeline row is built (for every format) and sorts what is
wrong into two kinds:

* **A time that cannot be right** (negative, beyond :data:`MAX_ELAPSED_S`, or a
  moving time longer than the elapsed time) is not used, with a note; the
  activity still counts, with its distance.
* **A distance that cannot be right** (not finite, negative, beyond the
  sport's :data:`MAX_DISTANCE_KM`, or covered faster than the sport's
  :data:`MAX_SPEED_MPS`) makes the whole activity implausible: it stays in the
  timeline with a note saying what is wrong, its distance is not used, and it
  is never counted as a run (:func:`is_flagged`), so it adds nothing to load.

The limits are generous on purpose, well beyond world records, so that no
real activity is ever flagged; they are a heuristic, not a published rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from loadwatch.units import distance_text

#: Longest time [s] one activity file is taken to cover: 24 hours. The 24-hour
#: run is the longest common single-stage race; a file that runs longer is
#: almost always a watch left recording. Its times are then not used.
MAX_ELAPSED_S = 24 * 3600.0

#: Slack when the moving (timer) time exceeds the elapsed time: the larger of
#: a share of the elapsed time and a few seconds (devices round both totals).
MOVING_TOLERANCE = 0.01
MOVING_TOLERANCE_S = 5.0

#: Sports moved on foot; they share the running limits.
FOOT_SPORTS = frozenset({"running", "walking", "hiking", "mountaineering"})
CYCLING_SPORTS = frozenset({"cycling", "e_biking"})

#: Greatest average speed [m/s] over a whole activity. Running: 12 m/s is
#: above the fastest sprint ever run (Usain Bolt's 100 m world record of
#: 9.58 s, Berlin 2009, averages 10.4 m/s with a peak of about 12.3 m/s), so
#: no run of any length averages more. Cycling: 30 m/s (108 km/h) is about
#: twice the UCI hour record (56.8 km, 2022) and far above any ride's average.
#: Any other sport: 70 m/s (252 km/h), about the speed-skiing world record
#: (254.958 km/h, 2016), the fastest any unmotorised person has travelled.
MAX_SPEED_MPS = {"foot": 12.0, "cycling": 30.0, "other": 70.0}

#: Greatest distance [km] of one activity. Running: 350 km, above the 24-hour
#: world record (319.6 km, Aleksandr Sorokin, 2022). Cycling and any other
#: sport: 1,200 km, above the 24-hour cycling record (about 1,026 km,
#: Christoph Strasser, 2021).
MAX_DISTANCE_KM = {"foot": 350.0, "cycling": 1200.0, "other": 1200.0}

#: How far past the day of the run an activity may be dated before it is kept out
#: of load: a watch whose clock runs a day ahead, or a run in a time zone ahead
#: of the machine's, is still counted.
FUTURE_MARGIN = timedelta(days=2)

#: Words every note of an activity kept out of load ends with (:func:`is_flagged`).
NOT_COUNTED = "not counted in load"


@dataclass(frozen=True)
class Checked:
    """An activity's totals after :func:`check_activity`.

    Attributes
    ----------
    distance_m
        The distance [m], ``nan`` where unknown or implausible.
    elapsed_s
        Wall-clock time [s], ``nan`` where unknown or implausible.
    duration_s
        Moving time [s]: the timer time where it is usable, else the elapsed
        time; ``nan`` where neither is.
    notes
        One plain-language note per problem found.
    counts
        ``False`` when the activity is implausible and must stay out of load.
    """

    distance_m: float
    elapsed_s: float
    duration_s: float
    notes: tuple[str, ...]
    counts: bool


def sport_family(sport: str) -> str:
    """``"foot"``, ``"cycling"`` or ``"other"``: which limits apply to ``sport``."""
    if sport in FOOT_SPORTS:
        return "foot"
    if sport in CYCLING_SPORTS:
        return "cycling"
    return "other"


def _value(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _km_text(km: float) -> str:
    if not math.isfinite(km):
        return "an endless distance"
    return distance_text(km, "km", 0 if abs(km) >= 100 else 2, grouped=True)


def _time_text(seconds: float) -> str:
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:,.1f} h"
    if seconds >= 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"


def _usable_time(seconds: float, what: str, notes: list[str]) -> float:
    """``seconds`` if it can be the time of one activity, else ``nan`` with a note."""
    if math.isnan(seconds):
        return seconds
    if not math.isfinite(seconds) or seconds < 0:
        notes.append(f"{what} of {seconds:.0f} s cannot be right: not used")
        return math.nan
    if seconds > MAX_ELAPSED_S:
        limit = _time_text(MAX_ELAPSED_S)
        notes.append(
            f"{what} of {_time_text(seconds)} is beyond the {limit} one activity can take "
            "(a watch left running?): not used"
        )
        return math.nan
    return seconds


def check_activity(
    sport: str, distance_m: float | None, elapsed_s: float | None, timer_s: float | None
) -> Checked:
    """Check one activity's totals against physical limits.

    Parameters
    ----------
    sport
        FIT sport name (``"running"``, ``"cycling"``, ``"unknown"`` ...).
    distance_m
        Distance as the file gives it [m]; ``None`` where it gives none.
    elapsed_s
        Wall-clock time start to end [s]; ``None`` where unknown.
    timer_s
        Moving (timer) time [s]; ``None`` where unknown.

    Returns
    -------
    Checked
        The totals to use and the notes; ``counts`` is ``False`` when the
        distance is impossible for the sport (or for the time it took).
    """
    notes: list[str] = []
    elapsed = _usable_time(_value(elapsed_s), "elapsed time", notes)
    timer = _usable_time(_value(timer_s), "moving time", notes)
    if not math.isnan(timer) and not math.isnan(elapsed):
        slack = max(MOVING_TOLERANCE * elapsed, MOVING_TOLERANCE_S)
        if timer > elapsed + slack:
            notes.append(
                f"moving time ({_time_text(timer)}) is longer than the elapsed time "
                f"({_time_text(elapsed)}): the elapsed time is used"
            )
            timer = math.nan
    duration = timer if timer > 0 else elapsed
    distance = _value(distance_m)
    problem = impossible_distance(sport_family(sport), distance, duration)
    if problem is None:
        return Checked(distance, elapsed, duration, tuple(notes), True)
    notes.append(flag_note(problem))
    return Checked(math.nan, elapsed, duration, tuple(notes), False)


def impossible_distance(family: str, distance_m: float, duration_s: float) -> str | None:
    """What is impossible about covering ``distance_m`` in ``duration_s``, or ``None``.

    Parameters
    ----------
    family
        ``"foot"``, ``"cycling"`` or ``"other"`` (:func:`sport_family`).
    distance_m
        Distance [m]; ``nan`` (unknown) is never impossible.
    duration_s
        Moving time [s]; the speed is checked only where it is positive.

    Returns
    -------
    str or None
        E.g. ``"1,000,000,000 km in 40 min"``.
    """
    if math.isnan(distance_m):
        return None
    km = distance_m / 1000.0
    if not math.isfinite(distance_m):
        return "an endless distance"
    if distance_m < 0:
        return _km_text(km)
    timed = not math.isnan(duration_s) and duration_s > 0
    if km > MAX_DISTANCE_KM[family] or (timed and distance_m / duration_s > MAX_SPEED_MPS[family]):
        return f"{_km_text(km)} {f'in {_time_text(duration_s)}' if timed else 'in one activity'}"
    return None


def flag_note(problem: str) -> str:
    """The note of a row kept out of load (:func:`is_flagged` knows it)."""
    return f"implausible: {problem}, {NOT_COUNTED}"


def is_flagged(notes: str | None) -> bool:
    """True when a row's ``notes`` mark it implausible (kept out of load)."""
    return bool(notes) and NOT_COUNTED in (notes or "")


def utc_now() -> datetime:
    """The time of this run (UTC): the one place the import asks for it."""
    return datetime.now(UTC)


def future_note(start_utc: datetime, now: datetime) -> str | None:
    """The note of an activity dated after ``now`` + :data:`FUTURE_MARGIN`, else None.

    Judged on every run, after the cache (a file's decoded content never
    depends on the day it was read): a recording dated next week is kept out
    of load until that week has come.
    """
    if start_utc <= now + FUTURE_MARGIN:
        return None
    days = (start_utc - now) / timedelta(days=1)
    return flag_note(f"dated {days:,.0f} days after today (the device's clock?)")
