"""Run plans: what a synthetic athlete did, before it is written to files.

A :class:`PlannedRun` describes one activity (when, how far, how fast, how
hilly, which file format and device); an :class:`Athlete` is a person with a
time zone, a home and a list of planned runs. The helpers here compose
training stories for tests (steady weeks, builds with recovery weeks, layoffs)
and sum a plan per week so a test can state what loadwatch should find.

Times in a plan are *naive local wall times* in the athlete's time zone, as a
runner would say them ("Sunday 07:30"); the writers convert them to UTC with
:mod:`zoneinfo`, so daylight-saving changes are handled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

#: File formats this package writes.
FORMATS = ("fit", "gpx")

#: Devices the writers can impersonate (manufacturer/product in the FIT file_id,
#: ``creator`` in GPX). ``"strava"`` files are Strava-made: no ascent/descent in
#: the FIT session and laps.
DEVICES = ("garmin", "coros", "strava")

#: Day offsets from the start of the week for n runs a week; the last one is the
#: long run (Sunday for a Monday week).
RUN_DAYS: dict[int, tuple[int, ...]] = {
    1: (6,),
    2: (2, 6),
    3: (1, 3, 6),
    4: (1, 3, 5, 6),
    5: (0, 1, 3, 5, 6),
    6: (0, 1, 2, 3, 5, 6),
    7: (0, 1, 2, 3, 4, 5, 6),
}

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Intervals:
    """A structured interval workout inside a run.

    The run is written as warm-up, ``reps`` fast repetitions of ``rep_m`` metres
    at ``rep_pace_s_per_km`` separated by ``reps - 1`` jogged recoveries of
    ``recovery_s`` seconds, and a cool-down; warm-up and cool-down share what is
    left of the run's distance equally.

    Attributes
    ----------
    reps
        Number of fast repetitions.
    rep_m
        Length of one repetition [m].
    rep_pace_s_per_km
        Pace of the repetitions [s/km].
    recovery_s
        Length of each recovery jog [s].
    recovery_pace_s_per_km
        Pace of the recovery jog [s/km]; ``None`` means 1.25 × the run's easy pace.
    """

    reps: int
    rep_m: float
    rep_pace_s_per_km: float
    recovery_s: float = 120.0
    recovery_pace_s_per_km: float | None = None

    def __post_init__(self) -> None:
        if self.reps < 1 or self.rep_m <= 0 or self.rep_pace_s_per_km <= 0:
            raise ValueError("intervals need at least one repetition of positive length and pace")
        if self.recovery_s < 1:
            raise ValueError("interval recoveries must last at least one second")


@dataclass
class PlannedRun:
    """One activity to write as a FIT or GPX file.

    Attributes
    ----------
    start_local
        Start as naive local wall time in the athlete's time zone.
    distance_km
        Distance [km]; the FIT ``total_distance`` and the GPS track both match it.
    pace_s_per_km
        Easy (average) pace [s/km]; speed varies a few percent around it, slower
        uphill and faster downhill. For cycling or swimming use their pace
        (e.g. 120 s/km is 30 km/h; 1300 s/km is 2:10 per 100 m).
    ascent_m
        Total climbing [m]; the route goes up and down so descent equals ascent.
    intervals
        A structured workout (FIT gets workout laps with intensity warmup,
        active, rest, cooldown; GPX gets only the stream with its fast stretches).
        ``None`` for steady running (FIT auto laps every 1 km).
    sport, sub_sport
        FIT profile names: ``"running"``, ``"cycling"``, ``"swimming"`` ...;
        ``sub_sport=None`` is written as ``generic``.
    fmt
        ``"fit"`` or ``"gpx"``.
    temperature_c
        Air temperature [°C] for the FIT record ``temperature`` and GPX
        ``gpxtpx:atemp``; ``None`` leaves it out.
    name
        Activity title (GPX ``<name>``; FIT has no title field). ``None`` gives a
        device-style default such as ``"New York Running"``.
    heart_rate
        Write heart rate (FIT ``heart_rate``, GPX ``gpxtpx:hr``).
    record_interval_s
        Spacing of samples [s], rounded to whole seconds (FIT timestamps have one
        second resolution); a sample is also written at every lap boundary.
    device
        ``"garmin"`` (Forerunner 255: FIT records carry only ``enhanced_speed`` and
        ``enhanced_altitude``), ``"coros"`` (plain and enhanced fields) or
        ``"strava"`` (a Strava-made file: plain speed/altitude only, no
        ascent/descent in the FIT session and laps; GPX ``creator="StravaGPX"``).
    with_local_timestamp
        Write the FIT ``activity.local_timestamp`` (local wall time of the end).
    gps
        Record positions (and altitude). ``False`` for a treadmill or pool swim:
        the FIT records then hold only time, distance, speed and heart rate.
        GPX needs positions.
    """

    start_local: datetime
    distance_km: float
    pace_s_per_km: float = 330.0
    ascent_m: float = 0.0
    intervals: Intervals | None = None
    sport: str = "running"
    sub_sport: str | None = None
    fmt: str = "fit"
    temperature_c: float | None = None
    name: str | None = None
    heart_rate: bool = True
    record_interval_s: float = 5.0
    device: str = "garmin"
    with_local_timestamp: bool = True
    gps: bool = True

    def __post_init__(self) -> None:
        if self.start_local.tzinfo is not None:
            raise ValueError("start_local is a naive local wall time; give the zone to the writer")
        if self.distance_km <= 0 or self.pace_s_per_km <= 0:
            raise ValueError("a planned run needs a positive distance and pace")
        if self.ascent_m < 0:
            raise ValueError("ascent_m cannot be negative")
        if self.fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, not {self.fmt!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, not {self.device!r}")
        if self.record_interval_s < 1:
            raise ValueError("record_interval_s must be at least one second")
        if self.fmt == "gpx" and not self.gps:
            raise ValueError("a GPX file needs GPS positions")
        if self.intervals is not None and self.warmup_m() <= 0:
            raise ValueError("the intervals do not fit in the planned distance")

    @property
    def distance_m(self) -> float:
        """Planned distance [m]."""
        return self.distance_km * 1000.0

    def recovery_speed_mps(self) -> float:
        """Speed of interval recovery jogs [m/s]."""
        if self.intervals is None or self.intervals.recovery_pace_s_per_km is None:
            return 1000.0 / (self.pace_s_per_km * 1.25)
        return 1000.0 / self.intervals.recovery_pace_s_per_km

    def warmup_m(self) -> float:
        """Warm-up distance of an interval run [m] (the cool-down takes the same, ± the
        recovery jogs' actual length); 0 without intervals."""
        if self.intervals is None:
            return 0.0
        iv = self.intervals
        recoveries_m = (iv.reps - 1) * iv.recovery_s * self.recovery_speed_mps()
        return (self.distance_m - iv.reps * iv.rep_m - recoveries_m) / 2.0


def _default_shoes() -> list[dict]:
    return []


@dataclass
class Athlete:
    """A synthetic runner: settings for ``loadwatch.toml`` and the runs to write.

    Attributes
    ----------
    name
        Display name (``[athlete] name``).
    timezone
        IANA zone, e.g. ``"America/New_York"``; plan times are local to it.
    home
        ``(lat, lon)`` [degrees] where every route starts; must lie inside
        ``timezone`` so that position-based time-zone lookup agrees.
    runs
        The planned activities (any order; written sorted by start).
    week_start
        ``"monday"`` or ``"sunday"``.
    units
        ``"km"`` or ``"mi"``.
    shoes
        ``[[shoes]]`` entries: dicts with ``name`` and ``from`` (a date), and
        optionally ``until`` (date), ``drop_mm`` and ``start_km``.
    home_altitude_m
        Altitude of the start [m].
    """

    name: str
    timezone: str
    home: tuple[float, float]
    runs: list[PlannedRun]
    week_start: str = "monday"
    units: str = "km"
    shoes: list[dict] = field(default_factory=_default_shoes)
    home_altitude_m: float = 30.0

    def __post_init__(self) -> None:
        if self.week_start not in ("monday", "sunday"):
            raise ValueError("week_start must be 'monday' or 'sunday'")
        if self.units not in ("km", "mi"):
            raise ValueError("units must be 'km' or 'mi'")


def week_start_of(day: date, week_start: str = "monday") -> date:
    """First day of the training week holding ``day``."""
    first = _WEEKDAYS.index(week_start)
    return day - timedelta(days=(day.weekday() - first) % 7)


def split_week(km: float, runs: int, *, long_fraction: float = 0.35) -> list[float]:
    """Split a week's distance into runs [km], the last one the long run.

    The long run takes ``long_fraction`` of the week (all of it for one run);
    the others share the rest, alternately 0.5 km shorter and longer so the
    week does not look machine-made. Distances are rounded to 0.1 km and sum
    exactly to ``km`` (to the rounding).
    """
    if runs < 1:
        raise ValueError("a week with distance needs at least one run")
    if runs == 1:
        return [round(km, 1)]
    long_km = round(km * long_fraction, 1)
    easy = (km - long_km) / (runs - 1)
    wiggle = [0.0] * (runs - 1)
    for i in range(0, runs - 2, 2):
        wiggle[i], wiggle[i + 1] = -0.5, 0.5
    easy_kms = [round(easy + w, 1) for w in wiggle]
    easy_kms[-1] = round(km - long_km - sum(easy_kms[:-1]), 1)
    return [*easy_kms, long_km]


def build_weeks(
    first_week: date,
    weekly_km: Sequence[float],
    runs_per_week: int = 4,
    *,
    long_fraction: float = 0.35,
    pace_s_per_km: float = 330.0,
    ascent_m_per_km: float = 0.0,
    start_time: time = time(6, 30),
    long_run_time: time = time(7, 30),
    fmt: str = "fit",
    gpx_every: int = 0,
    temperature_c: float | None = None,
    **run_fields: object,
) -> list[PlannedRun]:
    """Runs for consecutive weeks with the given distances.

    Parameters
    ----------
    first_week
        First day of the first week (a Monday for Monday weeks).
    weekly_km
        Running distance of each week [km]; 0 makes an empty week (a layoff).
    runs_per_week
        Runs in a week (1–7), on the days of :data:`RUN_DAYS`; the last is the
        long run.
    long_fraction
        Share of the week in the long run (see :func:`split_week`).
    pace_s_per_km
        Easy pace [s/km]; the long run is 15 s/km slower.
    ascent_m_per_km
        Climbing per kilometre [m/km] (0 gives flat runs).
    start_time, long_run_time
        Local start of the easy runs and of the long run.
    fmt
        Format of every run, except that with ``gpx_every = n > 0`` every n-th
        run (counting from 1 across the whole plan) is written as GPX.
    temperature_c
        Temperature of every run [°C] (``None``: none recorded).
    **run_fields
        Any other :class:`PlannedRun` field, given to every run.

    Returns
    -------
    list of PlannedRun
        In start order.
    """
    if runs_per_week not in RUN_DAYS:
        raise ValueError("runs_per_week must be between 1 and 7")
    runs: list[PlannedRun] = []
    days = RUN_DAYS[runs_per_week]
    for week_index, km in enumerate(weekly_km):
        if km <= 0:
            continue
        monday = first_week + timedelta(weeks=week_index)
        for i, run_km in enumerate(split_week(km, runs_per_week, long_fraction=long_fraction)):
            is_long = i == runs_per_week - 1 and runs_per_week > 1
            day = monday + timedelta(days=days[i])
            run_fmt = "gpx" if gpx_every and (len(runs) + 1) % gpx_every == 0 else fmt
            runs.append(
                PlannedRun(
                    start_local=datetime.combine(day, long_run_time if is_long else start_time),
                    distance_km=run_km,
                    pace_s_per_km=pace_s_per_km + (15.0 if is_long else 0.0),
                    ascent_m=round(run_km * ascent_m_per_km),
                    fmt=run_fmt,
                    temperature_c=temperature_c,
                    **run_fields,  # type: ignore[arg-type]
                )
            )
    return runs


def steady_weeks(
    start_monday: date,
    weeks: int,
    km_per_week: float,
    runs_per_week: int = 4,
    **kwargs: object,
) -> list[PlannedRun]:
    """``weeks`` identical weeks of ``km_per_week`` [km] (see :func:`build_weeks`).

    Examples
    --------
    >>> runs = steady_weeks(date(2026, 6, 1), weeks=4, km_per_week=32)
    >>> len(runs), round(sum(r.distance_km for r in runs), 1)
    (16, 128.0)
    """
    return build_weeks(start_monday, [km_per_week] * weeks, runs_per_week, **kwargs)  # type: ignore[arg-type]


def ramp_km(
    start_km: float,
    weeks: int,
    weekly_increase: float = 0.06,
    *,
    recovery_every: int | None = None,
    recovery_factor: float = 0.7,
) -> list[float]:
    """Weekly distances [km] of a progressive build, optionally with recovery weeks.

    Each normal week is ``1 + weekly_increase`` times the previous normal week;
    with ``recovery_every = n`` every n-th week is a recovery week at
    ``recovery_factor`` of the week before it, after which the build resumes
    from the last normal week. Rounded to 0.5 km.

    Examples
    --------
    >>> ramp_km(30, 5, 0.1, recovery_every=4)
    [30.0, 33.0, 36.5, 25.5, 40.0]
    """
    out: list[float] = []
    level = start_km
    for week in range(weeks):
        if recovery_every and (week + 1) % recovery_every == 0:
            out.append(round(level * recovery_factor * 2) / 2)
            continue
        if week > 0:
            level *= 1 + weekly_increase
        out.append(round(level * 2) / 2)
    return out


@dataclass(frozen=True)
class WeekTotal:
    """What a plan holds for one training week (running only, duplicates once).

    Attributes
    ----------
    week_start
        First day of the week.
    distance_km, ascent_m, longest_km
        Sums and maximum over the week's runs [km, m, km].
    runs
        Number of runs.
    interval_sessions
        Runs with :class:`Intervals`.
    """

    week_start: date
    distance_km: float
    ascent_m: float
    longest_km: float
    runs: int
    interval_sessions: int


def unique_runs(runs: Iterable[PlannedRun]) -> list[PlannedRun]:
    """The runs with recordings of the same activity counted once.

    Two planned runs with the same ``start_local`` and ``sport`` are one
    activity recorded twice (e.g. a FIT from the watch and a GPX from Strava);
    the FIT recording is kept where there is one. Returned in start order.
    """
    seen: set[tuple[datetime, str]] = set()
    out = []
    for run in sorted(runs, key=lambda r: (r.start_local, r.sport, r.fmt)):
        key = (run.start_local, run.sport)
        if key not in seen:
            seen.add(key)
            out.append(run)
    return out


def weekly_totals(
    runs: Iterable[PlannedRun],
    week_start: str = "monday",
    *,
    sport: str = "running",
    first_week: date | None = None,
    last_week: date | None = None,
) -> list[WeekTotal]:
    """Sum a plan per training week, the way loadwatch should see it.

    Parameters
    ----------
    runs
        Planned activities; only ``sport`` counts and duplicates count once.
    week_start
        ``"monday"`` or ``"sunday"``.
    first_week, last_week
        First days of the first and last weeks to report; default: the weeks of
        the first and last counted run. Weeks without runs are included (zeros).

    Returns
    -------
    list of WeekTotal
        One per week, in order.
    """
    counted = [r for r in unique_runs(runs) if r.sport == sport]
    if not counted and (first_week is None or last_week is None):
        return []
    first = first_week or week_start_of(counted[0].start_local.date(), week_start)
    last = last_week or week_start_of(counted[-1].start_local.date(), week_start)
    out = []
    monday = first
    while monday <= last:
        week = [r for r in counted if week_start_of(r.start_local.date(), week_start) == monday]
        out.append(
            WeekTotal(
                week_start=monday,
                distance_km=round(sum(r.distance_km for r in week), 3),
                ascent_m=round(sum(r.ascent_m for r in week), 1),
                longest_km=max((r.distance_km for r in week), default=0.0),
                runs=len(week),
                interval_sessions=sum(r.intervals is not None for r in week),
            )
        )
        monday += timedelta(weeks=1)
    return out
