"""Decoding the files an import has to read: in this process or in worker processes.

What each file gives (rows, laps, speed profiles, problems) goes into its
:class:`~loadwatch.timeline.cache.FileOutcome`; a zip's members each add a part
to their archive's outcome. The pool's worker, :func:`_decode_chunk`, lives
here, so that the fork server preloads the decoders and nothing of the
timeline's later steps. :mod:`loadwatch.timeline.build` imports this module
only when a file has to be decoded: a warm re-run, every file from the cache,
loads no decoder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loadwatch.errors import ActivityFileError, NotAnActivityError
from loadwatch.importers.archives import is_archive_name, iter_archive
from loadwatch.importers.discover import FileData, read_file_data
from loadwatch.importers.read import parse_file_data
from loadwatch.timeline.athletes import AthleteFolder
from loadwatch.timeline.cache import FileOutcome, file_digest, format_trace
from loadwatch.timeline.decode_cost import data_cost, file_cost
from loadwatch.timeline.pool import CHUNK_MAX_BYTES, Chunk, chunk_cost, pool_plan, run_pool
from loadwatch.timeline.problems import FileProblem, internal_problem, problem_of
from loadwatch.timeline.rows import activity_row, lap_rows
from loadwatch.timeline.settings import AthleteSettings

__all__ = ["decode_files"]


#: One piece of decoding work: ``(path to read, source, bytes already read)``.
_Item = tuple[str | None, str, FileData | None]


def _decode_item(item: _Item, athlete: str, settings: AthleteSettings) -> FileOutcome:
    """Read (unless given) and decode one file or zip member into rows, laps, profiles, problems."""
    path, source, file = item
    part = FileOutcome(source)
    if file is None:
        try:
            file = read_file_data(Path(path or source), source)
        except ActivityFileError as exc:
            part.problems.append(("errors", problem_of(exc)))
            part.cacheable = not isinstance(exc.__cause__, OSError)  # e.g. no permission yet
            return part
        except Exception as exc:  # a bug must not stop the import
            part.problems.append(("errors", internal_problem(source, exc)))
            part.cacheable = False
            return part
        part.digest = file.digest
    try:
        activities = parse_file_data(file)
    except NotAnActivityError as exc:
        part.problems.append(("skipped", FileProblem(source, exc.kind, exc.reason, exc)))
        return part
    except ActivityFileError as exc:
        part.problems.append(("errors", FileProblem(source, exc.kind, exc.reason, exc)))
        return part
    except Exception as exc:  # a bug or a parser crash must not stop the import
        part.problems.append(("errors", internal_problem(source, exc)))
        part.cacheable = False
        return part
    part.files_read = 1
    for act in activities:
        row = activity_row(act, file, athlete, settings)
        part.rows.append(row)
        part.laps.append(lap_rows(act, athlete, row["activity_id"]))
        part.profiles.append(act.speed_profile_m)
        part.problems += [("warnings", FileProblem(source, "partial", n)) for n in act.notes]
        # What the row's own checks found (implausible distance, speed or times).
        part.problems += [
            ("warnings", FileProblem(source, "implausible", note)) for note in row.pop("checks", ())
        ]
    return part


def _decode_chunk(shared: tuple[str, AthleteSettings], items: list[_Item]) -> list[FileOutcome]:
    """The pool's worker: :func:`_decode_item` for each item, tracebacks as text."""
    out = []
    for item in items:
        part = _decode_item(item, *shared)
        part.problems = [(c, _portable(p)) for c, p in part.problems]
        out.append(part)
    return out


def _decode_here(shared: tuple[str, AthleteSettings], item: _Item) -> FileOutcome:
    """One item decoded in this process beside the workers, as with ``jobs=1``."""
    return _decode_item(item, *shared)


def _portable(problem: FileProblem) -> FileProblem:
    if problem.error is None:
        return problem
    return replace(problem, error=None, trace=format_trace(problem.error))


@dataclass
class _Pending:
    """A file to decode: its outcome, filled from its parts (one per zip member) in order."""

    athlete: AthleteFolder
    outcome: FileOutcome
    parts: list[FileOutcome] = field(default_factory=list)


