"""A fast FIT decoder for clean files: one pass over the record headers, fields with numpy.

fitparse decodes about 5,000 messages a second in Python, one field object
at a time; a five-year history of one-second records takes a quarter of an
hour. Real watch files interleave their messages (a Garmin watch writes an
``hrv`` message after every one-second ``record``, ``device_info`` and
``event`` messages every few minutes), so this decoder does not rely on runs of
same-type messages:

1. it checks that the file is clean: every FIT part whole and its checksum
   right (crcmod's ``crc-16`` in C is FIT's CRC), nothing after the last part;
2. it finds every message's position in one pass over the record headers: a
   table of 256 sizes says, for each header byte, how long the data message
   it starts is, so the loop does one look-up per message; definition
   messages (which may change a local type's layout mid-file), developer field
   descriptions and the few wanted messages other than records (sessions,
   laps, device info ...) stop it and are read one by one, the latter
   decoded as fitparse does (:mod:`loadwatch.importers.fit.profile`), once per
   distinct content. Where a block of messages repeats (``record``, ``hrv``,
   ``record``, ``hrv`` ...), the header bytes where it would go on are checked
   all at once with numpy and crossed as far as they match (correct by
   induction: a header that names the same definition starts a message of the
   same size, so the next header is where the block says);
3. which definition each message had is found afterwards with numpy, from the
   local type in its header and the definitions in force when it came;
4. every wanted record field of all the records of a definition is gathered at
   once (the records' bytes as a matrix, each field a slice of its columns), in
   the definition's byte order, invalid values as NaN, scale and offset
   applied; compressed-timestamp headers are resolved as the FIT protocol says
   (a 5-bit offset that rolls over against the last full timestamp).

The values equal the reference path's. Fields whose size is not a multiple of
their type (COROS watches write an ``event``'s uint32 ``data`` in one byte) are
read too where their message is not one loadwatch reads: fitparse refuses
such a file and fitdecode reads it, with the same results. Anything this
decoder is not sure of (a bad or zero checksum, a cut-short or padded file, an
undefined local type, a misaligned field in a message that is read,
undescribed developer fields, ...) makes :func:`decode_fit_fast` return
``None``, and :func:`~loadwatch.importers.fit.reader.decode_fit` reads the file
with the reference path, which judges damage.
"""

from __future__ import annotations

import functools
import struct
from typing import Any

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
    DEVELOPER_MESSAGES,
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
    value_ranges,
)

__all__ = ["decode_fit_fast"]

#: FIT's CRC (CRC-16/ARC): over a whole FIT part, its stored CRC included, it is 0.
_CRC16 = crcmod.predefined.mkPredefinedCrcFun("crc-16")
_MIN_HEADER_SIZE = 12
_DEVELOPER_DATA_ID = 207
_FIELD_DESCRIPTION = 206
_RECORD_WANTED = WANTED_FIELDS["record"]
#: Messages walked one by one before a repeating block is looked for and crossed with numpy.
_BURST = range(32)
#: Most messages in a repeating block (``record`` then ``hrv`` is 2).
_MAX_BLOCK = 6
#: Blocks checked in the first numpy step; the step grows by ``_GROWTH`` while all match.
_FIRST_BLOCKS = 64
_GROWTH = 4


def _header_bytes(local: int) -> list[int]:
    """Every header byte that starts a data message of local type ``local``."""
    normal = [byte for byte in range(0x40) if byte & 0x0F == local]
    compressed = [0x80 | local << 5 | offset for offset in range(32)] if local < 4 else []
    return normal + compressed


