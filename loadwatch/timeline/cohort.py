"""Cohorts: many athletes from many folders, on one machine or on a Dask cluster.

A cohort study (hundreds or thousands of runners) keeps each runner's watch
files in a folder of their own, often spread over several roster folders.
:func:`read_many` reads them all into one :class:`~loadwatch.timeline.build.ImportResult`,
the same object :func:`loadwatch.import_activities` returns, so every weekly
table, rule check and report works on a cohort unchanged.

Two engines give the same result:

* ``engine="local"`` imports the athletes in this process
  (:func:`loadwatch.timeline.build.import_athletes`).
* ``engine="dask"`` imports one athlete per Dask task on a
  `dask.distributed <https://distributed.dask.org>`_ cluster (the optional
  extra ``pip install "loadwatch[dask]"``), then combines the athletes in
  order (:func:`loadwatch.timeline.build.combine_results`). An athlete is the unit
  of work because duplicates are merged within an athlete.

Every worker must have loadwatch installed and see the files under the same
paths (one machine, or a shared file system); paths are made absolute before
they are sent, so a worker's working folder does not matter.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import os
import pickle
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from loadwatch.errors import LoadwatchError
from loadwatch.timeline.athletes import AthleteFolder, distinct_names, find_athletes, select_athlete
from loadwatch.timeline.build import (
    ImportResult,
    ProgressCallback,
    combine_results,
    import_athletes,
)
from loadwatch.timeline.problems import FileProblem
from loadwatch.timeline.settings import SettingsOverride

if TYPE_CHECKING:
    from distributed import Client

#: The message when ``engine="dask"`` is asked for without Dask installed.
DASK_MISSING = 'Dask is not installed: pip install "loadwatch[dask]"'

ENGINES = ("local", "dask")

#: Longest exception text kept in a failed athlete's error line [characters].
_MAX_REASON = 300

#: Dask tasks (athletes) in flight at once: this many per worker, and at least
#: :data:`MIN_TASKS_IN_FLIGHT` (a cluster may still be adding workers).
TASKS_PER_WORKER = 4
MIN_TASKS_IN_FLIGHT = 32

#: Arguments of :func:`import_athletes` that read_many sets itself.
_OWN_ARGUMENTS = ("athletes", "progress")


def _as_path_list(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    # Absolute (symlinks kept): a Dask worker may run in another working folder.
    result = [Path(p).absolute() for p in paths]
    if not result:
        raise LoadwatchError("no files or folders given to read")
    return result


def _check_separate(athletes: list[AthleteFolder]) -> list[AthleteFolder]:
    """Drop repeats of one folder; refuse two people of one name, or one file twice."""
    unique: list[AthleteFolder] = []
    folders: dict[str, AthleteFolder] = {}
    for athlete in athletes:
        key = os.path.normpath(athlete.folder)
        seen = folders.get(key)
        if seen is not None and seen.name == athlete.name and seen.files == athlete.files:
            continue  # the same folder reached from two of the paths given
        folders.setdefault(key, athlete)
        unique.append(athlete)

    names: dict[str, AthleteFolder] = {}
    owners: dict[str, AthleteFolder] = {}
    for athlete in unique:
        other = names.setdefault(athlete.name.lower(), athlete)
        if other is not athlete:
            raise LoadwatchError(
                f"two athletes are called {athlete.name!r}: {other.folder} and {athlete.folder}"
                " (give one another name in its loadwatch.toml, [athlete] name)"
            )
        for file in athlete.files:
            owner = owners.setdefault(os.path.normpath(file), athlete)
            if owner is not athlete:
                raise LoadwatchError(
                    f"{file} belongs to two athletes ({owner.name} and {athlete.name}):"
                    " give each folder once"
                )
    return unique


def find_cohort(
    paths: str | Path | Iterable[str | Path],
    *,
    roster: bool | None = None,
    athlete: str | None = None,
    overrides: SettingsOverride | None = None,
) -> list[AthleteFolder]:
    """The athletes under every path, sorted by name, each person once.

    Parameters
    ----------
    paths
        One or several files, runner's folders or roster folders (see
        :func:`loadwatch.timeline.athletes.find_athletes`).
    roster
        See :func:`loadwatch.timeline.athletes.find_athletes`; applies to every path.
    athlete
        Only the athlete of this name (one athlete in all is renamed so).
    overrides
        Settings that replace every athlete's ``loadwatch.toml`` values.

    Returns
    -------
    list of AthleteFolder
        With absolute paths, sorted by name (case-insensitive). A folder reached
        through two of the paths is listed once.

    Raises
    ------
    LoadwatchError
        Two different folders hold athletes of the same name (case-insensitive),
        or one file would count for two athletes: two people are never merged
        and no run is counted twice.
    FileNotFoundError
        A path does not exist.
    SettingsError
        A ``loadwatch.toml`` has a bad value.
    """
    found: list[AthleteFolder] = []
    for path in _as_path_list(paths):
        found += find_athletes(path, roster=roster)
    found = distinct_names(found)  # two "Sam"s of two folders stay two athletes
    found.sort(key=lambda a: a.name.lower())
    if athlete is not None:
        found = select_athlete(found, athlete)
    found = _check_separate(found)
    if overrides is not None:
        for folder in found:
            folder.settings = overrides.apply(folder.settings)
    return found


def _import_options(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` checked against what :func:`import_athletes` accepts."""
    parameters = inspect.signature(import_athletes).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    unknown = [
        key for key in options if key in _OWN_ARGUMENTS or not (takes_any or key in parameters)
    ]
    if unknown:
        accepted = [k for k in parameters if k not in _OWN_ARGUMENTS]
        raise TypeError(
            f"read_many() got unexpected keyword arguments {', '.join(map(repr, unknown))}"
            f" (import options: {', '.join(accepted) or 'none'})"
        )
    return dict(options)


