"""FIT histories shaped like real watches' files, against naive decoder loops (issue 15).

The scale benchmark's files hold one run of ``record`` messages: the fast path
crosses them in one numpy step. Real files do not look like that:

* **Garmin**: every one-second ``record`` is followed by an ``hrv`` message
  (beat-to-beat intervals from a chest strap), and ``device_info`` and
  ``event`` messages come between them every few minutes, so runs of
  same-type messages are one message long.
* **COROS**: the same interleaving, the ``file_id`` names COROS (294), and the
  ``event`` messages carry a ``data`` field of 1 byte where the profile's type
  (uint32) has 4: fitparse refuses such a file and loadwatch's fast path does
  too, so it takes the reference path (fitparse, then fitdecode). Stored as
  ``.fit.gz``, as in a Strava bulk export.

The files are written with the package's FIT encoder
(:mod:`loadwatch.synthetic.fit_encoder`; tracks from ``fitgen.fast_track``).
Timed: ``loadwatch.import_activities(DIR, cache=False)`` (cold: nothing from
a cache) with every core and with one, against a naive loop over a sample of
the files (fitparse for Garmin, fitdecode for COROS, which fitparse cannot
read), scaled by messages to the whole set. Nothing here is asserted.

    python benchmarks/real_shapes.py [--files N] [--minutes M] [--sample K]
"""

from __future__ import annotations

import argparse
import gzip
import os
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fitgen import fast_track

import loadwatch as lw
from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.fit_encoder import (
    FitFileWriter,
    MessageLayout,
    fit_seconds,
    semicircles,
)
from loadwatch.timeline.decode_cost import file_cost
from loadwatch.timeline.pool import pool_plan

HOME = (52.37, 4.89)
#: ``file_id.manufacturer`` and ``product`` of each shape.
MAKERS = {"garmin": (1, 3992), "coros": (294, 848)}
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


class Interleaved(MessageLayout):
    """``record`` then ``hrv``, one of each per second, written as one block of rows.

    Local types 14 and 15 are kept for them (the writer gives its own layouts
    0, 1, 2 ...), so both definitions are written once, before the first pair.
    """

    def __init__(self) -> None:
        super().__init__("record", 14, RECORD_FIELDS)
        self.hrv = MessageLayout("hrv", 15, ("time",))
        self.record_dtype = self.dtype
        self.dtype = np.dtype([("record", self.record_dtype), ("hrv", self.hrv.dtype)])

    def definition(self) -> bytes:
        return super().definition() + self.hrv.definition()

    def pairs(self, streams: dict[str, np.ndarray], beat_s: np.ndarray) -> np.ndarray:
        out = np.zeros(len(beat_s), dtype=self.dtype)
        self.dtype, dtype = self.record_dtype, self.dtype  # rows() fills a record array
        try:
            out["record"] = super().rows(len(beat_s), streams)
        finally:
            self.dtype = dtype
        out["hrv"] = self.hrv.rows(len(beat_s), {"time": beat_s})
        return out


class MisalignedEvent(MessageLayout):
    """An ``event`` whose ``data`` field (uint32) is written in 1 byte, as COROS watches do."""

    def __init__(self) -> None:
        super().__init__("event", 13, ("timestamp", "event", "event_type", "data"))
        fields = ("header", "u1"), ("timestamp", "<u4"), ("event", "u1"), ("event_type", "u1")
        self.dtype = np.dtype([*fields, ("data", "u1")])

    def definition(self) -> bytes:
        out = super().definition()
        return out[:-2] + bytes([1, out[-1]])  # the last field: size 1, base type unchanged


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
    pairs = Interleaved()
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
    rows = pairs.pairs(streams, beat_s)
    misaligned = MisalignedEvent()
    for first in range(0, len(rows), BURST_EVERY):
        fit.add_rows(pairs, rows[first : first + BURST_EVERY])
        moment = int(streams["timestamp"][min(first + BURST_EVERY, len(rows) - 1)])
        for index in range(3):  # the watch, the strap, the foot pod
            fit.add("device_info", timestamp=moment, device_index=index, manufacturer=1)
        if shape == "coros":
            burst = np.zeros(1, dtype=misaligned.dtype)
            burst["header"], burst["timestamp"], burst["event"] = 13, moment, 0
            fit.add_rows(misaligned, burst)
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


def count_messages(paths: list[Path]) -> int:
    """Messages in ``paths`` (fitdecode, untimed)."""
    import fitdecode

    total = 0
    for path in paths:
        with fitdecode.FitReader(_unpacked(path)) as reader:
            total += sum(isinstance(f, fitdecode.FitDataMessage) for f in reader)
    return total


def gate_line(shape: str, paths: list[Path]) -> str:
    """The pool's plan for ``paths`` by bytes on disk (the old gate) and by estimated cost."""
    on_disk = sum(p.stat().st_size for p in paths)
    cost = sum(file_cost(p, p.stat().st_size)[1] for p in paths)
    old, new = pool_plan(len(paths), on_disk, None)[0], pool_plan(len(paths), cost, None)[0]
    mb = 1024**2
    return (
        f"{shape}: {on_disk / mb:.1f} MB on disk -> {old} workers by that gate; "
        f"estimated cost {cost / mb:.1f} MB -> {new} workers"
    )


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message="invalid field size")  # fitdecode, per COROS file
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=120, help="files per history")
    parser.add_argument("--minutes", type=float, default=50.0, help="length of each run")
    parser.add_argument("--sample", type=int, default=8, help="files timed in the naive loops")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, loadwatch {lw.__version__}")
    print(
        "| history | files | messages | naive loop s* | loadwatch s (jobs) | files/s | vs naive |"
    )
    print("|---|---|---|---|---|---|---|")
    gates: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape, decoder in (("garmin", "fitparse"), ("coros", "fitdecode")):
            paths = write_history(Path(tmp) / shape, shape, args.files, args.minutes)
            gates.append(gate_line(shape, paths))
            total = count_messages(paths)
            sample_s, sample_messages = naive_loop(paths[: args.sample], decoder)
            naive_s = sample_s * total / sample_messages
            for jobs in (None, 1):
                began = time.perf_counter()
                result = lw.import_activities(Path(tmp) / shape, cache=False, jobs=jobs)
                seconds = time.perf_counter() - began
                assert len(result.timeline) == len(paths), result.report.summary()
                label = "all" if jobs is None else jobs
                print(
                    f"| {shape}{' .fit.gz' if shape == 'coros' else ''} | {len(paths)} | "
                    f"{total:,} | {naive_s:.1f} ({decoder}) | {seconds:.2f} ({label}) | "
                    f"{len(paths) / seconds:.0f} | {naive_s / seconds:.1f}x |"
                )
    print(f"* timed on {args.sample} files, scaled by messages to the whole history")
    print("\n".join(gates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
