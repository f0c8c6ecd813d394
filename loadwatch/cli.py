"""The ``loadwatch`` command line: parses options, calls the library, prints.

Exit codes: 0 success (unreadable files are listed on stderr and skipped);
1 an error that stopped the command (bad settings, unreadable rules);
2 a usage error (e.g. the path does not exist);
3 ``check --fail-on`` found a finding of that severity or worse;
130 interrupted (Ctrl-C).

Everything printed goes through :func:`loadwatch.cli_guard.echo`, which shows
control characters and escape sequences from file names, titles and settings as
visible escapes; without ``--debug`` no error shows a traceback (the group is a
:class:`loadwatch.cli_guard.GuardedGroup`).
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click

from loadwatch.cli_guard import Day, GuardedGroup, capped_jobs
from loadwatch.cli_guard import echo as _echo
from loadwatch.findings.check import check as check_findings
from loadwatch.findings.check import open_findings, weekly_load
from loadwatch.findings.check import plan as plan_ahead
from loadwatch.findings.collection import OPEN_DAYS
from loadwatch.findings.table import FINDING_FIELDS, finding_records
from loadwatch.report.records import (
    ACTIVITY_FIELDS,
    WEEK_FIELDS,
    activity_records,
    records_to_csv,
    week_records,
)
from loadwatch.report.text_tables import activities_text, findings_text, weeks_text
from loadwatch.rules.ruleset import ALARMS
from loadwatch.safe_text import json_finite, json_terminal_safe, one_line
from loadwatch.timeline.build import ImportResult, import_activities
from loadwatch.timeline.cache import cache_info, clear_cache
from loadwatch.timeline.settings import UNITS, WEEK_STARTS, SettingsOverride
from loadwatch.timeline.window import weeks_between
from loadwatch.version import __version__

#: Above this many files a progress bar is shown on stderr (when it is a terminal).
PROGRESS_MIN_FILES = 8


#: Above this many warnings they are counted, not listed, unless --verbose.
MAX_WARNING_LINES = 10

#: Values of --engine.
ENGINES = ("local", "dask")


class _State:
    debug = False
    verbose = False


@dataclass(frozen=True)
class Selection:
    """What the input options of every command ask for."""

    path: Path
    roster: bool | None = None
    athlete: str | None = None
    timezone: str | None = None
    week_start: str | None = None
    units: str | None = None
    since: date | None = None
    until: date | None = None
    #: Use the import cache (--no-cache turns it off).
    cache: bool = True
    #: Worker processes decoding files (None: every core, this process reading too).
    jobs: int | None = None
    #: "local", or "dask" for one task per athlete on a Dask cluster.
    engine: str = "local"
    #: Dask scheduler address (--engine dask); None starts a local cluster.
    scheduler: str | None = None


def _import(selection: Selection) -> ImportResult:
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

    overrides = SettingsOverride(
        timezone=selection.timezone, week_start=selection.week_start, units=selection.units
    )
    if selection.engine == "dask":
        result = _import_on_dask(selection, overrides, progress)
    else:
        result = import_activities(
            selection.path,
            roster=selection.roster,
            progress=progress,
            athlete=selection.athlete,
            overrides=overrides,
            cache=selection.cache,
            jobs=selection.jobs,
        )
    report = result.report
    lines = report.lines()
    warnings = [line for line in lines if line.startswith("warning: ")]
    if not _State.verbose and len(warnings) > MAX_WARNING_LINES:
        lines = [line for line in lines if not line.startswith("warning: ")]
        lines.append(f"{len(warnings)} activities were read with warnings (--verbose lists them)")
    for line in lines:
        _echo(one_line(line), err=True)
    if _State.debug:
        for problem in report.errors:
            if problem.error is not None:
                _echo("".join(traceback.format_exception(problem.error)), err=True)
            elif problem.trace:
                _echo(problem.trace, err=True)
    _echo(report.summary(), err=True)
    if _State.verbose:
        _echo(
            f"{report.files_decoded} files decoded, {report.files_from_cache} from the cache"
            + ("" if selection.cache else " (--no-cache)"),
            err=True,
        )
    return result


def _import_on_dask(
    selection: Selection, overrides: SettingsOverride, progress: Callable
) -> ImportResult:
    """--engine dask: one task per athlete on a Dask cluster (loadwatch.timeline.cohort).

    Without Dask installed, read_many says how to install it before reading anything.
    """
    from loadwatch.timeline.cohort import read_many

    options: dict[str, Any] = {"cache": selection.cache}
    if selection.jobs is not None:
        options["jobs"] = selection.jobs
    try:
        return read_many(
            selection.path,
            engine="dask",
            scheduler=selection.scheduler,
            roster=selection.roster,
            athlete=selection.athlete,
            overrides=overrides,
            progress=progress,
            **options,
        )
    except (OSError, TimeoutError, ValueError) as exc:  # an unreachable or bad scheduler
        if _State.debug:
            raise
        where = selection.scheduler or "a local cluster"
        raise click.ClickException(f"Dask failed ({where}): {exc}") from exc


def _emit(
    records: list[dict[str, Any]], fields: tuple[str, ...], fmt: str | None, text: Callable
) -> None:
    if fmt == "json":  # strict JSON: NaN and infinities are null
        data = json.dumps(json_finite(records), indent=2, ensure_ascii=False, allow_nan=False)
        _echo(json_terminal_safe(data))
    elif fmt == "csv":
        _echo(records_to_csv(records, fields), nl=False)
    else:
        _echo(text())


def _formats(func: Callable) -> Callable:
    """--json and --csv."""
    func = click.option("--csv", "fmt", flag_value="csv", help="Print CSV to stdout.")(func)
    return click.option("--json", "fmt", flag_value="json", help="Print a JSON array to stdout.")(
        func
    )


def _selection(func: Callable) -> Callable:
    """PATH and the input options every command shares, packed into a Selection."""
    options = [
        click.argument(
            "path", type=click.Path(exists=True, path_type=Path, file_okay=True, dir_okay=True)
        ),
        click.option(
            "--roster/--one-athlete",
            default=None,
            help="Each sub-folder of PATH is an athlete (--roster), or everything is one "
            "athlete (--one-athlete). By default athletes are folders with a loadwatch.toml.",
        ),
        click.option(
            "--athlete",
            metavar="NAME",
            help="With a roster, only this athlete; with one athlete, its name.",
        ),
        click.option(
            "--timezone", metavar="ZONE", help="IANA time zone for files without local time."
        ),
        click.option(
            "--week-start", type=click.Choice(WEEK_STARTS), help="First day of a training week."
        ),
        click.option("--units", type=click.Choice(UNITS), help="Distances in text output."),
        click.option(
            "--since",
            type=Day(),
            help="Show from this local date (earlier runs still count as history).",
        ),
        click.option("--until", type=Day(), help="Show up to this date."),
        click.option(
            "--no-cache",
            "no_cache",
            is_flag=True,
            help="Decode every file afresh; read and write no import cache (see loadwatch cache).",
        ),
        click.option(
            "--jobs",
            type=click.IntRange(min=1),
            metavar="N",
            help="Worker processes that decode files (default: every core where the work "
            "pays for starting them, this process reading too; most: one per core; 1: this "
            "process only).",
        ),
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="local",
            show_default=True,
            help="Where athletes are imported: this machine, or a Dask cluster (one task per "
            'athlete; pip install "loadwatch[dask]").',
        ),
        click.option(
            "--scheduler",
            metavar="ADDRESS",
            help="With --engine dask: the scheduler, e.g. tcp://10.0.0.5:8786 "
            "(default: a local cluster for this command).",
        ),
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        since, until = kwargs.pop("since"), kwargs.pop("until")
        engine, scheduler = kwargs.pop("engine"), kwargs.pop("scheduler")
        if scheduler is not None and engine != "dask":
            raise click.UsageError("--scheduler is the Dask scheduler: use it with --engine dask")
        selection = Selection(
            path=kwargs.pop("path"),
            roster=kwargs.pop("roster"),
            athlete=kwargs.pop("athlete"),
            timezone=kwargs.pop("timezone"),
            week_start=kwargs.pop("week_start"),
            units=kwargs.pop("units"),
            since=since.date() if since else None,
            until=until.date() if until else None,
            cache=not kwargs.pop("no_cache"),
            jobs=capped_jobs(kwargs.pop("jobs")),
            engine=engine,
            scheduler=scheduler,
        )
        return func(selection, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def _units(result: ImportResult) -> dict[str, str]:
    return {name: settings.units for name, settings in result.settings.items()}


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
@_selection
@_formats
def activities(selection: Selection, fmt: str | None) -> None:
    """List every activity found under PATH, one per line.

    Runs and other sports (marked as not running) are listed; duplicates of
    one run from two files are merged; unreadable files are named on stderr
    and skipped.

    Example:

        loadwatch activities sample_data/ --json > activities.json
    """
    result = _import(selection)
    records = activity_records(result.between(selection.since, selection.until))
    _emit(records, ACTIVITY_FIELDS, fmt, lambda: activities_text(records, _units(result)))


@main.command()
@_selection
@_formats
def weeks(selection: Selection, fmt: str | None) -> None:
    """Weekly running totals per athlete, in local weeks, zero weeks included.

    Weeks start on each athlete's week_start (loadwatch.toml, Monday by default).
    fast_km is running faster than the athlete's own easy pace (interval laps or
    the speed stream); heat_s is running time in runs at 25 °C or more.

    Example:

        loadwatch weeks sample_data/ --csv > weeks.csv
    """
    result = _import(selection)
    weeks = weeks_between(weekly_load(result), selection.since, selection.until)
    records = week_records(weeks)
    _emit(records, WEEK_FIELDS, fmt, lambda: weeks_text(records, _units(result)))


@main.command()
@_selection
@click.option("--json", "fmt", flag_value="json", help="Print a JSON array of findings.")
@click.option("--csv", "fmt", flag_value="csv", help="Print the findings as CSV.")
@click.option(
    "--fail-on",
    type=click.Choice(ALARMS),
    default=None,
    help="Exit with code 3 when a finding of this severity or worse is present.",
)
@click.option("--notes/--no-notes", default=True, help="Include notes (heat, cross-training).")
@click.option(
    "--open",
    "open_only",
    is_flag=True,
    help=f"Only what the report calls open: the warnings of the last {OPEN_DAYS} days to "
    "--until (else the latest activity); --fail-on then judges only these.",
)
def check(
    selection: Selection, fmt: str | None, fail_on: str | None, notes: bool, open_only: bool
) -> None:
    """Too much, too soon: every rule that fired, with its numbers and advice.

    Each finding names the rule, the severity (caution or high; notes are
    context), the date, a line of numbers (value and threshold) and a line of
    advice with a number; the rule's evidence and source follow once per rule.
    The acute:chronic ratio is context: shown beside the warning of its week,
    never counted as a warning (nor by --fail-on). Without --open the whole
    history is listed.

    Example:

        loadwatch check sample_data/ --open --fail-on high
    """
    result = _import(selection)
    if open_only:
        findings = open_findings(result, as_of=selection.until).between(selection.since, None)
    else:
        findings = check_findings(result, since=selection.since, until=selection.until, notes=notes)
    records = finding_records(findings)
    _emit(records, FINDING_FIELDS, fmt, lambda: findings_text(findings))
    if fail_on is not None and findings.reaches(fail_on):
        sys.exit(3)


@main.command()
@_selection
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
    help="The HTML file to write: one self-contained file (charts inline) that opens offline. "
    "Only a new file or an earlier loadwatch report is written, never an input.",
)
def report(selection: Selection, output: Path) -> None:
    """A short summary here, and one HTML report to open offline or mail.

    The summary says what is risky now, since when, and what to do this week.
    The HTML file adds the charts (weekly distance against the +10% and +30%
    lines, each run against the longest of the previous 30 days, the
    acute:chronic ratio, climbing, fast running, shoe mileage, a timeline of
    findings), every finding explained with its numbers and source, and the
    red flags that need a doctor, not a training plan. A roster (a folder of
    athletes) gives one report with an index, riskiest athlete first.
    --until reports as of that day.

    Example:

        loadwatch report sample_data/ -o avery.html
    """
    from loadwatch.report.output_files import check_report_path

    # Before the import: a refused path costs no time, and nothing is written.
    check_report_path(output, [selection.path])
    from loadwatch.report.publish import publish  # the HTML report: only this command
    from loadwatch.report.summary import summary_from_data

    result = _import(selection)
    data, written = publish(result, output, as_of=selection.until)
    _echo(summary_from_data(data))
    _echo(f"Report written to {one_line(str(written))}")


@main.command()
@_selection
@click.option("--json", "fmt", flag_value="json", help="Print a JSON array to stdout.")
@click.option("--csv", "fmt", flag_value="csv", help="Print CSV to stdout.")
def shoes(selection: Selection, fmt: str | None) -> None:
    """Each pair's mileage against the 300 and 500 mile replacement lines.

    Pairs come from shoe-overrides.csv, a Strava export's gear column and the
    [[shoes]] periods of loadwatch.toml, in that order; runs with no pair are
    shown as unassigned, never guessed. The forecast is when the pair reaches
    300 and 500 miles at your recent use of it.

    Example:

        loadwatch shoes sample_data/ --json
    """
    from loadwatch.shoes import SHOE_FIELDS, shoe_records, shoe_table, shoe_text

    result = _import(selection)
    records = shoe_records(shoe_table(result))
    _emit(records, SHOE_FIELDS, fmt, lambda: shoe_text(records, _units(result)))


@main.command()
@_selection
@click.option(
    "--as-of",
    "as_of",
    type=Day(),
    help="The last day whose activities count (default: --until, else the day of the "
    "latest activity; for a roster, of the whole roster).",
)
@_formats
def plan(selection: Selection, as_of: Any, fmt: str | None) -> None:
    """Plan ahead: how long the next run and how much the week can be.

    For the day after --as-of: the longest run without a long-run-spike caution,
    and the week's running, climbing and fast running without a weekly-increase
    (in a return after a layoff: return-from-layoff), hill-increase or
    speedwork-increase caution; each number names the rule and the evidence it
    rests on. A line that keeps within a rule, not a guarantee.

    Example:

        loadwatch plan sample_data/ --as-of 2026-03-01 --json
    """
    from loadwatch.load.plan import PLAN_FIELDS, plan_records, plan_text

    result = _import(selection)
    day = as_of.date() if as_of else selection.until
    plans = plan_ahead(result, as_of=day)
    records = plan_records(plans, flat=fmt == "csv")
    _emit(records, PLAN_FIELDS, fmt, lambda: plan_text(records, _units(result)))


@main.command()
@_selection
@_formats
def days(selection: Selection, fmt: str | None) -> None:
    """Daily running load with rolling 7- and 28-day sums, rest days included.

    One row per athlete and local day, from the first activity to --until (else
    the latest activity; for a roster, of the whole roster): the day's running
    distance, runs, time and climbing, their sums over the 7 and 28 days ending
    that day, and the longest run of the long-run-spike window before that day
    (what a run that day is compared with). The text shows each athlete's last
    28 days (--since shows more); --json and --csv give every day.

    Example:

        loadwatch days sample_data/ --since 2026-10-01 --csv > days.csv
    """
    from loadwatch.load.daily import DAY_FIELDS, RECENT_DAYS, daily_records, daily_table, daily_text

    result = _import(selection)
    table = daily_table(result.timeline, as_of=selection.until, since=selection.since)
    records = daily_records(table)
    recent = None if selection.since else RECENT_DAYS
    _emit(records, DAY_FIELDS, fmt, lambda: daily_text(records, _units(result), days=recent))


def _size(n_bytes: int) -> str:
    if n_bytes < 1024**2:
        return f"{n_bytes / 1024:.1f} kB"
    return f"{n_bytes / 1024**2:.1f} MB"


@main.group("cache")
def cache_group() -> None:
    """The import cache: unchanged files are never decoded twice.

    What decoding each file gave is kept per athlete folder in the platform's
    cache folder (LOADWATCH_CACHE_DIR names another), so a second run only
    decodes new or changed files. Every command takes --no-cache to bypass it.

    Example:

        loadwatch cache info
    """


@cache_group.command("info")
def cache_info_command() -> None:
    """Where the cache is, how many cache files it holds and their size.

    Example:

        loadwatch cache info
    """
    info = cache_info()
    _echo(f"cache folder: {one_line(str(info.folder))}")
    _echo(f"{info.files} cache files, {_size(info.size_bytes)}")


@cache_group.command("clear")
def cache_clear_command() -> None:
    """Delete loadwatch's cache files (nothing else); the next run decodes every file.

    Example:

        loadwatch cache clear
    """
    info = clear_cache()
    freed = _size(info.size_bytes)
    _echo(f"removed {info.files} cache files from {one_line(str(info.folder))}: {freed} freed")


if __name__ == "__main__":  # pragma: no cover
    main()
