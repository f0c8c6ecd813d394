"""What the tests share besides fixtures: the project's root and the real-file corpus.

The corpus (``../shared/corpus`` beside the project, or ``LOADWATCH_CORPUS``)
holds real FIT/GPX/TCX files from public projects with a ``MANIFEST.csv``;
tests parametrise over :func:`corpus_files` rather than copy file names.
Imported by test modules as ``from support import ...`` (``tests/`` is on
``sys.path`` through pytest's rootdir-relative imports).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _corpus_dir() -> Path:
    configured = os.environ.get("LOADWATCH_CORPUS")
    if configured:
        return Path(configured)
    return PROJECT_ROOT.parent / "shared" / "corpus"


CORPUS_DIR = _corpus_dir()
MANIFEST = CORPUS_DIR / "MANIFEST.csv"


@dataclass(frozen=True)
class CorpusFile:
    """One row of ``MANIFEST.csv``."""

    file: str
    format: str
    sport: str
    n_records: int | None
    start_time_utc: str
    total_distance_m: float | None
    notes: str

    @property
    def path(self) -> Path:
        return CORPUS_DIR / self.file

    def __str__(self) -> str:  # readable test ids
        return self.file


def load_manifest() -> list[CorpusFile]:
    """The corpus manifest, or an empty list where the corpus is not beside the project."""
    if not MANIFEST.exists():
        return []
    rows = []
    with MANIFEST.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.append(
                CorpusFile(
                    file=row["file"],
                    format=row["format"],
                    sport=row["sport"],
                    n_records=int(row["n_records"]) if row["n_records"] else None,
                    start_time_utc=row["start_time_utc"],
                    total_distance_m=(
                        float(row["total_distance_m"]) if row["total_distance_m"] else None
                    ),
                    notes=row["notes"],
                )
            )
    return rows


def corpus_files(*formats: str) -> list[CorpusFile]:
    """Manifest rows of the given formats (``fit``, ``gpx``, ``gpx.gz``, ``tcx``)."""
    rows = load_manifest()
    if not rows and os.environ.get("CI"):
        raise RuntimeError(
            f"CI run without the corpus: expected {MANIFEST} (shared/ beside the clone)"
        )
    return [r for r in rows if not formats or r.format in formats]


def entity_bomb(root: str) -> str:
    """A "billion laughs" document: nine levels of entities, ten each, in ``root``.

    ``root`` is the document element with ``&lol9;`` where the bomb goes off,
    e.g. ``'<gpx version="1.1"><trk><name>&lol9;</name></trk></gpx>'``.
    """
    levels = "".join(
        f' <!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">\n'
        for k in range(1, 10)
    )
    return f'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n{levels}]>\n{root}\n'
