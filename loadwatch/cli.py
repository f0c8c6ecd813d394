"""The ``loadwatch`` command line: parses options, calls the library, prints.

Exit codes: 0 success (unreadable files are listed on stderr and skipped);
1 an error that stopped the command (bad settings, unreadable rules);
2 a usage error (e.g. the path does not exist);
3 ``check --fail-on`` found a finding of that severity or worse.
"""

from __future__ import annotations

import json
import sys
import textwrap
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import LoadwatchError
from .findings_table import FINDING_FIELDS, finding_records
from .load.ruleset import ALARMS, SEVERITIES
from .rules import check as check_findings
from .rules import weekly_load
from .tables import (
    ACTIVITY_FIELDS,
    WEEK_FIELDS,
    activity_records,
    records_to_csv,
    week_records,
)
from .timeline import ImportResult, import_activities

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
    fast_km is running faster than the athlete's own easy pace (interval laps or
    the speed stream); heat_s is running time in runs at 25 °C or more.

    Example:

        loadwatch weeks sample_data/ --csv > weeks.csv
    """
    result = _import(path, roster)
    try:
        table = weekly_load(result)
    except LoadwatchError as exc:
        _fail(exc)
    records = week_records(table)
    _emit(records, WEEK_FIELDS, fmt or "text", lambda: _weeks_text(records))


@main.command()
@_path_argument
@click.option("--json", "fmt", flag_value="json", help="Print a JSON array of findings.")
@click.option("--csv", "fmt", flag_value="csv", help="Print the findings as CSV.")
@click.option(
    "--fail-on",
    type=click.Choice(ALARMS),
    default=None,
    help="Exit with code 3 when a finding of this severity or worse is present.",
)
@click.option("--notes/--no-notes", default=True, help="Include notes (heat, cross-training).")
@_roster_option
def check(
    path: Path, fmt: str | None, fail_on: str | None, notes: bool, roster: bool | None
) -> None:
    """Too much, too soon: every rule that fired, with its numbers and source.

    Each finding names the rule, the severity (caution or high; notes are
    context), the date, the value and threshold, what to do next week, the
    published source and how strong its evidence is.

    Example:

        loadwatch check sample_data/ --json --fail-on high
    """
    result = _import(path, roster)
    try:
        findings = check_findings(result)
    except LoadwatchError as exc:
        _fail(exc)
    if not notes:
        findings = [f for f in findings if f.severity != "note"]
    records = finding_records(findings)
    _emit(records, FINDING_FIELDS, fmt or "text", lambda: _findings_text(records))
    if fail_on is not None:
        worst = max((SEVERITIES.index(f.severity) for f in findings), default=-1)
        if worst >= SEVERITIES.index(fail_on):
            sys.exit(3)


_MARK = {"high": "HIGH", "caution": "CAUTION", "note": "note"}
_NOT_A_DIAGNOSIS = (
    "loadwatch is not a diagnosis. See a doctor, not a training plan, for calf swelling, "
    "redness or warmth (urgent: possible blood clot), numbness or tingling, or pain that "
    "stops you walking or comes at rest or at night."
)


def _findings_text(records: list[dict[str, Any]]) -> str:
    alarms = [r for r in records if r["severity"] != "note"]
    notes = [r for r in records if r["severity"] == "note"]
    lines: list[str] = []
    if not alarms:
        lines.append("No too-much-too-soon warnings.")
    for r in alarms:
        lines.append(
            f"{_MARK[r['severity']]:<7} {r['date']}  {r['athlete']}  {r['rule']} ({r['evidence']})"
        )
        lines.append(
            textwrap.fill(
                r["message"], width=88, initial_indent="        ", subsequent_indent="        "
            )
        )
        lines.append(
            textwrap.fill(
                f"Source: {r['source']}",
                width=88,
                initial_indent="        ",
                subsequent_indent="          ",
            )
        )
        lines.append("")
    if notes:
        lines.append(f"Notes ({len(notes)}):")
        for r in notes:
            lines.append(f"  {r['date']}  {r['athlete']}  {r['rule']}")
        lines.append("")
    lines.append(textwrap.fill(_NOT_A_DIAGNOSIS, width=88))
    return "\n".join(lines)


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
            f"{r['longest_run_km'] or 0:>7.1f} {r['fast_km'] or 0:>5.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    main()
