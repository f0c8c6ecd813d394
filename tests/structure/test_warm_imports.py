"""A warm run imports only what it needs: no decoder, no chart library, no time-zone lookup.

When every activity comes from the import cache, ``loadwatch weeks PATH --json``
reads no FIT, GPX or TCX file and draws nothing, so the FIT and GPX decoders
(fitdecode, gpxpy, the package's own readers, the CRC library), matplotlib and
the time-zone finder (with the libraries it loads: h3, cffi, pycparser) must
not even be imported; nor the process pool (it starts no worker), the HTML
report, the report's model and terminal summary, or the shoes' modules (``weeks``
builds none of them). This checks the behaviour (which modules a fresh process
has loaded), not a time. A first run in its own process fills the cache with a
few sample FIT and GPX files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import PROJECT_ROOT

#: Modules (and their submodules) that a run served from the cache must not import.
NOT_WHEN_WARM = (
    "matplotlib",
    "timezonefinder",
    "fitdecode",
    "gpxpy",
    "defusedxml",
    "loadwatch.importers.fit",
    "loadwatch.importers.gpx_stream",
    "loadwatch.importers.gpx_bulk",
    "loadwatch.importers.tcx",
    "loadwatch.importers.tcx_stream",
    "crcmod",
    "h3",
    "cffi",
    "pycparser",
    "concurrent.futures.process",
    "loadwatch.report.html",
    "loadwatch.report.model",
    "loadwatch.report.summary",
    "loadwatch.report.publish",
    "loadwatch.shoes",
    "loadwatch.importers.gpx",
    "loadwatch.importers.gpx_columns",
    "loadwatch.importers.gpx_grid",
    "pyarrow.dataset",
    "loadwatch.timeline.decode",
    "loadwatch.timeline.decode_cost",
    "importlib.metadata",
    "loadwatch.load.plan",
    "loadwatch.load.daily",
    "loadwatch.report.output_files",
)

_RUN = """
import json, sys
from loadwatch.cli import main
try:
    main(["weeks", sys.argv[1], "--json"], prog_name="loadwatch")
except SystemExit as exc:
    assert not exc.code, exc.code
with open(sys.argv[2], "w") as out:
    json.dump(sorted(sys.modules), out)
"""


def _modules_of_a_run(folder: Path, cache: Path, out: Path) -> list[str]:
    environment = {**os.environ, "LOADWATCH_CACHE_DIR": str(cache)}
    subprocess.run(
        [sys.executable, "-c", _RUN, str(folder), str(out)],
        check=True,
        capture_output=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    return json.loads(out.read_text())


def _imported(modules: list[str], name: str) -> list[str]:
    return [m for m in modules if m == name or m.startswith(name + ".")]


@pytest.fixture(scope="module")
def warm_modules(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str]]:
    """Modules of a cold run (filling the cache) and of the warm run after it."""
    base = tmp_path_factory.mktemp("warm")
    folder = base / "runs"
    folder.mkdir()
    samples = sorted((PROJECT_ROOT / "sample_data").rglob("*.fit"))[:6]
    samples += sorted((PROJECT_ROOT / "sample_data").rglob("*.gpx"))[:4]
    assert len(samples) == 10
    for path in samples:
        shutil.copy(path, folder / path.name)
    cold = _modules_of_a_run(folder, base / "cache", base / "cold.json")
    warm = _modules_of_a_run(folder, base / "cache", base / "warm.json")
    return cold, warm


def test_the_cold_run_does_use_the_decoders(warm_modules: tuple[list[str], list[str]]) -> None:
    cold, _ = warm_modules
    assert _imported(cold, "loadwatch.importers.fit")  # else the warm check proves nothing
    assert _imported(cold, "loadwatch.importers.gpx_bulk")
    assert _imported(cold, "crcmod")  # the fast FIT path checks every file's CRC


@pytest.mark.parametrize("name", NOT_WHEN_WARM)
def test_a_warm_run_does_not_import(name: str, warm_modules: tuple[list[str], list[str]]) -> None:
    _, warm = warm_modules
    assert _imported(warm, name) == []


def test_a_warm_run_does_not_import_fitparse(warm_modules: tuple[list[str], list[str]]) -> None:
    _, warm = warm_modules
    assert _imported(warm, "fitparse") == []