def _travelling(error: BaseException | None) -> BaseException | None:
    """``error`` if it survives pickling, else a :class:`LoadwatchError` of the same text."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return LoadwatchError(str(error))
    return error


def shippable(result: ImportResult) -> ImportResult:
    """``result`` with every problem's exception able to travel between processes.

    An exception whose class cannot be rebuilt from its pickle (one whose
    ``__init__`` takes other arguments than its message) would make the whole
    result unreadable on the client; it is replaced by a
    :class:`~loadwatch.errors.LoadwatchError` with the same message. The
    report's text and :meth:`~loadwatch.timeline.build.ImportReport.to_dict` do not
    change.
    """
    for name in ("errors", "skipped", "warnings"):
        problems = getattr(result.report, name)
        for i, problem in enumerate(problems):
            error = _travelling(problem.error)
            if error is not problem.error:
                problems[i] = replace(problem, error=error)
    return result


def import_athlete(athlete: AthleteFolder, options: dict[str, Any]) -> ImportResult:
    """One Dask task: import one athlete (runs in a worker)."""
    return shippable(import_athletes([athlete], **options))


def failed_athlete(athlete: AthleteFolder, exc: BaseException) -> ImportResult:
    """The result of an athlete whose import failed: no rows, one error line.

    The athlete stays in the report, the settings and the timeline's context,
    so its weeks are known to be missing rather than silently absent.
    """
    empty = AthleteFolder(athlete.name, athlete.folder, athlete.settings, [], athlete.problems)
    no_cache: dict[str, Any] = (
        {"cache": False} if "cache" in inspect.signature(import_athletes).parameters else {}
    )
    result = import_athletes([empty], **no_cache)  # nothing to read: just the athlete's frame
    text = " ".join(str(exc).split())
    if len(text) > _MAX_REASON:
        text = text[: _MAX_REASON - 3] + "..."
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    reason = (
        f"{athlete.name}'s files could not be imported ({detail}); the other athletes are complete"
    )
    result.report.errors.append(FileProblem(str(athlete.folder), "internal", reason, exc))
    return result


def _dask() -> tuple[Any, Any, Any]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise LoadwatchError(DASK_MISSING) from exc
    return Client, LocalCluster, as_completed


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Logger ``name`` passes only errors inside this block (read_many's own cluster).

    ``silence_logs`` quiets the handlers of Dask's own logger; where the root
    logger already had a handler when Dask was imported, Dask logs through it
    instead, so the logger's level is raised too, and restored afterwards.
    """
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(max(level, logging.ERROR))
    try:
        yield
    finally:
        logger.setLevel(level)


