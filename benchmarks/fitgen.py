"""Fast FIT data for the speed-and-scale benchmark: plans and one-second streams.

``loadwatch.synthetic.simulate`` makes a run's samples one step at a time,
which suits the sample data and tests (hundreds of files) but not the
~1,500 one-second files of a five-year runner. This module makes the same kind
of :class:`~loadwatch.synthetic.Track` with whole-array numpy arithmetic
(:func:`fast_track`) and writes it with the package's FIT writer
(:func:`loadwatch.synthetic.fitwriter.fit_bytes`, numpy-encoded records); only
the plans and the stream shape are the benchmark's own.

A file holds what a Garmin Forerunner writes: ``file_id`` (activity, garmin,
product 3992, serial, ``time_created``), timer-start ``event``,
``device_info``, one ``record`` a second (timestamp, position in semicircles on
a loop through home, distance, ``enhanced_speed``, ``enhanced_altitude``,
heart rate, cadence, temperature) with an auto ``lap`` after every kilometre,
a timer-stop ``event``, one ``session`` (running; totals, ascent/descent, heart
rate, temperature, start position) and ``activity`` with ``local_timestamp``.

Plans are :class:`loadwatch.synthetic.Athlete` objects (so
:func:`loadwatch.synthetic.weekly_totals` states what loadwatch should find);
everything is deterministic from a seed.

    python benchmarks/fitgen.py [DIR] [--weeks N]

writes the five-year runner (or its first ``N`` weeks) into ``DIR`` and prints
the generator's files/s; ``benchmarks/scale.py`` writes and caches the whole
benchmark data set.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import zlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter

import numpy as np

from loadwatch.synthetic import Athlete, PlannedRun, Track, file_name, toml_text
from loadwatch.synthetic.fitwriter import fit_bytes
from loadwatch.synthetic.track import M_PER_DEGREE, LapSpan

#: Bump when the files or plans change, so cached benchmark data are rewritten.
GENERATOR_VERSION = 2


def duration_s(run: PlannedRun) -> int:
    """Elapsed (= timer) time of the file written for ``run`` [s]; it has one more record."""
    return max(1, round(run.distance_km * run.pace_s_per_km))


def _smooth(values: np.ndarray, width: int) -> np.ndarray:
    """Moving average over ``width`` samples (edges by reflection)."""
    if len(values) < 2 * width:
        return np.full_like(values, values.mean())
    kernel = np.ones(width) / width
    padded = np.concatenate([values[width - 1 :: -1], values, values[: -width - 1 : -1]])
    return np.convolve(padded, kernel, mode="same")[width:-width]


def _streams(
    run: PlannedRun, home: tuple[float, float], home_altitude_m: float, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Per-second samples of one run, in profile units (degrees, m, m/s, bpm ...)."""
    n = duration_s(run)
    total_m = run.distance_km * 1000.0
    seconds = np.arange(n + 1, dtype=np.float64)
    base_speed = total_m / n
    # Pace wanders: two slow waves and smoothed noise, slower uphill, then scaled so
    # the distance comes out exactly as planned.
    phases = rng.uniform(0, 2 * np.pi, 3)
    wave = 0.035 * np.sin(2 * np.pi * seconds / rng.uniform(300, 900) + phases[0])
    wave += 0.015 * np.sin(2 * np.pi * seconds / rng.uniform(60, 180) + phases[1])
    wave += _smooth(rng.normal(0, 0.04, n + 1), 15)
    loops = max(1, math.ceil(total_m / 10000.0))
    perimeter = total_m / loops
    hills = max(1, round(perimeter / 2000.0))
    rise = run.ascent_m / (loops * hills)
    grade = rise / 2 * np.sin(2 * np.pi * hills * (base_speed * seconds) / perimeter)
    grade *= 2 * np.pi * hills / perimeter
    speed = base_speed * (1 + wave) * np.clip(1 - 2.0 * grade, 0.7, 1.2)
    speed[0] = speed[1]
    steps = speed[1:] * (total_m / speed[1:].sum())
    distance = np.concatenate([[0.0], np.cumsum(steps)])
    distance[-1] = total_m
    speed = np.concatenate([[steps[0]], steps])
    # A loop through home: an ellipse with a wobble, rotated at random.
    along = 2 * np.pi * (distance % perimeter) / perimeter
    radius = perimeter / (2 * np.pi)
    aspect, rotation = rng.uniform(0.6, 1.0), rng.uniform(0, 2 * np.pi)
    wobble = 1 + 0.08 * np.sin(3 * along + phases[2])
    east0 = radius * wobble * (np.cos(along) - 1)
    north0 = radius * aspect * wobble * np.sin(along)
    east = east0 * math.cos(rotation) - north0 * math.sin(rotation)
    north = east0 * math.sin(rotation) + north0 * math.cos(rotation)
    lat = home[0] + north / M_PER_DEGREE
    lon = home[1] + east / (M_PER_DEGREE * math.cos(math.radians(home[0])))
    altitude = home_altitude_m + rise / 2 * (1 - np.cos(2 * np.pi * hills * distance / perimeter))
    effort = speed / base_speed
    target = 142.0 + 60.0 * (effort - 1) + 300.0 * grade + 5.0 * seconds / 3600.0
    heart = 90 + (_smooth(target, 30) - 90) * (1 - np.exp(-seconds / 45.0))
    heart = np.clip(np.rint(heart + rng.normal(0, 1.0, n + 1)), 60, 200)
    cadence = np.rint(85 + 12 * (effort - 1) + rng.normal(0, 0.8, n + 1))
    temp_c = 15.0 if run.temperature_c is None else run.temperature_c
    temperature = np.rint(temp_c + 0.6 * np.sin(seconds / 400.0) + seconds / 3600.0)
    return {
        "seconds": seconds,
        "lat": lat,
        "lon": lon,
        "distance": distance,
        "speed": speed,
        "altitude": altitude,
        "heart_rate": heart,
        "cadence": cadence,
        "temperature": temperature,
    }


