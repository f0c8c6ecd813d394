"""The streaming TCX reader gives what the ElementTree reference gives, file for file.

Over every TCX file of the corpus (``sample_data/`` holds none), and over irregular
and hostile files made here from the package's own TCX writer, both decoders of
:func:`loadwatch.importers.tcx.read_tcx` must give the same activities (every
field of each activity and of its laps), the same record frames, or the same
error (class, reason and the class of its cause).

Floats are equal to the bit, except those that are sums the two paths add up
in another order: ascent and descent (gpxpy adds the rises one by one, the
streaming path with NumPy's pairwise sum) and the GPS track length where a file
has no ``DistanceMeters`` (gpxpy's ``math`` against NumPy's vectorised
trigonometry, which may differ in the last bit); those, and the speed profile
built on the track length, are held to 1e-9 relative.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import fields
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from loadwatch.errors import ActivityFileError
from loadwatch.importers.activity import Activity
from loadwatch.importers.tcx import read_tcx, read_tcx_records
from loadwatch.importers.tcx_stream import scan_tcx
from loadwatch.importers.xmlsafe import prepare_xml
from loadwatch.synthetic import PlannedRun
from loadwatch.synthetic.plan import Intervals
from loadwatch.synthetic.tcxwriter import tcx_text
from loadwatch.synthetic.track import simulate

from support import CorpusFile, corpus_files, entity_bomb

#: Sums the two readers add in another order (see the module docstring).
SUMMED_FIELDS = {"ascent_m", "descent_m", "distance_m", "speed_profile_m"}
RELATIVE = 1e-9

TCX_ROWS = corpus_files("tcx")


# --- comparing the two readers ----------------------------------------------------


def outcome(read: object, data: bytes, source: str, decoder: str) -> object:
    """What a reader gives: its result, or the error's class, reason and cause's class."""
    try:
        return read(data, source, decoder=decoder)  # type: ignore[operator]
    except ActivityFileError as exc:
        return (type(exc), exc.reason, type(exc.__cause__))


def assert_same_value(reference: object, fast: object, where: str, summed: bool) -> None:
    if isinstance(reference, np.ndarray) or isinstance(fast, np.ndarray):
        assert isinstance(reference, np.ndarray) and isinstance(fast, np.ndarray), where
        if summed:
            np.testing.assert_allclose(fast, reference, rtol=RELATIVE, atol=0, err_msg=where)
        else:
            np.testing.assert_array_equal(fast, reference, err_msg=where)
    elif isinstance(reference, float) and isinstance(fast, float):
        if math.isnan(reference):
            assert math.isnan(fast), where
        elif summed:
            assert fast == pytest.approx(reference, rel=RELATIVE, abs=0), where
        else:
            assert fast == reference, where
    else:
        assert type(fast) is type(reference), where
        assert fast == reference, where


def assert_same_activities(reference: list[Activity], fast: list[Activity]) -> None:
    assert len(fast) == len(reference)
    for k, (ref, new) in enumerate(zip(reference, fast, strict=True)):
        for column in fields(Activity):
            if column.name == "laps":
                continue
            where = f"activity {k}: {column.name}"
            summed = column.name in SUMMED_FIELDS
            assert_same_value(getattr(ref, column.name), getattr(new, column.name), where, summed)
        assert len(new.laps) == len(ref.laps)
        for ref_lap, new_lap in zip(ref.laps, new.laps, strict=True):
            assert new_lap == ref_lap  # every lap value is read, not summed: equal to the bit


def assert_same_reading(data: bytes, source: str) -> None:
    """Both decoders give the same activities and records, or the same error."""
    reference = outcome(read_tcx, data, source, "reference")
    fast = outcome(read_tcx, data, source, "auto")
    if isinstance(reference, tuple):
        assert fast == reference
    else:
        assert isinstance(reference, list) and isinstance(fast, list)
        assert_same_activities(reference, fast)
    reference_records = outcome(read_tcx_records, data, source, "reference")
    fast_records = outcome(read_tcx_records, data, source, "auto")
    if isinstance(reference_records, tuple):
        assert fast_records == reference_records
    else:
        assert isinstance(reference_records, pd.DataFrame)
        assert isinstance(fast_records, pd.DataFrame)
        pd.testing.assert_frame_equal(
            fast_records, reference_records, check_exact=False, rtol=RELATIVE, atol=0
        )


def streamed(data: bytes, source: str) -> bool:
    """Whether the streaming reader reads the file itself (not the reference for it)."""
    return scan_tcx(prepare_xml(data, source), source) is not None


# --- real files -------------------------------------------------------------------


@pytest.mark.corpus
def test_the_corpus_has_its_tcx_files() -> None:
    assert len(TCX_ROWS) >= 15
    assert any(row.file.endswith("malformed.tcx") for row in TCX_ROWS)


@pytest.mark.corpus
@pytest.mark.parametrize("row", TCX_ROWS, ids=str)
def test_corpus_file_reads_the_same_both_ways(row: CorpusFile) -> None:
    data = row.path.read_bytes()
    assert_same_reading(data, row.file)
    if row.n_records:  # a readable file is read by the streaming reader itself
        assert streamed(data, row.file)
        (activity,) = read_tcx(data, row.file)
        assert activity.n_records == row.n_records


# --- files written here -------------------------------------------------------------

ZONE = "Europe/Zurich"
HOME = (46.95, 7.44)


def written_tcx(distance_km: float = 1.2, **plan: object) -> str:
    """A one-second run as Garmin Connect exports it, from the package's writer."""
    run = PlannedRun(
        datetime(2026, 5, 4, 7, 0),
        distance_km,
        pace_s_per_km=330.0,
        ascent_m=25.0,
        record_interval_s=1.0,
        **plan,  # type: ignore[arg-type]
    )
    return tcx_text(run, simulate(run, HOME), timezone=ZONE)


