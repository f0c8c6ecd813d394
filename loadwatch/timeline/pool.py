"""Decoding files on every core: a process pool that survives a crashing file.

Work goes out in chunks (never a process per file); at most two chunks per
worker are in flight, so a lazy stream of zip members never fills memory.
With every core (``jobs=None``) this process reads too: while the workers
start, and whenever none of their results is waiting. Workers are fresh
processes that inherit nothing: forked from a fork server that has the
decoders loaded (Linux), or spawned. Workers ignore Ctrl-C (SIGINT goes to the
whole process group) and it waits while a worker starts: the parent alone
gets KeyboardInterrupt; the pool then cancels the chunks not started (the CLI
also ends the workers at once: :func:`stop_workers`).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # concurrent.futures.process loads multiprocessing: only when a pool runs
    from concurrent.futures import Future, ProcessPoolExecutor

#: Fewer files than this to decode stay in this process.
POOL_MIN_FILES = 16
#: Starting a worker (the fork server loads pandas and the decoders, forks it, and
#: the worker loads the time-zone finder) takes ~0.5 s on an idle 2-core machine,
#: as long as the fast path takes to read ~12 MB of real-shaped FIT files (~25 MB/s
#: with their activities, issue 15). The cost of the work is in the same unit: bytes
#: decoded by the fast path (decompressed, other paths weighted:
#: :mod:`~loadwatch.timeline.decode_cost`). See :func:`pool_plan` for the gate.
POOL_MIN_BYTES = 12 * 1024**2
#: Chunks per worker that the work is cut into (by cost), so that workers finish together.
CHUNKS_PER_WORKER = 4
#: Most work items sent to a worker at once, and most bytes of zip members in one send.
CHUNK_MAX_ITEMS = 16
CHUNK_MAX_BYTES = 32 * 1024 * 1024
#: Most worker processes, whatever ``jobs`` asks for.
MAX_WORKERS = 32

#: ``(shared argument, items, tags)``: the worker gets the first two, the tags stay here.
Chunk = tuple[Any, list[Any], list[Any]]
Worker = Callable[[Any, list[Any]], list[Any]]
#: ``here(shared, item)``: one item decoded in this process.
Here = Callable[[Any, Any], Any]


def default_jobs() -> int:
    """The number of cores this process may use (its CPU affinity), at least 1."""
    process_cpu_count = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if process_cpu_count is not None:
        return process_cpu_count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def pool_plan(n_items: int, cost_bytes: int, jobs: int | None) -> tuple[int, int]:
    """``(worker processes, items per chunk)`` for this much work; no workers: this process.

    ``jobs=None`` uses every core: this process decodes too (:func:`run_pool`'s
    ``here``), beside one worker per other core. It starts them only where
    they pay: with ``P`` processes and a start of :data:`POOL_MIN_BYTES` (``S``),
    work ``W`` takes ``S + (W - S) / P`` instead of ``W`` (this process reads
    alone until the workers are up), which saves at least another start where
    ``W * (P - 1) >= S * (2 * P - 1)``: on 2 cores from ``3 S`` (~36 MB of
    cost), on 8 from ``~2.1 S``. An explicit ``jobs`` above 1 gives ``jobs``
    workers (this process only hands out the work: a crashing file costs only
    itself) and needs only :data:`POOL_MIN_FILES` items. The cost is the decoded
    size weighted by the path each file takes, not the size on disk. Never more
    than :data:`MAX_WORKERS` workers; fewer than :data:`POOL_MIN_FILES` items
    always stay here.
    """
    import multiprocessing

    if multiprocessing.current_process().daemon:  # e.g. a Dask worker: no children allowed
        return 0, 0
    if n_items < POOL_MIN_FILES:
        return 0, 0
    if jobs is None:
        processes = min(default_jobs(), MAX_WORKERS + 1)
        if processes <= 1 or cost_bytes * (processes - 1) < POOL_MIN_BYTES * (2 * processes - 1):
            return 0, 0
        workers = processes - 1
    else:
        processes = workers = min(jobs, MAX_WORKERS)
        if workers <= 1:
            return 0, 0
    size = max(1, min(CHUNK_MAX_ITEMS, -(-n_items // (CHUNKS_PER_WORKER * processes))))
    return min(workers, -(-n_items // size)), size


def chunk_cost(cost_bytes: int, workers: int) -> int:
    """The cost [bytes] at which a chunk is closed.

    The work is cut in :data:`CHUNKS_PER_WORKER` chunks per worker by cost, not
    by count, so that a run of costly files (COROS, big zips) is spread out.
    """
    return max(1, -(-cost_bytes // (CHUNKS_PER_WORKER * max(workers, 1))))


def _preload(worker: Worker) -> list[str]:
    """The modules the fork server imports once, so that no worker pays for them.

    The worker's own module and every module of :mod:`loadwatch.importers`,
    found by walking the package (no hand-kept list of names: a decoder that is
    added or moved is preloaded too).
    """
    import pkgutil

    import loadwatch.importers as importers

    prefix = importers.__name__ + "."
    return [worker.__module__] + [m.name for m in pkgutil.walk_packages(importers.__path__, prefix)]


def _context(worker: Worker) -> Any:
    """Fresh worker processes that inherit nothing (spawn-safe on every platform).

    On Linux a fork server, started once per process with loadwatch already
    imported, forks them in milliseconds; elsewhere they are spawned.
    """
    import multiprocessing

    if sys.platform.startswith("linux"):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_preload(worker))
        return context
    return multiprocessing.get_context("spawn")


def stop_workers(timeout_s: float = 5.0) -> None:
    """End every worker process this process started, at once (after Ctrl-C).

    Workers ignore Ctrl-C and would finish their chunk; a command that was
    interrupted wants none of their results. Killed workers print nothing,
    and a pool whose workers are gone shuts down at once.
    """
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            child.kill()
    for child in children:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            child.join(timeout_s)


def _ignore_interrupts() -> None:
    """In each worker: Ctrl-C is the parent's to handle (no traceback per worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()  # signal handlers live there


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Processes started in here ignore Ctrl-C from their first instruction.

    An ignored signal stays ignored across ``exec``: the fork server cannot
    print a traceback while it imports loadwatch, and the workers it forks
    ignore Ctrl-C too. (A Ctrl-C in the few milliseconds this takes is lost.)
    """
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """A Ctrl-C while worker processes start acts right after, not half-way through.

    Interrupted half-way, a worker would be left out of the pool's list: never
    stopped, it would outlive this process.
    """
    if not _in_main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and callable(previous):
        previous(signal.SIGINT, None)  # the default handler raises KeyboardInterrupt


def _new_pool(workers: int, worker: Worker) -> ProcessPoolExecutor:
    from concurrent.futures import ProcessPoolExecutor

    context = _context(worker)
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        with _interrupts_ignored():
            forkserver.ensure_running()
    with _interrupts_held():
        return ProcessPoolExecutor(workers, mp_context=context, initializer=_ignore_interrupts)


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Start worker processes without the user's main script.

    multiprocessing runs the parent's ``__main__`` again in every new process,
    so that functions defined there can be sent. loadwatch's worker needs
    nothing from it, and a script without an ``if __name__ == "__main__":``
    guard (or ``python -m loadwatch``) would run again in every worker.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _submit(pool: ProcessPoolExecutor, worker: Worker, shared: Any, items: list[Any]) -> Future:
    with _without_main(), _interrupts_held():  # processes start inside submit
        return pool.submit(worker, shared, items)


@dataclass
class _Sent:
    """The chunks sent to a pool and not yet back, and those it could not take."""

    pending: dict[Future, Chunk] = field(default_factory=dict)
    #: The chunks not sent, where the pool broke while they were sent.
    unsent: list[Chunk] = field(default_factory=list)


def _send(pool: ProcessPoolExecutor, worker: Worker, chunks: list[Chunk], sent: _Sent) -> None:
    """Send ``chunks`` (the first send starts a worker, which waits for the fork server)."""
    for i, chunk in enumerate(chunks):
        try:
            sent.pending[_submit(pool, worker, chunk[0], chunk[1])] = chunk
        except Exception:  # broken, or processes may not start here: see run_pool
            sent.unsent = chunks[i:]
            return


def _drive(
    worker: Worker, chunks: Iterator[Chunk], workers: int, here: Here | None = None
) -> Generator[tuple[Any, Any], None, list[Chunk]]:
    """Run chunks in one pool; return the chunks lost if the pool broke or did not start.

    The first two chunks per worker always go to the workers. With ``here``,
    they are sent from a thread while this process reads the next chunks
    itself (a worker's start waits for the fork server to load the decoders,
    ~0.5 s); then this process takes a chunk whenever no worker result is
    waiting, and the workers never wait for it: each has two chunks sent ahead.
    """
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    first = list(itertools.islice(chunks, 2 * workers))
    if not first:
        return []  # nothing to do: no pool
    try:  # here, not in the thread: the fork server starts with Ctrl-C ignored
        pool = _new_pool(workers, worker)
    except (OSError, ImportError, NotImplementedError, ValueError):
        return first  # no worker processes on this system: run_pool reads them itself
    sent = _Sent()
    pending = sent.pending
    sender = threading.Thread(target=_send, args=(pool, worker, first, sent), daemon=True)
    try:
        if here is None:
            _send(pool, worker, first, sent)
        else:
            sender.start()
            while sender.is_alive():
                chunk = next(chunks, None)
                if chunk is None:
                    break
                yield from _here(here, chunk)
            sender.join()
        while True:
            _send(pool, worker, list(itertools.islice(chunks, 2 * workers - len(pending))), sent)
            if sent.unsent:
                return [*pending.values(), *sent.unsent]
            if not pending:
                return []
            done = {future for future in pending if future.done()}
            if not done and here is not None:
                chunk = next(chunks, None)
                if chunk is not None:
                    yield from _here(here, chunk)
                    continue
                here = None  # nothing left to take: wait for the workers
            if not done:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost = []
            for future in done:
                chunk = pending.pop(future)
                try:
                    results = future.result()
                except BrokenProcessPool:
                    lost.append(chunk)
                    continue
                except Exception as exc:  # a result that could not be sent back
                    results = [exc] * len(chunk[1])
                yield from zip(chunk[2], results, strict=True)
            if lost:
                return lost + list(pending.values())
    finally:  # also on Ctrl-C: the chunks running finish, the others are cancelled
        if sender.is_alive():
            sender.join()
        pool.shutdown(wait=True, cancel_futures=True)


def _here(here: Here, chunk: Chunk) -> Iterator[tuple[Any, Any]]:
    shared, items, tags = chunk
    for item, tag in zip(items, tags, strict=True):
        yield tag, here(shared, item)


def _alone(worker: Worker, shared: Any, items: list[Any]) -> list[Any] | BaseException:
    """Items in a process of their own: the results, or why that process failed."""
    try:
        with _new_pool(1, worker) as pool:
            return _submit(pool, worker, shared, items).result()
    except Exception as exc:
        return exc


def _run_all(
    worker: Worker, chunks: Iterator[Chunk], workers: int, here: Here | None = None
) -> Generator[tuple[Any, Any], None, list[Chunk]]:
    """Every chunk through pools (a new one after a crash); the chunks lost in crashes."""
    lost_all: list[Chunk] = []
    while True:
        lost = yield from _drive(worker, chunks, workers, here)
        if lost == []:
            return lost_all
        if _alone(worker, lost[0][0], []) != []:
            # No worker process starts at all (not one file's fault): read here.
            for shared, items, tags in [*lost_all, *lost, *chunks]:
                yield from zip(tags, worker(shared, items), strict=True)
            return []
        lost_all += lost


def run_pool(
    worker: Worker, chunks: Iterable[Chunk], workers: int, here: Here | None = None
) -> Iterator[tuple[Any, Any]]:
    """``worker(shared, items)`` for every chunk, in worker processes; ``(tag, result)`` per item.

    Results come as chunks finish, not in order. At most two chunks per
    worker are sent ahead, so a lazy ``chunks`` (zip members read as they are
    needed) never fills memory. With ``here(shared, item)``, this process
    decodes chunks too, whenever no worker result is waiting (it reads alone
    while the workers start); an item read here is read as with ``jobs=1``, so
    a file that crashes the interpreter stops this process too: explicit
    ``jobs`` never pass ``here``. When a worker process dies (killed, out of
    memory, a crash in a C extension), a new pool takes the chunks not yet
    sent; the items of the chunks that were running are tried again one per
    chunk, and those lost in a crash again each in a process of its own. An
    item whose own process dies gets the exception as its result; every other
    item is read as usual. Where no worker process can start at all,
    everything runs in this process.
    """
    lost = yield from _run_all(worker, iter(chunks), workers, here)
    singles = [
        (shared, [item], [tag])
        for shared, items, tags in lost
        for item, tag in zip(items, tags, strict=True)
    ]
    lost = yield from _run_all(worker, iter(singles), workers)
    for shared, items, tags in lost:
        result = _alone(worker, shared, items)
        yield tags[0], result if isinstance(result, BaseException) else result[0]