def _lap_ends(distance: np.ndarray, lap_m: float = 1000.0) -> np.ndarray:
    """Record index at which each auto lap ends; the last lap ends at the last record."""
    marks = np.arange(lap_m, distance[-1] - 1.0, lap_m)
    ends = np.searchsorted(distance, marks)
    ends = np.unique(ends[(ends > 0) & (ends < len(distance) - 1)])
    return np.append(ends, len(distance) - 1)


def fast_track(
    run: PlannedRun,
    home: tuple[float, float],
    *,
    home_altitude_m: float = 35.0,
    seed: int = 0,
) -> Track:
    """One sample a second of ``run`` as a :class:`~loadwatch.synthetic.Track`.

    Parameters
    ----------
    run
        A running plan: start (local wall time), ``distance_km``, ``pace_s_per_km``
        (the track lasts :func:`duration_s`), ``ascent_m``, ``temperature_c``.
    home
        ``(lat, lon)`` where the loop starts [degrees].
    home_altitude_m
        Altitude of the start [m].
    seed
        Mixed with the start time into the random numbers of the streams.

    Returns
    -------
    Track
        Auto laps every kilometre (intensity ``active``, trigger ``distance``; the
        last one ``session_end``).
    """
    rng = np.random.default_rng([seed, zlib.crc32(run.start_local.isoformat().encode())])
    s = _streams(run, home, home_altitude_m, rng)
    ends = _lap_ends(s["distance"])
    starts = np.concatenate([[0], ends[:-1]])
    last = len(ends) - 1
    laps = [
        LapSpan(int(a), int(b), "active", "distance" if i < last else "session_end")
        for i, (a, b) in enumerate(zip(starts, ends, strict=True))
    ]
    return Track(
        elapsed_s=s["seconds"].astype(np.int64),
        distance_m=s["distance"],
        speed_mps=s["speed"],
        lat=s["lat"],
        lon=s["lon"],
        altitude_m=s["altitude"],
        heart_rate_bpm=s["heart_rate"].astype(np.int64),
        cadence_rpm=s["cadence"].astype(np.int64),
        temperature_c=s["temperature"].astype(np.int64),
        laps=laps,
    )


