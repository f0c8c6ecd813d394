"""Read the track points of a regularly written GPX file in bulk, without a callback per element.

:mod:`loadwatch.importers.gpx_stream` calls Python for every element (about
7 µs a track point). Almost every GPX file an app writes is regular: inside
each ``<trkseg>``, one ``<trkpt lat=".." lon="..">`` after another, each
starting with ``<ele>`` and ``<time>``, then e.g. ``<extensions>``. For such a
file this module

1. feeds the whole file to the same namespace-aware expat parser as
   :func:`~loadwatch.importers.gpx_stream.scan_gpx` (DTDs and entities refused
   at their first byte), with the element callbacks on outside the segments
   (metadata, names, creator, segment count: read by the same
   :class:`~loadwatch.importers.gpx_stream.PointScanner`) and off inside them,
   so expat still checks every byte for well-formedness at C speed;
2. reads each segment's points a megabyte at a time: one regular expression
   gives each point's position, ``<ele>``, ``<time>`` and the rest of its text,
   a second the sensor elements of
   :data:`~loadwatch.importers.gpx_points.SENSOR_ELEMENTS` anywhere in that
   rest; numbers are read as ``float()`` reads them (plain decimals
   column-wise, :func:`_decimals`) and times as
   :func:`~loadwatch.importers.gpx_stream.parse_times` reads them (``...Z``
   times column-wise, :func:`_plain_utc_times`).

A chunk is read in bulk only where the text leaves no doubt that the
expressions see what an XML parser sees: every ``<`` in it is one they read
(so each track point is a child of its segment, with only text between
points), no comment, CDATA section, processing instruction, reference or
``trkpt`` inside a point, ``<ele>``/``<time>`` only as a point's first
children, no name but the default one bound to the GPX namespace, no segment
inside a segment. Anything else (or any point the scanner would refuse) makes
:func:`scan_gpx_bulk` return ``None`` and the caller reads the file with the
per-element scanner, which gives exactly the reading it gave before;
``tests/importers/test_gpx_bulk.py`` holds the three readers (gpxpy, scanner,
bulk) to the same points on every corpus, sample and app-flavour file.

Memory stays bounded: no per-point Python object outlives its megabyte chunk;
the points end in ``array`` buffers of 8 bytes a value.
"""

from __future__ import annotations

import functools
import gc
import re
from array import array
from xml.parsers import expat

import numpy as np

from loadwatch.importers.gpx_points import SENSOR_COLUMNS, SENSOR_ELEMENTS
from loadwatch.importers.gpx_stream import (
    GpxScan,
    PointScanner,
    Unusual,
    open_scan,
    parse_times,
)

__all__ = ["scan_gpx_bulk"]

#: A track point as regular files write it: position (``lat`` first or ``lon``
#: first, double quotes), optional ``<ele>``, ``<time>``, ``<ele>`` (either order),
#: then the rest of the point up to its end tag. ``<ele>`` and ``<time>`` keep their
#: tag so that an empty element and no element can be told apart (the ``<`` count).
_POINT = re.compile(
    rb"<trkpt\s+(?:lat\s*=\s*\"([^\"<]*)\"\s+lon\s*=\s*\"([^\"<]*)\""
    rb"|lon\s*=\s*\"([^\"<]*)\"\s+lat\s*=\s*\"([^\"<]*)\")\s*>"
    rb"\s*(?:(<ele>[^<]*)</ele\s*>\s*)?(?:(<time>[^<]*)</time\s*>\s*)?"
    rb"(?:(<ele>[^<]*)</ele\s*>\s*)?([^<]*(?:<(?!/trkpt)[^<]*)*)</trkpt\s*>"
)
#: Sensor element names as bytes (lower case) → record column and rank.
_SENSOR_NAMES = {name.encode(): found for name, found in SENSOR_ELEMENTS.items()}
_SEGMENT_START = re.compile(rb"<trkseg\s*>")
_SEGMENT_END = re.compile(rb"</trkseg\s*>")
#: In the rest of a point: a comment, CDATA, processing instruction or reference, an
#: ``<ele>``/``<time>`` the expression did not take, a track point in the point.
_NOT_PLAIN = (b"<!", b"<?", b"&", b"<ele", b"<time", b"trkpt")
#: A name other than the default one bound to the GPX namespace.
_GPX_PREFIX = re.compile(rb"xmlns:[^\s=]+\s*=\s*[\"']https?://www\.topografix\.com/GPX")
#: Bytes of a segment read by one regular expression call (then their objects go).
_CHUNK_BYTES = 1 << 20
_FEED_BYTES = 1 << 20
_ELE_TAG = len(b"<ele>")
_TIME_TAG = len(b"<time>")


