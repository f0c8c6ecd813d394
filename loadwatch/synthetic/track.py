"""The recorded stream of a planned run: route, speed, altitude, heart rate.

:func:`simulate` turns a :class:`~loadwatch.synthetic.plan.PlannedRun` into a
:class:`Track` — the samples a watch would store — which the FIT and GPX
writers then encode. Everything is a deterministic function of the plan: the
random numbers come from a :class:`numpy.random.Generator` seeded from the
run's start.

The route is a closed loop through ``home`` run ``k`` times (one lap per 10 km
started), drawn as a dense polyline in a local east/north plane and converted
to degrees with the sphere gpxpy uses (radius 6 378 137 m), so the GPS length
of the samples matches the planned distance to well under 0.1 %. The altitude
is a sum of smooth hills along the loop whose rises add up to the planned
ascent. A sample is written every ``record_interval_s`` seconds and at every
lap boundary (so laps have exact distances).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from loadwatch.synthetic.plan import PlannedRun

#: Sphere radius used to turn metres into degrees [m] (as gpxpy does).
EARTH_RADIUS_M = 6378137.0
#: Metres per degree of latitude on that sphere [m].
M_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_M / 360.0
#: Auto-lap length per sport [m]; sports not listed get one lap.
AUTO_LAP_M = {"running": 1000.0, "walking": 1000.0, "hiking": 1000.0, "cycling": 5000.0}
#: Resting-to-easy heart rate per sport at easy effort [beats/min].
EASY_HR_BPM = {"running": 146.0, "cycling": 128.0, "swimming": 124.0}
#: Longest loop before the route is split into several laps of a loop [m].
MAX_LOOP_M = 10000.0


@dataclass(frozen=True)
class LapSpan:
    """A lap as sample indices: from sample ``start`` to sample ``end`` (inclusive).

    Consecutive laps share their boundary sample (end of one, start of next).
    """

    start: int
    end: int
    intensity: str
    trigger: str


@dataclass
class Track:
    """Samples of one activity (one row per sample, arrays of equal length).

    Attributes
    ----------
    elapsed_s
        Seconds since the start (integers).
    distance_m
        Cumulative distance [m]; the last value is the planned distance.
    speed_mps
        Speed over the step ending at each sample [m/s].
    lat, lon
        Position [degrees]; ``None`` without GPS.
    altitude_m
        Altitude [m]; ``None`` without GPS.
    heart_rate_bpm, cadence_rpm, temperature_c
        Integer streams, ``None`` where not recorded.
    laps
        Lap spans in order.
    """

    elapsed_s: np.ndarray
    distance_m: np.ndarray
    speed_mps: np.ndarray
    lat: np.ndarray | None
    lon: np.ndarray | None
    altitude_m: np.ndarray | None
    heart_rate_bpm: np.ndarray | None
    cadence_rpm: np.ndarray | None
    temperature_c: np.ndarray | None
    laps: list[LapSpan]

    def __len__(self) -> int:
        return len(self.elapsed_s)

    @property
    def duration_s(self) -> int:
        """Elapsed time start to end [s]."""
        return int(self.elapsed_s[-1])

    def ascent_descent_m(self, start: int = 0, end: int | None = None) -> tuple[float, float]:
        """Total rise and fall of the altitude samples ``start..end`` [m]."""
        if self.altitude_m is None:
            return 0.0, 0.0
        stop = len(self) if end is None else end + 1
        steps = np.diff(self.altitude_m[start:stop])
        return float(steps[steps > 0].sum()), float(-steps[steps < 0].sum())


@dataclass(frozen=True)
class _Segment:
    speed_mps: float
    intensity: str
    trigger: str
    distance_m: float | None = None  # the segment ends at this distance ...
    duration_s: int | None = None  # ... or after this many seconds


def run_seed(run: PlannedRun) -> int:
    """Seed of the run's random numbers: a CRC of its local start (stable across runs of
    Python, unlike ``hash``)."""
    return zlib.crc32(run.start_local.isoformat().encode("ascii"))


def _segments(run: PlannedRun) -> list[_Segment]:
    easy = 1000.0 / run.pace_s_per_km
    total = run.distance_m
    if run.intervals is not None:
        iv = run.intervals
        segs = [_Segment(easy, "warmup", "distance", distance_m=run.warmup_m())]
        for rep in range(iv.reps):
            segs.append(_Segment(1000.0 / iv.rep_pace_s_per_km, "active", "distance", iv.rep_m))
            if rep < iv.reps - 1:
                segs.append(
                    _Segment(
                        run.recovery_speed_mps(), "rest", "time", duration_s=round(iv.recovery_s)
                    )
                )
        segs.append(_Segment(easy, "cooldown", "session_end", distance_m=None))
        return segs
    lap_m = AUTO_LAP_M.get(run.sport)
    if lap_m is None:
        return [_Segment(easy, "active", "session_end", distance_m=None)]
    n_full = int(total // lap_m)
    if total - n_full * lap_m < 1.0:  # no lap of less than a metre at the end
        n_full -= 1
    segs = [_Segment(easy, "active", "distance", distance_m=lap_m) for _ in range(n_full)]
    segs.append(_Segment(easy, "active", "session_end", distance_m=None))
    return segs


def _loop(rng: np.random.Generator, perimeter_m: float, n: int = 2048) -> tuple[np.ndarray, ...]:
    """A closed, star-shaped loop through the origin: (east, north, cumulative length) [m]."""
    # Trigonometry through :mod:`math` (the C library), not numpy's vectorised
    # kernels, which differ in the last bit between CPUs: the files must be
    # byte-identical on every machine.
    theta = [2 * math.pi * i / n for i in range(n + 1)]
    a2, a3 = float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.0, 0.08))
    p2, p3 = (float(v) for v in rng.uniform(0, 2 * np.pi, size=2))
    aspect = float(rng.uniform(0.6, 1.4))
    rot = float(rng.uniform(0, 2 * np.pi))
    cos_rot, sin_rot = math.cos(rot), math.sin(rot)
    xs, ys = [], []
    for t in theta:
        radius = 1 + a2 * math.sin(2 * t + p2) + a3 * math.sin(3 * t + p3)
        east, north = radius * math.cos(t), aspect * radius * math.sin(t)
        xs.append(east * cos_rot - north * sin_rot)
        ys.append(east * sin_rot + north * cos_rot)
    x, y = np.array(xs), np.array(ys)
    x, y = x - x[0], y - y[0]
    if rng.uniform() < 0.5:  # clockwise
        x, y = x[::-1] - x[-1], y[::-1] - y[-1]
    steps = np.diff(x) ** 2 + np.diff(y) ** 2
    length = np.concatenate([[0.0], np.cumsum(np.sqrt(steps))])
    scale = perimeter_m / length[-1]
    return x * scale, y * scale, length * scale


def _altitude(
    s: np.ndarray, run: PlannedRun, perimeter_m: float, laps: int, base_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Altitude [m] and grade [-] at route distances ``s`` [m]: ``hills`` cosine hills per
    loop, each rising ``ascent / (laps * hills)`` and coming back down."""
    hills = max(1, round(perimeter_m / 2000.0))
    rise = run.ascent_m / (laps * hills)
    phase = 2 * np.pi * hills * (s % perimeter_m) / perimeter_m
    cos_phase = np.array([math.cos(v) for v in phase])  # math: same bits on every CPU
    sin_phase = np.array([math.sin(v) for v in phase])
    altitude = base_m + rise / 2 * (1 - cos_phase)
    grade = rise / 2 * sin_phase * 2 * np.pi * hills / perimeter_m
    return altitude, grade


