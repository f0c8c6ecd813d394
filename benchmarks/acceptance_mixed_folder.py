"""Acceptance check (run by hand): a runner's folder of hundreds of mixed files.

Writes one runner's year as real files from several devices — Garmin FIT, COROS
FIT, Strava-made FIT without ascent, GPX exports (some duplicating a FIT run),
rides and swims, a few broken files, macOS companions, ``.gz`` copies — in Los
Angeles with Sunday-evening long runs (Monday in UTC), then imports it and
compares the weekly running km in local weeks with the plan's own totals.

    python benchmarks/acceptance_mixed_folder.py [OUTDIR]

Prints the worst weekly difference, the import counts and the time taken; exits
1 if any week is off by more than 2 %.
"""

from __future__ import annotations

import gzip
import random
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import loadwatch as lw
from loadwatch.synthetic import (
    Athlete,
    PlannedRun,
    build_weeks,
    ramp_km,
    weekly_totals,
    write_athlete,
)

DEVICES = ("garmin", "coros", "strava")


def plan() -> Athlete:
    rng = random.Random(7)
    first = date(2025, 11, 3)  # a Monday
    km = [
        *ramp_km(25, 20, 0.05, recovery_every=4),
        0.0,
        0.0,
        *ramp_km(20, 30, 0.04, recovery_every=4),
    ]
    runs = build_weeks(
        first, km, runs_per_week=5, gpx_every=6, long_run_time=datetime(2000, 1, 1, 18, 30).time()
    )
    runs = [replace(r, device=DEVICES[i % 3]) if r.fmt == "fit" else r for i, r in enumerate(runs)]
    extra: list[PlannedRun] = []
    for i, run in enumerate(runs):
        if run.fmt == "fit" and i % 9 == 0:  # the same run exported as GPX too
            extra.append(replace(run, fmt="gpx", device="strava"))
    for week in range(len(km)):
        monday = datetime.combine(first + timedelta(weeks=week), datetime.min.time())
        if rng.random() < 0.5:
            extra.append(
                PlannedRun(
                    monday + timedelta(days=5, hours=15), 30.0, pace_s_per_km=130, sport="cycling"
                )
            )
        if rng.random() < 0.2:
            extra.append(
                PlannedRun(
                    monday + timedelta(days=3, hours=12),
                    1.5,
                    pace_s_per_km=1200,
                    sport="swimming",
                    gps=False,
                )
            )
    return Athlete(
        "Mixed Watches", "America/Los_Angeles", (34.05, -118.25), runs + extra, week_start="monday"
    )


def main() -> int:
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(tempfile.mkdtemp(prefix="loadwatch-mixed-"))
    )
    athlete = plan()
    began = time.perf_counter()
    paths = write_athlete(athlete, out / "runner")
    folder = out / "runner"
    fits = [p for p in paths if p.suffix == ".fit"]
    for p in fits[::25]:  # some files gzip'd, as exports ship them
        p.with_name(p.name + ".gz").write_bytes(gzip.compress(p.read_bytes(), mtime=0))
        p.unlink()
    (folder / "broken-sync.fit").write_bytes(fits[1].read_bytes()[:20])
    (folder / "empty.gpx").write_bytes(b"")
    (folder / f"._{fits[2].name}").write_bytes(b"\0\5\26\7")
    written = time.perf_counter() - began
    began = time.perf_counter()
    result = lw.import_activities(folder)
    imported = time.perf_counter() - began
    weeks = lw.weekly_table(result.timeline)
    truth = {w.week_start: w for w in weekly_totals(athlete.runs, athlete.week_start)}
    worst = 0.0
    for _, row in weeks.iterrows():
        expected = truth[row["week_start"].date()].distance_km
        diff = (
            abs(row["distance_km"] - expected) / expected if expected else abs(row["distance_km"])
        )
        worst = max(worst, diff)
    print(f"files written: {len(paths) + 3} in {written:.0f} s; imported in {imported:.0f} s")
    print(result.report.summary())
    print(f"weeks compared: {len(weeks)} (plan {len(truth)}); worst weekly difference {worst:.2%}")
    for line in result.report.lines():
        if line.startswith(("error", "skipped")):
            print(" ", line)
    return 0 if worst <= 0.02 and len(weeks) == len(truth) else 1


if __name__ == "__main__":
    sys.exit(main())
