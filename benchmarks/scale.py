"""Speed-and-scale benchmark (run by hand): a five-year runner and a 30-athlete roster.

Writes (or reuses) the data with the fast generator beside this script
(``fitgen.py``: plans and streams, encoded by ``loadwatch.synthetic``'s FIT
writer; ≈1,550 one-second FIT files for the runner, ≈7,700 for the roster),
then times, each phase in a fresh process:

* the naive loop ``for m in fitparse.FitFile(f).get_messages(): m.get_values()``
  over a random subset of files, scaled by the record count to the whole set;
* ``loadwatch.import_activities(path, cache=True, jobs=N)`` cold (an empty
  cache folder in ``LOADWATCH_CACHE_DIR``), warm (the same folder again) and
  incremental (10 new files written, then removed again);
* ``loadwatch weeks DIR --json`` end to end, warm (what a runner waits for).

    python benchmarks/scale.py [--data DIR] [--quick] [--jobs N] [--only runner|roster]

Prints one table per data set: wall time, files/s, records/s, speed against
the naive loop and peak memory (RSS of the phase's process tree, pool workers
included), with the issue's targets and ✓/✗ beside them. Where the running
loadwatch has no ``cache``/``jobs`` arguments yet, it is called without them
and the rows say so. ``--quick`` writes a 150-run runner and a 5-athlete
roster for a smoke run; the targets are for the full size. Exits 0 always:
the table is the result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# fitgen (beside this script) and loadwatch are imported where used, so that a phase's
# fresh process imports only what the phase measures.
if TYPE_CHECKING:
    from loadwatch.synthetic import Athlete, PlannedRun

#: Files the naive fitparse loop is timed on (then scaled by records).
NAIVE_SUBSET = 60
#: New files of the incremental phase.
NEW_FILES = 10
#: Targets of issue 8 on a 2-core machine.
RUNNER_COLD_VS_NAIVE, RUNNER_COLD_S, RUNNER_WARM_S, WARM_VS_COLD = 20.0, 60.0, 1.0, 10.0
ROSTER_COLD_S, ROSTER_WARM_S, PEAK_MB = 300.0, 10.0, 1024.0


# --- the phases, each run in a fresh process (``scale.py --worker TASK``) ----------------


def _tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants [bytes] (Linux /proc)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/statm", encoding="ascii") as fh:
                total += int(fh.read().split()[1]) * page
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as fh:
                    stack += [int(child) for child in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


class _PeakMemory:
    """Samples the process tree's RSS every 50 ms; ``peak_mb`` also takes the larger of
    ``getrusage`` self/children (which catches spikes between samples)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, _tree_rss_bytes(os.getpid()))

    def peak_mb(self) -> float:
        self._stop.set()
        self._thread.join()
        from peak import own_peak_mb  # beside this script

        own = own_peak_mb()
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return max(self.peak / 2**20, own, children)


def _naive(files: list[str]) -> dict[str, float]:
    import fitparse

    records = 0
    began = time.perf_counter()
    for name in files:
        for message in fitparse.FitFile(name).get_messages():
            message.get_values()
            records += message.name == "record"
    return {"seconds": time.perf_counter() - began, "records": records}


def _import(path: str, jobs: int) -> dict[str, object]:
    import inspect

    import loadwatch as lw

    parameters = inspect.signature(lw.import_activities).parameters
    options: dict[str, object] = {}
    if "cache" in parameters:
        options["cache"] = True
    if "jobs" in parameters:
        options["jobs"] = jobs
    began = time.perf_counter()
    result = lw.import_activities(path, **options)
    seconds = time.perf_counter() - began
    return {
        "seconds": seconds,
        "activities": len(result.timeline),
        "errors": len(result.report.errors),
        "cache": "cache" in parameters,
        "jobs": "jobs" in parameters,
        "decoded": getattr(result.report, "files_decoded", None),
        "from_cache": getattr(result.report, "files_from_cache", None),
    }


