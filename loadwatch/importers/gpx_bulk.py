"""Read the track points of a regularly written GPX file in bulk, without a callback per element.

:mod:`loadwatch.importers.gpx_stream` calls Python for every element (about
7 µs a track point). Almost every GPX file an app writes is regular: inside
each ``<trkseg>``, one ``<trkpt lat=".." lon="..">`` after another, each
starting with ``<ele>`` and ``<time>``, then e.g. ``<extensions>``. For such a
file this module

1. feeds the file to the same namespace-aware expat parser as
   :func:`~loadwatch.importers.gpx_stream.scan_gpx` (DTDs and entities refused
   at their first byte), with the element callbacks on outside the segments
   (metadata, names, creator, segment count: read by the same
   :class:`~loadwatch.importers.gpx_stream.PointScanner`) and off inside them,
   so expat checks the file for well-formedness at C speed: every byte, but
   for the points of a chunk read as a grid of plain text (below), where it
   checks the first point of each shape and the rest is shown well-formed by
   it;
2. reads each segment's points a megabyte at a time. Where the points come
   in a few shapes, each shape's points holding exactly its first point's
   tags (as apps write them: a watch one shape, a phone a few interleaved),
   the ``<`` and ``>`` of the chunk, found by NumPy, cut it into a grid of
   tags per shape, a row a point (:mod:`~loadwatch.importers.gpx_grid`), and
   each column of texts (position, ``<ele>``, ``<time>``, a sensor) is
   gathered into one bytes array. Otherwise one regular expression gives each point's
   position, ``<ele>``, ``<time>`` and the rest of its text, a second the
   sensor elements of :data:`~loadwatch.importers.gpx_points.SENSOR_ELEMENTS`
   anywhere in that rest. Either way numbers are read as ``float()`` reads
   them and times as :func:`~loadwatch.importers.gpx_stream.parse_times`
   reads them, a column at a time
   (:mod:`~loadwatch.importers.gpx_columns`).

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

Cost on the benchmark's app shapes (``benchmarks/gpx_shapes.py``): about 2.5 µs
a point for the grid, of which the numbers (``float()``-exact columns) and
holding every point to its shape's tags are the largest parts; expat's pass
over a whole chunk (~2 µs a point for ~370 bytes) is left only where the grid
does not read the chunk.
"""

from __future__ import annotations

import gc
import re
from array import array
from xml.parsers import expat

import numpy as np

