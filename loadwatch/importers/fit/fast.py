"""A fast FIT decoder for clean files: one walk over the bytes, records with numpy.

fitparse decodes about 5,000 messages a second in Python, one field object
at a time; a five-year history of one-second records takes a quarter of an
hour. Most of a watch file is one ``record`` message after another with the
same layout, so this decoder:

1. checks that the file is clean: every FIT part whole and its checksum right
   (crcmod's ``crc-16`` in C is FIT's CRC), nothing after the last part;
2. walks the messages, reading each definition; a run of data messages of the
   same local type (one-second records) is crossed in one numpy step: the
   header bytes at ``pos``, ``pos + size``, ``pos + 2 * size`` ... are
   compared at once and the run ends at the first that is not a data message
   of that type (correct by induction: each message that matches has the
   definition's size, so the next header is where the step says);
3. decodes the few other wanted messages (sessions, laps, ...) one by one as
   fitparse does (:mod:`loadwatch.importers.fit.profile`);
4. gathers every wanted record field of all records at once with numpy, in
   the definition's byte order, invalid values as NaN, scale and offset
   applied; compressed-timestamp headers are resolved as the FIT protocol
   says (a 5-bit offset that rolls over against the last full timestamp).

The values equal fitparse's. Anything this decoder is not sure of (a bad or
zero checksum, a cut-short or padded file, an undefined local type, field
sizes that are not a multiple of their type, undescribed developer fields,
...) makes :func:`decode_fit_fast` return ``None``, and
:func:`~loadwatch.importers.fit.reader.decode_fit` reads the file with the
reference path, which judges damage.
"""

from __future__ import annotations

import functools
import struct

import crcmod.predefined
import numpy as np

from loadwatch.importers.fit.messages import (
    RECORD_FIELDS,
    WANTED_FIELDS,
    FitMessages,
    RecordColumns,
)
from loadwatch.importers.fit.profile import (
    BASE_TYPES,
    TIMESTAMP_FIELD,
    BaseType,
    Definition,
    FieldDef,
    NotVouched,
    Source,
    base_type,
    check_field,
    decode_values,
    message_type,
    process_type,
    raw_values,
    record_sources,
)

__all__ = ["decode_fit_fast"]

#: FIT's CRC (CRC-16/ARC): over a whole FIT part, its stored CRC included, it is 0.
_CRC16 = crcmod.predefined.mkPredefinedCrcFun("crc-16")
_MIN_HEADER_SIZE = 12
_DEVELOPER_DATA_ID = 207
_FIELD_DESCRIPTION = 206
_RECORD_WANTED = WANTED_FIELDS["record"]
#: Messages at most this far apart are looked at per numpy step at first; the step grows.
_FIRST_STEP = 16


def _data_header_table(local: int) -> np.ndarray:
    """For each header byte, whether it starts a data message of local type ``local``."""
    table = np.zeros(256, dtype=bool)
    for byte in range(256):
        if byte & 0x80:
            table[byte] = local < 4 and (byte >> 5) & 0x03 == local
        else:
            table[byte] = not byte & 0x40 and byte & 0x0F == local
    return table


_DATA_HEADERS = [_data_header_table(local) for local in range(16)]
_DATA_HEADER_SETS = [frozenset(np.flatnonzero(table).tolist()) for table in _DATA_HEADERS]


def decode_fit_fast(data: bytes) -> FitMessages | None:
    """Decode a clean FIT file's wanted messages, or ``None`` where not sure.

    Parameters
    ----------
    data
        The whole file, decompressed, repeated parts already left out (see
        :func:`~loadwatch.importers.fit.reader.decode_fit`).

    Returns
    -------
    FitMessages or None
        The same messages and values as the reference path gives, with
        ``decoder == "fast"``; ``None`` for any file this decoder does not
        vouch for. It never raises for a file's content: judging damage is
        the reference path's work.
    """
    parts = _clean_parts(data)
    if not parts:
        return None
    try:
        return _Walker(data).decode(parts)
    except NotVouched:
        return None
    except Exception:  # anything unforeseen in odd bytes: the reference path decides
        return None


