"""The ``loadwatch`` command line: parses options, calls the library, prints.

Exit codes: 0 success (unreadable files are listed on stderr and skipped);
1 an error that stopped the command (path not found, bad settings);
2 a usage error.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import LoadwatchError
from .tables import (
    ACTIVITY_FIELDS,
    WEEK_FIELDS,
    activity_records,
    records_to_csv,
    week_records,
)
from .timeline import ImportResult, import_activities
from .weekly import weekly_table

#: Above this many files a progress bar is shown on stderr (when it is a terminal).
PROGRESS_MIN_FILES = 8


#: Above this many warnings they are counted, not listed, unless --verbose.
MAX_WARNING_LINES = 10


class _State:
    debug = False
    verbose = False


def _fail(exc: BaseException) -> None:
    if _State.debug:
        raise exc
    raise click.ClickException(str(exc)) from exc


def _import(path: Path, roster: bool | None) -> ImportResult:
    """Import with a progress bar on stderr and the import report printed there."""
    bar: Any = None

    def progress(done: int, total: int, _source: str) -> None:
        nonlocal bar
        if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
            return
        if bar is None:
            bar = click.progressbar(length=total, label="reading", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    try:
        result = import_activities(path, roster=roster, progress=progress)
    except (LoadwatchError, FileNotFoundError) as exc:
        _fail(exc)
        raise  # unreachable: _fail raises
    report = result.report
    lines = report.lines()
    warnings = [line for line in lines if line.startswith("warning: ")]
    if not _State.verbose and len(warnings) > MAX_WARNING_LINES:
        lines = [line for line in lines if not line.startswith("warning: ")]
        lines.append(f"{len(warnings)} activities were read with warnings (--verbose lists them)")
    for line in lines:
        click.echo(line, err=True)
    if _State.debug:
        for problem in report.errors:
            if problem.error is not None:
                click.echo("".join(traceback.format_exception(problem.error)), err=True)
    click.echo(report.summary(), err=True)
    return result


def _emit(records: list[dict[str, Any]], fields: tuple[str, ...], fmt: str, text: Callable) -> None:
    if fmt == "json":
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        click.echo(records_to_csv(records, fields), nl=False)
    else:
        click.echo(text())


_format_options = [
    click.option("--json", "fmt", flag_value="json", help="Print a JSON array to stdout."),
    click.option("--csv", "fmt", flag_value="csv", help="Print CSV to stdout."),
]
_roster_option = click.option(
    "--roster/--one-athlete",
    default=None,
    help="Treat each sub-folder of PATH as an athlete (--roster), or everything as one "
    "athlete (--one-athlete). By default athletes are the folders with a loadwatch.toml.",
)
_path_argument = click.argument(
    "path", type=click.Path(exists=True, path_type=Path, file_okay=True, dir_okay=True)
)


def _with(options: list) -> Callable:
    def decorate(func: Callable) -> Callable:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="loadwatch")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.option("-v", "--verbose", is_flag=True, help="List every import warning.")
def main(debug: bool, verbose: bool) -> None:
    """Warns runners when training load rises too much, too soon.

    Point it at a folder of FIT, GPX or TCX files (a watch or Strava export):

        loadwatch activities sample_data/
    """
    _State.debug = debug
    _State.verbose = verbose


@main.command()
@_path_argument
@_with(_format_options)
@_roster_option
def activities(path: Path, fmt: str | None, roster: bool | None) -> None:
    """List every activity found under PATH, one per line.

    Runs and other sports (marked as not running) are listed; duplicates of
    one run from two files are merged; unreadable files are named on stderr
    and skipped.

    Example:

        loadwatch activities sample_data/ --json > activities.json
    """
    result = _import(path, roster)
    records = activity_records(result.timeline)
    _emit(records, ACTIVITY_FIELDS, fmt or "text", lambda: _activities_text(records))


@main.command()
@_path_argument
@_with(_format_options)
@_roster_option
def weeks(path: Path, fmt: str | None, roster: bool | None) -> None:
    """Weekly running totals per athlete, in local weeks, zero weeks included.

    Weeks start on each athlete's week_start (loadwatch.toml, Monday by default).

    Example:

        loadwatch weeks sample_data/ --csv > weeks.csv
    """
    result = _import(path, roster)
    starts = {name: s.week_start for name, s in result.settings.items()}
    table = weekly_table(result.timeline, starts)
    records = week_records(table)
    _emit(records, WEEK_FIELDS, fmt or "text", lambda: _weeks_text(records))


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _activities_text(records: list[dict[str, Any]]) -> str:
    if not records:
        return "no activities found"
    lines = [
        f"{'athlete':<14} {'local start':<16} {'sport':<10} {'km':>7} {'time':>6} "
        f"{'ascent':>6}  file"
    ]
    for r in records:
        sport = r["sport"] if r["is_run"] else f"({r['sport']})"
        ascent = "-" if r["ascent_m"] is None else f"{r['ascent_m']:.0f}"
        km = "-" if r["distance_km"] is None else f"{r['distance_km']:.2f}"
        lines.append(
            f"{r['athlete'][:14]:<14} {r['start_local'][:16].replace('T', ' '):<16} "
            f"{sport[:10]:<10} {km:>7} {_duration(r['duration_s']):>6} {ascent:>6}  "
            f"{Path(r['file']).name}"
        )
    return "\n".join(lines)


def _weeks_text(records: list[dict[str, Any]]) -> str:
    if not records:
        return "no runs found"
    lines = [
        f"{'athlete':<14} {'week':<10} {'km':>7} {'runs':>4} {'time':>6} {'ascent':>6} "
        f"{'longest':>7}"
    ]
    for r in records:
        lines.append(
            f"{r['athlete'][:14]:<14} {r['week_start']:<10} {r['distance_km']:>7.1f} "
            f"{r['runs']:>4} {_duration(r['duration_s']):>6} {r['ascent_m'] or 0:>6.0f} "
            f"{r['longest_run_km'] or 0:>7.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
