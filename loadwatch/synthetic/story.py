"""The sample runner: Avery Stone's 24 weeks in New York (``sample_data/avery-stone/``).

Avery runs around Central Park (home 40.7812, -73.9665, America/New_York),
Monday weeks, kilometres. Week 1 starts Monday 2026-06-01, week 24 ends Sunday
2026-11-15. Most runs are FIT from a Garmin Forerunner 255 (a sample every 5 s);
about one in seven is a GPX export from Garmin Connect (every 10 s). Every run
records a temperature (June 20–22, July–August 23–25, September 18–20, October
11–13, November 6–8 °C; the hot evening runs below are 27–31 °C). Each row
below is something loadwatch must find in that week (the ``key`` is the
:data:`STORY_EVENTS` entry):

==================  ============  ==========================================================
key                 week (Mon)    what happens
==================  ============  ==========================================================
base                06-01–06-29   weeks 1–5: 32–33 km/week, 4 runs (6–8 km easy + Sunday
                                  11–12 km), < 100 m climbing a week, shoe "Trainer A"
shoe-300mi          06-15         week 3: Trainer A (10 mm drop, 400 km before the data)
                                  passes 300 mi = 482.8 km on Sat 2026-06-20
weekly-increase     07-06         week 6: 46 km in 5 runs, +43 % on weeks 2–5 (32.25 km)
long-run-spike      07-20         week 8: Sun 2026-07-26 20 km; longest run of the previous
                                  30 days 12 km (week total 34 km, no increase)
duplicate           07-27         Sat 2026-08-01 08:00, 7 km recorded twice: FIT from the
                                  watch and GPX from Strava (same samples)
hill-increase       08-03         week 10: 900 m of climbing in 4 runs (240/210/200/250 m),
                                  34 km; every other week 46–70 m
first-intervals     08-17         week 12: Wed 2026-08-19 18:30, 10 km with 6 × 800 m at
                                  4:00/km, 2 min jog recoveries (FIT, workout laps)
shoe-500mi          08-17         week 12: Trainer A passes 500 mi = 804.7 km on Sun
                                  2026-08-23 (the 12 km long run)
gpx-intervals       08-24         week 13: Wed 2026-08-26 18:30, 10 km with 5 × 1000 m at
                                  4:05/km, 2:30 recoveries, as GPX (stream only)
layoff              09-07–09-21   weeks 15–17: no running (injury); cross-training FIT: ride
                                  25 km Sat 09-12, pool swim 1.5 km Wed 09-16, ride 32 km
                                  Sat 09-26. Last run before: Sun 2026-09-06
return-from-layoff  09-28         week 18: 34 km at once (first run Tue 2026-09-29) after
                                  23 days without running; before the layoff 34 km/week
shoe-drop-change    10-12         week 20: "Racer B" (4 mm drop) from Mon 2026-10-12;
                                  Trainer A until Sun 2026-10-11 (10 → 4 mm)
healthy-build       10-19–11-09   weeks 21–24: 36, 38.5, 41, 43.5 km (+5.9, +6.9, +6.5,
                                  +6.1 %); no new warning expected
dst-end             10-26         week 22: the Sunday long run on 2026-11-01 07:30 EST is
                                  the first run at UTC-5 (DST ended 02:00 that morning)
==================  ============  ==========================================================

Hot runs (evening, 27–31 °C): Tue 07-07 (29), Thu 07-16 (28), Tue 07-21 (31),
Thu 07-30 (30), Wed 08-12 (27), Sat 08-29 (28).

Weekly running distances (km), weeks 1–24: 32, 32, 32, 32, 33, 46, 34, 34, 34,
34, 34, 34, 35, 34, 0, 0, 0, 34, 34, 34, 36, 38.5, 41, 43.5.

Note for load rules: week 21's four previous weeks include the empty week 17, so
an *uncoupled* 4-week acute:chronic ratio for week 21 is 36 / 25.5 = 1.41; a
rule that should stay quiet in weeks 21–24 must treat the weeks right after a
layoff as the return-from-layoff finding's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from loadwatch.synthetic.plan import Athlete, Intervals, PlannedRun

#: Monday of week 1.
FIRST_MONDAY = date(2026, 6, 1)
#: Sunday ending week 24.
LAST_SUNDAY = date(2026, 11, 15)
#: Central Park, Engineers' Gate side [degrees].
HOME = (40.7812, -73.9665)
TIMEZONE = "America/New_York"
#: Sample spacing of the GPX exports [s] (FIT files: 5 s); keeps sample_data small.
GPX_RECORD_INTERVAL_S = 10.0

_MON, _TUE, _WED, _THU, _FRI, _SAT, _SUN = range(7)
_BASE_TEMP_C = {6: 21, 7: 24, 8: 24, 9: 19, 10: 12, 11: 7}


@dataclass(frozen=True)
class StoryEvent:
    """A dated event of the sample story.

    Attributes
    ----------
    key
        Short id (see the module table).
    week
        Monday of the week the event belongs to (first week for spans).
    day
        The day it happens (the run's date; first day for spans).
    last_week
        Monday of the last week of a span (``== week`` for single weeks).
    what
        One line for humans.
    """

    key: str
    week: date
    day: date
    last_week: date
    what: str


def week_monday(week: int) -> date:
    """Monday of story week ``week`` (1-based)."""
    return FIRST_MONDAY + timedelta(weeks=week - 1)


def _ev(key: str, week: int, weekday: int, what: str, last: int | None = None) -> StoryEvent:
    monday = week_monday(week)
    return StoryEvent(
        key, monday, monday + timedelta(days=weekday), week_monday(last or week), what
    )


#: The story, in order (see the module docstring for details).
STORY_EVENTS: tuple[StoryEvent, ...] = (
    _ev("base", 1, _MON, "weeks 1-5 at 32-33 km, 4 runs, flat", last=5),
    _ev("shoe-300mi", 3, _SAT, "Trainer A passes 300 miles"),
    _ev("weekly-increase", 6, _MON, "46 km after ~32 km weeks (+43 %)"),
    _ev("long-run-spike", 8, _SUN, "20 km long run after 30 days of <= 12 km"),
    _ev("duplicate", 9, _SAT, "the same 7 km run as FIT and as Strava GPX"),
    _ev("hill-increase", 10, _TUE, "900 m of climbing in the week after < 100 m weeks"),
    _ev("first-intervals", 12, _WED, "6 x 800 m after all-easy running (FIT)"),
    _ev("shoe-500mi", 12, _SUN, "Trainer A passes 500 miles"),
    _ev("gpx-intervals", 13, _WED, "5 x 1000 m written as GPX"),
    _ev("layoff", 15, _MON, "three weeks without running, cross-training only", last=17),
    _ev("return-from-layoff", 18, _TUE, "34 km straight after the layoff"),
    _ev("shoe-drop-change", 20, _MON, "Racer B, 4 mm drop, after Trainer A's 10 mm"),
    _ev("healthy-build", 21, _TUE, "+5-8 % a week, nothing to warn about", last=24),
    _ev("dst-end", 22, _SUN, "first run after DST ended (UTC-5)"),
)

# (week, weekday, "HH:MM", km, options). Options: "fmt", "ascent", "temp" (°C), "pace",
# "intervals", "device", "name", "every_s" (record interval).
_RUNS: list[tuple[int, int, str, float, dict]] = [
    # Weeks 1-5: base, ~32 km.
    (1, _MON, "06:30", 7, {}),
    (1, _WED, "06:30", 6, {"fmt": "gpx"}),
    (1, _FRI, "06:30", 8, {}),
    (1, _SUN, "07:30", 11, {}),
    (2, _TUE, "06:30", 6, {}),
    (2, _THU, "06:30", 7, {}),
    (2, _SAT, "08:00", 7, {"fmt": "gpx"}),
    (2, _SUN, "07:30", 12, {}),
    (3, _TUE, "06:30", 7, {}),
    (3, _THU, "06:30", 7, {}),
    (3, _SAT, "08:00", 6, {}),
    (3, _SUN, "07:30", 12, {}),
    (4, _TUE, "06:30", 8, {"fmt": "gpx"}),
    (4, _THU, "06:30", 6, {}),
    (4, _SAT, "08:00", 7, {}),
    (4, _SUN, "07:30", 11, {}),
    (5, _TUE, "06:30", 7, {}),
    (5, _THU, "06:30", 7, {}),
    (5, _SAT, "08:00", 7, {"fmt": "gpx"}),
    (5, _SUN, "07:30", 12, {}),
    # Week 6: the jump to 46 km (long run stays at 12 km).
    (6, _MON, "06:30", 9, {}),
    (6, _TUE, "18:30", 8, {"temp": 29, "pace": 345}),
    (6, _THU, "06:30", 9, {}),
    (6, _SAT, "08:00", 8, {}),
    (6, _SUN, "07:30", 12, {}),
    # Week 7: back to 34 km.
    (7, _TUE, "06:30", 7, {"fmt": "gpx"}),
    (7, _THU, "18:30", 8, {"temp": 28, "pace": 345}),
    (7, _SAT, "08:00", 7, {}),
    (7, _SUN, "07:30", 12, {}),
    # Week 8: the 20 km long-run spike, week total unchanged.
    (8, _TUE, "18:30", 6, {"temp": 31, "pace": 350}),
    (8, _THU, "06:30", 8, {}),
    (8, _SUN, "07:00", 20, {"pace": 350, "ascent": 25}),
    # Week 9: Saturday's run recorded twice (watch FIT + Strava GPX).
    (9, _TUE, "06:30", 7, {}),
    (9, _THU, "18:30", 8, {"temp": 30, "pace": 345}),
    (9, _SAT, "08:00", 7, {}),
    (9, _SAT, "08:00", 7, {"fmt": "gpx", "device": "strava", "every_s": 5}),
    (9, _SUN, "07:30", 12, {}),
    # Week 10: hill block, 900 m.
    (10, _TUE, "06:30", 8, {"ascent": 240}),
    (10, _THU, "06:30", 7, {"ascent": 210}),
    (10, _SAT, "08:00", 7, {"ascent": 200}),
    (10, _SUN, "07:30", 12, {"ascent": 250}),
    # Week 11.
    (11, _TUE, "06:30", 7, {}),
    (11, _WED, "18:30", 8, {"temp": 27, "pace": 340}),
    (11, _SAT, "08:00", 7, {"fmt": "gpx"}),
    (11, _SUN, "07:30", 12, {}),
    # Week 12: first interval session (FIT).
    (12, _MON, "06:30", 6, {}),
    (12, _WED, "18:30", 10, {"intervals": Intervals(6, 800, 240, 120)}),
    (12, _FRI, "06:30", 6, {}),
    (12, _SUN, "07:30", 12, {}),
    # Week 13: second interval session, as GPX.
    (13, _MON, "06:30", 6, {}),
    (
        13,
        _WED,
        "18:30",
        10,
        {"fmt": "gpx", "intervals": Intervals(5, 1000, 245, 150), "name": "5 x 1 km"},
    ),
    (13, _SAT, "18:30", 7, {"temp": 28, "pace": 345}),
    (13, _SUN, "07:30", 12, {}),
    # Week 14: last week before the injury.
    (14, _TUE, "06:30", 7, {}),
    (14, _THU, "06:30", 8, {}),
    (14, _SAT, "08:00", 7, {"fmt": "gpx"}),
    (14, _SUN, "07:30", 12, {}),
    # Weeks 15-17: layoff (cross-training below).
    # Week 18: straight back at 34 km.
    (18, _TUE, "06:30", 8, {}),
    (18, _THU, "06:30", 8, {"fmt": "gpx"}),
    (18, _SAT, "08:00", 6, {}),
    (18, _SUN, "07:30", 12, {}),
    (19, _TUE, "06:30", 7, {}),
    (19, _THU, "06:30", 8, {}),
    (19, _SAT, "08:00", 7, {"fmt": "gpx"}),
    (19, _SUN, "07:30", 12, {}),
    # Week 20: new shoe (Racer B), same volume.
    (20, _TUE, "06:30", 7, {}),
    (20, _THU, "06:30", 8, {}),
    (20, _SAT, "08:00", 7, {}),
    (20, _SUN, "07:30", 12, {}),
    # Weeks 21-24: healthy build.
    (21, _TUE, "06:30", 7.5, {}),
    (21, _THU, "06:30", 8.5, {}),
    (21, _SAT, "08:00", 7.5, {}),
    (21, _SUN, "07:30", 12.5, {}),
    (22, _TUE, "06:30", 8, {}),
    (22, _THU, "06:30", 9, {"fmt": "gpx"}),
    (22, _SAT, "08:00", 8, {}),
    (22, _SUN, "07:30", 13.5, {}),
    (23, _TUE, "06:30", 8.5, {}),
    (23, _THU, "06:30", 9.5, {}),
    (23, _SAT, "08:00", 8.5, {}),
    (23, _SUN, "07:30", 14.5, {}),
    (24, _TUE, "06:30", 9, {"fmt": "gpx"}),
    (24, _THU, "06:30", 10, {}),
    (24, _SAT, "08:00", 9, {}),
    (24, _SUN, "07:30", 15.5, {}),
]


def _temperature(day: date) -> int:
    """A plausible early-morning temperature for New York on ``day`` [°C]."""
    return _BASE_TEMP_C[day.month] + (day.day * 7) % 3 - 1


def _story_run(week: int, weekday: int, hhmm: str, km: float, opts: dict) -> PlannedRun:
    day = week_monday(week) + timedelta(days=weekday)
    hour, minute = (int(part) for part in hhmm.split(":"))
    is_long = weekday == _SUN
    return PlannedRun(
        start_local=datetime(day.year, day.month, day.day, hour, minute),
        distance_km=float(km),
        pace_s_per_km=float(opts.get("pace", 345 if is_long else 330)),
        ascent_m=float(opts.get("ascent", round(1.5 * km))),
        intervals=opts.get("intervals"),
        fmt=opts.get("fmt", "fit"),
        temperature_c=float(opts.get("temp", _temperature(day))),
        name=opts.get("name"),
        device=opts.get("device", "garmin"),
        record_interval_s=opts.get(
            "every_s", GPX_RECORD_INTERVAL_S if opts.get("fmt") == "gpx" else 5.0
        ),
    )


def _cross_training() -> list[PlannedRun]:
    def ride(day: int, km: float, ascent_m: float, temperature_c: float) -> PlannedRun:
        return PlannedRun(
            datetime(2026, 9, day, 9, 0),
            km,
            ascent_m=ascent_m,
            temperature_c=temperature_c,
            sport="cycling",
            sub_sport="road",
            pace_s_per_km=130.0,
        )

    return [
        ride(12, 25.0, 60, 18),
        PlannedRun(
            datetime(2026, 9, 16, 7, 0),
            1.5,
            pace_s_per_km=1300.0,
            sport="swimming",
            sub_sport="lap_swimming",
            gps=False,
        ),
        ride(26, 32.0, 80, 17),
    ]


def sample_runs() -> list[PlannedRun]:
    """Every planned activity of the sample story, in start order."""
    runs = [_story_run(*row) for row in _RUNS] + _cross_training()
    return sorted(runs, key=lambda r: (r.start_local, r.fmt))


def sample_athlete() -> Athlete:
    """Avery Stone, the runner in ``sample_data/avery-stone/`` (story in the module docstring).

    Examples
    --------
    >>> athlete = sample_athlete()
    >>> athlete.name, athlete.timezone, len(athlete.runs)
    ('Avery Stone', 'America/New_York', 88)
    """
    return Athlete(
        name="Avery Stone",
        timezone=TIMEZONE,
        home=HOME,
        runs=sample_runs(),
        week_start="monday",
        units="km",
        shoes=[
            {
                "name": "Trainer A",
                "from": date(2026, 1, 5),
                "until": date(2026, 10, 11),
                "drop_mm": 10,
                "start_km": 400,
            },
            {"name": "Racer B", "from": date(2026, 10, 12), "drop_mm": 4, "start_km": 0},
        ],
    )
