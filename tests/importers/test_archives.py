"""Whole export archives read in memory: Strava and Garmin zips, hostile members.

Every archive is written by the test itself from real corpus and sample files;
nothing is ever extracted, and the archive's bytes never change.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import shutil
import stat
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.errors import CorruptFileError, UnsafeFileError
from loadwatch.importers import archives, discover
from loadwatch.importers.archives import iter_archive, read_archive_member, split_member_source
from loadwatch.timeline.build import import_activities

from support import CORPUS_DIR

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "avery-stone"
SAMPLE_FIT = SAMPLE / "2026-06-01-0630-run.fit"
SAMPLE_GPX = SAMPLE / "2026-06-03-0630-run.gpx"
RUN_FIT = CORPUS_DIR / "corriporai_runpandas" / "run.fit"  # 5839.8 m per the manifest
POLAR_TCX = CORPUS_DIR / "GoldenCheetah_sweatpy" / "3173437224.tcx"  # 4508.5 m

#: Member name -> (real file, gzip it) of a Strava-style export.
STRAVA_MEMBERS = {
    "activities/101.fit.gz": (RUN_FIT, True),
    "activities/102.tcx.gz": (POLAR_TCX, True),
    "activities/103.gpx": (SAMPLE_GPX, False),
    "activities/104.fit.gz": (SAMPLE_FIT, True),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def member_bytes(path: Path, packed: bool) -> bytes:
    data = path.read_bytes()
    return gzip.compress(data, mtime=0) if packed else data


def write_strava_zip(target: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities.csv", "Activity ID,Activity Type\n101,Run\n")
        archive.writestr("profile.jpg", b"\xff\xd8\xff not a photo")
        archive.writestr("__MACOSX/activities/._101.fit.gz", b"\0\5\26\7 apple double")
        for name, (path, packed) in STRAVA_MEMBERS.items():
            archive.writestr(name, member_bytes(path, packed))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target


def distances(timeline) -> list[float]:
    return sorted(round(float(km), 3) for km in timeline["distance_km"])


def test_strava_zip_matches_the_unpacked_folder(corpus_dir: Path, tmp_path: Path) -> None:
    export = write_strava_zip(tmp_path / "strava_export.zip")
    before = sha256(export)
    unpacked = tmp_path / "unpacked"
    for name, (path, packed) in STRAVA_MEMBERS.items():
        (unpacked / name).parent.mkdir(parents=True, exist_ok=True)
        (unpacked / name).write_bytes(member_bytes(path, packed))

    zipped = import_activities(export)
    folder = import_activities(unpacked)

    assert zipped.report.errors == []
    assert zipped.report.athletes == ["strava_export"]  # named after the archive
    assert zipped.report.files_seen == 4  # the csv, photo and macOS companion pass quietly
    assert distances(zipped.timeline) == distances(folder.timeline)
    assert len(zipped.timeline) == 4 and zipped.timeline["is_run"].all()
    by_file = dict(zip(zipped.timeline["file"], zipped.timeline["distance_km"], strict=True))
    assert by_file[f"{export}!activities/101.fit.gz"] == pytest.approx(5.8398, abs=0.01)
    assert by_file[f"{export}!activities/102.tcx.gz"] == pytest.approx(4.5085, abs=0.01)
    assert sha256(export) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["strava_export.zip", "unpacked"]


def test_zip_beside_a_settings_file_takes_its_name(corpus_dir: Path, tmp_path: Path) -> None:
    runner = tmp_path / "sam"
    runner.mkdir()
    (runner / "loadwatch.toml").write_text('[athlete]\nname = "Sam Lee"\n', encoding="utf-8")
    export = write_strava_zip(runner / "export.zip")
    result = import_activities(export)
    assert result.report.athletes == ["Sam Lee"]
    assert len(result.timeline) == 4


def test_folder_with_zips_and_loose_files(corpus_dir: Path, tmp_path: Path) -> None:
    write_strava_zip(tmp_path / "export.zip")
    shutil.copy(SAMPLE / "2026-06-05-0630-run.fit", tmp_path / "loose.fit")
    result = import_activities(tmp_path)
    assert result.report.errors == []
    assert len(result.timeline) == 5
    assert (result.timeline["file"].str.contains("export.zip!activities/")).sum() == 4


def test_garmin_style_nested_zips(tmp_path: Path) -> None:
    runs = sorted(SAMPLE.glob("*-run.fit"))[:6]
    uploads = []
    for part in range(2):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as inner:
            for run in runs[part * 3 : part * 3 + 3]:
                inner.writestr(f"{run.stem}.fit", run.read_bytes())
        uploads.append(buffer.getvalue())
    export = tmp_path / "garmin.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as outer:
        outer.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", "{}")
        for part, data in enumerate(uploads):
            outer.writestr(f"DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_{part}.zip", data)

    result = import_activities(export)
    assert result.report.errors == []
    assert len(result.timeline) == 6
    first = "garmin.zip!DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0.zip!"
    assert result.timeline["file"].str.contains(first, regex=False).sum() == 3
    plain = import_activities(runs[0])
    assert distances(plain.timeline)[0] in distances(result.timeline)

    # the record stream of a nested member, by its source name
    source = f"{export}!DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0.zip!{runs[0].stem}.fit"
    records = lw.read_records(source)
    assert records.equals(lw.read_records(runs[0]))


def test_zips_nested_too_deep_are_refused(tmp_path: Path) -> None:
    data = SAMPLE_FIT.read_bytes()
    name = "run.fit"
    for level in range(archives.MAX_ARCHIVE_DEPTH + 1):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, data)
        data, name = buffer.getvalue(), f"level{level}.zip"
    export = tmp_path / "deep.zip"
    export.write_bytes(data)
    members = list(iter_archive(export))
    assert len(members) == 1
    assert isinstance(members[0].error, UnsafeFileError)
    assert "nested more than" in members[0].error.reason


def _symlink(name: str, target: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def test_hostile_member_names_are_refused_and_the_rest_imports(tmp_path: Path) -> None:
    export = tmp_path / "hostile.zip"
    good = SAMPLE_FIT.read_bytes()
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("activities/good.fit", good)
        archive.writestr("../evil.fit", good)
        archive.writestr("activities/../../evil2.gpx", SAMPLE_GPX.read_bytes())
        archive.writestr(zipfile.ZipInfo("/etc/abs.fit"), good)
        archive.writestr(zipfile.ZipInfo("C:/Users/abs.fit"), good)
        archive.writestr(*_symlink("activities/link.fit", b"/etc/passwd"))
    before = sha256(export)

    result = import_activities(export)
    lines = [problem.line() for problem in result.report.errors]
    assert lines == [
        f"{export}!../evil.fit: member name climbs out of the archive ('..'): "
        "refused as a path-traversal trick",
        f"{export}!activities/../../evil2.gpx: member name climbs out of the archive ('..'): "
        "refused as a path-traversal trick",
        f"{export}!/etc/abs.fit: absolute member name in the archive: "
        "refused (never extracted, never read)",
        f"{export}!C:/Users/abs.fit: absolute member name in the archive: "
        "refused (never extracted, never read)",
        f"{export}!activities/link.fit: member is a symbolic link: "
        "refused (links in archives can point anywhere)",
    ]
    assert {p.kind for p in result.report.errors} == {"unsafe"}
    assert list(result.timeline["file"]) == [f"{export}!activities/good.fit"]
    assert sha256(export) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.zip"]
    assert not (tmp_path.parent / "evil.fit").exists()


def _write_zero_member(archive: zipfile.ZipFile, name: str, mebibytes: int) -> None:
    block = b"\0" * (1 << 20)
    with archive.open(name, "w", force_zip64=True) as member:
        for _ in range(mebibytes):
            member.write(block)


def _measure(path: Path) -> tuple[list[archives.ArchiveMember], float, int]:
    tracemalloc.start()
    began = time.perf_counter()
    members = list(iter_archive(path))
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return members, elapsed, peak


def test_zip_bomb_member_is_refused_quickly_with_bounded_memory(tmp_path: Path) -> None:
    export = tmp_path / "bomb.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a-good.fit", SAMPLE_FIT.read_bytes())
        _write_zero_member(archive, "bomb.gpx", 200)  # 200 MiB, under the size limit
        _write_zero_member(archive, "huge.fit", 300)  # 300 MiB, over it
        archive.writestr("z-good.gpx", SAMPLE_GPX.read_bytes())
    assert export.stat().st_size < 2 * 1024 * 1024

    members, elapsed, peak = _measure(export)
    by_name = {m.source.split("!")[-1]: m for m in members}
    assert by_name["a-good.fit"].file is not None and by_name["a-good.fit"].file.format == "fit"
    assert by_name["z-good.gpx"].file is not None and by_name["z-good.gpx"].file.format == "gpx"
    assert isinstance(by_name["bomb.gpx"].error, UnsafeFileError)
    assert "zip bomb" in by_name["bomb.gpx"].error.reason
    assert isinstance(by_name["huge.fit"].error, UnsafeFileError)
    assert "larger than any activity file" in by_name["huge.fit"].error.reason
    ratio_cap = discover.MAX_GZIP_RATIO * 1024 * 1024  # the bomb packs to under 1 MiB
    assert peak < 2 * ratio_cap + 64 * 1024 * 1024
    assert elapsed < 30  # a guard against unpacking 500 MiB, not a benchmark


def _patch_sizes(data: bytes, name: bytes, claimed: int) -> bytes:
    """The zip ``data`` with ``name``'s uncompressed size in both headers set to ``claimed``."""
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04")
    while local >= 0:
        name_len = struct.unpack_from("<H", patched, local + 26)[0]
        if patched[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", patched, local + 22, claimed)
            break
        local = patched.find(b"PK\x03\x04", local + 4)
    central = patched.find(b"PK\x01\x02")
    while central >= 0:
        name_len = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", patched, central + 24, claimed)
        central = patched.find(b"PK\x01\x02", central + 4)
    return bytes(patched)


@pytest.mark.parametrize(
    ("claimed", "error", "reason"),
    [
        (1000, CorruptFileError, "failed its checksum"),
        (150 * 1024 * 1024, UnsafeFileError, "zip bomb"),
    ],
)
def test_member_whose_header_lies_about_its_size(
    tmp_path: Path, claimed: int, error: type, reason: str
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("liar.fit", b"\0" * (100 * 1024 * 1024))  # really 100 MiB of zeros
        archive.writestr("good.fit", SAMPLE_FIT.read_bytes())
    export = tmp_path / "liar.zip"
    export.write_bytes(_patch_sizes(buffer.getvalue(), b"liar.fit", claimed))
    assert zipfile.ZipFile(export).getinfo("liar.fit").file_size == claimed

    members, elapsed, peak = _measure(export)
    liar, good = members
    assert good.file is not None and good.file.format == "fit"
    assert liar.file is None
    assert isinstance(liar.error, error)
    assert reason in liar.error.reason
    assert peak < 2 * discover.MAX_GZIP_RATIO * 1024 * 1024 + 64 * 1024 * 1024
    assert elapsed < 30


def test_truncated_zip_is_one_error_line(corpus_dir: Path, tmp_path: Path) -> None:
    export = write_strava_zip(tmp_path / "export.zip")
    cut = tmp_path / "cut" / "export.zip"
    cut.parent.mkdir()
    data = export.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    before = sha256(cut)

    result = import_activities(cut)
    assert len(result.timeline) == 0
    assert [p.line() for p in result.report.errors] == [
        f"{cut}: damaged or incomplete zip archive (File is not a zip file); download it again"
    ]
    assert result.report.errors[0].kind == "corrupt"
    assert sha256(cut) == before

    cli = CliRunner().invoke(main, ["activities", str(cut)])
    assert "Traceback" not in cli.output
    assert "damaged or incomplete zip archive" in cli.output


def test_member_with_a_bad_checksum_is_one_error(tmp_path: Path) -> None:
    good = SAMPLE_FIT.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("broken.fit", good)
        archive.writestr("fine.fit", SAMPLE.joinpath("2026-06-05-0630-run.fit").read_bytes())
    data = bytearray(buffer.getvalue())
    data[data.index(good) + 100] ^= 0xFF  # one flipped byte inside the stored member
    export = tmp_path / "crc.zip"
    export.write_bytes(bytes(data))

    result = import_activities(export)
    assert [p.source for p in result.report.errors] == [f"{export}!broken.fit"]
    assert result.report.errors[0].reason == (
        "damaged archive member (failed its checksum); download it again"
    )
    assert list(result.timeline["file"]) == [f"{export}!fine.fit"]


def test_read_archive_member_and_source_names(tmp_path: Path) -> None:
    export = tmp_path / "my!odd.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("a/run.fit.gz", gzip.compress(SAMPLE_FIT.read_bytes()))
    assert split_member_source(f"{export}!a/run.fit.gz") == (export, ["a/run.fit.gz"])
    assert split_member_source("plain/run.fit") is None
    file = read_archive_member(f"{export}!a/run.fit.gz")
    assert file.format == "fit"
    assert file.data == SAMPLE_FIT.read_bytes()
    assert file.source == f"{export}!a/run.fit.gz"
    with pytest.raises(lw.LoadwatchError, match="no such file in the archive"):
        read_archive_member(f"{export}!a/other.fit")