BASE = written_tcx()
INTERVALS = written_tcx(3.0, intervals=Intervals(reps=3, rep_m=400, rep_pace_s_per_km=250))
TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
AX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
POSITION = re.compile(r"\s*<Position>.*?</Position>", re.DOTALL)


def every(pattern: str, text: str, replacement: str, step: int) -> str:
    """``text`` with every ``step``-th match of ``pattern`` replaced."""
    count = iter(range(1 << 30))
    return re.sub(pattern, lambda m: replacement if next(count) % step == 0 else m.group(0), text)


def prefixed(text: str) -> str:
    """Every TCX element under a ``tcx:`` prefix and the extension under ``ax:``."""
    text = re.sub(r"<(/?)(?![a-z0-9]+:|\?|!)([A-Za-z]+)", r"<\1tcx:\2", text)
    text = text.replace(f'xmlns="{TCX_NS}"', f'xmlns:tcx="{TCX_NS}"')
    return text.replace("ns3:", "ax:").replace("xmlns:ns3=", "xmlns:ax=")


def multisport(text: str) -> str:
    """The run twice in one file, with an activity without laps between them."""
    activity = re.search(r"<Activity .*?</Activity>", text, re.DOTALL)
    assert activity is not None
    ride = activity.group(0).replace('Sport="Running"', 'Sport="Biking"')
    empty = '<Activity Sport="Other"><Id>2026-05-04T09:00:00Z</Id></Activity>'
    return text.replace(activity.group(0), activity.group(0) + empty + ride)


BILLION_LAUGHS = entity_bomb(
    f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Author>&lol9;</Author></TrainingCenterDatabase>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Activities><Activity Sport="Running">'
    "<Id>&x;</Id></Activity></Activities></TrainingCenterDatabase>"
)

