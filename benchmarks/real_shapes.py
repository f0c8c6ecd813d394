"""FIT histories shaped like real watches' files, against naive decoder loops (issue 15).

The scale benchmark's files hold one run of ``record`` messages. Real files do
not look like that:

* **Garmin**: every one-second ``record`` is followed by an ``hrv`` message
  (beat-to-beat intervals from a chest strap), and ``device_info`` and
  ``event`` messages come between them every few minutes, so runs of
  same-type messages are one message long.
* **COROS**: the same interleaving, the ``file_id`` names COROS (294), and the
  ``event`` messages carry a ``data`` field of 1 byte where the profile's type
  (uint32) has 4, as the corpus's COROS Pace 2 file does: fitparse refuses such
  a file. Stored as ``.fit.gz``, as in a Strava bulk export.

The files are written with the package's FIT encoder
(:mod:`loadwatch.synthetic.fit_encoder`: :class:`InterleavedLayout` for the
record/hrv pairs, ``MessageLayout(..., sizes=...)`` for the misaligned field;
tracks from ``fitgen.fast_track``).

Timed in ``--repeat`` rounds (a naive loop, then the cold imports, so that both
sides see the same load on a shared machine), medians reported, with the
lowest and highest ratio of one round:

* the naive loop: every message of ``--sample`` files with fitparse (Garmin)
  or fitdecode (COROS, which fitparse cannot read), scaled by messages to the
  whole history;
* loadwatch cold: ``loadwatch.import_activities(DIR, cache=False, jobs=J)`` in
  a fresh process each time (modules imported before the clock starts; nothing
  from loadwatch's cache), with ``jobs=None`` (the gate decides) and ``jobs=1``;
  peak memory is the largest resident set of that process or of its pool
  workers (``ru_maxrss``).

Nothing here is asserted.

    python benchmarks/real_shapes.py [--files N] [--minutes M] [--sample K] [--repeat R]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fitgen import fast_track
from peak import own_peak_mb

from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.fit_encoder import (
    FitFileWriter,
    InterleavedLayout,
    MessageLayout,
    fit_seconds,
    semicircles,
)

HOME = (52.37, 4.89)
#: ``file_id.manufacturer`` and ``product`` of each shape.
MAKERS = {"garmin": (1, 3992), "coros": (294, 848)}
#: The naive loop each shape is compared with.
NAIVE_DECODER = {"garmin": "fitparse", "coros": "fitdecode"}
#: Records between two bursts of ``device_info`` and ``event`` messages.
BURST_EVERY = 300
RECORD_FIELDS = (
    "timestamp",
    "position_lat",
    "position_long",
    "distance",
    "enhanced_speed",
    "enhanced_altitude",
    "heart_rate",
    "cadence",
    "temperature",
)
#: ``record`` then ``hrv``, one pair a second (local types 14 and 15, above the writer's own).
PAIRS = InterleavedLayout(
    MessageLayout("record", 14, RECORD_FIELDS), MessageLayout("hrv", 15, ("time",))
)
#: A COROS ``event``: its uint32 ``data`` written in 1 byte.
MISALIGNED_EVENT = MessageLayout(
    "event", 13, ("timestamp", "event", "event_type", "data"), sizes={"data": 1}
)


def real_shaped_fit(run: PlannedRun, shape: str, seed: int) -> bytes:
    """One FIT activity file shaped as ``shape`` (``"garmin"`` or ``"coros"``) writes it."""
    track = fast_track(run, HOME, seed=seed)
    start = run.start_local.replace(tzinfo=UTC)
    start_s = fit_seconds(start)
    end_s = start_s + int(track.elapsed_s[-1])
    manufacturer, product = MAKERS[shape]
    fit = FitFileWriter()
    fit.add("file_id", type="activity", manufacturer=manufacturer, product=product)
    fit.add("event", timestamp=start_s, event="timer", event_type="start")
    streams = {
        "timestamp": start_s + track.elapsed_s,
        "position_lat": semicircles(track.lat),
        "position_long": semicircles(track.lon),
        "distance": track.distance_m,
        "enhanced_speed": track.speed_mps,
        "enhanced_altitude": track.altitude_m,
        "heart_rate": track.heart_rate_bpm,
        "cadence": track.cadence_rpm,
        "temperature": track.temperature_c,
    }
    beat_s = 60.0 / np.maximum(track.heart_rate_bpm, 40)
    rows = PAIRS.rows(len(beat_s), [streams, {"time": beat_s}])
    for first in range(0, len(rows), BURST_EVERY):
        fit.add_rows(PAIRS, rows[first : first + BURST_EVERY])
        moment = int(streams["timestamp"][min(first + BURST_EVERY, len(rows) - 1)])
        for index in range(3):  # the watch, the strap, the foot pod
            fit.add("device_info", timestamp=moment, device_index=index, manufacturer=1)
        if shape == "coros":
            values = {"timestamp": moment, "event": "timer", "event_type": "marker", "data": 0}
            fit.add_rows(MISALIGNED_EVENT, MISALIGNED_EVENT.rows(1, values))
        else:
            fit.add("event", timestamp=moment, event="timer", event_type="marker")
    distance = float(track.distance_m[-1])
    elapsed = float(track.elapsed_s[-1])
    summary = {"total_distance": distance, "total_elapsed_time": elapsed}
    fit.add("lap", timestamp=end_s, start_time=start_s, total_timer_time=elapsed, **summary)
    fit.add("event", timestamp=end_s, event="timer", event_type="stop_all")
    fit.add(
        "session",
        timestamp=end_s,
        start_time=start_s,
        sport="running",
        total_timer_time=elapsed,
        **summary,
    )
    fit.add("activity", timestamp=end_s, total_timer_time=elapsed, num_sessions=1)
    return fit.to_bytes()


def write_history(folder: Path, shape: str, files: int, minutes: float) -> list[Path]:
    """``files`` runs on consecutive days; COROS files gzip'd (``.fit.gz``)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for day in range(files):
        run = PlannedRun(
            datetime(2026, 1, 1, 7, 0) + timedelta(days=day),
            distance_km=minutes * 60 / 330.0,
            record_interval_s=1.0,
        )
        data = real_shaped_fit(run, shape, seed=day)
        path = folder / f"{run.start_local:%Y-%m-%d}-run.fit"
        if shape == "coros":
            path = path.with_name(path.name + ".gz")
            data = gzip.compress(data)
        path.write_bytes(data)
        paths.append(path)
    return paths


