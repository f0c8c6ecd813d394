"""FIT definitions and values exactly as the reference decoder (fitparse) reads them.

The fast decoder (:mod:`loadwatch.importers.fit.fast`) must give the values
fitparse gives, so that the importer's results do not depend on which decoder
read a file. This module holds what both need to agree on:

* the profile: field numbers, base types, scales, offsets, components,
  subfields and enum names come from ``fitparse.profile`` (not from
  ``fitdecode.profile``): fitparse is the reference, and its 2019 profile
  differs from fitdecode's newer one in enum names and subfields (fitparse has
  no ``favero_product``; codes it does not know stay numbers, which
  :func:`~loadwatch.importers.fit.messages.enum_name` later names from
  fitdecode's profile, on both paths alike);
* the base types, their invalid values ("no value", e.g. ``0xFF`` for a
  ``uint8``) and fitparse's own ``parse`` of each;
* :class:`Definition`, one FIT definition message, checked at once for
  everything that would make fitparse fail later (field sizes that are not a
  multiple of the base type, dates in arrays, ...): such a file is
  :class:`NotVouched` and read by the reference path instead;
* :func:`decode_values`, fitparse's rendering of one data message (subfields,
  components such as ``enhanced_speed`` from ``speed``, scale and offset, enum
  names, ``date_time`` to naive UTC ``datetime``), restricted to the wanted
  fields;
* :func:`record_sources`, the same rendering planned once per ``record``
  definition so that every record of that definition is decoded at once with
  numpy.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

import fitparse.profile
import fitparse.records

#: The FIT epoch, 1989-12-31 00:00 UTC, naive as fitparse gives times.
FIT_EPOCH_NAIVE = datetime(1989, 12, 31)
#: FIT times below this are seconds since the device was switched on (FIT protocol).
RELATIVE_TIME_LIMIT = 0x10000000
#: Field number of ``timestamp`` in every message (FIT protocol).
TIMESTAMP_FIELD = fitparse.profile.FIELD_TYPE_TIMESTAMP.def_num
#: ``developer_data_id`` and ``field_description``: they describe developer fields.
DEVELOPER_MESSAGES = frozenset({206, 207})
#: Field types that fitparse turns into ``datetime``: they must be plain integers.
DATE_TYPES = frozenset({"date_time", "local_date_time"})
#: Field types whose conversion by fitparse can fail on odd values: such
#: messages are decoded in full to see that it does not.
CHECKED_TYPES = frozenset({"localtime_into_day"})


class NotVouched(Exception):
    """The fast decoder does not vouch for this file: the reference path reads it."""


@dataclass(frozen=True, slots=True)
class BaseType:
    """A FIT base type as fitparse reads it."""

    name: str
    #: ``struct`` format character of one value.
    fmt: str
    #: Bytes per value.
    size: int
    #: fitparse's own conversion of one raw value (``None`` for "no value").
    parse: Callable[[Any], Any]
    #: The raw integer meaning "no value"; ``None`` for floats (NaN), bytes and strings.
    invalid: int | None

    @property
    def is_integer(self) -> bool:
        return self.invalid is not None

    @property
    def is_float(self) -> bool:
        return self.fmt in ("f", "d")


def _base_type(reference: fitparse.records.BaseType) -> BaseType:
    """Our copy of a fitparse base type, with its invalid raw value found by asking it."""
    invalid = None
    if reference.fmt not in ("s", "f", "d") and reference.name != "byte":
        bits = 8 * struct.calcsize(reference.fmt)
        signed = reference.fmt.islower()
        candidates = (0, (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1)
        invalid = next(value for value in candidates if reference.parse(value) is None)
    return BaseType(
        reference.name, reference.fmt, struct.calcsize(reference.fmt), reference.parse, invalid
    )


#: Base types by the byte of a field definition; unknown bytes read as ``byte``, as in fitparse.
BASE_TYPES: dict[int, BaseType] = {
    number: _base_type(reference) for number, reference in fitparse.records.BASE_TYPES.items()
}
BYTE = _base_type(fitparse.records.BASE_TYPE_BYTE)


def base_type(number: int) -> BaseType:
    """The base type of a definition's base-type byte (``byte`` where unknown)."""
    return BASE_TYPES.get(number, BYTE)


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field of a definition message."""

    num: int
    #: Byte offset in the message, after its one-byte header.
    offset: int
    size: int
    base: BaseType
    #: The profile's field, ``None`` for fields the profile does not know.
    profile: Any


@dataclass(eq=False, slots=True)
class Definition:
    """One definition message: the layout of the data messages of a local type."""

    local: int
    mesg_num: int
    big_endian: bool
    fields: list[FieldDef]
    #: Message size in bytes, the one-byte header included.
    size: int
    #: The profile's message type, ``None`` for messages it does not know.
    mesg_type: Any
    #: The ``timestamp`` field (253), if the definition has one.
    timestamp: FieldDef | None = None
    #: Decode every message in full: fitparse's conversion of a field may fail.
    checked: bool = False
    #: A field's size is not a multiple of its type (fitparse refuses the file, fitdecode
    #: reads it): only in messages that are not read (see :func:`check_field`).
    misaligned: bool = False
    #: Developer fields: field number, size, developer data index.
    dev_fields: list[tuple[int, int, int]] = field(default_factory=list)
    #: Decode its messages one by one (wanted messages other than records, developer
    #: field descriptions, checked messages); other messages are skipped in runs.
    one_by_one: bool = False
    #: Planned record columns (see :func:`record_sources`), made on first use.
    record_plan: dict[str, Source] | None = field(default=None, repr=False)
    #: Byte ranges of a data message that its wanted values depend on (see
    #: :func:`value_ranges`), made on first use.
    value_ranges: tuple[tuple[int, int], ...] | None = field(default=None, repr=False)

    @property
    def name(self) -> str | None:
        return self.mesg_type.name if self.mesg_type is not None else None

    @property
    def endian(self) -> str:
        return ">" if self.big_endian else "<"


def check_field(definition: Definition, field_def: FieldDef, wanted: frozenset[str]) -> None:
    """Refuse a field that fitparse cannot read, or could read only with state we do not keep.

    Raises
    ------
    NotVouched
        A size of 0, or not a multiple of the base type (fitparse raises) in a
        message that is read or in a timestamp (an unread message's misaligned
        field is let through and marks the definition ``misaligned``), a date
        that is not a plain integer of at most 4 bytes (fitparse's conversion
        fails on arrays, text and huge values), a ``timestamp`` that is not a
        plain integer (compressed timestamps add to it), accumulated components
        on a float or text (fitparse fails), or accumulated components that
        make a wanted field.
    """
    base = field_def.base
    if field_def.size == 0:
        raise NotVouched
    if field_def.size % base.size:
        # fitparse refuses the file; the reference path's fitdecode reads the field as
        # bytes. Not wanted, it changes nothing that is read: vouched for, where the
        # message is not read at all and the field is no timestamp (COROS events).
        if wanted or field_def.num == TIMESTAMP_FIELD or definition.mesg_num in DEVELOPER_MESSAGES:
            raise NotVouched
        definition.misaligned = True
        return
    plain_integer = base.is_integer and field_def.size == base.size
    if field_def.num == TIMESTAMP_FIELD and not (plain_integer and base.size <= 4):
        raise NotVouched
    profile = field_def.profile
    if profile is None:
        return
    variants = [profile, *(profile.subfields or ())]
    type_names = {variant.type.name for variant in variants}
    if type_names & DATE_TYPES and not (plain_integer and base.size <= 4):
        raise NotVouched
    if type_names & CHECKED_TYPES:
        definition.checked = True
    for variant in variants:
        for component in variant.components or ():
            if not component.accumulate:
                continue
            if base.is_float or base.name == "string":
                raise NotVouched
            target = definition.mesg_type.fields.get(component.def_num)
            if target is None or target.name in wanted:
                raise NotVouched


def raw_values(definition: Definition, data: bytes, start: int) -> list[Any]:
    """The raw value of every field of the data message whose fields begin at ``start``.

    As fitparse reads them: invalid values are ``None``, arrays are tuples,
    ``byte`` fields are always tuples, strings are decoded text.
    """
    values = []
    endian = definition.endian
    for field_def in definition.fields:
        base = field_def.base
        position = start + field_def.offset
        if base.name == "byte":
            values.append(base.parse(tuple(data[position : position + field_def.size])))
            continue
        count = field_def.size // base.size
        unpacked = struct.unpack_from(f"{endian}{count}{base.fmt}", data, position)
        if len(unpacked) == 1:
            values.append(base.parse(unpacked[0]))
        else:
            values.append(tuple(base.parse(value) for value in unpacked))
    return values


def _resolve_subfield(profile: Any, fields: Sequence[FieldDef], raws: Sequence[Any]) -> Any:
    """The subfield that the message's reference fields select, else the field (fitparse)."""
    for subfield in profile.subfields or ():
        for reference in subfield.ref_fields:
            for field_def, raw in zip(fields, raws, strict=False):
                if field_def.num == reference.def_num and reference.raw_value == raw:
                    return subfield
    return profile


