"""Synthetic athletes written as real FIT and GPX files, for tests and the sample data.

Tests of loadwatch need athletes whose story is known — "week 6 jumps 40 %",
"a 20 km run after a month of 12 km ones" — as real watch files, so that the
whole path (importers, timeline, load rules, shoes, reports) is exercised.
This package writes them: FIT with its own numpy encoder
(:mod:`loadwatch.synthetic.fit_encoder`, field definitions from the FIT profile
in fitdecode) and GPX with gpxpy — nothing beyond loadwatch's own dependencies.

Quick start::

    from datetime import date, datetime
    from loadwatch.synthetic import Athlete, PlannedRun, Intervals, steady_weeks, write_athlete

    runs = steady_weeks(date(2026, 6, 1), weeks=4, km_per_week=30)
    runs.append(PlannedRun(datetime(2026, 6, 30, 18, 0), 10.0,
                           intervals=Intervals(reps=6, rep_m=800, rep_pace_s_per_km=240)))
    athlete = Athlete("Test Runner", "America/New_York", (40.78, -73.97), runs)
    paths = write_athlete(athlete, tmp_path / "runner")   # loadwatch.toml + one file per run

What the files hold (same inputs give byte-identical files):

* FIT: ``file_id`` (activity; manufacturer, product, serial, ``time_created`` =
  start), ``device_info``, timer start/stop ``event``, one ``record`` per
  sample (UTC timestamp, position in semicircles, distance, speed and altitude
  — as ``enhanced_speed``/``enhanced_altitude`` for ``device="garmin"``, both
  plain and enhanced for ``"coros"``, plain only for ``"strava"`` —, heart_rate,
  cadence, temperature where planned), ``lap`` messages (auto laps every 1 km — 5 km on
  a bike — or workout laps with intensity warmup/active/rest/cooldown), one
  ``session`` (totals, ascent/descent except for Strava-made files, heart rate,
  start position) and ``activity`` with ``local_timestamp`` (the local wall time
  of the end, DST-correct).
* GPX: the same samples as ``<trkpt>`` with ``<ele>``, UTC ``<time>`` and a
  Garmin TrackPointExtension (``atemp``, ``hr``, ``cad``).

The GPS track of every file is a loop through ``home`` whose length equals the
planned distance to well under 0.1 % (gpxpy ``length_2d``), and whose
altitude profile climbs the planned ascent.

:func:`sample_athlete` is the runner in ``sample_data/`` (see
:mod:`loadwatch.synthetic.story` for the dated story);
``python -m loadwatch.synthetic sample_data/`` regenerates it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from loadwatch.synthetic.fitwriter import write_fit
from loadwatch.synthetic.gpxwriter import write_gpx
from loadwatch.synthetic.plan import (
    Athlete,
    Intervals,
    PlannedRun,
    WeekTotal,
    build_weeks,
    ramp_km,
    split_week,
    steady_weeks,
    unique_runs,
    week_start_of,
    weekly_totals,
)
from loadwatch.synthetic.story import sample_athlete
from loadwatch.synthetic.track import Track, simulate

__all__ = [
    "Athlete",
    "Intervals",
    "PlannedRun",
    "Track",
    "WeekTotal",
    "athlete_folder_name",
    "build_weeks",
    "file_name",
    "ramp_km",
    "sample_athlete",
    "simulate",
    "split_week",
    "steady_weeks",
    "toml_text",
    "unique_runs",
    "week_start_of",
    "weekly_totals",
    "write_athlete",
    "write_run",
    "write_sample_data",
]

#: File-name word per sport (``2026-06-01-0630-run.fit``).
SPORT_WORDS = {"running": "run", "cycling": "ride", "swimming": "swim", "walking": "walk"}

#: Name of the settings file written beside the activity files.
SETTINGS_FILE = "loadwatch.toml"


def write_run(
    run: PlannedRun,
    path: Path,
    *,
    timezone: str,
    home: tuple[float, float],
    home_altitude_m: float = 30.0,
) -> Path:
    """Write one planned activity as a FIT or GPX file (``run.fmt``).

    Parameters
    ----------
    run
        The activity.
    path
        File to write (its folder must exist); the suffix is not checked.
    timezone
        IANA zone in which ``run.start_local`` is a wall time.
    home
        ``(lat, lon)`` where the route starts [degrees].
    home_altitude_m
        Altitude of the start [m].

    Returns
    -------
    Path
        ``path``.
    """
    track = simulate(run, home, home_altitude_m=home_altitude_m)
    if run.fmt == "fit":
        return write_fit(run, track, path, timezone=timezone)
    return write_gpx(run, track, path, timezone=timezone)


def file_name(run: PlannedRun) -> str:
    """``YYYY-MM-DD-HHMM-<sport>.<fmt>`` from the local start, e.g. ``2026-06-01-0630-run.fit``."""
    word = SPORT_WORDS.get(run.sport, run.sport.replace("_", "-"))
    return f"{run.start_local:%Y-%m-%d-%H%M}-{word}.{run.fmt}"


def athlete_folder_name(athlete: Athlete) -> str:
    """Folder name for an athlete: the name in lower case with dashes (``avery-stone``)."""
    return re.sub(r"[^a-z0-9]+", "-", athlete.name.lower()).strip("-")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def toml_text(athlete: Athlete) -> str:
    """The ``loadwatch.toml`` for ``athlete``: ``[athlete]`` and one ``[[shoes]]`` per shoe.

    Shoe keys are written in the order ``name, from, until, drop_mm, start_km``, then
    any others in the order given; dates as TOML local dates.
    """
    lines = [
        "# Written by loadwatch.synthetic: a synthetic athlete for tests and the sample data.",
        "[athlete]",
        f"name = {_toml_value(athlete.name)}",
        f"timezone = {_toml_value(athlete.timezone)}",
        f"week_start = {_toml_value(athlete.week_start)}",
        f"units = {_toml_value(athlete.units)}",
    ]
    order = ("name", "from", "until", "drop_mm", "start_km")
    for shoe in athlete.shoes:
        if "name" not in shoe or "from" not in shoe:
            raise ValueError("every shoe needs a name and a 'from' date")
        lines += ["", "[[shoes]]"]
        keys = [k for k in order if k in shoe] + [k for k in shoe if k not in order]
        lines += [f"{key} = {_toml_value(shoe[key])}" for key in keys]
    return "\n".join(lines) + "\n"


def write_athlete(athlete: Athlete, folder: Path) -> list[Path]:
    """Write ``loadwatch.toml`` and one file per planned run into ``folder``.

    Parameters
    ----------
    athlete
        The athlete and the runs.
    folder
        Created if missing; existing files of the same names are overwritten,
        others are left alone.

    Returns
    -------
    list of Path
        The settings file, then the activity files in start order (names from
        :func:`file_name`). Deterministic: the same athlete gives byte-identical
        files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    runs = sorted(athlete.runs, key=lambda r: (r.start_local, r.sport, r.fmt))
    names = [file_name(run) for run in runs]
    clashes = sorted({n for n in names if names.count(n) > 1})
    if clashes:
        raise ValueError(f"two planned activities would share the file name {clashes[0]}")
    settings = folder / SETTINGS_FILE
    settings.write_text(toml_text(athlete), encoding="utf-8", newline="\n")
    paths = [settings]
    for run, name in zip(runs, names, strict=True):
        paths.append(
            write_run(
                run,
                folder / name,
                timezone=athlete.timezone,
                home=athlete.home,
                home_altitude_m=athlete.home_altitude_m,
            )
        )
    return paths


def write_sample_data(outdir: Path) -> list[Path]:
    """Write :func:`sample_athlete` into ``outdir/<athlete folder>/`` (``avery-stone``).

    Activity files and ``loadwatch.toml`` already in that folder that the story
    no longer has are removed, so the folder holds exactly the story.
    """
    athlete = sample_athlete()
    folder = outdir / athlete_folder_name(athlete)
    paths = write_athlete(athlete, folder)
    keep = set(paths)
    for stale in sorted(folder.iterdir()):
        if stale not in keep and stale.suffix in (".fit", ".gpx", ".toml"):
            stale.unlink()
    return paths