def _cli(path: str, jobs: int) -> dict[str, object]:
    script = Path(sys.executable).with_name("loadwatch")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "loadwatch"]
    command += ["weeks", path, "--json"]
    if "--jobs" in subprocess.run([*command, "--help"], capture_output=True, text=True).stdout:
        command += ["--jobs", str(jobs)]
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    seconds = time.perf_counter() - began
    weeks = len(json.loads(done.stdout)) if done.returncode == 0 else 0
    return {"seconds": seconds, "returncode": done.returncode, "weeks": weeks}


def _worker(task: dict) -> None:
    memory = _PeakMemory()
    if task["kind"] == "naive":
        out = _naive(task["files"])
    elif task["kind"] == "import":
        out = _import(task["path"], task["jobs"])
    else:
        out = _cli(task["path"], task["jobs"])
    out["peak_mb"] = memory.peak_mb()
    print(json.dumps(out))


def run_phase(task: dict, *, cache_dir: Path | None = None) -> dict:
    """Run one phase in a fresh Python process; its JSON result (``seconds``, ``peak_mb`` ...)."""
    env = dict(os.environ)
    if cache_dir is not None:
        env["LOADWATCH_CACHE_DIR"] = str(cache_dir)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(task)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"phase {task['kind']} failed:\n{tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the data sets, written once and reused ------------------------------------------


@dataclass
class DataSet:
    """One benchmark data set: what to import and each athlete's plan and folder."""

    label: str
    folder: Path
    athletes: list[tuple[Athlete, Path]]

    def runs(self) -> list[tuple[Path, PlannedRun]]:
        """Every FIT file with its planned run."""
        from loadwatch.synthetic import file_name

        return [
            (folder / file_name(run), run)
            for athlete, folder in self.athletes
            for run in sorted(athlete.runs, key=lambda r: r.start_local)
        ]

    @property
    def files(self) -> int:
        """Number of FIT files."""
        return sum(len(a.runs) for a, _ in self.athletes)

    def stamp(self, seed: int) -> dict[str, object]:
        """What identifies the written data (kept beside the folder, not inside)."""
        import fitgen

        return {"generator": fitgen.GENERATOR_VERSION, "seed": seed, "files": self.files}


def datasets(root: Path, *, quick: bool = False, seed: int = 1) -> tuple[DataSet, DataSet]:
    """The five-year runner and the 30-athlete roster under ``root/full`` (``--quick``:
    a 150-run runner and a 5-athlete, 8-week roster under ``root/quick``); plans only."""
    import fitgen

    from loadwatch.synthetic import athlete_folder_name

    base = root / ("quick" if quick else "full")
    runner = fitgen.five_year_runner(weeks=25 if quick else 261, seed=seed)
    athletes = 5 if quick else 30
    roster = fitgen.roster_plan(athletes, weeks=8 if quick else 52, seed=seed + 1)
    runner_folder = base / athlete_folder_name(runner)
    return (
        DataSet(
            "quick runner" if quick else "five-year runner",
            runner_folder,
            [(runner, runner_folder)],
        ),
        DataSet(
            f"{athletes}-athlete roster",
            base / "roster",
            [(a, base / "roster" / athlete_folder_name(a)) for a in roster],
        ),
    )


def ensure_written(dataset: DataSet, *, seed: int = 1) -> float | None:
    """Write ``dataset`` unless it is there already (its stamp file, written last, and
    the number of FIT files agree). Files written per second, or ``None`` if reused."""
    import fitgen

    stamp_path = dataset.folder.with_name(dataset.folder.name + ".fitgen.json")
    want = dataset.stamp(seed)
    if stamp_path.exists():
        have = json.loads(stamp_path.read_text(encoding="utf-8"))
        present = sum(len(list(folder.glob("*.fit"))) for _, folder in dataset.athletes)
        if have == want and present == dataset.files:
            return None
    began = time.perf_counter()
    for athlete, folder in dataset.athletes:
        for stale in folder.glob("*.fit") if folder.exists() else ():
            stale.unlink()
        fitgen.write_athlete_fit(athlete, folder, seed=seed)
    rate = dataset.files / (time.perf_counter() - began)
    stamp_path.write_text(json.dumps(want), encoding="utf-8")
    return rate


