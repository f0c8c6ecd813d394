"""Finding files and reading their bytes: gzip, sniffing, limits, hostile input."""

from __future__ import annotations

import gzip
import hashlib
import os
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest

from loadwatch.errors import EmptyFileError, UnsafeFileError, UnsupportedFileError
from loadwatch.importers import discover
from loadwatch.importers.discover import (
    file_data_from_bytes,
    iter_candidate_files,
    read_file_data,
    sniff_format,
)

from support import CORPUS_DIR

RUN_FIT = CORPUS_DIR / "corriporai_runpandas" / "run.fit"
RUN_GPX = CORPUS_DIR / "corriporai_runpandas" / "run.gpx"
RUN_TCX = CORPUS_DIR / "corriporai_runpandas" / "run.tcx"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sniff_by_content(corpus_dir: Path) -> None:
    assert sniff_format(RUN_FIT.read_bytes()) == "fit"
    assert sniff_format(RUN_GPX.read_bytes()) == "gpx"
    assert sniff_format(RUN_TCX.read_bytes()) == "tcx"
    prefixed = CORPUS_DIR / "ticofab_android-gpx-parser" / "test-ns2-prefixed.gpx"
    assert sniff_format(prefixed.read_bytes()) == "gpx"
    bom = CORPUS_DIR / "tkrajina_gpxpy" / "unicode_with_bom.gpx"
    assert sniff_format(bom.read_bytes()) == "gpx"
    assert sniff_format(b"<html><body>hi</body></html>") is None
    assert sniff_format(b"\x00" * 64) is None


def test_format_comes_from_content_not_name(corpus_dir: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "actually-fit.gpx"
    misnamed.write_bytes(RUN_FIT.read_bytes())
    assert read_file_data(misnamed).format == "fit"


def test_gzip_is_read_in_memory_and_matches_plain(corpus_dir: Path, tmp_path: Path) -> None:
    packed = tmp_path / "run.fit.gz"
    packed.write_bytes(gzip.compress(RUN_FIT.read_bytes()))
    before = digest(packed)
    plain = read_file_data(RUN_FIT)
    unpacked = read_file_data(packed)
    assert unpacked.format == "fit"
    assert unpacked.data == plain.data
    assert unpacked.digest == plain.digest  # a .gz and its plain twin are the same content
    assert digest(packed) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.fit.gz"]  # nothing extracted


def test_corpus_gz_file(corpus_dir: Path) -> None:
    data = read_file_data(CORPUS_DIR / "tkrajina_gpxgo" / "graphhopper.gpx.gz")
    assert data.format == "gpx"
    assert data.data.lstrip().startswith(b"<?xml")


def test_gzip_bomb_is_refused_quickly_with_bounded_memory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.gpx.gz"
    # 256 MiB of zeros packs into ~250 kB: far past the ratio limit.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with bomb.open("wb") as fh:
        block = b"\0" * (1 << 20)
        for _ in range(256):
            fh.write(compressor.compress(block))
        fh.write(compressor.flush())
    tracemalloc.start()
    began = time.perf_counter()
    with pytest.raises(UnsafeFileError, match="gzip bomb"):
        read_file_data(bomb)
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    limit = discover.MAX_GZIP_RATIO * bomb.stat().st_size
    assert peak < limit + 64 * 1024 * 1024
    assert elapsed < 30  # a guard against decompressing the whole GiB, not a benchmark


def test_damaged_gzip(tmp_path: Path, corpus_dir: Path) -> None:
    packed = gzip.compress(RUN_FIT.read_bytes())
    cut = tmp_path / "cut.fit.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(UnsupportedFileError, match="damaged gzip"):
        read_file_data(cut)
    nested = tmp_path / "twice.fit.gz"
    nested.write_bytes(gzip.compress(packed))
    with pytest.raises(UnsupportedFileError, match="gzip inside gzip"):
        read_file_data(nested)


def test_empty_and_unrecognised(tmp_path: Path) -> None:
    empty = tmp_path / "empty.fit"
    empty.write_bytes(b"")
    with pytest.raises(EmptyFileError, match="empty"):
        read_file_data(empty)
    with pytest.raises(EmptyFileError):
        file_data_from_bytes(gzip.compress(b""), "nothing.gpx.gz")
    noise = tmp_path / "noise.fit"
    noise.write_bytes(os.urandom(0) + bytes(range(256)) * 4)
    with pytest.raises(UnsupportedFileError, match="not a FIT file"):
        read_file_data(noise)
    with pytest.raises(UnsupportedFileError, match="not a FIT, GPX or TCX"):
        file_data_from_bytes(b"hello", "notes.txt")


def test_oversized_file_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    big = tmp_path / "huge.gpx"
    with big.open("wb") as fh:
        fh.truncate(4096)  # sparse: size without content
    monkeypatch.setattr(discover, "MAX_FILE_BYTES", 1024)
    with pytest.raises(UnsafeFileError, match="larger than any activity file"):
        read_file_data(big)


def test_candidate_files_skip_hidden_and_macos(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "__MACOSX").mkdir()
    for name in (
        "a/run1.FIT",
        "a/b/run2.gpx.gz",
        "a/b/run3.tcx",
        "a/notes.txt",
        "a/photo.jpg",
        ".git/x.fit",
        "__MACOSX/._run1.fit",
        "export.zip",
    ):
        (tmp_path / name).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in iter_candidate_files(tmp_path)]
    assert found == ["export.zip", "a/run1.FIT", "a/b/run2.gpx.gz", "a/b/run3.tcx"]


def test_damaged_xml_goes_to_its_importer_for_a_precise_reason(corpus_dir: Path) -> None:
    from loadwatch.errors import CorruptFileError
    from loadwatch.importers.read import read_activity_file

    malformed = CORPUS_DIR / "corriporai_runpandas" / "malformed.tcx"
    with pytest.raises(CorruptFileError, match=r"damaged XML at line 4653, column 6"):
        read_activity_file(malformed)
