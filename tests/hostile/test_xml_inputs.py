"""GPX and TCX in any encoding XML allows, recognised by their root element, and still safe.

Real corpus files are re-encoded (UTF-16 LE/BE and UTF-32 with a byte-order
mark, UTF-16 without one, ISO-8859-1) with a matching XML declaration and must
import exactly as the UTF-8 original does, through the same recognition
(:func:`sniff_format`) a folder import uses. Entity bombs and external entities
stay refused whatever the encoding, by both GPX reading paths.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from loadwatch.errors import CorruptFileError, UnsafeFileError
from loadwatch.importers.discover import file_data_from_bytes, sniff_format
from loadwatch.importers.gpx import read_gpx
from loadwatch.importers.read import parse_file_data
from loadwatch.importers.tcx import read_tcx
from loadwatch.importers.xmlsafe import root_element_name

from support import CORPUS_DIR, corpus_files

#: Corpus files re-encoded here: GPX 1.1 with extensions, a namespace-prefixed
#: GPX, GPX 1.0-era tracks, and TCX from three devices.
SAMPLES = [
    row
    for row in corpus_files("gpx", "tcx")
    if row.file
    in {
        "GoldenCheetah_sweatpy/activity_5039744860.gpx",
        "ticofab_android-gpx-parser/test-ns2-prefixed.gpx",
        "tkrajina_gpxpy/korita-zbevnica.gpx",
        "corriporai_runpandas/run.gpx",
        "GoldenCheetah_sweatpy/activity_5039744860.tcx",
        "vkurup_python-tcxparser/sup_activity_1.tcx",
        "thomaschampagne_elevate/20181021_run_3106033902.tcx",
    }
]

#: (label in the declaration, Python codec, byte-order mark written by the test)
ENCODINGS = [
    ("UTF-16", "utf-16-le", b"\xff\xfe"),
    ("UTF-16", "utf-16-be", b"\xfe\xff"),
    ("UTF-16", "utf-16-le", b""),  # no mark: XML's appendix F detects it from '<?'
    ("UTF-32", "utf-32-le", b"\xff\xfe\x00\x00"),
    ("UTF-32", "utf-32-be", b"\x00\x00\xfe\xff"),
    ("ISO-8859-1", "latin-1", b""),
    ("windows-1252", "cp1252", b""),
]

_DECLARATION = re.compile(r"\A\ufeff?\s*<\?xml[^>]*\?>")
_BOMB = (
    '<?xml version="1.0" encoding="{label}"?>\n'
    '<!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>\n'
    '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
    "<trk><name>&h;</name><trkseg>"
    '<trkpt lat="1" lon="2"><time>2024-01-01T00:00:00Z</time></trkpt>'
    '<trkpt lat="1.001" lon="2"><time>2024-01-01T00:01:00Z</time></trkpt>'
    "</trkseg></trk></gpx>"
)
_XXE = (
    '<?xml version="1.0" encoding="{label}"?>\n'
    '<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/hostname">]>\n'
    '<gpx version="1.1" creator="x"><trk><name>&secret;</name></trk></gpx>'
)


def reencode(text: str, label: str, codec: str, bom: bytes) -> bytes:
    """``text`` with its XML declaration saying ``label``, encoded with ``codec`` after ``bom``."""
    body = _DECLARATION.sub("", text, count=1).lstrip("\ufeff")
    document = f'<?xml version="1.0" encoding="{label}"?>\n{body.lstrip()}'
    return bom + document.encode(codec, errors="xmlcharrefreplace")


def summary(data: bytes, name: str) -> list[tuple[object, ...]]:
    """What the import of one file gives, as a folder import recognises and reads it."""
    file = file_data_from_bytes(data, name)
    return [
        (file.format, a.start_utc, a.n_records, round(a.distance_m, 6), a.name, a.timer_s)
        for a in parse_file_data(file)
    ]


@pytest.mark.corpus
@pytest.mark.parametrize(("label", "codec", "bom"), ENCODINGS)
@pytest.mark.parametrize("row", SAMPLES, ids=str)
def test_corpus_files_in_any_xml_encoding_import_as_the_utf8_original(
    row: object, label: str, codec: str, bom: bytes, tmp_path: Path
) -> None:
    original = (CORPUS_DIR / row.file).read_bytes()  # type: ignore[attr-defined]
    name = Path(row.file).name  # type: ignore[attr-defined]
    expected = summary(original, name)
    encoded = reencode(original.decode("utf-8-sig"), label, codec, bom)
    assert encoded != original
    assert sniff_format(encoded) == expected[0][0]
    assert summary(encoded, name) == expected
    # The GPX streaming path reads the same bytes the same way.
    if expected[0][0] == "gpx":
        streamed = read_gpx(encoded, name, decoder="auto")[0]
        assert streamed.n_records == expected[0][2]
        assert math.isclose(streamed.distance_m, expected[0][3], rel_tol=1e-9)


@pytest.mark.parametrize(("label", "codec", "bom"), ENCODINGS)
@pytest.mark.parametrize("decoder", ["reference", "auto"])
def test_entity_bomb_is_refused_in_every_encoding(
    label: str, codec: str, bom: bytes, decoder: str
) -> None:
    bomb = bom + _BOMB.format(label=label).encode(codec)
    with pytest.raises(UnsafeFileError, match="declares XML entities") as caught:
        read_gpx(bomb, "bomb.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert "\n" not in caught.value.reason


@pytest.mark.parametrize(("label", "codec", "bom"), ENCODINGS)
def test_external_entity_is_refused_in_every_encoding(label: str, codec: str, bom: bytes) -> None:
    document = bom + _XXE.format(label=label).encode(codec)
    with pytest.raises(UnsafeFileError, match="refused for safety"):
        read_gpx(document, "xxe.gpx", decoder="auto")
    with pytest.raises(UnsafeFileError, match="refused for safety"):
        read_tcx(document.replace(b"gpx", b"TCX"), "xxe.tcx")


def test_utf16_bomb_is_refused_by_the_folder_import_before_any_expansion() -> None:
    bomb = b"\xff\xfe" + _BOMB.format(label="UTF-16").encode("utf-16-le")
    file = file_data_from_bytes(bomb, "bomb.gpx")
    assert file.format == "gpx"
    with pytest.raises(UnsafeFileError, match="declares XML entities"):
        parse_file_data(file)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            b"\xff\xfe" + '<?xml version="1.0" encoding="UTF-8"?><gpx/>'.encode("utf-16-le"),
            "not the one it declares",
        ),
        (b'<?xml version="1.0" encoding="x-no-such-codec"?><gpx/>', "not known (x-no-such-codec)"),
        (b'<?xml version="1.0" encoding="zlib"?><gpx/>', "not known (zlib)"),
        (b"\xff\xfe\x00\x00" + '<?xml version="1.0"?><gpx>'.encode("utf-32-le")[:-2], "not valid"),
    ],
)
@pytest.mark.parametrize("decoder", ["reference", "auto"])
def test_wrong_or_unknown_encodings_are_one_line(content: bytes, words: str, decoder: str) -> None:
    with pytest.raises(CorruptFileError, match=re.escape(words)) as caught:
        read_gpx(content, "odd.gpx", decoder=decoder)  # type: ignore[arg-type]
    assert "\n" not in caught.value.reason


TC2 = 'xmlns:tc2="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'


@pytest.mark.corpus
@pytest.mark.parametrize(("label", "codec", "bom"), [("UTF-8", "utf-8", b""), *ENCODINGS[:2]])
def test_gpx_declaring_the_tcx_namespace_is_still_gpx(label: str, codec: str, bom: bytes) -> None:
    """Garmin's TCX-to-GPX converter declares the TCX namespace on a GPX root."""
    row = next(r for r in SAMPLES if r.file.endswith("activity_5039744860.gpx"))
    text = (CORPUS_DIR / row.file).read_bytes().decode("utf-8-sig")
    with_tc2, n = re.subn(r"<gpx\b", f"<gpx {TC2}", text, count=1)
    assert n == 1
    original = summary((CORPUS_DIR / row.file).read_bytes(), "converted.gpx")
    data = reencode(with_tc2, label, codec, bom)
    assert b"TrainingCenterDatabase" in data.replace(b"\x00", b"")
    assert root_element_name(data) == "gpx"
    assert summary(data, "converted.gpx") == original


def test_root_element_decides_over_comments_and_namespaces() -> None:
    tcx = (
        '<?xml version="1.0"?>\n<!-- exported from <gpx> by a converter -->\n'
        '<?xml-stylesheet href="x"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2" xmlns:g="http://www.topografix.com/GPX/1/1"/>'
    )
    assert sniff_format(tcx.encode()) == "tcx"
    assert sniff_format(tcx.encode("utf-16")) == "tcx"
    gpx = f'<ns2:gpx xmlns:ns2="http://www.topografix.com/GPX/1/1" {TC2}/>'
    assert sniff_format(gpx.encode("utf-32")) == "gpx"
    assert sniff_format(b"<kml><!-- <gpx> --></kml>") is None
    assert sniff_format(b"<!DOCTYPE html><html>TrainingCenterDatabase</html>") is None
