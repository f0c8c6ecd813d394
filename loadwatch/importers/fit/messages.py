"""Decoding FIT bytes into the few messages loadwatch needs, and judging damage.

One pass over the file with fitparse pulls out only the messages and fields the
FIT importer uses (every other message is parsed by fitparse but not kept).
Where fitparse gives up on a file, this module decides what went wrong:

* The file failed its checksum (CRC): the bytes changed after the device wrote
  them. Refused (:class:`~loadwatch.errors.CorruptFileError`): a clean copy is
  on the watch or in the app.
* The file is shorter than its header says and the decoder ran out of bytes:
  it was cut short in a copy or a download. Refused for the same reason.
* Anything else: the file is read again with fitdecode in its tolerant mode.
  Valid files that fitparse rejects (COROS files with misaligned field sizes)
  then read in full; the result is kept if the file's checksums hold.
* Where fitdecode fails too, the messages decoded before the failure are kept
  (the importer then needs a real start and records among them) and
  :attr:`FitMessages.damage` says what happened, so the activity counts with a
  note. Exporting such a file again gives the same bytes, so this is the best
  a runner can get:

  - ``truncated``: the decoder ran out of bytes in a file exactly as long as
    its header says, i.e. the device's last message runs past its own data
    (a device that never finished the file);
  - ``damaged``: a message could not be decoded (an undefined local message,
    as the Strava app writes), unless the checksum proves the bytes changed
    after writing, which is refused;
  - ``trailing``: every FIT part is whole and passed its checksum, but unknown
    bytes follow.

  Limitation: a damaged byte that shifts the decoding so that it runs out of
  bytes at the very end looks exactly like a device that stopped writing; it
  is read as truncated.

A chained file that repeats a whole FIT part byte for byte is read once.
Nothing here prints; decoder warnings are captured and dropped.

Before all this, a clean file (whole, every checksum right, nothing odd; COROS
files' misaligned fields included where their message is not read) is read by
the fast decoder (:mod:`loadwatch.importers.fit.fast`) with the same results,
about 100 times faster than fitparse for a real-shaped watch file; every other
file takes the path above. ``decoder="reference"`` skips the fast
decoder.

Records are kept as columns (:class:`RecordColumns`), whichever decoder read
them, so that the importer handles them with numpy.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import crcmod.predefined
import fitparse
import numpy as np
from fitparse.records import DevField as FitparseDevField
from fitparse.utils import FitCRCError, FitEOFError

from loadwatch.errors import CorruptFileError, EmptyFileError, UnsupportedFileError

#: Reason given for every checksum failure.
CRC_REASON = "failed its checksum (CRC): the file is damaged; export it again from the watch or app"

#: The messages the importer reads, and of each only these fields.
WANTED_FIELDS: dict[str, frozenset[str]] = {
    "file_id": frozenset(
        {"type", "manufacturer", "product", "garmin_product", "favero_product"}
        | {"product_name", "time_created"}
    ),
    "device_info": frozenset(
        {"device_index", "manufacturer", "product", "garmin_product", "favero_product"}
        | {"product_name"}
    ),
    "activity": frozenset({"timestamp", "local_timestamp"}),
    "timestamp_correlation": frozenset({"timestamp", "system_timestamp"}),
    "sport": frozenset({"sport", "sub_sport"}),
    "session": frozenset(
        {"start_time", "timestamp", "sport", "sub_sport", "total_distance"}
        | {"total_elapsed_time", "total_timer_time", "total_ascent", "total_descent"}
        | {"avg_heart_rate", "max_heart_rate", "avg_temperature", "max_temperature"}
        | {"start_position_lat", "start_position_long"}
    ),
    "lap": frozenset(
        {"start_time", "timestamp", "total_elapsed_time", "total_timer_time"}
        | {"total_distance", "avg_speed", "enhanced_avg_speed", "intensity", "lap_trigger"}
    ),
    "record": frozenset(
        {"timestamp", "distance", "speed", "enhanced_speed", "altitude", "enhanced_altitude"}
        | {"heart_rate", "cadence", "temperature", "position_lat", "position_long"}
    ),
}

#: The record fields, each a column of :class:`RecordColumns`.
RECORD_FIELDS: tuple[str, ...] = (
    "timestamp",
    "distance",
    "speed",
    "enhanced_speed",
    "altitude",
    "enhanced_altitude",
    "heart_rate",
    "cadence",
    "temperature",
    "position_lat",
    "position_long",
)

#: Which decoder :func:`loadwatch.importers.fit.reader.decode_fit` may use: ``"auto"`` tries the
#: fast one first.
DecoderChoice = Literal["auto", "reference"]

_HEADER_MAGIC = b".FIT"
_FIT_EPOCH_NAIVE = datetime(1989, 12, 31)
_FIT_EPOCH_UTC = _FIT_EPOCH_NAIVE.replace(tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_MIN_HEADER_SIZE = 12
#: FIT's CRC (CRC-16/ARC, as ``fitdecode.utils.compute_crc``), in C.
_CRC16 = crcmod.predefined.mkPredefinedCrcFun("crc-16")


def _crc(data: bytes, start: int, end: int) -> int:
    """FIT's CRC of ``data[start:end]``."""
    return _CRC16(memoryview(data)[start:end])