# --- the table ---------------------------------------------------------------------------


@dataclass
class Row:
    """One phase's figures."""

    phase: str
    seconds: float
    files: int
    records: int
    peak_mb: float
    naive_s: float | None = None
    checks: list[tuple[str, bool]] = field(default_factory=list)
    note: str = ""

    def cells(self) -> list[str]:
        ratio = f"{self.naive_s / self.seconds:.1f}x" if self.naive_s else "—"
        targets = ", ".join(f"{text} {'✓' if ok else '✗'}" for text, ok in self.checks)
        return [
            self.phase,
            f"{self.seconds:.2f}",
            f"{self.files / self.seconds:,.1f}",
            f"{self.records / self.seconds:,.0f}",
            ratio,
            f"{self.peak_mb:,.0f}",
            "; ".join(p for p in (targets, self.note) if p),
        ]


def print_table(title: str, rows: list[Row], footnotes: list[str]) -> None:
    """Print ``rows`` under ``title`` as an aligned text table."""
    head = ["phase", "wall s", "files/s", "records/s", "vs naive", "peak MB", "targets"]
    body = [r.cells() for r in rows]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head) - 1)]
    print(f"\n{title}")
    for line in [head, *body]:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:-1], widths[1:], strict=True)]
        print("  ".join([*cells, line[-1]]).rstrip())
    for note in footnotes:
        print(f"  {note}")


def machine_line(jobs: int) -> str:
    """Cores, Python, loadwatch version and which import options it has."""
    import inspect

    import loadwatch as lw

    parameters = inspect.signature(lw.import_activities).parameters
    has = ", ".join(f"{name} {'✓' if name in parameters else '✗'}" for name in ("cache", "jobs"))
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
        f", loadwatch {lw.__version__} (import_activities: {has}), jobs={jobs}"
        f"\nload average before the run (1, 5, 15 min): {load} — other work skews the times"
    )


def _targets(kind: str, naive_s: float, cold: dict, warm: dict) -> dict[str, list]:
    """The issue's targets per phase as ``(text, met)`` pairs."""
    if kind == "runner":
        cold_vs_naive = naive_s / cold["seconds"]
        out = {
            "cold": [
                (f"≥{RUNNER_COLD_VS_NAIVE:.0f}x naive", cold_vs_naive >= RUNNER_COLD_VS_NAIVE),
                (f"<{RUNNER_COLD_S:.0f} s", cold["seconds"] < RUNNER_COLD_S),
            ],
            "warm": [(f"<{RUNNER_WARM_S:.0f} s", warm["seconds"] < RUNNER_WARM_S)],
        }
    else:
        out = {
            "cold": [(f"<{ROSTER_COLD_S:.0f} s", cold["seconds"] < ROSTER_COLD_S)],
            "warm": [(f"<{ROSTER_WARM_S:.0f} s", warm["seconds"] < ROSTER_WARM_S)],
        }
    faster = cold["seconds"] >= WARM_VS_COLD * warm["seconds"]
    out["warm"].append((f"≥{WARM_VS_COLD:.0f}x faster than cold", faster))
    return out


def _add_new_files(dataset: DataSet, seed: int) -> tuple[list[Path], int]:
    """Write :data:`NEW_FILES` new runs spread over the athletes; their paths and records."""
    import fitgen

    paths: list[Path] = []
    records = 0
    for i, (athlete, folder) in enumerate(dataset.athletes):
        count = len(range(i, NEW_FILES, len(dataset.athletes)))
        if count:
            extra = fitgen.extra_runs(athlete, count)
            paths += fitgen.write_runs(athlete, extra, folder, seed=seed)
            records += fitgen.record_count(extra)
    return paths, records