class _Irregular(Exception):
    """This file is left to the per-element scanner."""


def scan_gpx_bulk(data: bytes, source: str) -> GpxScan | None:
    """Read a regular GPX file's track points in bulk.

    Parameters
    ----------
    data
        The file as UTF-8 bytes (from
        :func:`~loadwatch.importers.xmlsafe.prepare_xml`).
    source
        The file as the user would name it (unused: every problem, including
        damaged XML, is left to the per-element scanner, which words it).

    Returns
    -------
    GpxScan or None
        The points; ``None`` when the file is not regular, unsafe, damaged or
        unusual: the caller then reads it with
        :func:`~loadwatch.importers.gpx_stream.scan_gpx`.
    """
    del source
    segments = _segments(data)
    if not segments:
        return None
    parser, scanner = open_scan()
    points = _BulkPoints()
    # The tuples the expressions return hold only bytes: they form no cycles, and the
    # collector's passes over them (one per 700 allocations) would cost a third of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        position = 0
        for begin, end in segments:
            _feed(parser, data, position, begin)
            if not (scanner.in_segment and scanner.depth == 3 and not scanner.lat):
                return None  # not gpx/trk/trkseg as the scanner reads it
            handlers = parser.StartElementHandler, parser.EndElementHandler
            parser.StartElementHandler = parser.EndElementHandler = None
            _feed(parser, data, begin, end)  # checked by expat, read by the expression
            parser.StartElementHandler, parser.EndElementHandler = handlers
            points.read_segment(data, begin, end, scanner.n_segments - 1)
            position = end
        _feed(parser, data, position, len(data))
        parser.Parse(b"", True)
    except (Unusual, _Irregular, expat.ExpatError, ValueError):
        return None
    finally:
        if collecting:
            gc.enable()
    if scanner.lat or not points.lat:
        return None
    return points.scan(scanner)