def _clean_parts(data: bytes) -> list[tuple[int, int]] | None:
    """Start and end of the data of each FIT part; ``None`` unless all are whole and checked.

    A part's CRC must be right; a stored CRC of 0 ("not computed") is not
    accepted here, as fitparse does not accept it.
    """
    parts = []
    offset = 0
    view = memoryview(data)
    while offset < len(data):
        if len(data) - offset < _MIN_HEADER_SIZE or data[offset + 8 : offset + 12] != b".FIT":
            return None
        header_size = data[offset]
        if header_size < _MIN_HEADER_SIZE or header_size == _MIN_HEADER_SIZE + 1:
            return None
        if header_size >= _MIN_HEADER_SIZE + 2:
            header_crc = struct.unpack_from("<H", data, offset + 12)[0]
            if header_crc and _CRC16(view[offset : offset + 12]) != header_crc:
                return None
        end = offset + header_size + struct.unpack_from("<I", data, offset + 4)[0]
        if end + 2 > len(data) or _CRC16(view[offset : end + 2]) != 0:
            return None
        parts.append((offset + header_size, end))
        offset = end + 2
    return parts


class _Walker:
    """One walk over the messages of a clean file (see the module docstring)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.buf = np.frombuffer(data, dtype=np.uint8)
        self.found = FitMessages(decoder="fast")
        #: Developer field types by developer data index and field number.
        self.dev_types: dict[int, dict[int, BaseType]] = {}
        #: Runs of record messages: definition, position of the first, count.
        self.record_runs: list[tuple[Definition, int, int]] = []
        #: Record positions with a compressed timestamp, and that timestamp [FIT s].
        self.timestamp_overrides: list[tuple[np.ndarray, np.ndarray]] = []

    def decode(self, parts: list[tuple[int, int]]) -> FitMessages:
        for start, end in parts:
            self._walk(start, end)
            if self.found.stopped_early:
                break
        self.found.records = self._records()
        return self.found

    # --- the walk ----------------------------------------------------------------------

    def _walk(self, start: int, end: int) -> None:
        """Walk one FIT part's messages (local definitions start afresh in each part)."""
        data = self.data
        definitions: dict[int, Definition] = {}
        runs: list[tuple[Definition, int, int]] = []
        singles: dict[int, dict] = {}
        position = start
        while position < end:
            header = data[position]
            if header & 0x80:
                local = (header >> 5) & 0x03
            elif header & 0x40:
                definition, position = self._definition(header, position, end)
                definitions[definition.local] = definition
                continue
            else:
                local = header & 0x0F
            definition = definitions.get(local)
            if definition is None or position + definition.size > end:
                raise NotVouched
            if definition.one_by_one:
                runs.append((definition, position, 1))
                self.found.n_messages += 1
                stop = self._message(definition, position, bool(header & 0x80), singles)
                position += definition.size
                if stop:
                    break
                continue
            count = self._run_length(definition, position, end)
            runs.append((definition, position, count))
            if definition.name == "record":
                self.record_runs.append((definition, position, count))
            self.found.n_messages += count
            position += count * definition.size
        self._compressed_timestamps(runs, singles)

    def _definition(self, header: int, position: int, end: int) -> tuple[Definition, int]:
        """Read the definition message at ``position``; returns it and the next position."""
        data = self.data
        after = position + 6
        if after > end:
            raise NotVouched
        after += 3 * data[position + 5]
        if header & 0x20:
            if after >= end:
                raise NotVouched
            after += 1 + 3 * data[after]
        if after > end:
            raise NotVouched
        definition = _parse_definition(data[position:after])
        for num, size, index in definition.dev_fields:
            dev_base = self.dev_types.get(index, {}).get(num)
            # fitparse looks developer fields up in a registry global to the process,
            # and misreads sizes that are not a multiple of their type: not ours to vouch.
            if dev_base is None or size % dev_base.size:
                raise NotVouched
        return definition, after

    def _run_length(self, definition: Definition, position: int, end: int) -> int:
        """How many data messages of this definition follow each other from ``position``."""
        size = definition.size
        limit = (end - position) // size  # messages of this size that fit in the part
        if limit < 2 or self.data[position + size] not in _DATA_HEADER_SETS[definition.local]:
            return 1
        table = _DATA_HEADERS[definition.local]
        count, step = 2, _FIRST_STEP
        while count < limit:
            take = min(step, limit - count)
            first = position + size * count
            matches = table[self.buf[first : first + size * (take - 1) + 1 : size]]
            if not matches.all():
                return count + int(matches.argmin())
            count += take
            step *= 8
        return count

    def _message(
        self, definition: Definition, position: int, compressed: bool, singles: dict[int, dict]
    ) -> bool:
        """Decode one message that is read one by one; True where decoding stops here."""
        raws = raw_values(definition, self.data, position + 1)
        if definition.mesg_num == _DEVELOPER_DATA_ID:
            index = _first_raw(definition, raws, 3)  # developer_data_index
            if not isinstance(index, int):
                raise NotVouched
            self.dev_types[index] = {}
        elif definition.mesg_num == _FIELD_DESCRIPTION:
            index, number, base_number, name, units = (
                _first_raw(definition, raws, num) for num in (0, 1, 2, 3, 8)
            )
            if index not in self.dev_types or base_number not in BASE_TYPES:
                raise NotVouched
            # fitparse names its processor methods after the field's name and units: an
            # array there (a damaged base type) fails as soon as the field is read.
            if not isinstance(number, int) or isinstance(name, tuple) or isinstance(units, tuple):
                raise NotVouched
            self.dev_types[index][number] = BASE_TYPES[base_number]
        if definition.checked:
            decode_values(definition, raws, None)  # raises where fitparse would
        name = definition.name
        wanted = WANTED_FIELDS.get(name or "")
        if wanted is None or name == "record":
            return False
        values = decode_values(definition, raws, wanted)
        if compressed and "timestamp" in wanted:
            singles[position] = values
        messages = self.found.messages[name]
        messages.append(values)
        if name == "file_id" and len(messages) == 1:
            file_type = values.get("type")
            if isinstance(file_type, str | int) and file_type != "activity":
                self.found.stopped_early = True
                return True
        return False

    # --- compressed timestamps ---------------------------------------------------------

    def _compressed_timestamps(
        self, runs: list[tuple[Definition, int, int]], singles: dict[int, dict]
    ) -> None:
        """Resolve the compressed-timestamp headers of one part (FIT protocol).

        The part's accumulator starts at 0; a message with a valid
        ``timestamp`` field sets it; a compressed header adds the 5-bit offset
        rolled over against it: ``acc + ((offset - acc) mod 32)``. Between
        full timestamps the steps depend only on consecutive offsets, so the
        whole part is resolved with cumulative sums.
        """
        if not runs:
            return
        definitions = [definition for definition, _, _ in runs]
        offsets, run_of = _message_offsets(
            [(position, count, definition.size) for definition, position, count in runs]
        )
        headers = self.buf[offsets]
        compressed = np.flatnonzero(headers & 0x80)
        if compressed.size == 0:
            return
        reset = np.zeros(offsets.size, dtype=bool)
        value = np.zeros(offsets.size, dtype=np.int64)
        run_definition = np.array([id(definition) for definition in definitions])
        for definition in {id(d): d for d in definitions if d.timestamp is not None}.values():
            chosen = run_definition[run_of] == id(definition)
            assert definition.timestamp is not None
            raw = self._gather(offsets[chosen], definition, definition.timestamp)
            reset[chosen] = raw != definition.timestamp.base.invalid
            value[chosen] = raw
        segment = np.cumsum(reset)[compressed]
        base = np.concatenate(([0], value[reset]))[segment]
        time_offset = (headers[compressed] & 0x1F).astype(np.int64)
        first = np.ones(compressed.size, dtype=bool)
        first[1:] = segment[1:] != segment[:-1]
        previous = np.concatenate(([0], time_offset[:-1]))
        step = np.mod(time_offset - np.where(first, base, previous), 32)
        total = np.cumsum(step)
        group = np.cumsum(first) - 1
        timestamps = base + total - (total - step)[first][group]

        at = offsets[compressed]
        is_record = np.array([d.name == "record" for d in definitions])[run_of[compressed]]
        if is_record.any():
            self.timestamp_overrides.append((at[is_record], timestamps[is_record]))
        for position, timestamp in zip(
            at[~is_record].tolist(), timestamps[~is_record].tolist(), strict=True
        ):
            values = singles.get(position)
            if values is not None:
                values["timestamp"] = process_type("date_time", timestamp)

    # --- records -----------------------------------------------------------------------

    def _records(self) -> RecordColumns:
        """Every record's wanted fields as columns, in file order."""
        if not self.record_runs:
            return RecordColumns.empty()
        spans: dict[int, list[tuple[int, int, int]]] = {}
        by_id: dict[int, Definition] = {}
        for definition, position, count in self.record_runs:
            by_id[id(definition)] = definition
            spans.setdefault(id(definition), []).append((position, count, definition.size))
        all_offsets = []
        all_columns = []
        for key, definition in by_id.items():
            offsets, _ = _message_offsets(spans[key])
            if definition.record_plan is None:
                definition.record_plan = record_sources(definition, _RECORD_WANTED)
            plan = definition.record_plan
            all_offsets.append(offsets)
            all_columns.append(
                {name: self._column(offsets, definition, plan.get(name)) for name in RECORD_FIELDS}
            )
        if len(all_offsets) == 1:
            offsets, columns = all_offsets[0], all_columns[0]
        else:
            offsets = np.concatenate(all_offsets)
            order = np.argsort(offsets, kind="stable")
            offsets = offsets[order]
            columns = {
                name: np.concatenate([part[name] for part in all_columns])[order]
                for name in RECORD_FIELDS
            }
        for at, timestamps in self.timestamp_overrides:
            columns["timestamp"][np.searchsorted(offsets, at)] = timestamps
        return RecordColumns(columns)

    def _gather(self, offsets: np.ndarray, definition: Definition, field: FieldDef) -> np.ndarray:
        """One field's raw values in the messages at ``offsets``, in its declared type."""
        dtype = np.dtype(definition.endian + field.base.fmt)
        start = 1 + field.offset
        if field.size == 1:
            return self.buf[offsets + start].view(dtype)
        index = offsets[:, np.newaxis] + np.arange(start, start + field.size)
        return self.buf[index].view(dtype).reshape(-1)

    def _column(
        self, offsets: np.ndarray, definition: Definition, source: Source | None
    ) -> np.ndarray:
        """One record column [profile units] from its source; NaN where invalid or absent."""
        if source is None:
            return np.full(offsets.size, np.nan)
        base = source.field_def.base
        raw = self._gather(offsets, definition, source.field_def)
        valid = raw != base.invalid if base.is_integer else ~np.isnan(raw)
        if source.bits is not None and base.is_integer:
            wide = raw.astype(np.uint64 if raw.dtype.kind == "u" else np.int64)
            raw = (wide >> source.bit_offset) & ((1 << source.bits) - 1)
        values = raw.astype(np.float64)
        if source.scale:
            values = values / source.scale
        if source.offset:
            values = values - source.offset
        values[~(valid & np.isfinite(values))] = np.nan
        return values