def simulate(run: PlannedRun, home: tuple[float, float], *, home_altitude_m: float = 30.0) -> Track:
    """The samples a watch would record for ``run`` starting at ``home``.

    Parameters
    ----------
    run
        The planned activity.
    home
        ``(lat, lon)`` of the start [degrees].
    home_altitude_m
        Altitude of the start and of the flat parts of the route [m].

    Returns
    -------
    Track
        Deterministic for the same inputs.
    """
    rng = np.random.default_rng(run_seed(run))
    total = run.distance_m
    laps_of_loop = max(1, math.ceil(total / MAX_LOOP_M))
    perimeter = total / laps_of_loop
    loop_x, loop_y, loop_len = _loop(rng, perimeter)
    step = max(1, round(run.record_interval_s))
    window = max(2 * step, 10)  # last seconds of a lap are run at a steady speed
    phi = math.exp(-step / 60.0)
    sigma = 0.025

    def grade_at(dist: float) -> float:
        if not run.gps or run.ascent_m == 0:
            return 0.0
        return float(_altitude(np.array([dist]), run, perimeter, laps_of_loop, 0.0)[1][0])

    times, dists, speeds = [0], [0.0], [0.0]

    def emit(at_s: int, dist_m: float, speed_mps: float) -> None:
        times.append(at_s)
        dists.append(dist_m)
        speeds.append(speed_mps)

    laps: list[LapSpan] = []
    t, d, z = 0, 0.0, 0.0
    for seg in _segments(run):
        lap_start = len(times) - 1
        if seg.duration_s is None:
            end_d = total if seg.distance_m is None else min(d + seg.distance_m, total)
        else:
            end_t = t + seg.duration_s
        while True:
            z = phi * z + math.sqrt(1 - phi * phi) * sigma * rng.standard_normal()
            factor = min(1.2, max(0.7, 1 - 2.0 * grade_at(d)))
            v = seg.speed_mps * (1 + z) * factor
            if seg.duration_s is not None:
                dt = min(step, end_t - t)
                t, d = t + dt, d + v * dt
                emit(t, d, v)
                if t >= end_t:
                    break
                continue
            remaining = end_d - d
            if remaining / v <= window:
                n_s = max(1, round(remaining / v))
                v = remaining / n_s
                t_end = t + n_s
                while t < t_end:
                    dt = min(step, t_end - t)
                    t, d = t + dt, d + v * dt
                    emit(t, d, v)
                d = end_d
                dists[-1] = end_d
                break
            t, d = t + step, d + v * step
            emit(t, d, v)
        laps.append(LapSpan(lap_start, len(times) - 1, seg.intensity, seg.trigger))
    speeds[0] = speeds[1]

    elapsed = np.array(times, dtype=np.int64)
    distance = np.array(dists)
    speed = np.array(speeds)
    n = len(elapsed)

    lat = lon = altitude = None
    grade = np.zeros(n)
    if run.gps:
        u = distance % perimeter
        east, north = np.interp(u, loop_len, loop_x), np.interp(u, loop_len, loop_y)
        lat = home[0] + north / M_PER_DEGREE
        cos_lat = np.array([math.cos(math.radians(v)) for v in lat])
        lon = home[1] + east / (M_PER_DEGREE * cos_lat)
        altitude, grade = _altitude(distance, run, perimeter, laps_of_loop, home_altitude_m)

    heart_rate = cadence = temperature = None
    effort = speed / (1000.0 / run.pace_s_per_km)
    if run.heart_rate:
        target = EASY_HR_BPM.get(run.sport, 120.0) + 70.0 * (effort - 1) + 400.0 * grade
        if run.temperature_c is not None and run.temperature_c > 18:
            target += 0.6 * (run.temperature_c - 18)
        target += 5.0 * elapsed / 3600.0
        hr = np.empty(n)
        hr[0] = 90.0
        for i in range(1, n):
            dt = elapsed[i] - elapsed[i - 1]
            hr[i] = hr[i - 1] + (target[i] - hr[i - 1]) * (1 - math.exp(-dt / 30.0))
        hr += rng.normal(0.0, 1.2, n)
        heart_rate = np.clip(np.rint(hr), 60, 200).astype(np.int64)
    if run.sport == "running":
        cadence = np.rint(80 + 20 * (effort - 1) + rng.normal(0, 1.0, n)).astype(np.int64)
    elif run.sport == "cycling":
        cadence = np.rint(86 + rng.normal(0, 2.0, n)).astype(np.int64)
    elif run.sport == "swimming":
        cadence = np.rint(28 + rng.normal(0, 1.0, n)).astype(np.int64)
    if run.temperature_c is not None:
        phase = float(rng.uniform(0, 2 * np.pi))
        wave = 0.6 * np.array([math.sin(2 * math.pi * int(e) / 2400.0 + phase) for e in elapsed])
        temperature = np.rint(run.temperature_c + wave + 0.5 * elapsed / 3600.0)
        temperature = temperature.astype(np.int64)

    return Track(
        elapsed_s=elapsed,
        distance_m=distance,
        speed_mps=speed,
        lat=lat,
        lon=lon,
        altitude_m=altitude,
        heart_rate_bpm=heart_rate,
        cadence_rpm=cadence,
        temperature_c=temperature,
        laps=laps,
    )
