"""A small FIT encoder: definition and data messages, the header and the CRCs.

The activity writer (:mod:`loadwatch.synthetic.fitwriter`), the tests and the
scale benchmark write FIT files with it. It needs nothing beyond loadwatch's
own dependencies: field numbers, base types, scales, offsets and enum codes
come from the FIT profile in ``fitdecode.profile``, and the CRC is FIT's
CRC-16, computed by ``crcmod`` (crcmod-plus, in C) as the fast FIT reader
checks it.

Values are given in profile units — seconds, metres, m/s, degrees Celsius —
and scaled here; positions are given in semicircles (:func:`semicircles`);
``date_time`` fields take an aware :class:`~datetime.datetime` or raw FIT
seconds (an ``int``, which is how a device-relative clock below
``0x10000000`` is written); enum fields take the profile's name
(``"running"``) or a code (an unknown code is written as given).

Every message type with a given set of fields gets a local message type
(0–15, reused with a new definition after sixteen); records of a file can be
encoded in one go as a numpy structured array (:meth:`MessageLayout.rows`) and
written in slices (:meth:`FitFileWriter.add_rows`), so a file of one record a
second is written in milliseconds. Real devices' shapes are written the same
way: messages interleaved as watches write them (:class:`InterleavedLayout`:
``record`` then ``hrv``, every second) and fields written in another size than
their type (``MessageLayout(..., sizes=...)``: COROS's misaligned fields).

Example::

    writer = FitFileWriter()
    writer.add("file_id", type="activity", manufacturer="development", product=0)
    writer.add("record", timestamp=start, distance=0.0, heart_rate=120)
    data = writer.to_bytes()

References
----------
Garmin, *Flexible and Interoperable Data Transfer (FIT) Protocol*, FIT SDK,
https://developer.garmin.com/fit/protocol/
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import crcmod.predefined
import fitdecode.profile
import numpy as np

#: FIT epoch (1989-12-31 00:00 UTC): FIT times count seconds from it.
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
#: FIT semicircles per degree of latitude or longitude.
SEMICIRCLES_PER_DEGREE = 2**31 / 180.0
#: FIT protocol version written in the header (2.0).
PROTOCOL_VERSION = 0x20
#: FIT profile version written in the header (21.60).
PROFILE_VERSION = 2160

#: FIT's CRC-16 (polynomial 0x8005 reflected, initial value 0): crcmod's ``crc-16``.
crc16 = crcmod.predefined.mkPredefinedCrcFun("crc-16")

_MESSAGES = {m.name: (number, m) for number, m in fitdecode.profile.MESSAGE_TYPES.items()}
#: ``struct`` format of an unsigned integer of each size [bytes] (fields written in another size).
_UNSIGNED = {1: "B", 2: "H", 4: "I", 8: "Q"}


def fit_seconds(moment: datetime) -> int:
    """Seconds since the FIT epoch of ``moment`` (a naive ``moment`` is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round((moment - FIT_EPOCH).total_seconds())


def semicircles(degrees: Any) -> np.ndarray:
    """Degrees of latitude or longitude as FIT semicircles (rounded to the nearest)."""
    return np.rint(np.asarray(degrees, dtype=np.float64) * SEMICIRCLES_PER_DEGREE)


class _Field(NamedTuple):
    name: str
    number: int
    base: Any  # fitdecode BaseType: identifier, size, fmt
    scale: float
    offset: float
    enum: dict[str, int]  # name -> code; empty for numbers
    is_time: bool


@functools.cache
def _resolve(message_name: str, name: str) -> _Field:
    """The profile field ``name`` of ``message_name``, or a sub-field (``timer_trigger``
    is the ``data`` field of an ``event``): written with its parent's number and base type."""
    message = _MESSAGES[message_name][1]
    for field in message.fields.values():
        candidates = [(field, field)] + [(field, sub) for sub in field.subfields or ()]
        for parent, found in candidates:
            if found.name != name:
                continue
            enum = {v: k for k, v in (getattr(found.type, "enum", None) or {}).items()}
            base = getattr(parent.type, "base_type", parent.type)
            scale, offset = float(found.scale or 1), float(found.offset or 0)
            is_time = getattr(found.type, "name", "") in ("date_time", "local_date_time")
            if base.fmt in ("s", "x") or base.size not in (1, 2, 4, 8):
                raise ValueError(f"{message.name}.{name}: strings and byte arrays are not written")
            return _Field(name, parent.def_num, base, scale, offset, enum, is_time)
    raise ValueError(f"the FIT profile has no field {name!r} in {message.name!r} messages")


class MessageLayout:
    """One FIT message type with a fixed list of fields and a local message type.

    Parameters
    ----------
    name
        Profile message name (``"record"``).
    local_type
        Local message type 0–15 written in the record headers.
    fields
        Profile field (or sub-field) names, in the order they are written.
    sizes
        Fields written in another number of bytes than their type's [bytes]: 1, 2,
        4 or 8, as an unsigned integer, the definition keeping the profile's base
        type. COROS watches write an ``event``'s uint32 ``data`` in 1 byte
        (``sizes={"data": 1}``): a size that is not a multiple of the type, which
        fitparse refuses and fitdecode reads as bytes.
    """

    def __init__(
        self,
        name: str,
        local_type: int,
        fields: Sequence[str],
        sizes: Mapping[str, int] | None = None,
    ) -> None:
        if name not in _MESSAGES:
            raise ValueError(f"the FIT profile has no message {name!r}")
        if not 0 <= local_type <= 15:
            raise ValueError("a local message type is 0-15")
        sizes = dict(sizes or {})
        unknown = set(sizes) - set(fields)
        if unknown:
            raise ValueError(f"sizes given for fields not written: {sorted(unknown)}")
        if any(size not in _UNSIGNED for size in sizes.values()):
            raise ValueError("a field's written size is 1, 2, 4 or 8 bytes")
        self.name = name
        self.local_type = local_type
        self.global_number = _MESSAGES[name][0]
        self.fields = tuple(_resolve(name, field_name) for field_name in fields)
        self.sizes = {f.name: sizes.get(f.name, f.base.size) for f in self.fields}
        formats = [_UNSIGNED[sizes[f.name]] if f.name in sizes else f.base.fmt for f in self.fields]
        self.dtype = np.dtype(
            [("header", "u1")]
            + [(f.name, "<" + fmt) for f, fmt in zip(self.fields, formats, strict=True)]
        )
        self._struct = struct.Struct("<B" + "".join(formats))

    @property
    def field_names(self) -> tuple[str, ...]:
        """The fields in the order they are written."""
        return tuple(f.name for f in self.fields)

    def definition(self) -> bytes:
        """The definition message (little endian)."""
        out = struct.pack(
            "<BBBHB", 0x40 | self.local_type, 0, 0, self.global_number, len(self.fields)
        )
        return out + b"".join(
            struct.pack("BBB", f.number, self.sizes[f.name], f.base.identifier) for f in self.fields
        )

    def _encoded(self, field: _Field, value: Any) -> np.ndarray | int | float:
        is_float = field.base.fmt in ("f", "d")
        if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool
        ):
            raw = float(value)  # float64 arithmetic, rounded half to even as numpy.rint
            if field.scale != 1 or field.offset != 0:
                raw = (raw + field.offset) * field.scale
            return raw if is_float else round(raw)
        if isinstance(value, str):
            if value not in field.enum:
                raise ValueError(f"{self.name}.{field.name}: the FIT profile has no {value!r}")
            return field.enum[value]
        if isinstance(value, datetime):
            if not field.is_time:
                raise ValueError(f"{self.name}.{field.name} is not a time")
            return fit_seconds(value)
        values = np.asarray(value, dtype=np.float64)
        if field.scale != 1 or field.offset != 0:
            values = (values + field.offset) * field.scale
        return values if is_float else np.rint(values)

    def rows(self, n: int, values: Mapping[str, Any]) -> np.ndarray:
        """``n`` data messages as a structured array.

        Parameters
        ----------
        n
            Number of messages.
        values
            One entry per field of the layout: a scalar (every message) or an array of
            length ``n``, in profile units (see the module docstring).

        Returns
        -------
        numpy.ndarray
            Structured array whose ``tobytes()`` are the ``n`` data messages.
        """
        out = np.zeros(n, dtype=self.dtype)
        out["header"] = self.local_type
        for field in self.fields:
            out[field.name] = self._encoded(field, values[field.name])
        return out

    def encode(self, **values: Any) -> bytes:
        """The bytes of one data message (scalars; the same encoding as :meth:`rows`)."""
        encoded = []
        for field in self.fields:
            value = self._encoded(field, values[field.name])
            encoded.append(value if field.base.fmt in ("f", "d") else int(value))
        return self._struct.pack(self.local_type, *encoded)