def _benchmark(
    dataset: DataSet, kind: str, *, jobs: int, subset: int, seed: int, quick: bool
) -> None:
    """Time every phase on ``dataset`` and print its table."""
    import fitgen

    runs = dataset.runs()
    records_of = {str(path): fitgen.duration_s(run) + 1 for path, run in runs}
    files, records = len(runs), sum(records_of.values())
    picked = random.Random(seed).sample(sorted(records_of), min(subset, files))
    naive = run_phase({"kind": "naive", "files": picked})
    naive_s = naive["seconds"] * records / naive["records"]

    cache_dir = Path(tempfile.mkdtemp(prefix="loadwatch-bench-cache-"))
    task = {"kind": "import", "path": str(dataset.folder), "jobs": jobs}
    try:
        cold = run_phase(task, cache_dir=cache_dir)
        warm = run_phase(task, cache_dir=cache_dir)
        cli = run_phase({**task, "kind": "cli"}, cache_dir=cache_dir)
        new_paths: list[Path] = []
        try:
            new_paths, new_records = _add_new_files(dataset, seed)
            incremental = run_phase(task, cache_dir=cache_dir)
        finally:
            for path in new_paths:
                path.unlink(missing_ok=True)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)

    targets = _targets(kind, naive_s, cold, warm)
    memory = f"<{PEAK_MB:.0f} MB"
    rows = [Row("naive fitparse loop*", naive_s, files, records, naive["peak_mb"], naive_s)]
    phases = (
        ("cold import", "cold", cold, 0, 0),
        ("warm re-run", "warm", warm, 0, 0),
        (f"incremental (+{NEW_FILES} files)", "incremental", incremental, NEW_FILES, new_records),
    )
    for label, name, result, more_files, more_records in phases:
        note = "" if result["cache"] else "(cache not available yet)"
        if result.get("decoded") is not None:
            note += f"{result['decoded']:,} decoded, {result['from_cache']:,} from cache"
        expected = files + more_files
        if result["activities"] != expected or result["errors"]:
            note += f" (!! {result['activities']} of {expected} read, {result['errors']} errors)"
        checks = [*targets.get(name, []), (memory, result["peak_mb"] < PEAK_MB)]
        total = records + more_records
        rows.append(
            Row(
                label,
                result["seconds"],
                expected,
                total,
                result["peak_mb"],
                naive_s * total / records,
                checks,
                note.strip(),
            )
        )
    cli_note = "end to end, Python start included"
    if cli["returncode"]:
        cli_note += f" (!! exit {cli['returncode']})"
    rows.append(
        Row(
            "CLI weeks --json, warm",
            cli["seconds"],
            files,
            records,
            cli["peak_mb"],
            naive_s,
            [(memory, cli["peak_mb"] < PEAK_MB)],
            cli_note,
        )
    )
    notes = [
        f"* naive loop timed on {len(picked)} random files ({naive['records']:,} records, "
        f"{naive['seconds']:.1f} s) and scaled by records to all {files:,} files",
        "import rows time the import_activities call in a fresh process (Python start and "
        "import loadwatch not counted); peak MB: the phase's process tree",
    ]
    if quick:
        notes.append("targets are for the full size; this is a --quick smoke run")
    print_table(
        f"{dataset.label}: {files:,} files, {records / 1e6:.2f} M records ({dataset.folder})",
        rows,
        notes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, help="data folder, reused when present (default: temp)"
    )
    parser.add_argument("--quick", action="store_true", help="150-run runner, 5-athlete roster")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="import processes")
    parser.add_argument("--subset", type=int, default=NAIVE_SUBSET, help="files for the naive loop")
    parser.add_argument("--only", choices=("runner", "roster"), help="one data set only")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(json.loads(args.worker))
        return 0

    print("loadwatch speed-and-scale benchmark")
    print(machine_line(args.jobs))
    root = args.data or Path(tempfile.mkdtemp(prefix="loadwatch-bench-"))
    runner, roster = datasets(root, quick=args.quick, seed=args.seed)
    for kind, dataset in (("runner", runner), ("roster", roster)):
        if args.only and args.only != kind:
            continue
        rate = ensure_written(dataset, seed=args.seed)
        how = "reused" if rate is None else f"written at {rate:.0f} files/s"
        print(f"data: {dataset.label} in {dataset.folder} ({how})")
        sys.stdout.flush()
        _benchmark(
            dataset, kind, jobs=args.jobs, subset=args.subset, seed=args.seed, quick=args.quick
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