#: name → (the file's bytes, whether the streaming reader reads it itself).
IRREGULAR: dict[str, tuple[bytes, bool]] = {
    "garmin connect": (BASE.encode(), True),
    "intervals with resting laps": (INTERVALS.encode(), True),
    "utf-16 copy": (
        BASE.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        True,
    ),
    "latin-1 with an accented device": (
        BASE.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .replace("Forerunner 255", "vívoactive 3")
        .encode("latin-1"),
        True,
    ),
    "other prefixes": (prefixed(BASE).encode(), True),
    "extension in the TCX namespace (TomTom)": (
        BASE.replace("<ns3:Speed>", "<Speed>").replace("</ns3:Speed>", "</Speed>").encode(),
        True,
    ),
    "no trackpoint times": (re.sub(r"\s*<Time>[^<]*</Time>", "", BASE).encode(), True),
    "no times at all": (
        re.sub(r'\s*<Time>[^<]*</Time>|<Id>[^<]*</Id>| StartTime="[^"]*"', "", BASE).encode(),
        True,
    ),
    "no id, lap times only": (re.sub(r"<Id>[^<]*</Id>", "<Id>my run</Id>", BASE).encode(), True),
    "no id and no lap start": (
        re.sub(r'<Id>[^<]*</Id>| StartTime="[^"]*"', "", BASE).encode(),
        True,
    ),
    "every 7th time missing": (every(r"<Time>[^<]*</Time>", BASE, "", 7).encode(), True),
    "naive times": (BASE.replace(".000Z", "").encode(), True),
    "offset times": (
        BASE.replace("T05:", "T07:")
        .replace("T06:", "T08:")
        .replace(".000Z", ".250+02:00")
        .encode(),
        True,
    ),
    "odd times": (
        every(
            r"<Time>[^<]*</Time>",
            every(r"<Time>[^<]*</Time>", BASE, "<Time> 2026-05-04 05:10:00.1234567Z </Time>", 5),
            "<Time>2026-02-30T05:00:00Z</Time>",
            11,
        ).encode(),
        True,
    ),
    "hour 24 and a leap second": (
        every(
            r"<Time>[^<]*</Time>",
            every(r"<Time>[^<]*</Time>", BASE, "<Time>2026-05-04T24:00:00Z</Time>", 13),
            "<Time>2026-05-04T23:59:60Z</Time>",
            17,
        ).encode(),
        True,
    ),
    "times before 1990": (
        every(r"<Time>[^<]*</Time>", BASE, "<Time>1989-12-31T23:59:59Z</Time>", 3).encode(),
        True,
    ),
    "no positions": (POSITION.sub("", BASE).encode(), True),
    "some positions missing": (every(POSITION.pattern, BASE, "", 4).encode(), True),
    "positions out of range": (
        every(r"<LatitudeDegrees>[^<]*<", BASE, "<LatitudeDegrees>91.5<", 9).encode(),
        True,
    ),
    "no distances (GPS track)": (
        re.sub(r"\s*<DistanceMeters>[^<]*</DistanceMeters>", "", BASE).encode(),
        True,
    ),
    "no distances and no positions": (
        POSITION.sub("", re.sub(r"\s*<DistanceMeters>[^<]*</DistanceMeters>", "", BASE)).encode(),
        True,
    ),
    "no trackpoint heart rate (lap values)": (
        re.sub(r"\s*<HeartRateBpm>.*?</HeartRateBpm>", "", BASE, flags=re.DOTALL).encode(),
        True,
    ),
    "heart rate 0": (every(r"<Value>\d+</Value>", BASE, "<Value>0</Value>", 3).encode(), True),
    "unreadable numbers": (
        every(
            r"<AltitudeMeters>[^<]*<",
            every(r"<DistanceMeters>[^<]*<", BASE, "<DistanceMeters>1_0.5<", 6),
            "<AltitudeMeters>n/a<",
            5,
        ).encode(),
        True,
    ),
    "cadence element": (
        BASE.replace(
            "<Extensions>\n              <ns3:TPX>", "<Cadence>77</Cadence><Extensions><ns3:TPX>"
        )
        .replace('Sport="Running"', 'Sport="Biking"')
        .encode(),
        True,
    ),
    "first children only": (
        BASE.replace("</Time>", "</Time><Time>2030-01-01T00:00:00Z</Time>")
        .replace(
            "</Position>", "</Position><Position><LatitudeDegrees>1</LatitudeDegrees></Position>"
        )
        .replace(
            "</Extensions>\n          </Trackpoint>",
            "</Extensions><Extensions><TPX><Speed>9</Speed></TPX></Extensions></Trackpoint>",
        )
        .replace("</LongitudeDegrees>", "</LongitudeDegrees><LongitudeDegrees>2</LongitudeDegrees>")
        .encode(),
        True,
    ),
    "a leaf's text ends at its child": (
        BASE.replace(".000Z</Time>", ".000Z<b>x</b>garbage</Time>")
        .replace("<Intensity>Active", "<Intensity><i/>Active")
        .encode(),
        True,
    ),
    "comments, CDATA and character references": (
        BASE.replace("<Trackpoint>", "<Trackpoint><!-- a note --><?pi x?>")
        .replace("<ns3:RunCadence>", "<ns3:RunCadence><![CDATA[]]>")
        .replace("<Value>1", "<Value>&#x31;")
        .replace("Forerunner 255", "Fore&amp;runner <![CDATA[255]]>")
        .encode(),
        True,
    ),
    "multisport with an empty activity": (multisport(BASE).encode(), True),
    "only an activity without laps": (
        re.sub(r"<Lap .*</Lap>", "", BASE, flags=re.DOTALL).encode(),
        True,
    ),
    "activity in another namespace": (
        BASE.replace("<Activity ", '<Activity xmlns="urn:other" ').encode(),
        True,
    ),
    "course": (
        f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Courses><Course><Name>Loop</Name>'
        "</Course></Courses></TrainingCenterDatabase>".encode(),
        True,
    ),
    "workout": (
        f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Workouts><Workout Sport="Running"/>'
        "</Workouts></TrainingCenterDatabase>".encode(),
        True,
    ),
    "no activity": (f'<TrainingCenterDatabase xmlns="{TCX_NS}"/>'.encode(), True),
    "an activity inside an activity": (
        BASE.replace(
            "<Creator ", '<Activity Sport="Other"><Id>2026-05-04T05:30:00Z</Id></Activity><Creator '
        ).encode(),
        False,
    ),
    "gpx root": (b'<gpx xmlns="http://www.topografix.com/GPX/1/1"/>', False),
    "html page": (b"<html><body>Sign in</body></html>", False),
    "doctype without entities": (
        BASE.replace(
            "<TrainingCenterDatabase\n", "<!DOCTYPE x>\n<TrainingCenterDatabase\n", 1
        ).encode(),
        False,
    ),
    "entity bomb": (BILLION_LAUGHS.encode(), False),
    "external entity": (EXTERNAL_ENTITY.encode(), False),
    "junk after the document": ((BASE + "<more/>").encode(), False),
    "unbound prefix": (BASE.replace("<ns3:TPX>", "<ns9:TPX>", 1).encode(), False),
    "undefined entity": (BASE.replace("Forerunner", "&fr;", 1).encode(), False),
    "empty": (b"", False),
    "white space": (b" \n\t ", False),
    "not xml": (b"not xml at all", False),
    "a FIT file": (b"\x0e\x10\x00\x00\x00\x00\x00\x00.FIT" + bytes(20), False),
}
#: Cut at these shares of the file (inside tags, texts, between elements).
TRUNCATED = {
    f"truncated at {share:.1%}": (BASE.encode()[: round(len(BASE) * share)], False)
    for share in (0.02, 0.1, 0.37, 0.5, 0.77, 0.999)
}
TRUNCATED["truncated inside a UTF-8 character"] = (
    BASE.replace("Forerunner 255", "vívoactive").encode()[
        : BASE.replace("Forerunner 255", "vívoactive").encode().index("í".encode()) + 1
    ],
    False,
)


