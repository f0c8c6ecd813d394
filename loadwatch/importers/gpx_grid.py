"""Track points read as a grid of tags: a chunk of a GPX segment, each point by its shape.

Apps write their points in a few shapes: every point alike (a watch's export),
or a phone's points with an elevation on some fixes and a heart rate on some
(four shapes interleaved point by point). :func:`points_by_shape` finds the
``<`` and ``>`` of a chunk with NumPy, cuts it into points at their
``<trkpt`` tags, sorts the points by shape (their number of tags, then the
length of each) and reads each shape as a grid: a row a point, a column a tag.
The tags of a shape's first point say which column's text is the elevation,
the time or a sensor, as the expressions of :mod:`loadwatch.importers.gpx_bulk`
read them (``<ele>`` and ``<time>`` first, sensors by
:func:`sensor_expression`), and every other point of the shape must hold
exactly those tags, byte for byte, bar the two values of its start tag.
Each column's texts are gathered into one bytes array and read as ``float()``
and gpxpy read them (:mod:`loadwatch.importers.gpx_columns`).

Anything else (a ``&``, a ``>`` outside a tag, a comment, CDATA, a processing
instruction, a point of a shape the expressions would read otherwise, a
number ``float()`` does not read, two sensor elements for one column) gives
``None``: the expressions decide.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from loadwatch.importers.gpx_columns import floats
from loadwatch.importers.gpx_points import SENSOR_ELEMENTS

__all__ = ["SENSOR_NAMES", "GridPoints", "points_by_shape", "sensor_expression"]

#: Sensor element names as bytes (lower case) → record column and rank.
SENSOR_NAMES = {name.encode(): found for name, found in SENSOR_ELEMENTS.items()}
#: A regular track point's start tag: ``lat`` then ``lon`` (or ``lon`` then ``lat``).
_LAT_LON = re.compile(rb'<trkpt\s+lat\s*=\s*"[^"<]*"\s+lon\s*=\s*"[^"<]*"\s*>')
_LON_LAT = re.compile(rb'<trkpt\s+lon\s*=\s*"[^"<]*"\s+lat\s*=\s*"[^"<]*"\s*>')
_END_TAGS = {name: re.compile(rb"/" + name + rb"\s*") for name in (b"ele", b"time", b"trkpt")}
#: ``trkpt`` and the white space after it in a point's start tag.
_TRKPT = np.frombuffer(b"trkpt", dtype=np.uint8)
_SPACES = np.frombuffer(b" \t\r\n", dtype=np.uint8)
#: Odd 62-bit weights of the tag lengths in a shape's key (fixed: the same run, the same key).
_WEIGHTS = np.random.default_rng(20261202).integers(1, 2**62, size=512) | 1


@dataclass
class GridPoints:
    """One chunk's points in order (``times``: their texts, ``b""`` for none; or None)."""

    lat: np.ndarray
    lon: np.ndarray
    elevation: np.ndarray
    times: np.ndarray | None
    sensors: dict[str, np.ndarray]
    #: Byte ranges expat must check: the first point of each shape where the chunk's
    #: text is plain (:func:`_plain_text`: the other points are well-formed exactly
    #: when it is), else the whole chunk.
    expat_ranges: list[tuple[int, int]]


@dataclass
class _Shape:
    """The points of one shape: their numbers in the chunk and the ``<``/``>`` of their tags."""

    points: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    #: The first point's tags, without ``<`` and ``>``.
    tags: list[bytes]
    #: Every point already shown to hold the first one's tags.
    checked: bool = False

    @classmethod
    def of(
        cls, buf: np.ndarray, points: np.ndarray, starts: np.ndarray, ends: np.ndarray
    ) -> _Shape:
        tags = [bytes(buf[starts[0, j] + 1 : ends[0, j]]) for j in range(starts.shape[1])]
        return cls(points, starts, ends, tags)

    def start_tag(self) -> re.Pattern[bytes] | None:
        """The expression the first point's start tag is written as (``lat`` or ``lon`` first)."""
        tag = b"<" + self.tags[0] + b">"
        return next((e for e in (_LAT_LON, _LON_LAT) if e.fullmatch(tag)), None)


