"""A Strava bulk export written from planned activities, for tests and benchmarks.

Writes what Strava's "Download your data" archive holds, unpacked:
``activities/<id>.fit.gz`` (or ``.gpx.gz``) per activity, ``activities.csv``
with Strava's header (``Elapsed Time`` and ``Distance`` twice: display values
first, raw seconds and metres last), ``shoes.csv`` and, where a name is given,
``profile.csv`` (the account's owner). Strava re-measures
distances, so the CSV's distances are the planned ones times
:data:`STRAVA_SCALE`.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

from loadwatch.synthetic.plan import PlannedRun

#: Strava's activities.csv header (shortened after "Elevation Gain").
HEADER = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Max Heart Rate",
    "Relative Effort",
    "Commute",
    "Activity Private Note",
    "Activity Gear",
    "Filename",
    "Athlete Weight",
    "Bike Weight",
    "Elapsed Time",
    "Moving Time",
    "Distance",
    "Max Speed",
    "Average Speed",
    "Elevation Gain",
]
#: Strava's own distances differ a little from the watch's (it re-measures the track).
STRAVA_SCALE = 1.008
#: Strava's profile.csv header (shortened after "Country").
PROFILE_HEADER = [
    "Athlete ID",
    "Email Address",
    "First Name",
    "Last Name",
    "Sex",
    "Description",
    "Weight",
    "City",
    "State",
    "Country",
]
#: Strava's ``Activity Type`` per loadwatch sport.
STRAVA_TYPES = {"running": "Run", "cycling": "Ride", "walking": "Walk", "swimming": "Swim"}


def csv_row(
    activity_id: int,
    run: PlannedRun,
    kind: str,
    gear: str,
    filename: str,
    *,
    timezone: str,
    name: str | None = None,
    distance_m: float | None = None,
) -> list[str]:
    """One ``activities.csv`` row (``Activity Date`` in UTC, as Strava writes it)."""
    cells = [""] * len(HEADER)

    def put(column: str, value: object, occurrence: int = -1) -> None:
        cells[[i for i, n in enumerate(HEADER) if n == column][occurrence]] = str(value)

    start = run.start_local.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)
    metres = run.distance_m * STRAVA_SCALE if distance_m is None else distance_m
    seconds = round(run.distance_km * run.pace_s_per_km)
    put("Activity ID", activity_id)
    hour12 = start.hour % 12 or 12
    put("Activity Date", f"{start:%b} {start.day}, {start.year}, {hour12}:{start:%M:%S %p}")
    put("Activity Name", name or f"Morning {kind}")
    put("Activity Type", kind)
    put("Elapsed Time", seconds, 0)
    put("Elapsed Time", float(seconds))
    put("Distance", f"{metres / 1000:.2f}", 0)
    put("Distance", f"{metres:.1f}")
    put("Commute", "false", 0)
    put("Activity Gear", gear)
    put("Filename", filename)
    return cells


def write_strava_export(
    folder: Path,
    entries: Sequence[tuple[int, PlannedRun, str]],
    *,
    timezone: str,
    home: tuple[float, float],
    shoes: Sequence[tuple[str, str, str]] = (),
    extra_files: dict[str, PlannedRun] | None = None,
    manual: Sequence[tuple[int, PlannedRun, str]] = (),
    profile: tuple[str, str] | None = None,
) -> dict[int, PlannedRun]:
    """Write a Strava export into ``folder``.

    Parameters
    ----------
    entries
        ``(activity id, run, gear)``; each run is written as
        ``activities/<id>.<fmt>.gz``. An empty gear is a run without shoes.
    shoes
        ``(name, brand, model)`` rows of ``shoes.csv``.
    extra_files
        Relative path → run, written uncompressed (a watch's own copy).
    manual
        Activities typed in by hand on Strava: a CSV row without a file.
    profile
        ``(first name, last name)`` of the account: written as ``profile.csv``.

    Returns
    -------
    dict
        Activity id → run, for the entries with a file.
    """
    from loadwatch.synthetic import write_run

    (folder / "activities").mkdir(parents=True, exist_ok=True)
    rows = []
    for activity_id, run, gear in entries:
        filename = f"activities/{activity_id}.{run.fmt}.gz"
        plain = folder / f"{activity_id}.{run.fmt}"
        write_run(run, plain, timezone=timezone, home=home)
        (folder / filename).write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
        plain.unlink()
        kind = STRAVA_TYPES.get(run.sport, "Workout")
        rows.append(csv_row(activity_id, run, kind, gear, filename, timezone=timezone))
    for activity_id, run, gear in manual:
        kind = STRAVA_TYPES.get(run.sport, "Workout")
        rows.append(csv_row(activity_id, run, kind, gear, "", timezone=timezone))
    with (folder / "activities.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    with (folder / "shoes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Shoe Name", "Shoe Brand", "Shoe Model", "Shoe Default Sport Types"])
        writer.writerows([[n, b, m, "Run"] for n, b, m in shoes])
    if profile is not None:
        with (folder / "profile.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(PROFILE_HEADER)
            cells = dict.fromkeys(PROFILE_HEADER, "")
            cells.update({"Athlete ID": "12345678", "First Name": profile[0]})
            cells["Last Name"] = profile[1]
            writer.writerow([cells[name] for name in PROFILE_HEADER])
    for relative, run in (extra_files or {}).items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        write_run(run, folder / relative, timezone=timezone, home=home)
    return {activity_id: run for activity_id, run, _ in entries}