@dataclass(slots=True)
class Damage:
    """How a salvaged file failed part-way.

    Attributes
    ----------
    kind
        ``"truncated"``: the data stops inside a message; ``"damaged"``: a
        message could not be decoded; ``"trailing"``: every FIT part of the file
        is whole and passed its checksum, but unknown bytes follow it.
    error
        The decoder's exception, kept for ``__cause__``.
    """

    kind: Literal["truncated", "damaged", "trailing"]
    error: BaseException
    #: Bytes after the last complete FIT data, for ``kind == "trailing"``.
    trailing_bytes: int = 0


@dataclass(slots=True)
class RecordColumns:
    """The ``record`` messages of a file as columns: one float64 array per field, file order.

    ``timestamp`` is the FIT time [s]: from ``0x10000000`` on, seconds since
    the FIT epoch (1989-12-31 00:00 UTC); below, seconds since the device was
    switched on. The other columns hold the decoder's values in the profile's
    units (``distance`` [m], ``speed`` [m/s], ``altitude`` [m], positions in
    semicircles ...). NaN where a record lacks the field, or its value is
    invalid or not a finite number.
    """

    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["timestamp"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    @classmethod
    def empty(cls) -> RecordColumns:
        """No records."""
        return cls({name: np.empty(0) for name in RECORD_FIELDS})

    @classmethod
    def from_dicts(cls, records: Sequence[dict[str, Any]]) -> RecordColumns:
        """Columns from a decoder's ``{field: value}`` dicts (fitparse or fitdecode values)."""
        columns = {
            name: np.array([_number_or_nan(record.get(name)) for record in records], dtype=float)
            for name in RECORD_FIELDS
            if name != "timestamp"
        }
        columns["timestamp"] = np.array(
            [_fit_seconds(record.get("timestamp")) for record in records], dtype=float
        )
        return cls(columns)

    def take(self, index: np.ndarray) -> RecordColumns:
        """The records at ``index`` (positions or a boolean mask), in that order."""
        return RecordColumns({name: values[index] for name, values in self.columns.items()})

    def first_of(self, *names: str) -> np.ndarray:
        """Per record, the value of the first of ``names`` that it has (NaN if none)."""
        out = self.columns[names[0]].copy()
        for name in names[1:]:
            missing = np.isnan(out)
            out[missing] = self.columns[name][missing]
        return out


def _number_or_nan(value: object) -> float:
    result = number(value)
    return np.nan if result is None else result


def _fit_seconds(value: object) -> float:
    """A decoded record time as FIT seconds (see :class:`RecordColumns`); NaN if none."""
    if isinstance(value, datetime):
        epoch = _FIT_EPOCH_NAIVE if value.tzinfo is None else _FIT_EPOCH_UTC
        return (value - epoch) / _SECOND
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return np.nan


@dataclass(slots=True)
class FitMessages:
    """The wanted messages of one FIT file: ``{field name: value}`` dicts in file order.

    Values are as the decoder gives them: timestamps are ``datetime`` (naive UTC
    from fitparse and the fast decoder, aware UTC from fitdecode) or a raw
    ``int`` below ``0x10000000`` (seconds since the device was switched on);
    enums are their profile names, or an ``int`` where the decoder's profile
    does not know the code. ``record`` messages are in :attr:`records`, as
    columns, not in :attr:`messages`.
    """

    messages: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in WANTED_FIELDS if name != "record"}
    )
    records: RecordColumns = field(default_factory=RecordColumns.empty)
    n_messages: int = 0
    #: ``"fast"``, ``"fitparse"`` or ``"fitdecode"``.
    decoder: str = "fitparse"
    #: Decoding stopped at a ``file_id`` naming a non-activity file.
    stopped_early: bool = False
    #: Chained FIT parts left out because they repeat an earlier part byte for byte.
    repeated_parts: int = 0
    damage: Damage | None = None

    def first(self, name: str) -> dict[str, Any]:
        """The first message of that name, or an empty dict."""
        found = self.messages[name]
        return found[0] if found else {}