def _segments(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the contents of every ``<trkseg>``; empty when one is not regular."""
    if _GPX_PREFIX.search(data) is not None:
        return []
    ranges: list[tuple[int, int]] = []
    position = 0
    while True:
        start = _SEGMENT_START.search(data, position)
        if start is None:
            return ranges
        end = _SEGMENT_END.search(data, start.end())
        if end is None:
            return []
        begin, stop = start.end(), end.start()
        if data.find(b"trkseg", begin, stop) != -1:
            return []  # a segment in a segment
        ranges.append((begin, stop))
        position = end.end()


def _feed(parser: expat.XMLParserType, data: bytes, begin: int, end: int) -> None:
    view = memoryview(data)
    for start in range(begin, end, _FEED_BYTES):
        parser.Parse(view[start : min(start + _FEED_BYTES, end)], False)


class _BulkPoints:
    """The points of the regular segments, as 8-byte values."""

    def __init__(self) -> None:
        self.lat = array("d")
        self.lon = array("d")
        self.elevation = array("d")
        self.segment = array("q")
        self.sensors: dict[str, array[float]] = {}
        self.time_parts: list[np.ndarray] = []
        self.n_naive = 0
        self.local_offset_s: int | None = None

    def read_segment(self, data: bytes, begin: int, end: int, segment: int) -> None:
        """Read the points between ``begin`` and ``end``, a megabyte at a time."""
        position = begin
        while position < end:
            cut = end
            if end - position > _CHUNK_BYTES:
                found = data.find(b"</trkpt", position + _CHUNK_BYTES, end)
                if found != -1:
                    cut = data.find(b">", found, end) + 1
            self._read_chunk(data, position, cut, segment)
            position = cut

    def _read_chunk(self, data: bytes, begin: int, end: int, segment: int) -> None:
        found = _POINT.findall(data, begin, end)
        if not found:
            if data.find(b"trkpt", begin, end) != -1:
                raise _Irregular("a track point the expression does not read")
            return
        n_before = len(self.lat)
        lat_first, lon_first, lon_second, lat_second, ele_first, times, ele_second, rests = zip(
            *found, strict=True
        )
        if any(lon_second):  # some points name lon first
            lat_first = tuple(a or b for a, b in zip(lat_first, lat_second, strict=True))
            lon_first = tuple(a or b for a, b in zip(lon_first, lon_second, strict=True))
        n_ele = len(found) - ele_first.count(b"")
        if any(ele_second):
            n_ele += len(found) - ele_second.count(b"")
            ele_first = tuple(a or b for a, b in zip(ele_first, ele_second, strict=True))
        # Every "<" of the chunk must be one the expressions read: then every track point is
        # a child of the segment, and no comment, CDATA or other tag lies between them.
        n_tags = 2 * (len(found) + n_ele + len(found) - times.count(b""))
        n_tags += self._read_sensors(rests, n_before)
        if n_tags != data.count(b"<", begin, end):
            raise _Irregular("markup between track points")
        # Numbers as float() reads them, as the scanner does (ValueError: left to the scanner).
        self.lat.frombytes(_floats(np.array(lat_first)).tobytes())
        self.lon.frombytes(_floats(np.array(lon_first)).tobytes())
        # b"" (no <ele>) and b"<ele>" (an empty one) are both no elevation, as for the scanner.
        elevation = np.full(len(found), np.nan)
        ele_texts = _without_tag(np.array(ele_first), _ELE_TAG)
        if ele_texts is not None:
            known = ele_texts.view(np.uint8).reshape(len(found), -1)[:, 0] != 0
            if known.any():
                elevation[known] = _floats(ele_texts[known])
        self.elevation.frombytes(elevation.tobytes())
        self.segment.extend(array("q", [segment]) * len(found))
        parsed = _plain_utc_times(times)
        if parsed is None:
            texts = [text[_TIME_TAG:].decode() or None for text in times]
            if any(text is not None and "&" in text for text in texts):
                raise _Irregular("a character reference in a time")
            parsed, n_naive, offset = parse_times(texts)
            self.n_naive += n_naive
            if self.local_offset_s is None:
                self.local_offset_s = offset
        self.time_parts.append(parsed)

    def _read_sensors(self, rests: tuple[bytes, ...], n_before: int) -> int:
        """Heart rate, cadence, temperature from each point's text after ``<ele>``/``<time>``.

        The rests are joined with NUL (which XML text cannot hold) and read by one
        expression (:func:`_sensor_expression`) that returns each NUL and each
        sensor element in order, so a sensor belongs to the point after the last
        NUL before it.

        Returns
        -------
        int
            How many ``<`` the rests hold (all tags: nothing else is allowed there).
        """
        joined = b"\0" + b"\0".join(rests)
        if any(text in joined for text in _NOT_PLAIN):
            raise _Irregular("markup in a track point that the expression does not read")
        n_tags = joined.count(b"<")
        # Lower case, as the scanner compares names (float() reads "NaN", "1E3" alike).
        lowered = joined.lower() if n_tags else b""
        present = tuple(name for name in _SENSOR_NAMES if name in lowered)
        tokens = _sensor_expression(present).findall(lowered) if present else []
        n = len(rests)
        same = _same_sensors_everywhere(tokens, n)
        values: dict[str, np.ndarray] | dict[str, list[float]]
        values = _sensor_values(tokens, n) if same is None else same
        if not values and not self.sensors:
            return n_tags
        for column in SENSOR_COLUMNS:
            column_values = values.get(column)
            stored = self.sensors.get(column)
            if stored is None:
                if column_values is None:
                    continue
                stored = self.sensors[column] = array("d", [np.nan]) * n_before
            if column_values is None:
                stored.extend(array("d", [np.nan]) * n)
            elif isinstance(column_values, np.ndarray):
                stored.frombytes(column_values.tobytes())
            else:
                stored.extend(column_values)
        return n_tags

    def scan(self, scanner: PointScanner) -> GpxScan:
        """These points with the scanner's names, creator and tracks."""
        n = len(self.lat)
        return GpxScan(
            lat=np.frombuffer(self.lat, dtype=float),
            lon=np.frombuffer(self.lon, dtype=float),
            elevation=np.frombuffer(self.elevation, dtype=float),
            times=np.concatenate(self.time_parts),
            n_naive=self.n_naive,
            local_offset_s=self.local_offset_s,
            segment=np.frombuffer(self.segment, dtype=np.int64),
            sensors={
                column: (
                    np.frombuffer(self.sensors[column], dtype=float)
                    if column in self.sensors
                    else np.broadcast_to(np.nan, (n,))
                )
                for column in SENSOR_COLUMNS
            },
            creator=scanner.creator,
            name=scanner.gpx_name,
            track_names=scanner.track_names,
            track_types=scanner.track_types,
        )


def _without_tag(texts: np.ndarray, tag_length: int) -> np.ndarray | None:
    """``<tag>text`` bytes (or ``b""``) as ``text`` bytes (``b""``), at once; None if all empty.

    Done on the bytes (NumPy pads ``S`` arrays with NUL): a row without the tag
    is all NUL, and stays empty.
    """
    width = texts.dtype.itemsize - tag_length
    if width <= 0:
        return None
    grid = texts.view(np.uint8).reshape(texts.size, width + tag_length)[:, tag_length:]
    return np.ascontiguousarray(grid).view(f"S{width}").ravel()


#: ``YYYY-MM-DDThh:mm:ss``: which bytes are digits (the rest are ``-``, ``T``, ``:``).
_DIGITS = np.array([c.isdigit() for c in "2026-05-04T06:30:00"])
_SEPARATORS = np.frombuffer(b"2026-05-04T06:30:00", dtype=np.uint8)


def _plain_utc_times(times: tuple[bytes, ...]) -> np.ndarray | None:
    """``<time>YYYY-MM-DDThh:mm:ss[.f{1,6}]Z`` texts as ``datetime64[us]``, all at once.

    The texts :func:`~loadwatch.importers.gpx_stream.parse_times` hands to NumPy
    (its ``_PLAIN_UTC``), recognised column by column on the bytes; ``None``
    when any text is another kind (no time, an offset, 7 fraction digits ...),
    for :func:`~loadwatch.importers.gpx_stream.parse_times` to read one by one.
    """
    texts = _without_tag(np.array(times), _TIME_TAG)
    if texts is None or not 20 <= texts.dtype.itemsize <= 27:
        return None
    width = texts.dtype.itemsize
    grid = texts.view(np.uint8).reshape(len(times), width).copy()
    lengths = (grid != 0).sum(axis=1)  # XML text holds no NUL: the rest is padding
    digit = (grid >= ord("0")) & (grid <= ord("9"))
    fixed = np.where(_DIGITS, digit[:, :19], grid[:, :19] == _SEPARATORS)
    if not fixed.all() or (grid[:, 0] == ord("0")).any():
        return None
    micro = np.zeros(len(times), dtype=np.int64)
    for length in np.unique(lengths).tolist():
        rows = lengths == length
        if length == 20:
            tail_ok = True
        elif 22 <= length <= 27:
            tail_ok = bool(
                (grid[rows, 19] == ord(".")).all() and digit[rows, 20 : length - 1].all()
            )
        else:
            return None
        if not tail_ok or not (grid[rows, length - 1] == ord("Z")).all():
            return None
        fraction = np.zeros(len(times), dtype=np.int64)
        for column in range(20, length - 1):  # up to 6 digits of a second, in µs
            fraction[rows] += (grid[rows, column].astype(np.int64) - ord("0")) * 10 ** (25 - column)
        micro[rows] = fraction[rows]
    # The moment from its fields, by arithmetic: NumPy's own parsing of bytes crashes
    # (NumPy 2.4) on an impossible date such as a 13th month among valid ones.
    year, month, day = _number(grid, 0, 4), _number(grid, 5, 7), _number(grid, 8, 10)
    hour, minute, second = _number(grid, 11, 13), _number(grid, 14, 16), _number(grid, 17, 19)
    if not ((month >= 1) & (month <= 12)).all():
        return None  # parse_times decides, one by one
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    first_day = months.astype("datetime64[D]")
    month_days = ((months + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    valid = (day >= 1) & (day <= month_days) & (hour < 24) & (minute < 60) & (second < 60)
    if not valid.all():
        return None
    seconds = (day - 1) * 86400 + hour * 3600 + minute * 60 + second
    offset = (seconds * 1_000_000 + micro).astype("timedelta64[us]")
    return first_day.astype("datetime64[us]") + offset


def _number(grid: np.ndarray, begin: int, end: int) -> np.ndarray:
    """The decimal number in byte columns ``begin..end-1`` of each row (all digits)."""
    value = np.zeros(grid.shape[0], dtype=np.int64)
    for column in range(begin, end):
        value = value * 10 + (grid[:, column].astype(np.int64) - ord("0"))
    return value


@functools.cache
def _sensor_expression(names: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """A NUL (between two points' texts: no name), or an element named one of ``names``
    (any prefix; not self-closing) and its text up to its first child, as
    ElementTree's ``.text``. Only the names a chunk holds are tried: each name more
    costs time at every tag.
    """
    return re.compile(
        rb"\0|<(?:[^\s/<>:!?]+:)?(" + b"|".join(names) + rb")(?=[\s/>])[^>]*(?<!/)>([^<]*)"
    )


def _sensor_values(tokens: list[tuple[bytes, bytes]], n: int) -> dict[str, list[float]]:
    """Each point's sensor values from the tokens of :func:`_sensor_expression`, one by one."""
    values: dict[str, list[float]] = {}
    ranks: dict[str, list[int]] = {}
    i = -1
    for name, text in tokens:
        if not name:  # the NUL before the next point's text
            i += 1
            continue
        column, rank = _SENSOR_NAMES[name]
        column_ranks = ranks.get(column)
        if column_ranks is None:
            column_ranks = ranks[column] = [len(SENSOR_ELEMENTS)] * n
            values[column] = [np.nan] * n
        if rank >= column_ranks[i]:
            continue  # a better-ranked element already gave this point's value
        try:
            value = float(text)
        except ValueError:
            continue
        if value <= 0 and column == "heart_rate_bpm":
            continue  # 0 is "no strap", not a heart rate
        values[column][i] = value
        column_ranks[i] = rank
    return values


def _same_sensors_everywhere(
    tokens: list[tuple[bytes, bytes]], n: int
) -> dict[str, np.ndarray] | None:
    """The common case at once: every point has the same sensor elements, one per column.

    ``None`` when the points differ, a column has two elements (ranks decide), or
    a value is not a number (:func:`_sensor_values` decides, one by one).
    """
    if not tokens:
        return {}  # no markup in any point's text
    if len(tokens) % n:
        return None
    stride = len(tokens) // n
    if stride == 1:
        return {}
    names, texts = zip(*tokens, strict=True)
    if any(names[0::stride]):
        return None
    columns: dict[str, np.ndarray] = {}
    for j in range(1, stride):
        found = set(names[j::stride])
        if len(found) != 1:
            return None
        column, _ = _SENSOR_NAMES[found.pop()]
        if column in columns:
            return None
        try:
            column_values = _floats(np.array(texts[j::stride]))
        except ValueError:
            return None
        if column == "heart_rate_bpm":
            column_values[column_values <= 0] = np.nan  # 0 is "no strap"
        columns[column] = column_values
    return columns


def _floats(texts: np.ndarray) -> np.ndarray:
    """``float()`` of each text: at once for plain decimals, else one by one.

    Raises
    ------
    ValueError
        A text ``float()`` does not read.
    """
    values = _decimals(texts)
    if values is None:
        values = np.array([float(text) for text in texts.tolist()], dtype=float)
    return values


#: Powers of ten that are exact doubles (10**22 is the last).
_EXACT_POWERS = 10.0 ** np.arange(23)


def _decimals(texts: np.ndarray) -> np.ndarray | None:
    """Plain decimals (``-73.9666175``, ``30.0``, ``12``) as ``float()`` reads them, at once.

    A decimal of at most 15 digits is an integer ``m`` below 2**53 over ``10**k``
    (k ≤ 22), both exact doubles, and IEEE division rounds the exact quotient
    correctly: the result is the double nearest the decimal, which is what
    ``float()`` returns (the fast path of Clinger, 1990). Anything else (more
    digits, a sign other than a leading ``-``, an exponent, white space, empty)
    gives ``None``, for ``float()`` to read one by one.

    Parameters
    ----------
    texts
        A NumPy bytes array (dtype ``S``).
    """
    width = texts.dtype.itemsize
    if texts.size == 0 or width == 0 or width > 24:
        return None
    grid = texts.view(np.uint8).reshape(texts.size, width)
    digit = (grid >= ord("0")) & (grid <= ord("9"))
    dot = grid == ord(".")
    minus = grid[:, 0] == ord("-")
    allowed = digit | dot | (grid == 0)
    allowed[:, 0] |= minus
    n_digits = digit.sum(axis=1)
    if not allowed.all() or (dot.sum(axis=1) > 1).any():
        return None
    if (n_digits == 0).any() or (n_digits > 15).any():
        return None
    if ((grid[:, 1:] != 0) & (grid[:, :-1] == 0)).any():
        return None  # a NUL inside the text (XML has none): not a plain decimal
    right = np.cumsum(digit[:, ::-1], axis=1)[:, ::-1]  # digits at or right of each byte
    places = np.where(digit, right - 1, 0)
    mantissa = (np.where(digit, grid - ord("0"), 0).astype(np.int64) * 10**places).sum(axis=1)
    fraction_digits = np.where(dot, right, 0).sum(axis=1)  # digits right of the dot
    values = mantissa.astype(np.float64) / _EXACT_POWERS[fraction_digits]
    return np.where(minus, -values, values)