def _client(scheduler: str | Client | None, workers: int, stack: ExitStack) -> Client:
    """The client to use; one that read_many opens is closed when ``stack`` closes."""
    client_class, cluster_class, _ = _dask()
    if isinstance(scheduler, client_class):
        return scheduler
    if scheduler is None:
        stack.enter_context(_quiet("distributed"))
        cluster = cluster_class(
            n_workers=workers,
            threads_per_worker=1,  # the import is Python code: processes, not threads
            processes=True,
            dashboard_address=None,
            # No dashboard; its bare HTTP server on any free local port, not on 8787.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.CRITICAL,  # a failed athlete is a line in the report
        )
        stack.callback(cluster.close)
        client = client_class(cluster, set_as_default=False)
    elif isinstance(scheduler, str):
        try:
            client = client_class(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            reason = " ".join(str(exc).split())
            raise LoadwatchError(
                f"cannot reach the Dask scheduler at {scheduler}: {reason}"
            ) from exc
    else:
        raise TypeError(
            "scheduler must be None, a scheduler address or a distributed.Client,"
            f" not {type(scheduler).__name__}"
        )
    stack.callback(client.close)
    return client


def _read_on_dask(
    athletes: list[AthleteFolder],
    scheduler: str | Client | None,
    progress: ProgressCallback | None,
    options: dict[str, Any],
) -> ImportResult:
    _, _, as_completed = _dask()
    if "jobs" in inspect.signature(import_athletes).parameters:
        options.setdefault("jobs", 1)  # Dask already runs one athlete per worker process
    total = len(athletes)
    results: list[ImportResult | None] = [None] * total
    with ExitStack() as stack:
        client = _client(scheduler, min(os.cpu_count() or 1, total), stack)
        workers = len(client.scheduler_info().get("workers", {}))
        # A window of tasks in flight, refilled as athletes finish: the graph sent and
        # the results waiting on the workers stay small however large the cohort.
        window = max(MIN_TASKS_IN_FLIGHT, TASKS_PER_WORKER * workers)
        waiting = iter(range(total))
        index: dict[Any, int] = {}
        finished = as_completed(loop=client.loop)

        def submit(count: int) -> None:
            for i in itertools.islice(waiting, count):
                future = client.submit(import_athlete, athletes[i], options, pure=False)
                index[future.key] = i
                finished.add(future)

        submit(window)
        for done, future in enumerate(finished, start=1):
            i = index.pop(future.key)
            try:
                results[i] = future.result()
            except Exception as exc:  # a bug in one athlete must not lose the others
                results[i] = failed_athlete(athletes[i], exc)
            future.release()
            del future
            submit(1)
            if progress is not None:
                progress(done, total, athletes[i].name)
    return combine_results([r for r in results if r is not None])


def read_many(
    paths: str | Path | Iterable[str | Path],
    *,
    engine: Literal["local", "dask"] = "local",
    scheduler: str | Client | None = None,
    roster: bool | None = None,
    athlete: str | None = None,
    overrides: SettingsOverride | None = None,
    progress: ProgressCallback | None = None,
    **options: Any,
) -> ImportResult:
    """Import a cohort: every athlete under one or many folders, locally or on Dask.

    Parameters
    ----------
    paths
        A file, a runner's folder or a roster folder, or a list of them. Each
        is searched as :func:`loadwatch.import_activities` searches one path.
    engine
        ``"local"``: import in this process. ``"dask"``: one task per athlete
        on a ``dask.distributed`` cluster (``pip install "loadwatch[dask]"``).
        Both give the same result.
    scheduler
        Only for ``engine="dask"``. ``None``: start a local cluster (one
        worker process per core, at most one per athlete, no dashboard) for
        this call and close it afterwards. A scheduler address such as
        ``"tcp://10.0.0.5:8786"``: connect, and disconnect afterwards. A
        ``distributed.Client``: used as it is and left open.
    roster
        See :func:`loadwatch.timeline.athletes.find_athletes`; applies to every path.
    athlete
        Only the athlete of this name.
    overrides
        Settings that replace every athlete's ``loadwatch.toml`` values (time
        zone, week start, units).
    progress
        ``engine="local"``: called as ``progress(done, total, file)`` before
        each file. ``engine="dask"``: called as ``progress(done, total,
        athlete)`` each time an athlete is finished (``done`` counts athletes).
    **options
        Further keyword arguments of :func:`loadwatch.timeline.build.import_athletes`
        (such as ``cache`` or ``jobs`` where this loadwatch has them). On Dask,
        ``jobs`` is 1 unless given: the cluster already runs athletes in
        parallel.

    Returns
    -------
    ImportResult
        As :func:`loadwatch.import_activities`: the timeline of every athlete
        (sorted by athlete name), the laps, one import report and each
        athlete's settings. File paths in it are absolute.

        On Dask, an athlete whose import fails unexpectedly (a loadwatch bug,
        or a worker that died) gets one line in ``report.errors`` (the file is
        the athlete's folder) and no rows; the other athletes are complete.

    Raises
    ------
    LoadwatchError
        Two folders hold athletes of the same name (two people are never
        merged), a file would count for two athletes, no path was given, Dask
        is not installed, or its scheduler cannot be reached.
    FileNotFoundError
        A path does not exist.
    SettingsError
        A ``loadwatch.toml`` has a bad value.
    TypeError
        An option that :func:`loadwatch.timeline.build.import_athletes` does not take.

    Notes
    -----
    With ``scheduler=None`` the workers are new processes that import the
    main module again: in a script, call read_many under
    ``if __name__ == "__main__":`` (notebooks need nothing).

    Each athlete's result travels back from its worker by pickle. A file
    error whose exception cannot be pickled comes back as a
    :class:`~loadwatch.errors.LoadwatchError` of the same message.

    Examples
    --------
    A cohort kept in two roster folders, read on this machine's cores with Dask,
    then the weekly load of every runner:

    >>> import loadwatch as lw
    >>> from loadwatch.timeline.cohort import read_many
    >>> cohort = read_many(["site-a/", "site-b/"], engine="dask")  # doctest: +SKIP
    >>> print(cohort.report.summary())  # doctest: +SKIP
    imported 412 athletes, 98231 files, 97904 activities (90117 runs, 7787 other), ...
    >>> weeks = lw.weekly_load(cohort)  # doctest: +SKIP
    >>> weeks.groupby("athlete")["distance_km"].mean()  # doctest: +SKIP

    On a cluster, connect to its scheduler (every worker needs loadwatch and the
    files under the same paths), or pass a ``distributed.Client`` you opened:

    >>> cohort = read_many("cohort/", engine="dask",
    ...                    scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "local" and scheduler is not None:
        raise ValueError("scheduler is only used with engine='dask'")
    import_options = _import_options(options)
    if engine == "dask":
        _dask()  # fail at once, before searching the folders, when Dask is missing
    athletes = find_cohort(paths, roster=roster, athlete=athlete, overrides=overrides)
    if engine == "local" or not athletes:
        return import_athletes(athletes, progress=progress, **import_options)
    return _read_on_dask(athletes, scheduler, progress, import_options)