@dataclass(slots=True)
class _Layout:
    """What the chain of FIT headers says about the file's length and checksums."""

    short_by: int = 0
    crc_checkable: bool = False
    crc_ok: bool = True
    trailing_bytes: int = 0


def decode_reference(data: bytes, source: str) -> FitMessages:
    """Decode with fitparse, then judge any failure (see the module docstring)."""
    found, error = _collect(_fitparse_messages(data), FitparseDevField)
    if error is None:
        if found.stopped_early:  # fitparse checks the CRC only at the end: check it here
            _require_intact(_walk_chain(data), source)
        return found
    if isinstance(error, FitCRCError):
        raise CorruptFileError(source, CRC_REASON) from error
    layout = _walk_chain(data)  # only for failures: the checksum walk is slow in Python
    if isinstance(error, FitEOFError) and layout.short_by > 0:
        raise CorruptFileError(source, _cut_short_reason(layout.short_by)) from error

    # fitparse gave up on something else: try the tolerant decoder.
    import fitdecode  # only here and for enum names: most files never need it
    from fitdecode.types import DevField as FitdecodeDevField

    tolerant, tolerant_error = _collect(_fitdecode_messages(data), FitdecodeDevField)
    tolerant.decoder = "fitdecode"
    if tolerant_error is None:
        # In its tolerant mode fitdecode can "succeed" on a misaligned damaged file.
        _require_intact(layout, source)
        return tolerant
    if isinstance(tolerant_error, fitdecode.FitCRCError):
        raise CorruptFileError(source, CRC_REASON) from tolerant_error
    best, best_error = (
        (tolerant, tolerant_error) if tolerant.n_messages > found.n_messages else (found, error)
    )
    if layout.trailing_bytes and layout.crc_checkable and layout.crc_ok:
        # Every FIT part is whole and checked; only bytes after them failed.
        best.damage = Damage("trailing", best_error, layout.trailing_bytes)
        return best
    truncated = isinstance(error, FitEOFError)
    if not truncated:
        # A message broke: refuse where the checksum says the bytes changed after writing.
        _require_intact(layout, source, error)
    best.damage = Damage("truncated" if truncated else "damaged", best_error)
    return best


def _require_intact(layout: _Layout, source: str, error: BaseException | None = None) -> None:
    """Raise the checksum error where the file's checksums can be checked and fail."""
    if layout.crc_checkable and not layout.crc_ok:
        raise CorruptFileError(source, CRC_REASON) from error


def _cut_short_reason(short_by: int) -> str:
    return (
        f"the file is cut short: it ends {short_by:,} byte{'s' if short_by > 1 else ''} "
        "before the end its header announces; copy or export it again"
    )


def check_header(data: bytes, source: str) -> None:
    """Refuse files without a usable FIT header."""
    size = len(data)
    if size == 0:
        raise EmptyFileError(source, "the file is empty (0 bytes)")
    header_size = data[0]
    magic = data[8:12]
    if (
        header_size < _MIN_HEADER_SIZE
        or not _HEADER_MAGIC.startswith(magic)
        or (size >= _MIN_HEADER_SIZE and magic != _HEADER_MAGIC)
    ):
        raise UnsupportedFileError(source, "not a FIT file: it does not start with a FIT header")
    if size < header_size:
        raise CorruptFileError(
            source, f"the file is cut short inside its FIT header ({size} bytes)"
        )
    if header_size >= 14:
        header_crc = struct.unpack_from("<H", data, 12)[0]
        if header_crc and _crc(data, 0, 12) != header_crc:
            raise CorruptFileError(source, CRC_REASON)
    if size == header_size or struct.unpack_from("<I", data, 4)[0] == 0:
        raise EmptyFileError(source, "the file holds only a FIT header and no data")


