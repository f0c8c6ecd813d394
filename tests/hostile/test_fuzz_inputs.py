"""Property-based fuzz: mutated real files beside a good run never cost the good run.

Each example takes a real file (a corpus FIT, GPX or TCX), damages it the way
disks, cables and careless tools do — bytes flipped, cut short, a block
repeated or dropped, numbers in the XML replaced with absurd ones — and puts it
beside a good run from ``sample_data/``, loose or as a member of a zip. The
import then must:

* finish without an exception, within a bounded time;
* name the damaged file: it is in the timeline, or one line of the import
  report says what is wrong with it (a line, never a traceback);
* still import the good run;
* leave every input byte-identical;
* give a timeline whose runs are physically plausible and a weekly table and
  findings that compute, with JSON output that is strict (no NaN/Infinity).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loadwatch as lw
from loadwatch.report.records import week_records

from support import CORPUS_DIR, PROJECT_ROOT, corpus_files

pytestmark = pytest.mark.corpus

SAMPLE = PROJECT_ROOT / "sample_data" / "avery-stone"
#: Files small enough to mutate quickly (the fuzz is about shapes, not sizes).
MAX_SEED_BYTES = 160_000
#: Seconds one import of a damaged file and a good run may take.
IMPORT_SECONDS = 20.0
#: The fastest a run may be in the timeline [m/s] (faster than any human over 100 m).
MAX_RUN_SPEED_MPS = 12.5


def _seeds(*formats: str) -> list[Path]:
    rows = corpus_files(*formats)
    return sorted(
        r.path for r in rows if r.path.exists() and 0 < r.path.stat().st_size <= MAX_SEED_BYTES
    )


FIT_SEEDS = _seeds("fit")
XML_SEEDS = _seeds("gpx", "tcx")
GOOD_RUN = sorted(SAMPLE.glob("*-run.gpx"))[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree_digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): _digest(p) for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --- mutations ---------------------------------------------------------------
# A mutation is drawn as a short plan (kind, place as a share of the file, size),
# so that a failing example prints the plan, not the whole file.

_BYTE_KINDS = ("flip", "cut", "repeat", "drop", "zero", "insert")
byte_plans = st.lists(
    st.tuples(
        st.sampled_from(_BYTE_KINDS),
        st.floats(0.0, 1.0, exclude_max=True),
        st.integers(1, 4096),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=4,
)


def apply_byte_plan(data: bytes, plan: list[tuple[str, float, int, bytes]]) -> bytes:
    """``data`` with each byte-level damage of ``plan`` done in turn."""
    out = bytearray(data)
    for kind, share, size, payload in plan:
        if not out:
            break
        at = int(share * len(out))
        if kind == "flip":
            out[at] ^= 1 << (size % 8)
        elif kind == "cut":
            del out[at:]
        elif kind == "repeat":
            out[at:at] = out[at : at + size]
        elif kind == "drop":
            del out[at : at + size]
        elif kind == "zero":
            end = min(at + size % 512 + 1, len(out))
            out[at:end] = bytes(end - at)
        else:
            out[at:at] = payload
    return bytes(out)


_ABSURD = ["1e300", "-1e300", "nan", "inf", "-5", "0", "99999999999", "", "x", "1e12", "-0"]
_ABSURD_TIMES = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-13-45T99:99:99Z",
    "1970-01-01T00:00:00Z",
    "2300-01-01T00:00:00Z",
    "not a time",
]
_TAG_DAMAGE = ["<<", "", "</x>", "<!-- "]
_NUMBER = re.compile(rb"(?<=[>\"])-?\d+(?:\.\d+)?(?=[<\"])")
_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z?")

xml_plans = st.lists(
    st.one_of(
        st.tuples(
            st.just("number"), st.floats(0.0, 1.0, exclude_max=True), st.sampled_from(_ABSURD)
        ),
        st.tuples(
            st.just("time"), st.floats(0.0, 1.0, exclude_max=True), st.sampled_from(_ABSURD_TIMES)
        ),
        st.tuples(
            st.just("tag"), st.floats(0.0, 1.0, exclude_max=True), st.sampled_from(_TAG_DAMAGE)
        ),
        st.tuples(st.just("bytes"), byte_plans),
    ),
    min_size=1,
    max_size=3,
)


def apply_xml_plan(data: bytes, plan: list[tuple]) -> bytes:
    """``data`` with numbers or times replaced by absurd values, tags or bytes damaged."""
    out = data
    for step in plan:
        kind = step[0]
        if kind == "bytes":
            out = apply_byte_plan(out, step[1])
            continue
        _, share, value = step
        pattern = {"number": _NUMBER, "time": _TIME, "tag": re.compile(rb"<")}[kind]
        matches = list(pattern.finditer(out))
        if not matches:
            continue
        match = matches[int(share * len(matches))]
        out = out[: match.start()] + value.encode() + out[match.end() :]
    return out


# --- the property ------------------------------------------------------------


def _check_import(folder: Path, damaged_name: str) -> None:
    before = _tree_digests(folder)
    started = time.monotonic()
    result = lw.import_activities(folder, cache=False, jobs=1, roster=False)
    elapsed = time.monotonic() - started
    assert elapsed < IMPORT_SECONDS, f"import took {elapsed:.1f} s"
    assert _tree_digests(folder) == before, "an input file was changed"

    timeline = result.timeline
    files = set(timeline["file"]) | {part for merged in timeline["merged_from"] for part in merged}
    # The good run is imported (its own row, or merged with the damaged copy of itself).
    assert any(str(f).endswith(GOOD_RUN.name) for f in files), result.report.lines()
    # The damaged file is named: imported, or one report line without a traceback.
    report_lines = result.report.lines()
    named = any(damaged_name in str(f) for f in files) or any(
        damaged_name in line for line in report_lines
    )
    assert named, f"{damaged_name} neither imported nor named: {report_lines}"
    for line in report_lines:
        assert "\n" not in line and "Traceback" not in line, line

    runs = timeline[timeline["is_run"]]
    for _, row in runs.iterrows():
        assert math.isfinite(row["distance_km"]) and row["distance_km"] > 0
        if math.isfinite(row["duration_s"]) and row["duration_s"] > 0:
            speed = row["distance_km"] * 1000 / row["duration_s"]
            assert speed <= MAX_RUN_SPEED_MPS, f"{row['file']}: {speed:.1f} m/s counted as a run"
    # The rest of the pipeline computes, and its JSON is strict.
    weeks = week_records(lw.weekly_load(result))
    findings = lw.finding_records(lw.check(result))
    json.dumps(weeks, allow_nan=False, default=str)
    json.dumps(findings, allow_nan=False, default=str)


_FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.skipif(not CORPUS_DIR.exists(), reason="corpus not beside the project")
@_FUZZ
@given(data=st.data())
def test_damaged_fit_beside_a_good_run(tmp_path_factory: pytest.TempPathFactory, data) -> None:
    seed = data.draw(st.sampled_from(FIT_SEEDS), label="seed")
    damaged = apply_byte_plan(seed.read_bytes(), data.draw(byte_plans, label="damage"))
    folder = tmp_path_factory.mktemp("fuzz-fit")
    shutil.copy2(GOOD_RUN, folder / GOOD_RUN.name)
    (folder / "damaged.fit").write_bytes(damaged)
    _check_import(folder, "damaged.fit")


@pytest.mark.skipif(not CORPUS_DIR.exists(), reason="corpus not beside the project")
@_FUZZ
@given(data=st.data())
def test_damaged_xml_beside_a_good_run(tmp_path_factory: pytest.TempPathFactory, data) -> None:
    seed = data.draw(st.sampled_from(XML_SEEDS), label="seed")
    damaged = apply_xml_plan(seed.read_bytes(), data.draw(xml_plans, label="damage"))
    name = "damaged" + seed.suffix.lower()
    folder = tmp_path_factory.mktemp("fuzz-xml")
    shutil.copy2(GOOD_RUN, folder / GOOD_RUN.name)
    (folder / name).write_bytes(damaged)
    _check_import(folder, name)


@pytest.mark.skipif(not CORPUS_DIR.exists(), reason="corpus not beside the project")
@_FUZZ
@given(data=st.data())
def test_damaged_zip_member_beside_a_good_member(
    tmp_path_factory: pytest.TempPathFactory, data
) -> None:
    seed = data.draw(st.sampled_from(FIT_SEEDS + XML_SEEDS), label="seed")
    raw = seed.read_bytes()
    if seed.suffix.lower() in (".gpx", ".tcx"):
        damaged = apply_xml_plan(raw, data.draw(xml_plans, label="damage"))
    else:
        damaged = apply_byte_plan(raw, data.draw(byte_plans, label="damage"))
    name = "damaged" + seed.suffix.lower()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"activities/{GOOD_RUN.name}", GOOD_RUN.read_bytes())
        archive.writestr(f"activities/{name}", damaged)
    folder = tmp_path_factory.mktemp("fuzz-zip")
    (folder / "export.zip").write_bytes(buffer.getvalue())
    _check_import(folder, name)
