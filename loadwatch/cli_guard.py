"""The guard around every ``loadwatch`` command: safe printing, Ctrl-C, lost stdout.

* :func:`echo` is the CLI's one print call: control characters and escape
  sequences from file names, titles and settings are shown as visible escapes
  (:mod:`loadwatch.safe_text`), and a stdout that cannot be written (a full
  disk, a closed pipe) ends the command with one line on stderr.
* :class:`GuardedGroup` turns Ctrl-C into one line ``interrupted`` and exit code
  :data:`EXIT_INTERRUPTED`, a library error (:class:`~loadwatch.errors.LoadwatchError`,
  or a path that is gone) into one line ``Error: …`` and exit code 1 (the one
  place where library errors become click errors), and any unexpected exception
  into one line ``internal error: …`` — the traceback is for ``--debug``.
* :class:`Day` and :func:`capped_jobs` keep ``--since``/``--until`` and
  ``--jobs`` in range.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from datetime import date
from typing import Any

import click

from loadwatch.errors import LoadwatchError
from loadwatch.safe_text import one_line, terminal_safe
from loadwatch.timeline.pool import MAX_WORKERS, default_jobs, stop_workers

#: Dates --since and --until accept (pandas times end in 2262).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

#: Exit code after Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


class _OutputLost(Exception):
    """stdout cannot be written (a full disk, a closed pipe)."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        super().__init__(str(error))


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print ``text`` with control characters shown as escapes (the one print call).

    Newlines and tabs are kept: callers lay out their lines themselves, and
    values from files go through :func:`loadwatch.safe_text.one_line` first
    where they must stay on one line.
    """
    try:
        click.echo(terminal_safe(text), nl=nl, err=err)
    except OSError as exc:
        if not err:
            raise _OutputLost(exc) from exc
        # stderr itself is lost: there is nowhere left to say so.


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's final flush does not fail too."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):  # not a real file (e.g. a test runner)
        pass


def _debug(ctx: click.Context) -> bool:
    """True when the command line asked for --debug (tracebacks)."""
    return bool(ctx.find_root().params.get("debug"))


class GuardedGroup(click.Group):
    """The ``loadwatch`` group: Ctrl-C, a lost stdout and unexpected errors end in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return self._invoke(ctx)
        except KeyboardInterrupt:
            pass
        # Outside the except block: the interrupted frames are released, and with them
        # any worker pool they held, which shuts down at once with its workers gone.
        stop_workers()
        gc.collect()
        echo("interrupted", err=True)
        raise click.exceptions.Exit(EXIT_INTERRUPTED)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _OutputLost as exc:
            _silence_stdout()
            if exc.error.errno == errno.EPIPE:
                reason = "the reading end of the pipe was closed"
            else:
                reason = exc.error.strerror or str(exc.error)
            raise click.ClickException(f"cannot write the output: {reason}") from None
        except click.ClickException as exc:  # a path the user gave may hold escapes
            exc.message = terminal_safe(exc.message)  # type: ignore[misc]  # click's Final
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except (LoadwatchError, FileNotFoundError) as exc:  # the one place they become one line
            if _debug(ctx):
                raise
            raise click.ClickException(one_line(str(exc))) from exc
        except Exception as exc:
            if _debug(ctx):
                raise
            what = one_line(f"{type(exc).__name__}: {exc}")
            raise click.ClickException(
                f"internal error: {what} (run with --debug for details)"
            ) from exc


class Day(click.DateTime):
    """A ``YYYY-MM-DD`` date between :data:`FIRST_DAY` and :data:`LAST_DAY`."""

    name = "date"

    def __init__(self) -> None:
        super().__init__(["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        moment = super().convert(value, param, ctx)
        if not FIRST_DAY <= moment.date() <= LAST_DAY:
            self.fail(
                f"{moment.date().isoformat()} is out of range "
                f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})",
                param,
                ctx,
            )
        return moment


def capped_jobs(jobs: int | None) -> int | None:
    """--jobs, capped at the cores this process may use and :data:`MAX_WORKERS`."""
    if jobs is None:
        return None
    return max(1, min(jobs, default_jobs(), MAX_WORKERS))
