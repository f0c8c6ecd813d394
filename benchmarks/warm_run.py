"""A warm re-run against starting Python with pandas and pyarrow (issue 15).

A warm re-run, ``loadwatch weeks PATH --json`` after a run that filled the
import cache, reads no activity file: its cost is starting Python, importing
loadwatch (pandas and pyarrow included), reading the cache and computing the
weeks. The floor is ``python -c "import pandas, pyarrow.parquet"``. Issue 15's
target: the warm re-run at most 1.5 times that floor.

One cache-filling run first (untimed), then each side ``--repeat`` times,
alternating (the machine is shared, so both sides see the same load); medians
reported. Each run is a fresh process; the cache is a new temporary folder
(``LOADWATCH_CACHE_DIR``). It also prints how many modules the warm run
imports beyond the floor's, and the loadwatch modules among them. Nothing here
is asserted.

    python benchmarks/warm_run.py [PATH] [--repeat R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: The floor: starting Python with what every loadwatch run needs.
FLOOR = "import pandas, pyarrow.parquet"
#: Issue 15's target: warm run / floor.
TARGET_RATIO = 1.5


def _seconds(command: list[str], environment: dict[str, str]) -> float:
    """Wall time [s] of one run of ``command`` in a fresh process."""
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=environment)
    return time.perf_counter() - began


def _modules(command: list[str], environment: dict[str, str]) -> list[str]:
    """The modules ``command`` imports, as Python's own ``-X importtime`` lists them."""
    run = subprocess.run(
        [command[0], "-X", "importtime", *command[1:]],
        check=True,
        capture_output=True,
        text=True,
        env=environment,
    )
    return sorted(
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line and "imported package" not in line
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="sample_data", help="folder to import")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each side (medians)")
    args = parser.parse_args(argv)
    python = sys.executable
    script = Path(python).with_name("loadwatch")  # the console script, as a user runs it
    launcher = [str(script)] if script.exists() else [python, "-m", "loadwatch"]
    warm = [*launcher, "weeks", args.path, "--json"]
    floor = [python, "-c", FLOOR]
    with tempfile.TemporaryDirectory() as cache:
        environment = {**os.environ, "LOADWATCH_CACHE_DIR": cache}
        cold_s = _seconds(warm, environment)  # fills the cache
        warm_runs: list[float] = []
        floor_runs: list[float] = []
        for _ in range(args.repeat):
            warm_runs.append(_seconds(warm, environment))
            floor_runs.append(_seconds(floor, environment))
        warm_modules = _modules([python, "-m", "loadwatch", *warm[-3:]], environment)
        floor_modules = _modules(floor, environment)
    warm_s = statistics.median(warm_runs)
    floor_s = statistics.median(floor_runs)
    ratio = warm_s / floor_s
    beyond = sorted(set(warm_modules) - set(floor_modules))
    own = [name for name in beyond if name.split(".")[0] == "loadwatch"]
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, medians of {args.repeat}")
    print("| run | s (median) | min–max s |")
    print("|---|---|---|")
    print(f"| first run (fills the cache) | {cold_s:.2f} | |")
    print(f"| `{FLOOR}` | {floor_s:.3f} | {min(floor_runs):.3f}–{max(floor_runs):.3f} |")
    print(
        f"| `loadwatch weeks {args.path} --json`, warm | {warm_s:.3f} | "
        f"{min(warm_runs):.3f}–{max(warm_runs):.3f} |"
    )
    mark = "✓" if ratio <= TARGET_RATIO else "✗"
    print(f"warm / floor: {ratio:.2f}x (target ≤ {TARGET_RATIO}x {mark})")
    print(f"modules beyond the floor's: {len(beyond)}, of them loadwatch's: {len(own)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
