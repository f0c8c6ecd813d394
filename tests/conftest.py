"""Shared fixtures: the corpus folder and a private import cache for every test.

Helpers that are not fixtures (the corpus index, the project root) are in
``tests/support.py``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import CORPUS_DIR

# Charts render off-screen in the tests; the package itself never picks a backend.
os.environ.setdefault("MPLBACKEND", "Agg")


def _require_corpus() -> Path:
    """The corpus folder; where it is missing, skip the test (fail it in CI)."""
    if not CORPUS_DIR.exists():
        if os.environ.get("CI"):
            pytest.fail(f"corpus missing in CI: {CORPUS_DIR}")
        pytest.skip(f"corpus not found at {CORPUS_DIR} (set LOADWATCH_CORPUS)")
    return CORPUS_DIR


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``corpus`` need the corpus, as those asking for :func:`corpus_dir` do."""
    if item.get_closest_marker("corpus") is not None:
        _require_corpus()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return _require_corpus()


@pytest.fixture(scope="session", autouse=True)
def _session_import_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Module- and session-scoped imports cache into a temporary folder, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("import-cache")
        patch.setenv("LOADWATCH_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def import_cache_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test's own import cache folder (``LOADWATCH_CACHE_DIR``): tests stay independent."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("LOADWATCH_CACHE_DIR", str(folder))
    return folder