_HEADER_BYTES = [_header_bytes(local) for local in range(16)]
#: The local type of each data-message header byte (definition bytes: 0, never looked up).
_LOCAL_OF_HEADER = np.zeros(256, dtype=np.intp)
for _local, _bytes in enumerate(_HEADER_BYTES):
    _LOCAL_OF_HEADER[_bytes] = _local


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
    """One walk over the record headers of a clean file (see the module docstring)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.buf = np.frombuffer(data, dtype=np.uint8)
        self.found = FitMessages(decoder="fast")
        #: Developer field types by developer data index and field number.
        self.dev_types: dict[int, dict[int, BaseType]] = {}
        #: The file's definitions, by the index that messages refer to them with.
        self.definitions: list[Definition] = []
        self._index_of: dict[int, int] = {}
        #: Per part: positions of the ``record`` messages and the index of their definition.
        self.record_parts: list[tuple[np.ndarray, np.ndarray]] = []
        #: Record positions with a compressed timestamp, and that timestamp [FIT s].
        self.timestamp_overrides: list[tuple[np.ndarray, np.ndarray]] = []
        #: Values of the messages decoded one by one, by definition and content.
        self.decoded: dict[tuple, dict[str, Any]] = {}
        #: Blocks crossed by the last leap: watches interrupt their blocks at a steady
        #: rhythm (a burst of ``device_info`` every few minutes), so the next leap
        #: checks one more than that at once and usually needs a single numpy step.
        self.last_blocks = _FIRST_BLOCKS

    def decode(self, parts: list[tuple[int, int]]) -> FitMessages:
        for start, end in parts:
            self._walk(start, end)
            if self.found.stopped_early:
                break
        self.found.records = self._records()
        return self.found

    # --- the walk ----------------------------------------------------------------------

    def _walk(self, start: int, end: int) -> None:
        """Find every data message of one FIT part (local definitions start afresh in each).

        The loop looks at one header byte per message: ``sizes`` holds, for each
        header byte, the size of the data message it starts, or 0 where the
        message needs more (a definition, a message decoded one by one, an
        undefined local type). Which definition each message had is found
        afterwards with numpy, from the local type in its header and the
        definitions in force when it came (one ``mapping`` per definition met).
        """
        data = self.data
        sizes = [0] * 256
        current = [-1] * 16
        # Positions found so far: arrays (those before and in each block crossed with
        # numpy, ``count`` in all), then the list of those walked one by one since.
        pieces: list[np.ndarray] = []
        count = 0
        positions: list[int] = []
        append = positions.append
        mapping_from: list[int] = []
        mappings: list[list[int]] = []
        singles: dict[int, dict] = {}
        position = start
        #: The definition index of each header byte whose messages are crossed fast, else -1
        #: (a list for the few look-ups one by one, an array for the many at once).
        kind = [-1] * 256
        crossed = np.full(256, -1, dtype=np.intp)
        while position < end:
            size = sizes[data[position]]
            if size:
                for _ in _BURST:
                    append(position)
                    position += size
                    if position >= end:
                        break
                    size = sizes[data[position]]
                    if not size:
                        break
                else:
                    leap = self._leap(position, end, positions, kind, crossed)
                    if leap is not None:
                        position, block_positions = leap
                        pieces += [np.array(positions, dtype=np.int64), block_positions]
                        count += len(positions) + block_positions.size
                        positions = []
                        append = positions.append
                continue
            header = data[position]
            if header & 0xC0 == 0x40:
                definition, position = self._definition(header, position, end)
                index = self._index(definition)
                current[definition.local] = index
                mapping_from.append(count + len(positions))
                mappings.append(current.copy())
                fast_size = 0 if definition.one_by_one else definition.size
                header_bytes = _HEADER_BYTES[definition.local]
                fast_index = -1 if definition.one_by_one else index
                for byte in header_bytes:
                    sizes[byte] = fast_size
                    kind[byte] = fast_index
                crossed[header_bytes] = fast_index
                continue
            index = current[(header >> 5) & 0x03 if header & 0x80 else header & 0x0F]
            if index < 0:
                raise NotVouched
            definition = self.definitions[index]
            if position + definition.size > end:
                raise NotVouched
            append(position)
            stop = self._message(definition, position, bool(header & 0x80), singles)
            position += definition.size
            if stop:
                break
        if position > end:  # the last message runs past the part's data
            raise NotVouched
        count += len(positions)
        self.found.n_messages += count
        if not count:
            return
        pieces.append(np.array(positions, dtype=np.int64))
        offsets = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        headers = self.buf[offsets]
        counts = np.diff(np.append(mapping_from, offsets.size))
        mapping_of = np.repeat(np.arange(len(mappings)), counts)
        def_index = np.array(mappings, dtype=np.intp)[mapping_of, _LOCAL_OF_HEADER[headers]]
        is_record = np.array([d.name == "record" for d in self.definitions], dtype=bool)
        chosen = is_record[def_index]
        if chosen.any():
            self.record_parts.append((offsets[chosen], def_index[chosen]))
        self._compressed_timestamps(offsets, headers, def_index, is_record, singles)

    def _leap(
        self, position: int, end: int, positions: list[int], kind: list[int], crossed: np.ndarray
    ) -> tuple[int, np.ndarray] | None:
        """Cross a block of messages that repeats (``record``, ``hrv``, ...) with numpy.

        The last messages before ``position`` are looked at for a block of up to
        :data:`_MAX_BLOCK` messages that came twice in a row (the same
        definitions, in the same order). The header bytes where the block's
        messages would follow are then checked all at once, as far as they
        match. Correct by induction: a message whose header names the same
        definition has the same size, so the next header is where the block
        says. Returns the position after the last message crossed and the
        positions of the messages crossed (an array), or ``None`` where none is.
        """
        data = self.data
        recent = positions[-2 * _MAX_BLOCK :]
        kinds = [kind[data[at]] for at in recent]
        if min(kinds) < 0:  # only messages crossed fast repeat (never a definition)
            return None
        for length in range(1, min(_MAX_BLOCK, len(recent) // 2) + 1):
            if kinds[-length:] == kinds[-2 * length : -length]:
                break
        else:
            return None
        first = recent[-length]
        period = position - first
        within = np.array(recent[-length:], dtype=np.int64) - first
        expected = np.array(kinds[-length:], dtype=np.intp)
        blocks = max(_FIRST_BLOCKS, self.last_blocks + 1)
        crossed_at: list[np.ndarray] = []
        while True:
            blocks = min(blocks, (end - position) // period)
            if blocks < 1:
                break
            at = (position + period * np.arange(blocks, dtype=np.int64))[:, np.newaxis] + within
            flat = at.reshape(-1)
            matches = (crossed[self.buf[at]] == expected).reshape(-1)
            if matches.all():
                crossed_at.append(flat)
                position += period * blocks
                blocks *= _GROWTH
                continue
            matched = int(matches.argmin())
            crossed_at.append(flat[:matched])
            position = int(flat[matched])
            break
        if not crossed_at:
            return None
        found = crossed_at[0] if len(crossed_at) == 1 else np.concatenate(crossed_at)
        self.last_blocks = found.size // length
        return (position, found) if found.size else None

    def _index(self, definition: Definition) -> int:
        """The index of a definition in :attr:`definitions` (added on first sight)."""
        index = self._index_of.get(id(definition))
        if index is None:
            index = self._index_of[id(definition)] = len(self.definitions)
            self.definitions.append(definition)
        return index

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

    def _message(
        self, definition: Definition, position: int, compressed: bool, singles: dict[int, dict]
    ) -> bool:
        """Decode one message that is read one by one; True where decoding stops here.

        Messages that only give values (not developer field descriptions, not
        checked ones) are decoded once per distinct content: a repeated
        ``device_info`` with a new ``timestamp`` gives the same values.
        """
        name = definition.name
        wanted = WANTED_FIELDS.get(name or "")
        plain = not definition.checked and definition.mesg_num not in DEVELOPER_MESSAGES
        if plain:
            if wanted is None or name is None or name == "record":
                return False
            if definition.value_ranges is None:
                definition.value_ranges = value_ranges(definition, wanted)
            start = position + 1
            data = self.data
            ranges = definition.value_ranges
            if len(ranges) == 1:
                key: tuple = (id(definition), data[start + ranges[0][0] : start + ranges[0][1]])
            else:
                key = (id(definition), *(data[start + a : start + b] for a, b in ranges))
            cached = self.decoded.get(key)
            if cached is None:
                cached = self.decoded[key] = decode_values(
                    definition, raw_values(definition, data, start), wanted
                )
            return self._keep(name, dict(cached), position, compressed, singles)
        raws = raw_values(definition, self.data, position + 1)
        if definition.mesg_num == _DEVELOPER_DATA_ID:
            index = _first_raw(definition, raws, 3)  # developer_data_index
            if not isinstance(index, int):
                raise NotVouched
            self.dev_types[index] = {}
        elif definition.mesg_num == _FIELD_DESCRIPTION:
            index, number, base_number, field_name, units = (
                _first_raw(definition, raws, num) for num in (0, 1, 2, 3, 8)
            )
            if index not in self.dev_types or base_number not in BASE_TYPES:
                raise NotVouched
            # fitparse names its processor methods after the field's name and units: an
            # array there (a damaged base type) fails as soon as the field is read.
            if (
                not isinstance(number, int)
                or isinstance(field_name, tuple)
                or isinstance(units, tuple)
            ):
                raise NotVouched
            self.dev_types[index][number] = BASE_TYPES[base_number]
        if definition.checked:
            decode_values(definition, raws, None)  # raises where fitparse would
        if wanted is None or name is None or name == "record":
            return False
        return self._keep(
            name, decode_values(definition, raws, wanted), position, compressed, singles
        )

    def _keep(
        self,
        name: str,
        values: dict[str, Any],
        position: int,
        compressed: bool,
        singles: dict[int, dict],
    ) -> bool:
        """Keep one wanted message's values; True where decoding stops here."""
        if compressed and "timestamp" in WANTED_FIELDS[name]:
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
        self,
        offsets: np.ndarray,
        headers: np.ndarray,
        def_index: np.ndarray,
        is_record: np.ndarray,
        singles: dict[int, dict],
    ) -> None:
        """Resolve the compressed-timestamp headers of one part (FIT protocol).

        The part's accumulator starts at 0; a message with a valid
        ``timestamp`` field sets it; a compressed header adds the 5-bit offset
        rolled over against it: ``acc + ((offset - acc) mod 32)``. Between
        full timestamps the steps depend only on consecutive offsets, so the
        whole part is resolved with cumulative sums.
        """
        compressed = np.flatnonzero(headers & 0x80)
        if compressed.size == 0:
            return
        reset = np.zeros(offsets.size, dtype=bool)
        value = np.zeros(offsets.size, dtype=np.int64)
        for index in np.unique(def_index).tolist():
            definition = self.definitions[index]
            if definition.timestamp is None:
                continue
            chosen = def_index == index
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
        of_record = is_record[def_index[compressed]]
        if of_record.any():
            self.timestamp_overrides.append((at[of_record], timestamps[of_record]))
        for position, timestamp in zip(
            at[~of_record].tolist(), timestamps[~of_record].tolist(), strict=True
        ):
            values = singles.get(position)
            if values is not None:
                values["timestamp"] = process_type("date_time", timestamp)

    # --- records -----------------------------------------------------------------------

    def _records(self) -> RecordColumns:
        """Every record's wanted fields as columns, in file order.

        Each field is gathered for all the records of a definition at once.
        """
        if not self.record_parts:
            return RecordColumns.empty()
        if len(self.record_parts) == 1:
            offsets, def_index = self.record_parts[0]
        else:
            offsets = np.concatenate([part[0] for part in self.record_parts])
            def_index = np.concatenate([part[1] for part in self.record_parts])
        used = np.unique(def_index).tolist()
        if len(used) == 1:
            columns = self._columns(offsets, *self._planned(used[0]))
        else:
            columns = {name: np.full(offsets.size, np.nan) for name in RECORD_FIELDS}
            for index in used:
                chosen = def_index == index
                for name, values in self._columns(offsets[chosen], *self._planned(index)).items():
                    columns[name][chosen] = values
        for at, timestamps in self.timestamp_overrides:
            columns["timestamp"][np.searchsorted(offsets, at)] = timestamps
        return RecordColumns(columns)

    def _planned(self, index: int) -> tuple[Definition, dict[str, Source]]:
        """The definition at ``index`` and its planned record columns."""
        definition = self.definitions[index]
        if definition.record_plan is None:
            definition.record_plan = record_sources(definition, _RECORD_WANTED)
        return definition, definition.record_plan

    def _gather(self, offsets: np.ndarray, definition: Definition, field: FieldDef) -> np.ndarray:
        """One field's raw values in the messages at ``offsets``, in its declared type."""
        dtype = np.dtype(definition.endian + field.base.fmt)
        start = 1 + field.offset
        if field.size == 1:
            return self.buf[offsets + start].view(dtype)
        index = offsets[:, np.newaxis] + np.arange(start, start + field.size)
        return self.buf[index].view(dtype).reshape(-1)

    def _columns(
        self, offsets: np.ndarray, definition: Definition, plan: dict[str, Source]
    ) -> dict[str, np.ndarray]:
        """The record columns [profile units] of the messages at ``offsets``, all of one definition.

        The messages' bytes are copied once into a table (one row per message,
        taken from a sliding window over the file's bytes, so one index per
        message), read through a structured dtype of the fields the columns
        come from. NaN where a value is invalid or its field absent.
        """
        if not plan:
            return {name: np.full(offsets.size, np.nan) for name in RECORD_FIELDS}
        fields = {source.field_def.offset: source.field_def for source in plan.values()}
        layout = np.dtype(
            {
                "names": [f"at{offset}" for offset in fields],
                "formats": [definition.endian + field.base.fmt for field in fields.values()],
                "offsets": list(fields),
                "itemsize": definition.size - 1,
            }
        )
        window = np.lib.stride_tricks.sliding_window_view(self.buf, definition.size - 1)
        table = window[offsets + 1].view(layout)[:, 0]
        return {name: _column(table, plan.get(name)) for name in RECORD_FIELDS}


def _column(table: np.ndarray, source: Source | None) -> np.ndarray:
    """One record column [profile units] from the records' ``table`` (see ``_columns``)."""
    if source is None:
        return np.full(len(table), np.nan)
    base = source.field_def.base
    raw = table[f"at{source.field_def.offset}"]
    valid = raw != base.invalid if base.is_integer else ~np.isnan(raw)
    if source.bits is not None and base.is_integer:
        wide = raw.astype(np.uint64 if raw.dtype.kind == "u" else np.int64)
        raw = (wide >> (source.bit_offset or 0)) & ((1 << source.bits) - 1)
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