class InterleavedLayout:
    """Several message layouts written in turn: one message of each per row.

    Real watches interleave their messages: a Garmin watch with a chest strap
    writes an ``hrv`` message after every one-second ``record``. Rows of this
    layout (:meth:`rows`) hold one message of each member, in order, and are
    written with :meth:`FitFileWriter.add_rows` like those of one layout.

    Parameters
    ----------
    layouts
        The member layouts, each with its own local message type.
    """

    def __init__(self, *layouts: MessageLayout) -> None:
        if len({layout.local_type for layout in layouts}) != len(layouts):
            raise ValueError("interleaved layouts need a local message type each")
        self.layouts = layouts
        self.dtype = np.dtype([(f"m{i}", layout.dtype) for i, layout in enumerate(layouts)])

    def definition(self) -> bytes:
        """The definition messages of every member, in order."""
        return b"".join(layout.definition() for layout in self.layouts)

    def rows(self, n: int, values: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """``n`` rows: ``values[i]`` fills member ``i`` (as :meth:`MessageLayout.rows`)."""
        if len(values) != len(self.layouts):
            raise ValueError("one mapping of values per interleaved layout")
        out = np.zeros(n, dtype=self.dtype)
        for i, (layout, given) in enumerate(zip(self.layouts, values, strict=True)):
            out[f"m{i}"] = layout.rows(n, given)
        return out


@functools.lru_cache(maxsize=256)
def _layout(name: str, local_type: int, fields: tuple[str, ...]) -> MessageLayout:
    """Layouts are immutable: files written one after another share them."""
    return MessageLayout(name, local_type, fields)


class FitFileWriter:
    """Collects the messages of one FIT file, in order; :meth:`to_bytes` gives the file.

    A message type gets a local message type for each set of fields it is written
    with; the definition message is written before the first data message of a layout
    and again whenever another layout took its local type in between.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._layouts: dict[tuple[str, tuple[str, ...]], MessageLayout] = {}
        self._defined: dict[int, MessageLayout] = {}

    def layout(self, name: str, fields: Sequence[str]) -> MessageLayout:
        """The layout of ``name`` messages holding ``fields`` (made on first use)."""
        key = (name, tuple(fields))
        if key not in self._layouts:
            self._layouts[key] = _layout(name, len(self._layouts) % 16, key[1])
        return self._layouts[key]

    def _define(self, layout: MessageLayout) -> None:
        if self._defined.get(layout.local_type) is not layout:
            self._parts.append(layout.definition())
            self._defined[layout.local_type] = layout

    def add(self, name: str, **values: Any) -> None:
        """Append one ``name`` message; fields whose value is ``None`` are left out."""
        given = {key: value for key, value in values.items() if value is not None}
        layout = self.layout(name, list(given))
        self._define(layout)
        self._parts.append(layout.encode(**given))

    def add_rows(self, layout: MessageLayout | InterleavedLayout, rows: np.ndarray) -> None:
        """Append data messages already encoded by ``layout`` (its ``rows`` method).

        The layout may be one of the writer's (:meth:`layout`) or made by the
        caller with a local type of its own (e.g. 13–15, above those the writer
        gives out first); an :class:`InterleavedLayout`'s members are defined
        in turn.
        """
        if rows.dtype != layout.dtype:
            raise ValueError("the rows were not encoded with this layout")
        if len(rows):
            members = layout.layouts if isinstance(layout, InterleavedLayout) else (layout,)
            for member in members:
                self._define(member)
            self._parts.append(rows.tobytes())

    def to_bytes(self) -> bytes:
        """The complete file: 14-byte header with its CRC, the messages, the file CRC."""
        data = b"".join(self._parts)
        header = struct.pack("<BBHI4s", 14, PROTOCOL_VERSION, PROFILE_VERSION, len(data), b".FIT")
        header += struct.pack("<H", crc16(header))
        body = header + data
        return body + struct.pack("<H", crc16(body))


__all__ = [
    "FIT_EPOCH",
    "SEMICIRCLES_PER_DEGREE",
    "FitFileWriter",
    "InterleavedLayout",
    "MessageLayout",
    "crc16",
    "fit_seconds",
    "semicircles",
]