def _unpacked(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def naive_loop(paths: list[Path], decoder: str) -> tuple[float, int]:
    """Seconds and messages of a plain loop over every message of ``paths``."""
    import fitdecode
    import fitparse

    messages = 0
    began = time.perf_counter()
    for path in paths:
        data = _unpacked(path)
        if decoder == "fitparse":
            for message in fitparse.FitFile(data).get_messages():
                message.get_values()
                messages += 1
        else:
            with fitdecode.FitReader(data) as reader:
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage):
                        {f.name: f.value for f in frame.fields}
                        messages += 1
    return time.perf_counter() - began, messages


def count_messages(paths: list[Path]) -> tuple[int, int]:
    """Data messages and ``record`` messages in ``paths`` (fitdecode, untimed)."""
    import fitdecode

    messages = records = 0
    for path in paths:
        with fitdecode.FitReader(_unpacked(path)) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    messages += 1
                    records += frame.name == "record"
    return messages, records


def cold_import(folder: Path, jobs: int | None) -> dict[str, float]:
    """One cold import of ``folder`` in a fresh process: seconds, activities, peak RSS [MB]."""
    command = [sys.executable, __file__, "--child", str(folder), str(jobs or 0)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child(folder: str, jobs: int) -> None:
    """The measured side of :func:`cold_import` (runs in its own process)."""
    import resource

    import loadwatch as lw

    import_activities = lw.import_activities  # its module imported before the clock starts
    began = time.perf_counter()
    result = import_activities(Path(folder), cache=False, jobs=jobs or None)
    seconds = time.perf_counter() - began
    own = own_peak_mb()
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {"seconds": seconds, "activities": len(result.timeline), "peak_mb": max(own, workers)}
        )
    )


def gate_line(shape: str, paths: list[Path], workers: int) -> str:
    """The pool's plan for ``paths``: bytes on disk, estimated cost, workers by the gate."""
    from loadwatch.timeline.decode_cost import file_cost

    on_disk = sum(p.stat().st_size for p in paths)
    cost = sum(file_cost(p, p.stat().st_size)[1] for p in paths)
    mb = 1024**2
    return (
        f"{shape}: {on_disk / mb:.1f} MB on disk, estimated cost {cost / mb:.1f} MB "
        f"(decoded, by path) -> {workers} workers with jobs=None"
    )


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message="invalid field size")  # fitdecode, per COROS file
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=120, help="files per history")
    parser.add_argument("--minutes", type=float, default=50.0, help="length of each run")
    parser.add_argument("--sample", type=int, default=8, help="files timed in the naive loops")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each side (medians)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return 0
    import loadwatch as lw
    from loadwatch.timeline.decode_cost import file_cost
    from loadwatch.timeline.pool import pool_plan

    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, loadwatch {lw.__version__}")
    print(f"medians of {args.repeat} runs per side")
    print(
        "| history | files | records | naive loop s* | loadwatch cold s (jobs) "
        "| files/s | records/s | vs naive | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    gates: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in ("garmin", "coros"):
            decoder = NAIVE_DECODER[shape]
            folder = Path(tmp) / shape
            paths = write_history(folder, shape, args.files, args.minutes)
            cost = sum(file_cost(p, p.stat().st_size)[1] for p in paths)
            gates.append(gate_line(shape, paths, pool_plan(len(paths), cost, None)[0]))
            messages, records = count_messages(paths)
            naive: list[float] = []
            runs: dict[int | None, list[dict[str, float]]] = {None: [], 1: []}
            for _ in range(args.repeat):  # interleaved: each round sees the same load
                sample_s, sample_messages = naive_loop(paths[: args.sample], decoder)
                naive.append(sample_s * messages / sample_messages)
                for jobs in runs:
                    runs[jobs].append(cold_import(folder, jobs))
            naive_s = statistics.median(naive)
            for jobs, done in runs.items():
                assert all(run["activities"] == len(paths) for run in done), done
                seconds = statistics.median(run["seconds"] for run in done)
                peak = max(run["peak_mb"] for run in done)
                rounds = [n / run["seconds"] for n, run in zip(naive, done, strict=True)]
                label = "all" if jobs is None else jobs
                print(
                    f"| {shape}{' .fit.gz' if shape == 'coros' else ''} | {len(paths)} | "
                    f"{records:,} | {naive_s:.1f} ({decoder}) | {seconds:.2f} ({label}) | "
                    f"{len(paths) / seconds:.0f} | {records / seconds:,.0f} | "
                    f"{naive_s / seconds:.0f}x ({min(rounds):.0f}–{max(rounds):.0f}x) | "
                    f"{peak:.0f} |"
                )
    print(
        f"* timed on {args.sample} files, scaled by messages to the whole history; "
        "vs naive: ratio of the medians (in brackets: the lowest and highest ratio of one "
        "round, naive loop and cold imports run one after the other)"
    )
    print("\n".join(gates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