def _archive_work(pending: _Pending) -> Iterator[tuple[_Pending, int, _Item]]:
    """A zip's members read here one by one; refused members become parts at once."""
    outcome = pending.outcome
    outcome.digest = file_digest(Path(outcome.source))
    members = iter_archive(Path(outcome.source), outcome.source)
    while True:  # each member is one file; one bad member never stops the rest
        part = FileOutcome(outcome.source, files_seen=1)
        try:
            member = next(members)
        except StopIteration:
            return
        except ActivityFileError as exc:  # the archive itself is damaged
            part.problems.append(("errors", problem_of(exc)))
            part.cacheable = not isinstance(exc.__cause__, OSError)
            pending.parts.append(part)
            return
        except Exception as exc:  # a zipfile crash must not stop the import
            part.problems.append(("errors", internal_problem(outcome.source, exc)))
            part.cacheable = False
            pending.parts.append(part)
            return
        if member.error is not None:
            part.problems.append(("errors", problem_of(member.error)))
        pending.parts.append(part)
        if member.file is not None:
            yield pending, len(pending.parts) - 1, (None, member.source, member.file)


def _work(
    todo: list[_Pending], tick: Callable[[str], None]
) -> Iterator[tuple[_Pending, int, _Item]]:
    """Every item to decode, in file order; ``tick`` as each file is handed out."""
    for pending in todo:
        source = pending.outcome.source
        tick(source)
        if is_archive_name(Path(source).name):
            yield from _archive_work(pending)
        else:
            pending.parts.append(FileOutcome(source, files_seen=1))
            yield pending, 0, (os.path.abspath(source), source, None)  # workers may sit elsewhere


def _chunks(
    work: Iterator[tuple[_Pending, int, _Item]], size: int, max_cost: int, costs: dict[str, int]
) -> Iterator[Chunk]:
    """Consecutive items of one athlete, closed at ``size`` items or ``max_cost`` of cost.

    Cost as in :mod:`~loadwatch.timeline.decode_cost` (``costs`` by source for
    files on disk); zip members in memory also close a chunk at ~CHUNK_MAX_BYTES.
    """
    shared: tuple[str, AthleteSettings] | None = None
    items: list[_Item] = []
    tags: list[tuple[_Pending, int]] = []
    weight = cost = 0
    for pending, slot, item in work:
        key = (pending.athlete.name, pending.athlete.settings)
        full = len(items) >= size or cost >= max_cost or weight >= CHUNK_MAX_BYTES
        if items and (key != shared or full):
            yield shared, items, tags
            items, tags, weight, cost = [], [], 0, 0
        shared = key
        items.append(item)
        tags.append((pending, slot))
        file = item[2]
        weight += len(file.data) if file is not None else 0
        cost += data_cost(file.data) if file is not None else costs.get(item[1], 0)
    if items:
        yield shared, items, tags


def decode_files(
    todo: list[tuple[AthleteFolder, FileOutcome]], jobs: int | None, tick: Callable[[str], None]
) -> None:
    """Decode the files of ``todo``, in worker processes when the work outweighs starting them.

    The gate and the chunks follow each file's estimated cost (decoded size and
    decoding path: :func:`~loadwatch.timeline.decode_cost.file_cost`), not its
    size on disk: a folder of ``.fit.gz`` or COROS files uses every core.
    Each file's outcome (rows, laps, profiles, problems) is filled in place,
    in file order whatever order the workers finish in.
    """
    pendings = [_Pending(athlete, outcome) for athlete, outcome in todo]
    costs: dict[str, int] = {}
    n_items = 0
    if jobs != 1:
        for pending in pendings:
            source = pending.outcome.source
            n, costs[source] = file_cost(Path(source), pending.outcome.size)
            n_items += n
    workers, size = pool_plan(n_items, sum(costs.values()), jobs)
    results: Iterator[tuple[tuple[_Pending, int], Any]]
    if workers:
        here = _decode_here if jobs is None else None  # every core: this process reads too
        max_cost = chunk_cost(sum(costs.values()), workers + (here is not None))
        chunks = _chunks(_work(pendings, tick), size, max_cost, costs)
        results = run_pool(_decode_chunk, chunks, workers, here)
    else:  # in this process, where exceptions are kept whole
        results = (
            ((pending, slot), _decode_item(item, pending.athlete.name, pending.athlete.settings))
            for pending, slot, item in _work(pendings, tick)
        )
    for (pending, slot), result in results:
        part = pending.parts[slot]
        if isinstance(result, BaseException):
            reason = f"could not be read: the process reading it stopped ({type(result).__name__})"
            part.problems.append(("errors", FileProblem(part.source, "internal", reason)))
            part.cacheable = False
        else:
            part.add(result)
    for pending in pendings:
        for part in pending.parts:
            pending.outcome.add(part)