@pytest.mark.parametrize(("name", "case"), {**IRREGULAR, **TRUNCATED}.items(), ids=str)
def test_irregular_and_hostile_files_read_the_same_both_ways(
    name: str, case: tuple[bytes, bool]
) -> None:
    data, read_by_stream = case
    assert_same_reading(data, f"{name}.tcx")
    try:
        assert streamed(data, name) == read_by_stream
    except ActivityFileError:
        assert not read_by_stream  # refused before any parse, or damaged: both raise it


def test_the_written_run_has_what_the_irregular_files_take_away() -> None:
    """The edits above change the file (a pattern that matches nothing tests nothing)."""
    for name in ("no positions", "no distances (GPS track)", "no trackpoint times"):
        assert IRREGULAR[name][0] != BASE.encode(), name
    (run,) = read_tcx(BASE.encode(), "base.tcx")
    (gps,) = read_tcx(IRREGULAR["no distances (GPS track)"][0], "gps.tcx")
    assert any("GPS track" in note for note in gps.notes)
    assert gps.distance_m == pytest.approx(run.distance_m, rel=0.01)
    laps = read_tcx(INTERVALS.encode(), "intervals.tcx")[0].laps
    assert {lap.intensity for lap in laps} == {"active", "rest"}


def test_a_large_file_read_in_several_feeds_is_the_same() -> None:
    """More than one expat feed (1 MiB) and one chunk of trackpoints (4,096)."""
    data = written_tcx(15.0).encode()
    assert len(data) > 3 * (1 << 20)
    assert_same_reading(data, "long.tcx")
    assert read_tcx(data, "long.tcx")[0].n_records > 4096