@functools.lru_cache(maxsize=512)
def _parse_definition(message: bytes) -> Definition:
    """The definition in the bytes of a definition message (header byte first).

    Cached: every file from the same watch repeats the same definitions. A
    definition does not depend on the file around it, except whether its
    developer fields are described, which the walker checks each time.

    Raises
    ------
    NotVouched
        For any field fitparse could not read (see
        :func:`~loadwatch.importers.fit.profile.check_field`).
    """
    header = message[0]
    big_endian = message[2] != 0
    mesg_num, n_fields = struct.unpack_from(">HB" if big_endian else "<HB", message, 3)
    mesg_type = message_type(mesg_num)
    name = mesg_type.name if mesg_type is not None else None
    wanted = WANTED_FIELDS.get(name or "", frozenset())
    definition = Definition(header & 0x0F, mesg_num, big_endian, [], 0, mesg_type)
    offset = 0
    fields_end = 6 + 3 * n_fields
    for at in range(6, fields_end, 3):
        num, size, base_number = message[at], message[at + 1], message[at + 2]
        profile = mesg_type.fields.get(num) if mesg_type is not None else None
        field_def = FieldDef(num, offset, size, base_type(base_number), profile)
        check_field(definition, field_def, wanted)
        if num == TIMESTAMP_FIELD:
            if definition.timestamp is not None:
                raise NotVouched
            definition.timestamp = field_def
        definition.fields.append(field_def)
        offset += size
    if header & 0x20:
        for at in range(fields_end + 1, len(message), 3):
            num, size, index = message[at], message[at + 1], message[at + 2]
            if size == 0 or num == TIMESTAMP_FIELD:
                raise NotVouched
            definition.dev_fields.append((num, size, index))
            offset += size
    definition.size = 1 + offset
    definition.one_by_one = (
        (bool(wanted) and name != "record")
        or mesg_num in (_DEVELOPER_DATA_ID, _FIELD_DESCRIPTION)
        or definition.checked
    )
    return definition


def _first_raw(definition: Definition, raws: list, num: int) -> object:
    """The raw value of the first field numbered ``num`` (fitparse's ``get_raw_value``)."""
    for field_def, raw in zip(definition.fields, raws, strict=True):
        if field_def.num == num:
            return raw
    return None


def _message_offsets(spans: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Positions of every message of runs ``(first position, count, size)``, and each one's run."""
    starts = np.array([span[0] for span in spans], dtype=np.int64)
    counts = np.array([span[1] for span in spans], dtype=np.int64)
    sizes = np.array([span[2] for span in spans], dtype=np.int64)
    run_of = np.repeat(np.arange(len(spans)), counts)
    first_index = np.cumsum(counts) - counts
    within = np.arange(int(counts.sum())) - first_index[run_of]
    return starts[run_of] + sizes[run_of] * within, run_of