def _scale_offset(profile: Any, raw: Any) -> Any:
    """fitparse's scale and offset: ``float(raw) / scale - offset``, element-wise on tuples."""
    if isinstance(raw, tuple):
        return tuple(_scale_offset(profile, value) for value in raw)
    if isinstance(raw, int | float):
        if profile.scale:
            raw = float(raw) / profile.scale
        if profile.offset:
            raw = raw - profile.offset
    return raw


def _render(profile: Any, raw: Any) -> Any:
    """An enum's profile name, or the value unchanged."""
    names = profile.type.values
    if names and raw in names:
        return names[raw]
    return raw


def process_type(type_name: str, value: Any) -> Any:
    """fitparse's conversion by field type (its default data processor)."""
    if value is None:
        return None
    if type_name == "date_time":
        return FIT_EPOCH_NAIVE + timedelta(seconds=value) if value >= RELATIVE_TIME_LIMIT else value
    if type_name == "local_date_time":
        return FIT_EPOCH_NAIVE + timedelta(seconds=value)
    if type_name == "bool":
        return bool(value)
    if type_name == "localtime_into_day":
        minutes, seconds = divmod(value, 60)
        hours, minutes = divmod(minutes, 60)
        return time(hours, minutes, seconds)
    return value


def decode_values(
    definition: Definition, raws: Sequence[Any], wanted: frozenset[str] | None
) -> dict[str, Any]:
    """One data message's values by field name, as fitparse gives them.

    Parameters
    ----------
    definition
        The message's definition.
    raws
        Its raw values (:func:`raw_values`).
    wanted
        Field names to keep; ``None`` keeps every field (used to check that
        fitparse's conversions succeed).

    Returns
    -------
    dict
        Later entries win, as when fitparse's field list becomes a dict: a
        component (``enhanced_speed`` from ``speed``) comes just before the
        field that holds it.
    """
    values: dict[str, Any] = {}
    fields = definition.fields
    for field_def, raw in zip(fields, raws, strict=True):
        profile = field_def.profile
        if profile is None:
            if wanted is None:
                values[f"unknown_{field_def.num}"] = raw
            continue
        profile = _resolve_subfield(profile, fields, raws)
        for component in profile.components or ():
            try:
                component_raw = component.render(raw)
            except ValueError:
                continue
            if component.accumulate:
                continue  # never a wanted field (check_field): its value needs history
            target = _resolve_subfield(definition.mesg_type.fields[component.def_num], fields, raws)
            if wanted is None or target.name in wanted:
                value = _render(target, _scale_offset(component, component_raw))
                values[target.name] = process_type(target.type.name, value)
        if wanted is None or profile.name in wanted:
            value = _scale_offset(profile, _render(profile, raw))
            values[profile.name] = process_type(profile.type.name, value)
    return values


