"""TCX: the ElementTree reference against the streaming reader (issue 15).

Both decoders of :func:`loadwatch.importers.tcx.read_tcx` (``"reference"``, an
ElementTree of the file; ``"auto"``, one expat pass into arrays) read:

* the largest TCX files of the corpus (``../shared/corpus``, ``--corpus N`` of them);
* a one-hour run recorded every second, written as Garmin Connect exports it
  by the package's writer (:mod:`loadwatch.synthetic.tcxwriter`; track from
  ``fitgen.fast_track``);

in this process, each ``--repeat`` times; the median is reported in µs per
trackpoint, for ``read_tcx`` alone and for ``read_tcx`` then
``read_tcx_records`` (the file read twice, as an import that keeps the record
stream does). Then the peak of
Python's allocations (:mod:`tracemalloc`) while each decoder reads one
``--big-points``-trackpoint file (200,000 by default, ~55 hours, ~140 MB),
the file's bytes already in memory and not counted.

Nothing here is asserted.

    python benchmarks/tcx_shapes.py [--corpus N] [--repeat R] [--big-points P]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fitgen import fast_track

from loadwatch.importers.tcx import read_tcx, read_tcx_records
from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.tcxwriter import write_tcx

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
HOME = (46.95, 7.44)
ZONE = "Europe/Zurich"
PACE_S_PER_KM = 330.0
DECODERS = ("reference", "auto")


def synthetic_tcx(folder: Path, seconds: int) -> Path:
    """A run of ``seconds`` one-second trackpoints, as Garmin Connect writes it."""
    run = PlannedRun(
        datetime(2026, 3, 1, 6, 0),
        distance_km=seconds / PACE_S_PER_KM,
        pace_s_per_km=PACE_S_PER_KM,
        record_interval_s=1.0,
    )
    path = folder / f"run-{seconds}s.tcx"
    return write_tcx(run, fast_track(run, HOME), path, timezone=ZONE)


def microseconds_a_point(
    data: bytes, decoder: str, repeat: int, *, records: bool = False
) -> tuple[float, int]:
    """Median µs per trackpoint of ``read_tcx`` (and ``read_tcx_records``) over ``repeat`` runs."""
    points = sum(activity.n_records for activity in read_tcx(data, "x.tcx", decoder=decoder))
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        read_tcx(data, "x.tcx", decoder=decoder)  # type: ignore[arg-type]
        if records:
            read_tcx_records(data, "x.tcx", decoder=decoder)  # type: ignore[arg-type]
        times.append(time.perf_counter() - began)
    return statistics.median(times) / points * 1e6, points


def peak_mb(data: bytes, decoder: str) -> float:
    """Peak of Python's allocations while ``read_tcx`` reads ``data`` [MB]."""
    tracemalloc.start()
    try:
        read_tcx(data, "big.tcx", decoder=decoder)  # type: ignore[arg-type]
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=int, default=3, help="largest corpus TCX files timed")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each decoder (median)")
    parser.add_argument("--big-points", type=int, default=200_000, help="trackpoints, memory")
    args = parser.parse_args(argv)

    files = sorted(CORPUS.rglob("*.tcx"), key=lambda path: path.stat().st_size, reverse=True)
    with tempfile.TemporaryDirectory() as folder:
        named = [(path.relative_to(CORPUS).as_posix(), path) for path in files[: args.corpus]]
        named.append(("synthetic: 1 hour, one point a second", synthetic_tcx(Path(folder), 3600)))
        print(f"µs a trackpoint, median of {args.repeat} runs; activities (+ records frame):")
        print(f"{'file':44} {'points':>6} {'B/pt':>4} {'reference':>15} {'auto':>13} {'ratio':>11}")
        for name, path in named:
            data = path.read_bytes()
            reference, points = microseconds_a_point(data, "reference", args.repeat)
            fast, _ = microseconds_a_point(data, "auto", args.repeat)
            both_reference, _ = microseconds_a_point(data, "reference", args.repeat, records=True)
            both_fast, _ = microseconds_a_point(data, "auto", args.repeat, records=True)
            print(
                f"{name[-44:]:44} {points:6d} {len(data) / points:4.0f} "
                f"{reference:6.1f} ({both_reference:5.1f}) {fast:5.1f} ({both_fast:4.1f}) "
                f"{reference / fast:4.1f}× ({both_reference / both_fast:3.1f}×)"
            )
        big = synthetic_tcx(Path(folder), args.big_points - 1).read_bytes()
    print(f"\npeak allocations reading {args.big_points:,} trackpoints ({len(big) / 1e6:.0f} MB):")
    for decoder in DECODERS:
        began = time.perf_counter()
        peak = peak_mb(big, decoder)
        print(
            f"  {decoder:9} {peak:7.0f} MB  ({peak * 1e6 / args.big_points:5.0f} B a point, "
            f"{time.perf_counter() - began:.1f} s under tracemalloc)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