from loadwatch.importers.gpx_columns import floats, plain_utc_times, without_tag
from loadwatch.importers.gpx_grid import (
    SENSOR_NAMES,
    GridPoints,
    points_by_shape,
    sensor_expression,
)
from loadwatch.importers.gpx_points import SENSOR_COLUMNS, SENSOR_ELEMENTS
from loadwatch.importers.gpx_stream import (
    GpxScan,
    PointScanner,
    Unusual,
    open_scan,
    parse_times,
    scan_of,
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
_SEGMENT_START = re.compile(rb"<trkseg\s*>")
_SEGMENT_END = re.compile(rb"</trkseg\s*>")
#: In the rest of a point: a comment, CDATA, processing instruction or reference, an
#: ``<ele>``/``<time>`` the expression did not take, a track point or segment in the point.
_NOT_PLAIN = (b"<!", b"<?", b"&", b"<ele", b"<time", b"trkpt", b"trkseg")
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
    # Most files hold one segment: the first <trkseg> to the last </trkseg>, found
    # without crossing the points. Any tag between or inside the points that the
    # readers do not expect (another segment's tags among them) declines, and the
    # segments are then found one by one.
    whole = _first_to_last_segment(data)
    scan = _scan(data, whole) if whole else None
    if scan is None:
        segments = _segments(data)
        if segments and segments != whole:
            scan = _scan(data, segments)
    return scan


def _scan(data: bytes, segments: list[tuple[int, int]]) -> GpxScan | None:
    """The points of these segments' contents (byte ranges), or ``None``."""
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
            points.read_segment(data, begin, end, scanner.n_segments - 1, parser)
            parser.StartElementHandler, parser.EndElementHandler = handlers
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


def _first_to_last_segment(data: bytes) -> list[tuple[int, int]]:
    """From the end of the first ``<trkseg>`` to the start of the last ``</trkseg>``."""
    start = _search(_SEGMENT_START, b"<trkseg", data, 0)
    last = data.rfind(b"</trkseg")
    if start is None or last < start.end() or _SEGMENT_END.match(data, last) is None:
        return []
    return [(start.end(), last)]


def _segments(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges of the contents of every ``<trkseg>``; empty when one is not regular."""
    ranges: list[tuple[int, int]] = []
    position = 0
    while True:
        start = _search(_SEGMENT_START, b"<trkseg", data, position)
        if start is None:
            return ranges
        # The segment's first "trkseg" must be its end tag (else a segment in a segment).
        after = data.find(b"trkseg", start.end())
        end = _SEGMENT_END.match(data, after - 2) if after != -1 else None
        if end is None:
            return []
        begin, stop = start.end(), end.start()
        ranges.append((begin, stop))
        position = end.end()


def _search(
    expression: re.Pattern[bytes], prefix: bytes, data: bytes, position: int, end: int = -1
) -> re.Match[bytes] | None:
    """``expression.search(data, position)``, its literal ``prefix`` found by ``bytes.find``.

    A match must start before ``end`` (default: the end of ``data``).
    ``bytes.find`` crosses a megabyte of points many times faster than the
    expression engine's own scan.
    """
    end = len(data) if end < 0 else end
    while True:
        position = data.find(prefix, position, end)
        if position == -1:
            return None
        found = expression.match(data, position)
        if found is not None:
            return found
        position += 1


def _feed(parser: expat.XMLParserType, data: bytes, begin: int, end: int) -> None:
    """Give expat ``data[begin:end]``; a prefix bound to the GPX namespace there declines.

    The expressions read GPX names without a prefix. A declaration can only be
    in a tag, and every tag of the file is in the bytes expat is given or a
    copy of one of them (:mod:`.gpx_grid`: the first point of each shape), so
    looking where expat reads finds any.
    """
    if _search(_GPX_PREFIX, b"xmlns:", data, begin, end) is not None:
        raise _Irregular("a name other than the default one bound to the GPX namespace")
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

    def read_segment(
        self, data: bytes, begin: int, end: int, segment: int, parser: expat.XMLParserType
    ) -> None:
        """Read the points between ``begin`` and ``end``, a megabyte at a time.

        Each chunk then goes to expat (its element callbacks off): the whole
        chunk, or only the first point of each shape where
        :func:`~loadwatch.importers.gpx_grid.points_by_shape` has shown that
        the others are their shape's tags around plain texts.
        """
        position = begin
        while position < end:
            cut = end
            if end - position > _CHUNK_BYTES:
                found = data.find(b"</trkpt", position + _CHUNK_BYTES, end)
                if found != -1:
                    cut = data.find(b">", found, end) + 1
            for first, last in self._read_chunk(data, position, cut, segment):
                _feed(parser, data, first, last)
            position = cut

    def _read_chunk(self, data: bytes, begin: int, end: int, segment: int) -> list[tuple[int, int]]:
        """Read one chunk's points; the byte ranges of it that expat must check."""
        grid = points_by_shape(data, begin, end)
        if grid is not None:
            self._store(grid, segment)
            return grid.expat_ranges
        found = _POINT.findall(data, begin, end)
        if not found:
            if data.find(b"trkpt", begin, end) != -1:
                raise _Irregular("a track point the expression does not read")
            return [(begin, end)]
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
        self.lat.frombytes(floats(np.array(lat_first)).tobytes())
        self.lon.frombytes(floats(np.array(lon_first)).tobytes())
        # b"" (no <ele>) and b"<ele>" (an empty one) are both no elevation, as for the scanner.
        elevation = np.full(len(found), np.nan)
        ele_texts = without_tag(np.array(ele_first), _ELE_TAG)
        if ele_texts is not None:
            known = ele_texts.view(np.uint8).reshape(len(found), -1)[:, 0] != 0
            if known.any():
                elevation[known] = floats(ele_texts[known])
        self.elevation.frombytes(elevation.tobytes())
        self.segment.extend(array("q", [segment]) * len(found))
        self._add_times(without_tag(np.array(times), _TIME_TAG), len(found))
        return [(begin, end)]

    def _add_times(self, texts: np.ndarray | None, n: int) -> None:
        """Append ``n`` points' times from their ``<time>`` texts (``None``: no times)."""
        parsed = plain_utc_times(texts) if texts is not None else None
        if parsed is None:
            strings = (
                [text.decode() or None for text in texts.tolist()] if texts is not None else []
            )
            strings += [None] * (n - len(strings))
            if any(text is not None and "&" in text for text in strings):
                raise _Irregular("a character reference in a time")
            parsed, n_naive, offset = parse_times(strings)
            self.n_naive += n_naive
            if self.local_offset_s is None:
                self.local_offset_s = offset
        self.time_parts.append(parsed)

    def _store(self, points: GridPoints, segment: int) -> None:
        """Append the points of one chunk read by :func:`.gpx_grid.points_by_shape`."""
        n = points.lat.size
        n_before = len(self.lat)
        self.lat.frombytes(points.lat.tobytes())
        self.lon.frombytes(points.lon.tobytes())
        self.elevation.frombytes(points.elevation.tobytes())
        self.segment.extend(array("q", [segment]) * n)
        self._add_times(points.times, n)
        self._store_sensors(points.sensors, n, n_before)

    def _read_sensors(self, rests: tuple[bytes, ...], n_before: int) -> int:
        """Heart rate, cadence, temperature from each point's text after ``<ele>``/``<time>``.

        The rests are joined with NUL (which XML text cannot hold) and read by one
        expression (:func:`.gpx_grid.sensor_expression`) that returns each NUL and each
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
        present = tuple(name for name in SENSOR_NAMES if name in lowered)
        tokens = sensor_expression(present).findall(lowered) if present else []
        n = len(rests)
        same = _same_sensors_everywhere(tokens, n)
        values: dict[str, np.ndarray] | dict[str, list[float]]
        values = _sensor_values(tokens, n) if same is None else same
        self._store_sensors(values, n, n_before)
        return n_tags

    def _store_sensors(
        self, values: dict[str, np.ndarray] | dict[str, list[float]], n: int, n_before: int
    ) -> None:
        """Append ``n`` points' sensor columns (NaN for the columns ``values`` lacks)."""
        if not values and not self.sensors:
            return
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

    def scan(self, scanner: PointScanner) -> GpxScan:
        """These points with the scanner's names, creator and tracks."""
        return scan_of(self, scanner)


def _sensor_values(tokens: list[tuple[bytes, bytes]], n: int) -> dict[str, list[float]]:
    """Each point's sensor values from :func:`.gpx_grid.sensor_expression`'s tokens, one by one."""
    values: dict[str, list[float]] = {}
    ranks: dict[str, list[int]] = {}
    i = -1
    for name, text in tokens:
        if not name:  # the NUL before the next point's text
            i += 1
            continue
        column, rank = SENSOR_NAMES[name]
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
        column, _ = SENSOR_NAMES[found.pop()]
        if column in columns:
            return None
        try:
            column_values = floats(np.array(texts[j::stride]))
        except ValueError:
            return None
        if column == "heart_rate_bpm":
            column_values[column_values <= 0] = np.nan  # 0 is "no strap"
        columns[column] = column_values
    return columns