def drop_repeated_parts(data: bytes) -> tuple[bytes, int]:
    """Leave out chained FIT parts that repeat an earlier part byte for byte.

    A file that holds the same FIT data twice would otherwise count the same
    run twice. Returns the bytes to decode and how many parts were left out.
    """
    parts: list[bytes] = []
    offset = 0
    while offset + _MIN_HEADER_SIZE <= len(data) and data[offset + 8 : offset + 12] == b".FIT":
        end = offset + data[offset] + struct.unpack_from("<I", data, offset + 4)[0] + 2
        parts.append(data[offset:end])
        offset = end
    if len(parts) < 2:
        return data, 0
    unique = list(dict.fromkeys(parts))
    if len(unique) == len(parts):
        return data, 0
    return b"".join(unique) + data[offset:], len(parts) - len(unique)


def _walk_chain(data: bytes) -> _Layout:
    """Lengths and checksums of each FIT file in a (possibly chained) file."""
    layout = _Layout()
    offset = 0
    checked = 0
    while offset + _MIN_HEADER_SIZE <= len(data) and data[offset + 8 : offset + 12] == b".FIT":
        header_size = data[offset]
        data_size = struct.unpack_from("<I", data, offset + 4)[0]
        end = offset + header_size + data_size + 2
        if end > len(data):
            layout.short_by = end - len(data)
            break
        if struct.unpack_from("<H", data, end - 2)[0]:  # a zero CRC means "not computed"
            checked += 1
            layout.crc_ok = layout.crc_ok and _crc(data, offset, end) == 0
        offset = end
    layout.crc_checkable = checked > 0 and layout.short_by == 0
    if layout.short_by == 0:
        layout.trailing_bytes = len(data) - offset
    return layout


def _collect(
    messages: Iterator[tuple[str, Iterable[Any]]], dev_field_type: type
) -> tuple[FitMessages, Exception | None]:
    """Keep the wanted fields of the wanted messages; stop at the first error.

    Returns what was collected and the error that stopped decoding, if any.
    Decoding stops early, without error, at a ``file_id`` that names a file
    other than an activity: nothing else in it is needed.
    """
    found = FitMessages()
    wanted_fields = WANTED_FIELDS
    records: list[dict[str, Any]] = []
    iterator = iter(messages)
    try:
        for name, fields in iterator:
            found.n_messages += 1
            wanted = wanted_fields.get(name)
            if wanted is None:
                continue
            values = {}
            for field_data in fields:
                field_name = field_data.name
                if field_name in wanted and not isinstance(field_data.field, dev_field_type):
                    values[field_name] = field_data.value
            if name == "record":
                records.append(values)
                continue
            found.messages[name].append(values)
            if name == "file_id" and len(found.messages[name]) == 1:
                file_type = values.get("type")
                if isinstance(file_type, str | int) and file_type != "activity":
                    found.stopped_early = True
                    break
    except Exception as exc:  # any decoder failure is judged by decode_fit
        return found, exc
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()  # leave the decoder's warning filters at once on an early stop
        found.records = RecordColumns.from_dicts(records)
    return found, None


def _fitparse_messages(data: bytes) -> Iterator[tuple[str, Iterable[Any]]]:
    fit_file = fitparse.FitFile(data, check_crc=True)
    for message in fit_file.get_messages():
        yield message.name, message.fields


def _fitdecode_messages(data: bytes) -> Iterator[tuple[str, Iterable[Any]]]:
    import fitdecode

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with fitdecode.FitReader(
            io.BytesIO(data),
            error_handling=fitdecode.ErrorHandling.WARN,
            check_crc=fitdecode.CrcCheck.RAISE,
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    yield frame.name, frame.fields


def enum_name(type_name: str, value: object) -> object:
    """Name an enum code that fitparse's older profile left as a number.

    fitparse 1.2.0 carries the FIT profile of 2019; fitdecode ships a newer one
    (COROS as manufacturer 294, newer Garmin products and sports). Codes unknown
    to both stay numbers.
    """
    if not isinstance(value, int) or isinstance(value, bool):
        return value
    import fitdecode.profile

    field_type = fitdecode.profile.FIELD_TYPES.get(type_name)
    names = getattr(field_type, "enum", None) or {}
    return names.get(value, value)


def number(value: object) -> float | None:
    """A finite number as float; ``None`` for gaps, tuples, text and NaN."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    result = float(value)
    return result if math.isfinite(result) else None
