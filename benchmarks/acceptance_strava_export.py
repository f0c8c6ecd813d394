"""Acceptance check (run by hand): a Strava bulk export, used as a new user would.

Writes a year of one runner's Strava "Download your data" archive: hundreds of
activities as gzip'd FIT from three watch brands (Garmin, COROS, Strava-made)
and GPX, rides, three pairs of shoes in rotation, runs without gear, a few
activities typed in by hand (no file), ``activities.csv`` (Strava's header,
Strava's re-measured distances) and ``shoes.csv`` — zipped as Strava ships it.
Then runs the CLI on the zip, as a new user would (no settings file)::

    loadwatch weeks export.zip --json
    loadwatch shoes export.zip --json

and compares with the export's own table: the number of runs, each local
week's running distance and each pair's total.

    python benchmarks/acceptance_strava_export.py [OUTDIR]

Exits 1 if a week or a pair is off by more than 2 %, or the run counts differ.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from loadwatch.synthetic import PlannedRun, build_weeks, ramp_km
from loadwatch.synthetic.strava_export import write_strava_export

ZONE = "Europe/Madrid"
HOME = (40.4168, -3.7038)
DEVICES = ("garmin", "coros", "strava")
PAIRS = ("Pegasus 40", "Endorphin Speed", "Trail Hoka")
TOLERANCE = 0.02


def plan() -> tuple[list[tuple[int, PlannedRun, str]], list[tuple[int, PlannedRun, str]]]:
    """``(entries with a file, manual entries)``: (Strava id, activity, gear)."""
    rng = random.Random(11)
    first = date(2025, 11, 3)  # a Monday
    km = [*ramp_km(24, 24, 0.05, recovery_every=4), 0.0, *ramp_km(22, 27, 0.04, recovery_every=4)]
    runs = build_weeks(first, km, runs_per_week=5, gpx_every=7)
    entries: list[tuple[int, PlannedRun, str]] = []
    for i, run in enumerate(runs):
        if run.fmt == "fit":
            run = replace(run, device=DEVICES[i % len(DEVICES)])
        gear = "" if rng.random() < 0.15 else PAIRS[i % len(PAIRS)]
        entries.append((5_000_000_000 + i, replace(run, record_interval_s=10.0), gear))
    for week in range(len(km)):
        if rng.random() < 0.4:
            monday = datetime.combine(first + timedelta(weeks=week), datetime.min.time())
            ride = PlannedRun(
                monday + timedelta(days=5, hours=16),
                35.0,
                pace_s_per_km=125,
                sport="cycling",
                record_interval_s=10.0,
            )
            entries.append((6_000_000_000 + week, ride, "Road Bike"))
    manual = [
        (7_000_000_000 + n, PlannedRun(datetime(2026, 1, 10 + 7 * n, 12, 0), 6.0), PAIRS[0])
        for n in range(3)
    ]
    return entries, manual


def _csv_truth(folder: Path) -> tuple[int, dict[date, float], dict[str, float]]:
    """Runs with a file, local-week run km, and km per pair — from activities.csv alone."""
    with (folder / "activities.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    metres_at = len(header) - 1 - header[::-1].index("Distance")
    at = {name: header.index(name) for name in ("Activity Date", "Activity Type", "Filename")}
    gear_at = header.index("Activity Gear")
    runs = 0
    weeks: dict[date, float] = defaultdict(float)
    pairs: dict[str, float] = defaultdict(float)
    zone = ZoneInfo(ZONE)
    for row in rows[1:]:
        if row[at["Activity Type"]] != "Run" or not row[at["Filename"]]:
            continue
        runs += 1
        km = float(row[metres_at]) / 1000
        utc = datetime.strptime(row[at["Activity Date"]], "%b %d, %Y, %I:%M:%S %p")
        local = utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date()
        weeks[local - timedelta(days=local.weekday())] += km
        if row[gear_at]:
            pairs[row[gear_at]] += km
    return runs, dict(weeks), dict(pairs)


def _cli(*args: str) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "loadwatch", *args, "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> int:
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(tempfile.mkdtemp(prefix="loadwatch-strava-"))
    )
    entries, manual = plan()
    began = time.perf_counter()
    folder = out / "export_98765"
    write_strava_export(
        folder,
        entries,
        timezone=ZONE,
        home=HOME,
        shoes=[("Pegasus 40", "Nike", "Pegasus 40"), ("Trail Hoka", "Hoka", "Speedgoat 5")],
        manual=manual,
    )
    archive = Path(shutil.make_archive(str(out / "export"), "zip", folder))
    written = time.perf_counter() - began
    runs_csv, weeks_csv, pairs_csv = _csv_truth(folder)

    began = time.perf_counter()
    weeks = _cli("weeks", str(archive))
    shoes = _cli("shoes", str(archive))
    took = time.perf_counter() - began

    runs = sum(w["runs"] for w in weeks)
    worst_week = max(
        abs(next((w["distance_km"] for w in weeks if w["week_start"] == str(day)), 0.0) - km) / km
        for day, km in weeks_csv.items()
    )
    by_pair = {s["shoe"]: s["distance_km"] for s in shoes}
    worst_pair = max(abs(by_pair.get(pair, 0.0) - km) / km for pair, km in pairs_csv.items())
    files = len(entries)
    print(f"export written: {files} files + {len(manual)} manual entries in {written:.0f} s")
    print(f"CLI (weeks + shoes on the zip, cold): {took:.0f} s")
    print(f"runs: loadwatch {runs}, activities.csv {runs_csv}")
    print(f"weeks compared: {len(weeks_csv)}; worst weekly difference {worst_week:.2%}")
    for pair, km in sorted(pairs_csv.items()):
        print(f"  {pair}: loadwatch {by_pair.get(pair, 0.0):.1f} km, activities.csv {km:.1f} km")
    print(f"worst pair difference {worst_pair:.2%} (limit {TOLERANCE:.0%})")
    ok = runs == runs_csv and worst_week <= TOLERANCE and worst_pair <= TOLERANCE
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
