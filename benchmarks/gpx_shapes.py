"""GPX folders shaped like real apps' exports, and a 1,000,000-point GPX (issue 15).

Writes a history of ``--files`` one-second runs with the package's GPX writer
(:mod:`loadwatch.synthetic.gpxwriter`), its flavours taken in turn so the
folder looks like the corpus's GPX: gpxpy-style device files, Garmin Connect
exports (``ns3`` extension prefix, full-precision numbers, ``.000Z``), Strava
exports (``StravaGPX``, sport numbers), OsmAnd (``<hdop>``, ``osmand:speed``, no
sensors), Runkeeper (one line a point, no extensions) and phone exports
(microsecond times; an elevation on some fixes and a heart rate on some, four
point shapes interleaved as in the corpus's phone files). Tracks come from
``fitgen.fast_track``.

Timed, each side ``--repeat`` times, medians reported (the machine is shared):

* the naive loop: ``gpxpy.parse(text)`` and ``length_2d()`` for ``--sample``
  files, scaled by track points to the whole folder;
* loadwatch cold: ``loadwatch.import_activities(DIR, cache=False)`` in a fresh
  process (modules imported before the clock starts), every core; peak memory
  is the largest resident set of that process or its pool workers;
* the 1,000,000-point GPX (a 278-hour recording, Runkeeper-flavoured, ~97 MB):
  ``read_activity_file`` in a fresh process, seconds and peak resident set.

Nothing here is asserted.

    python benchmarks/gpx_shapes.py [--files N] [--minutes M] [--sample K] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fitgen import fast_track
from peak import own_peak_mb

from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.gpxwriter import FLAVOURS, write_gpx

HOME = (52.37, 4.89)
ZONE = "Europe/Amsterdam"
PACE_S_PER_KM = 330.0


def write_history(folder: Path, files: int, minutes: float) -> list[Path]:
    """``files`` runs on consecutive days, the writer's flavours in turn."""
    folder.mkdir(parents=True, exist_ok=True)
    flavours = list(FLAVOURS)
    paths = []
    for day in range(files):
        run = PlannedRun(
            datetime(2026, 1, 1, 7, 0) + timedelta(days=day),
            distance_km=minutes * 60 / PACE_S_PER_KM * (0.8 + 0.4 * (day % 5) / 4),
            pace_s_per_km=PACE_S_PER_KM,
            record_interval_s=1.0,
            fmt="gpx",
            temperature_c=12.0,
        )
        flavour = flavours[day % len(flavours)]
        path = folder / f"{run.start_local:%Y-%m-%d}-{flavour}.gpx"
        write_gpx(run, fast_track(run, HOME, seed=day), path, timezone=ZONE, flavour=flavour)
        paths.append(path)
    return paths


def write_million(path: Path, points: int) -> Path:
    """One recording of ``points`` one-second samples, Runkeeper-flavoured.

    One line of ~97 bytes a point, as the ~97 MB 1,000,000-point file of the issue.
    """
    run = PlannedRun(
        datetime(2026, 3, 1, 6, 0),
        distance_km=points / PACE_S_PER_KM,
        pace_s_per_km=PACE_S_PER_KM,
        record_interval_s=1.0,
        fmt="gpx",
        temperature_c=12.0,
    )
    return write_gpx(run, fast_track(run, HOME), path, timezone=ZONE, flavour="runkeeper")


def count_points(paths: list[Path]) -> int:
    return sum(path.read_bytes().count(b"<trkpt ") for path in paths)


def naive_loop(paths: list[Path]) -> tuple[float, int]:
    """Seconds and track points of ``gpxpy.parse`` + ``length_2d`` over ``paths``."""
    import gpxpy

    points = 0
    began = time.perf_counter()
    for path in paths:
        gpx = gpxpy.parse(path.read_text(encoding="utf-8"))
        gpx.length_2d()
        points += gpx.get_track_points_no()
    return time.perf_counter() - began, points


def in_child(*args: str) -> dict[str, float]:
    """Run :func:`_child` in a fresh process; its JSON line."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(kind: str, target: str) -> None:
    """The measured side (its own process): a cold folder import or one big file."""
    import resource

    import loadwatch as lw
    from loadwatch.importers.read import read_activity_file

    import_activities = lw.import_activities  # its module imported before the clock starts
    began = time.perf_counter()
    if kind == "folder":
        result = import_activities(Path(target), cache=False)
        activities = len(result.timeline)
    else:
        activities = len(read_activity_file(Path(target)))
    seconds = time.perf_counter() - began
    own = own_peak_mb()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "activities": activities, "peak_mb": max(own, workers)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=120, help="files in the folder")
    parser.add_argument("--minutes", type=float, default=50.0, help="typical run length")
    parser.add_argument("--sample", type=int, default=24, help="files timed in the naive loop")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians)")
    parser.add_argument("--points", type=int, default=1_000_000, help="points of the big GPX")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    import loadwatch as lw

    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, loadwatch {lw.__version__}")
    print(f"medians of {args.repeat} runs per side; flavours: {', '.join(FLAVOURS)}")
    print(
        "| data | files | points | naive gpxpy s | loadwatch cold s | files/s | points/s "
        "| vs naive | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "gpx"
        paths = write_history(folder, args.files, args.minutes)
        points = count_points(paths)
        sample = paths[:: max(1, len(paths) // args.sample)][: args.sample]
        naive = []
        for _ in range(args.repeat):
            sample_s, sample_points = naive_loop(sample)
            naive.append(sample_s * points / sample_points)
        naive_s = statistics.median(naive)
        runs = [in_child("folder", str(folder)) for _ in range(args.repeat)]
        assert all(run["activities"] == len(paths) for run in runs), runs
        seconds = statistics.median(run["seconds"] for run in runs)
        print(
            f"| GPX folder, {len(FLAVOURS)} app shapes | {len(paths)} | {points:,} | "
            f"{naive_s:.1f}* | {seconds:.2f} | {len(paths) / seconds:.0f} | "
            f"{points / seconds:,.0f} | {naive_s / seconds:.1f}x | "
            f"{max(run['peak_mb'] for run in runs):.0f} |"
        )
        big = write_million(Path(tmp) / "million.gpx", args.points)
        size_mb = big.stat().st_size / 1e6
        naive_big = naive_s * args.points / points
        runs = [in_child("file", str(big)) for _ in range(args.repeat)]
        seconds = statistics.median(run["seconds"] for run in runs)
        print(
            f"| one GPX, {size_mb:.0f} MB | 1 | {args.points:,} | {naive_big:.1f}** | "
            f"{seconds:.2f} | - | {args.points / seconds:,.0f} | {naive_big / seconds:.1f}x | "
            f"{max(run['peak_mb'] for run in runs):.0f} |"
        )
    print(f"* timed on {len(sample)} files, scaled by track points to the whole folder")
    print("** the folder's naive rate per point (gpxpy needs ~2 GB for this file: not run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