def value_ranges(definition: Definition, wanted: frozenset[str]) -> tuple[tuple[int, int], ...]:
    """The byte ranges (after the header) that :func:`decode_values` reads for ``wanted``.

    Two data messages of one definition whose bytes agree in these ranges give
    the same values (e.g. the ``device_info`` a watch repeats with a new
    ``timestamp``). Kept: every field whose name is wanted or that has
    subfields or components, and the fields that select their subfields.
    """
    fields = definition.fields
    kept: set[int] = set()
    references: set[int] = set()
    for position, field_def in enumerate(fields):
        profile = field_def.profile
        if profile is None:
            continue
        if not (profile.name in wanted or profile.subfields or profile.components):
            continue
        kept.add(position)
        variants = [profile, *(profile.subfields or ())]
        for variant in variants:
            for component in variant.components or ():
                target = definition.mesg_type.fields.get(component.def_num)
                if target is not None:
                    variants.append(target)
        for variant in variants:
            for subfield in getattr(variant, "subfields", None) or ():
                references.update(reference.def_num for reference in subfield.ref_fields)
    kept.update(
        position for position, field_def in enumerate(fields) if field_def.num in references
    )
    return tuple(
        (fields[position].offset, fields[position].offset + fields[position].size)
        for position in sorted(kept)
    )


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record column comes from: a field, or a component of one."""

    field_def: FieldDef
    scale: float | None
    offset: float | None
    #: For a component: its bits within the field's value.
    bit_offset: int | None = None
    bits: int | None = None


def record_sources(definition: Definition, wanted: frozenset[str]) -> dict[str, Source]:
    """Which field (or component) gives each wanted record value, as fitparse decides.

    The last source in the definition's field order wins, as in
    :func:`decode_values`; a source whose value is invalid still wins (it
    gives ``None``), so the choice is the same for every message of the
    definition.

    Raises
    ------
    NotVouched
        A wanted value from an array, a text or byte field, an enum, a
        subfield, or a type that fitparse converts (other than ``timestamp``).
    """
    sources: dict[str, Source] = {}
    mesg_fields = definition.mesg_type.fields
    for field_def in definition.fields:
        profile = field_def.profile
        if profile is None:
            continue
        if profile.subfields:
            names = {profile.name, *(sub.name for sub in profile.subfields)}
            if names & wanted:
                raise NotVouched
            continue
        numeric = field_def.size == field_def.base.size and (
            field_def.base.is_integer or field_def.base.is_float
        )
        for component in profile.components or ():
            target = mesg_fields[component.def_num]
            if target.name not in wanted:
                continue
            if not numeric or target.subfields or not _plain(target) or component.accumulate:
                raise NotVouched
            sources[target.name] = Source(
                field_def, component.scale, component.offset, component.bit_offset, component.bits
            )
        if profile.name in wanted:
            if not numeric:
                raise NotVouched
            if profile.name == "timestamp":
                if profile.type.name != "date_time" or not field_def.base.is_integer:
                    raise NotVouched
            elif not _plain(profile):
                raise NotVouched
            sources[profile.name] = Source(field_def, profile.scale, profile.offset)
    return sources


def _plain(profile: Any) -> bool:
    """A field of a bare base type: no enum names, no conversion by type."""
    return isinstance(profile.type, fitparse.records.BaseType)


def message_type(mesg_num: int) -> Any:
    """The profile's message type of a global message number (``None`` where unknown)."""
    return fitparse.profile.MESSAGE_TYPES.get(mesg_num)