def fit_file_bytes(
    run: PlannedRun,
    *,
    timezone: str,
    home: tuple[float, float],
    home_altitude_m: float = 35.0,
    seed: int = 0,
) -> bytes:
    """Encode :func:`fast_track` of ``run`` as a FIT activity file (one record a second).

    ``timezone`` is the IANA zone of ``run.start_local``; the file's timestamps are
    UTC and ``activity.local_timestamp`` is the local wall time of the end. The
    other parameters are those of :func:`fast_track`.
    """
    track = fast_track(run, home, home_altitude_m=home_altitude_m, seed=seed)
    return fit_bytes(run, track, timezone=timezone)


# --- plans ---------------------------------------------------------------------------

#: A training week: (day after the week's Monday, kind of run), by runs a week.
WEEK_TEMPLATES: dict[int, tuple[tuple[int, str], ...]] = {
    4: ((1, "easy"), (3, "medium"), (5, "easy"), (6, "long")),
    5: ((0, "recovery"), (1, "easy"), (3, "medium"), (5, "easy"), (6, "long")),
    6: ((0, "recovery"), (1, "easy"), (2, "medium"), (3, "easy"), (5, "easy"), (6, "long")),
}
#: Kind of run: (typical minutes, pace relative to easy [s/km]).
RUN_KINDS: dict[str, tuple[float, float]] = {
    "recovery": (32.0, 25.0),
    "easy": (50.0, 0.0),
    "medium": (62.0, -20.0),
    "long": (100.0, 15.0),
}
#: Shortest and longest run [min].
RUN_MINUTES = (25.0, 150.0)