def points_by_shape(data: bytes, begin: int, end: int) -> GridPoints | None:
    """The points of ``data[begin:end]`` (whole points and the text between them).

    Returns
    -------
    GridPoints or None
        ``None`` for a chunk the grid does not read exactly as the expressions
        do (see the module docstring).
    """
    if data.find(b"&", begin, end) != -1:
        return None
    buf = np.frombuffer(data, dtype=np.uint8, count=end - begin, offset=begin)
    opens = np.flatnonzero(buf == ord("<"))
    closes = np.flatnonzero(buf == ord(">"))
    if opens.size == 0 or opens.size != closes.size:
        return None
    if not ((opens < closes).all() and (closes[:-1] < opens[1:]).all()):
        return None  # a ">" outside a tag, or in an attribute value
    shapes = _shapes(data, begin, end, buf, opens, closes)
    if shapes is None:
        return None
    n = sum(shape.points.size for shape in shapes)
    quotes = np.flatnonzero(buf == ord('"'))
    lat, lon, elevation = np.empty(n), np.empty(n), np.full(n, np.nan)
    sensors: dict[str, np.ndarray] = {}
    time_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for shape in shapes:
        read = _read_shape(buf, shape, quotes)
        if read is None:
            return None
        lat[shape.points], lon[shape.points] = read.lat, read.lon
        elevation[shape.points] = read.elevation
        for column, values in read.sensors.items():
            sensors.setdefault(column, np.full(n, np.nan))[shape.points] = values
        if read.times is not None:
            time_parts.append((shape.points, read.times))
    times = None
    if time_parts:
        width = max(texts.dtype.itemsize for _, texts in time_parts)
        times = np.zeros(n, dtype=f"S{width}")
        for points, texts in time_parts:
            times[points] = texts
    if _plain_text(buf):
        firsts = sorted((int(s.starts[0, 0]), int(s.ends[0, -1]) + 1) for s in shapes)
        ranges = [(begin + first, begin + last) for first, last in firsts]
    else:
        ranges = [(begin, end)]
    return GridPoints(lat, lon, elevation, times, sensors, ranges)


def _shapes(
    data: bytes, begin: int, end: int, buf: np.ndarray, opens: np.ndarray, closes: np.ndarray
) -> list[_Shape] | None:
    """The chunk's points sorted by shape: tag count, then each tag's length.

    Every ``<`` of the chunk must be in a point: the first tag starts one, and
    each point runs to the next ``<trkpt`` start tag. Where the chunk holds as
    many tags as points times the first point's, one expression built from
    the first point's tags, found once per point, may hold them all to those
    tags (a watch's file: one shape); otherwise each shape's points are
    compared with its first byte for byte (:func:`_same_bytes`).
    """
    first_end = data.find(b"</trkpt", begin, end)
    stride = int(np.searchsorted(opens, first_end - begin)) + 1
    if first_end != -1 and opens.size % stride == 0:  # as many tags a point as the first?
        n = opens.size // stride
        alike = _Shape.of(buf, np.arange(n), opens.reshape(n, stride), closes.reshape(n, stride))
        if _all_alike(data, begin, end, alike):
            alike.checked = True
            return [alike]
    after = buf[np.minimum(opens[:, None] + np.arange(1, 7), buf.size - 1)]
    starts_point = (after[:, :5] == _TRKPT).all(axis=1) & np.isin(after[:, 5], _SPACES)
    first_tags = np.flatnonzero(starts_point)
    if first_tags.size == 0 or first_tags[0] != 0:
        return None
    counts = np.diff(np.append(first_tags, opens.size))
    lengths = closes - opens
    shapes = []
    for count in np.unique(counts).tolist():
        if not 2 <= count <= _WEIGHTS.size:
            return None
        members = np.flatnonzero(counts == count)
        index = first_tags[members][:, None] + np.arange(count)
        # A key of the tag lengths (a hash: points that share it are compared byte for byte).
        keys = lengths[index][:, 1:].astype(np.int64) @ _WEIGHTS[: count - 1]
        _, which = np.unique(keys, return_inverse=True)
        for key in np.unique(which).tolist():
            alike = which.ravel() == key
            shapes.append(_Shape.of(buf, members[alike], opens[index[alike]], closes[index[alike]]))
    return shapes


def _all_alike(data: bytes, begin: int, end: int, shape: _Shape) -> bool:
    """Whether each row is a point with the first one's tags (one expression a point)."""
    start_tag = shape.start_tag()
    if start_tag is None:
        return False
    # The empty group makes findall return b"" (one shared object) for each point.
    point = re.compile(
        start_tag.pattern
        + b"[^<]*"
        + b"[^<]*".join(re.escape(b"<" + tag + b">") for tag in shape.tags[1:])
        + b"()"
    )
    return len(point.findall(data, begin, end)) == shape.starts.shape[0]


@dataclass
class _ShapeRead:
    lat: np.ndarray
    lon: np.ndarray
    elevation: np.ndarray
    times: np.ndarray | None
    sensors: dict[str, np.ndarray]