@pytest.mark.parametrize("decoder", ["fast", "", None])
def test_an_unknown_decoder_is_refused(decoder: object) -> None:
    with pytest.raises(ValueError, match="decoder must be"):
        read_tcx(BASE.encode(), "run.tcx", decoder=decoder)  # type: ignore[arg-type]


# --- files edited at random -----------------------------------------------------------

SMALL = written_tcx(0.05)
#: Names and texts the random edits insert (elements the readers look for, at any place).
EDIT_NAMES = [
    "Time",
    "Position",
    "LatitudeDegrees",
    "LongitudeDegrees",
    "AltitudeMeters",
    "DistanceMeters",
    "HeartRateBpm",
    "Value",
    "Cadence",
    "Extensions",
    "ns3:TPX",
    "TPX",
    "ns3:Speed",
    "Speed",
    "RunCadence",
    "Lap",
    "Track",
    "Trackpoint",
    "Id",
    "Creator",
    "Name",
    "Activity",
    "TotalTimeSeconds",
    "Intensity",
    "TriggerMethod",
    "AverageHeartRateBpm",
]
EDIT_TEXTS = ("", "1.5", "abc", "2026-05-04T05:00:07Z", "2026-05-04T07:00:07+02:00", " 12 ", "0")
ELEMENT = re.compile(r"<([A-Za-z0-9:]+)[^>]*>[^<]*</\1>|<([A-Za-z0-9:]+)[^>]*>.*?</\2>", re.DOTALL)


def edited(text: str, rng: random.Random) -> str:
    """``text`` with one to three elements removed, doubled, inserted, wrapped or retexted."""
    for _ in range(rng.randint(1, 3)):
        where = rng.choice([found.start() for found in re.finditer("<", text)])
        element = ELEMENT.match(text, where)
        edit = rng.randrange(5)
        if edit == 2 or element is None:  # a new element
            name = rng.choice(EDIT_NAMES)
            text = f"{text[:where]}<{name}>{rng.choice(EDIT_TEXTS)}</{name}>{text[where:]}"
        elif edit == 0:  # removed
            text = text[: element.start()] + text[element.end() :]
        elif edit == 1:  # doubled, the copy an hour later
            copy = element.group(0).replace("T05:", "T06:")
            text = text[: element.end()] + copy + text[element.end() :]
        elif edit == 3:  # wrapped in another element
            name = rng.choice(EDIT_NAMES)
            wrapped = f"<{name}>{element.group(0)}</{name}>"
            text = text[: element.start()] + wrapped + text[element.end() :]
        else:  # its first text replaced
            found = re.compile(r">([^<\s][^<]*)<").search(text, element.start())
            if found:
                text = text[: found.start(1)] + rng.choice(EDIT_TEXTS) + text[found.end(1) :]
    return text


@pytest.mark.parametrize("seed", range(200))
def test_randomly_edited_files_read_the_same_both_ways(seed: int) -> None:
    data = edited(SMALL, random.Random(seed)).encode()
    assert data != SMALL.encode()
    assert_same_reading(data, f"edited-{seed}.tcx")