def week_factors(
    weeks: int, rng: np.random.Generator, *, jumps: int = 0, layoff_weeks: int = 0
) -> np.ndarray:
    """Relative volume of each week: 16-week builds with every fourth week easier, slow
    growth over the years, ``jumps`` sudden weeks 30–45 % up and one layoff of
    ``layoff_weeks`` weeks after which the runner comes straight back at full volume."""
    week = np.arange(weeks)
    factors = (0.85 + 0.3 * (week % 16) / 15) * (1 + 0.04 * week / 52)
    factors[week % 4 == 3] *= 0.78
    candidates = week[(week > 8) & (week % 4 != 3)]
    if jumps and len(candidates):
        chosen = rng.choice(candidates, size=min(jumps, len(candidates)), replace=False)
        factors[chosen] *= rng.uniform(1.3, 1.45, len(chosen))
    if layoff_weeks and weeks > layoff_weeks + 20:
        first = int(rng.integers(weeks // 2, weeks - layoff_weeks - 4))
        factors[first : first + layoff_weeks] = 0.0
    return factors


def season_temperature_c(day: date, lat: float) -> float:
    """A plausible morning temperature for ``day`` at latitude ``lat`` [°C]."""
    summer = math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)
    return 10.0 + 9.0 * (summer if lat >= 0 else -summer)


def runner_plan(
    name: str,
    timezone: str,
    home: tuple[float, float],
    *,
    first_monday: date,
    weeks: int,
    runs_per_week: int = 6,
    volume: float = 1.0,
    easy_pace_s_per_km: float = 330.0,
    ascent_m_per_km: float = 8.0,
    jumps: int = 0,
    layoff_weeks: int = 0,
    week_start: str = "monday",
    minutes_range: tuple[float, float] = RUN_MINUTES,
    seed: int = 0,
) -> Athlete:
    """A runner's plan: ``weeks`` weeks of ``runs_per_week`` (4–6) runs of 25–150 min.

    Parameters
    ----------
    name, timezone, home
        Settings (``home`` is ``(lat, lon)`` [degrees], inside ``timezone``).
    first_monday
        Monday of the first week.
    weeks
        Number of weeks.
    runs_per_week
        4, 5 or 6 (:data:`WEEK_TEMPLATES`).
    volume
        Scales every run's typical minutes (:data:`RUN_KINDS`).
    easy_pace_s_per_km
        Easy pace [s/km]; gets 4 s/km faster a year.
    ascent_m_per_km
        Typical climbing [m/km].
    jumps, layoff_weeks
        See :func:`week_factors`.
    week_start
        ``"monday"`` or ``"sunday"`` for ``loadwatch.toml``.
    minutes_range
        Shortest and longest run [min].
    seed
        Random seed.

    Returns
    -------
    Athlete
        Runs of one-second records on a Garmin, with the pace set so that the file
        lasts exactly :func:`duration_s`.
    """
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    factors = week_factors(weeks, rng, jumps=jumps, layoff_weeks=layoff_weeks)
    runs: list[PlannedRun] = []
    for week, factor in enumerate(factors):
        if factor <= 0:
            continue
        monday = first_monday + timedelta(weeks=week)
        for day_offset, kind in WEEK_TEMPLATES[runs_per_week]:
            minutes, pace_offset = RUN_KINDS[kind]
            minutes = float(
                np.clip(minutes * volume * factor * rng.uniform(0.88, 1.12), *minutes_range)
            )
            pace = easy_pace_s_per_km + pace_offset - 4.0 * week / 52 + rng.normal(0, 6)
            seconds = round(minutes * 60)
            distance_km = round(seconds / pace, 2)
            day = monday + timedelta(days=day_offset)
            # long runs at 8, others mostly at 6-7:30 in the morning, some at 18
            hour, spread = (
                (8, 60) if kind == "long" else (6, 90) if rng.uniform() < 0.7 else (18, 60)
            )
            start = datetime.combine(day, time(hour)) + timedelta(minutes=int(rng.integers(spread)))
            runs.append(
                PlannedRun(
                    start_local=start,
                    distance_km=distance_km,
                    pace_s_per_km=seconds / distance_km,
                    ascent_m=round(distance_km * ascent_m_per_km * rng.uniform(0.5, 1.5)),
                    temperature_c=round(season_temperature_c(day, home[0])),
                    record_interval_s=1.0,
                    device="garmin",
                )
            )
    return Athlete(name, timezone, home, runs, week_start=week_start, home_altitude_m=35.0)


def five_year_runner(*, weeks: int = 261, seed: int = 1) -> Athlete:
    """The benchmark's runner: Berlin, six runs a week for ``weeks`` weeks from January
    2021 (≈1,550 runs, ≈5 million records at the default), with four sudden jumps
    and a three-week layoff."""
    return runner_plan(
        "Five Year Runner",
        "Europe/Berlin",
        (52.5145, 13.3501),
        first_monday=date(2021, 1, 4),
        weeks=weeks,
        runs_per_week=6,
        jumps=max(1, round(4 * weeks / 261)),
        layoff_weeks=3 if weeks > 40 else 0,
        seed=seed,
    )


#: Homes of roster athletes: (IANA zone, lat, lon).
CITIES = (
    ("Europe/Berlin", 52.52, 13.40),
    ("Europe/London", 51.51, -0.13),
    ("America/New_York", 40.78, -73.97),
    ("America/Los_Angeles", 34.05, -118.25),
    ("Asia/Tokyo", 35.68, 139.69),
    ("Australia/Sydney", -33.87, 151.21),
    ("Europe/Paris", 48.86, 2.35),
    ("Europe/Madrid", 40.42, -3.70),
    ("America/Chicago", 41.88, -87.63),
    ("America/Denver", 39.74, -104.99),
    ("America/Sao_Paulo", -23.55, -46.63),
    ("Africa/Nairobi", -1.29, 36.82),
    ("Asia/Kolkata", 19.08, 72.88),
    ("Pacific/Auckland", -36.85, 174.76),
    ("Europe/Stockholm", 59.33, 18.07),
)
_FIRST = ("Ada", "Ben", "Chloe", "Dev", "Elif", "Finn", "Gita", "Hugo", "Ines", "Jonas")
_LAST = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva")


def roster_plan(athletes: int = 30, *, weeks: int = 52, seed: int = 2) -> list[Athlete]:
    """A coach's roster: ``athletes`` runners in different cities and zones, each with
    ``weeks`` weeks of 4–6 runs (≈250 runs a year on average)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(athletes):
        zone, lat, lon = CITIES[i % len(CITIES)]
        name = f"{_FIRST[i % len(_FIRST)]} {_LAST[(i // len(_FIRST)) % len(_LAST)]} {i + 1}"
        out.append(
            runner_plan(
                name,
                zone,
                (lat + rng.uniform(-0.02, 0.02), lon + rng.uniform(-0.02, 0.02)),
                first_monday=date(2025, 1, 6),
                weeks=weeks,
                runs_per_week=int(rng.choice([4, 5, 5, 5, 6])),
                volume=float(rng.uniform(0.75, 1.15)),
                easy_pace_s_per_km=float(rng.uniform(300, 380)),
                ascent_m_per_km=float(rng.uniform(2, 20)),
                jumps=int(rng.integers(0, 3)),
                week_start="sunday" if i % 5 == 4 else "monday",
                seed=seed + i,
            )
        )
    return out


def extra_runs(athlete: Athlete, count: int = 10) -> list[PlannedRun]:
    """``count`` new 40-minute runs on the days after the plan's last run (an incremental
    import's new files)."""
    last = max(r.start_local for r in athlete.runs)
    day = datetime(last.year, last.month, last.day, 7, 0)
    return [
        PlannedRun(
            start_local=day + timedelta(days=i + 1),
            distance_km=7.5,
            pace_s_per_km=320.0,
            ascent_m=40,
            temperature_c=12,
            record_interval_s=1.0,
        )
        for i in range(count)
    ]


def write_runs(
    athlete: Athlete, runs: list[PlannedRun], folder: Path, *, seed: int = 0
) -> list[Path]:
    """Write ``runs`` of ``athlete`` as FIT files (names from
    :func:`loadwatch.synthetic.file_name`) into ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for run in runs:
        path = folder / file_name(run)
        data = fit_file_bytes(
            run,
            timezone=athlete.timezone,
            home=athlete.home,
            home_altitude_m=athlete.home_altitude_m,
            seed=seed,
        )
        path.write_bytes(data)
        paths.append(path)
    return paths


def write_athlete_fit(athlete: Athlete, folder: Path, *, seed: int = 0) -> list[Path]:
    """``loadwatch.toml`` and one FIT file per run in ``folder``; returns the FIT paths."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "loadwatch.toml").write_text(toml_text(athlete), encoding="utf-8", newline="\n")
    return write_runs(athlete, sorted(athlete.runs, key=lambda r: r.start_local), folder, seed=seed)


def record_count(runs: list[PlannedRun]) -> int:
    """Records in the files of ``runs`` (one a second, both ends included)."""
    return sum(duration_s(r) + 1 for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="output (default: a temp folder)")
    parser.add_argument("--weeks", type=int, default=261, help="weeks of the five-year runner")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="loadwatch-fitgen-"))
    athlete = five_year_runner(weeks=args.weeks, seed=args.seed)
    began = perf_counter()
    paths = write_athlete_fit(athlete, folder, seed=args.seed)
    seconds = perf_counter() - began
    print(
        f"{len(paths)} files, {record_count(athlete.runs) / 1e6:.2f} M records in {folder}: "
        f"{seconds:.1f} s, {len(paths) / seconds:.0f} files/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