def _read_shape(buf: np.ndarray, shape: _Shape, quotes: np.ndarray) -> _ShapeRead | None:
    """The values of one shape's points, or None where they are not its first point's tags."""
    starts, ends = shape.starts, shape.ends
    n, width = starts.shape
    layout = _layout(shape.tags)
    start_tag = shape.start_tag()
    if layout is None or start_tag is None:
        return None
    ele, time, sensors = layout
    # Each start tag holds exactly four quotes, around its two values.
    first_quote = np.searchsorted(quotes, starts[:, 0])
    if (np.searchsorted(quotes, ends[:, 0]) - first_quote != 4).any():
        return None
    at = quotes[first_quote[:, None] + np.arange(4)]
    # Every point must be the first one's tags byte for byte (its start tag bar the values).
    if not shape.checked:
        pieces = [(starts[:, 0], at[:, 0]), (at[:, 1], at[:, 2]), (at[:, 3], ends[:, 0])]
        pieces += [(starts[:, j], ends[:, j]) for j in range(1, width)]
        if not _same_bytes(buf, pieces):
            return None
    first, second = _texts(buf, at[:, 0] + 1, at[:, 1]), _texts(buf, at[:, 2] + 1, at[:, 3])
    lat_first = start_tag is _LAT_LON
    try:
        lat = floats(first if lat_first else second)
        lon = floats(second if lat_first else first)
        elevation = np.full(n, np.nan)
        if ele is not None:
            texts = _texts(buf, ends[:, ele] + 1, starts[:, ele + 1])
            known = texts.view(np.uint8).reshape(n, -1)[:, 0] != 0
            if known.any():
                elevation[known] = floats(texts[known])
        columns: dict[str, np.ndarray] = {}
        for column, j in sensors.items():
            values = floats(_texts(buf, ends[:, j] + 1, starts[:, j + 1]))
            if column == "heart_rate_bpm":
                values[values <= 0] = np.nan  # 0 is "no strap"
            columns[column] = values
    except ValueError:
        return None  # the expressions and float() decide, one by one
    times = None if time is None else _texts(buf, ends[:, time] + 1, starts[:, time + 1])
    return _ShapeRead(lat, lon, elevation, times, columns)


def _same_bytes(buf: np.ndarray, pieces: list[tuple[np.ndarray, np.ndarray]]) -> bool:
    """Whether each row's bytes ``start..stop`` (inclusive) of every piece equal the first row's."""
    offsets = []
    for start, stop in pieces:
        length = stop - start
        if (length != length[0]).any():
            return False
        offsets.append(start[:, None] + np.arange(int(length[0]) + 1))
    grid = buf[np.concatenate(offsets, axis=1)]
    return bool((grid == grid[0]).all())


def _plain_text(buf: np.ndarray) -> bool:
    """Whether every byte of the chunk is a character XML allows as it is: ASCII, no controls.

    With that, no ``&``, and every point of a shape that shape's first point's
    tags (as :func:`points_by_shape` has shown), each point is well-formed
    exactly when the first of its shape is: its tags are that point's, its
    texts and ``lat``/``lon`` values hold no markup, no reference and no byte
    expat would refuse (a control character, or UTF-8 that is not valid:
    non-ASCII bytes are left to expat). So expat checks the first point of each
    shape in its place, and skipping the others (whole elements, and text that
    is only text) leaves it the same document to accept or refuse.
    """
    if int(buf.max()) >= 0x80:
        return False
    controls = np.count_nonzero(buf < 0x20)
    return bool(controls == sum(np.count_nonzero(buf == c) for c in b"\t\n\r"))


def _layout(tags: list[bytes]) -> tuple[int | None, int | None, dict[str, int]] | None:
    """The columns of the elevation, the time and each sensor's text, from one point's tags.

    Read as the expressions read a point: ``<ele>`` and ``<time>`` (bare, no
    attributes) first, in either order, then sensor elements
    (:func:`sensor_expression`) anywhere. ``None`` for what they would not read.
    """
    if not _END_TAGS[b"trkpt"].fullmatch(tags[-1]):
        return None
    found: dict[bytes, int] = {}
    j = 1
    for name in (b"ele", b"time", b"ele"):
        if j + 2 >= len(tags):
            break
        if name not in found and tags[j] == name and _END_TAGS[name].fullmatch(tags[j + 1]):
            found[name] = j
            j += 2
    sensor_names = sensor_expression(tuple(SENSOR_NAMES))
    sensors: dict[str, int] = {}
    for k in range(j, len(tags) - 1):
        tag = tags[k]
        if tag[:1] in (b"!", b"?") or tag.startswith((b"ele", b"time")):
            return None
        if b"trkpt" in tag or b"trkseg" in tag:
            return None
        named = sensor_names.fullmatch(b"<" + tag.lower() + b">")
        if named is not None:
            column, _ = SENSOR_NAMES[named.group(1)]
            if column in sensors:
                return None  # two elements for one column: ranks decide, point by point
            sensors[column] = k
    return found.get(b"ele"), found.get(b"time"), sensors


def _texts(buf: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """The bytes from ``starts[i]`` to ``stops[i]`` of each row, as one ``S`` array."""
    lengths = stops - starts
    width = max(int(lengths.max()), 1)
    offsets = np.arange(width)
    index = np.minimum(starts[:, None] + offsets, buf.size - 1)
    grid = buf[index]
    grid[offsets >= lengths[:, None]] = 0
    return grid.view(f"S{width}").ravel()


@functools.cache
def sensor_expression(names: tuple[bytes, ...]) -> re.Pattern[bytes]:
    """A NUL (between two points' texts: no name), or an element named one of ``names``
    (any prefix; not self-closing) and its text up to its first child, as
    ElementTree's ``.text``. Only the names a chunk holds are tried: each name more
    costs time at every tag.
    """
    return re.compile(
        rb"\0|<(?:[^\s/<>:!?]+:)?(" + b"|".join(names) + rb")(?=[\s/>])[^>]*(?<!/)>([^<]*)"
    )
