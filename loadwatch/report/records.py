"""Timeline and weekly tables as JSON-ready records and CSV text.

The field names are a public contract (scripts and notebooks depend on them):
see the README's command reference.
"""

from __future__ import annotations

import math
from datetime import timedelta, timezone
from typing import Any

import pandas as pd

from loadwatch.safe_text import neutralise_csv_cell
from loadwatch.schema import TIMELINE, WEEKS, text_list

#: Fields of ``loadwatch activities --json``, in order (:data:`loadwatch.schema.TIMELINE`).
ACTIVITY_FIELDS = TIMELINE.json_fields()

#: Fields of ``loadwatch weeks --json``, in order (:data:`loadwatch.schema.WEEKS`).
WEEK_FIELDS = WEEKS.json_fields()


def _plain(value: Any) -> Any:
    """A JSON-ready value: NaN/NaT → None, numpy numbers → Python numbers, lists copied."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    if isinstance(value, list):  # merged_from: a copy, so records never share the timeline's
        return [_plain(item) for item in value]
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


def _iso_utc(value: pd.Timestamp) -> str:
    return value.tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_local(value: pd.Timestamp, offset_s: float) -> str:
    if math.isnan(offset_s):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    aware = value.tz_localize(timezone(timedelta(seconds=int(offset_s))))
    return aware.isoformat(timespec="seconds")


def activity_records(timeline: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON-ready dict per activity with :data:`ACTIVITY_FIELDS`.

    ``start_utc`` is ISO 8601 with ``Z``; ``start_local`` is ISO 8601 with the
    local UTC offset (``2026-06-01T06:30:00-04:00``); missing numbers are ``null``;
    ``merged_from`` is a list of file names.
    """
    records = []
    for row in timeline.itertuples(index=False):
        data = row._asdict()
        record = {}
        for name in ACTIVITY_FIELDS:
            if name == "start_utc":
                record[name] = _iso_utc(data["start_utc"])
            elif name == "start_local":
                record[name] = _iso_local(data["start_local"], data["utc_offset_s"])
            else:
                record[name] = _plain(data[name])
        records.append(record)
    return records


def week_records(weeks: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON-ready dict per athlete-week with :data:`WEEK_FIELDS`."""
    records = []
    for row in weeks.itertuples(index=False):
        data = row._asdict()
        record = {name: _plain(data[name]) for name in WEEK_FIELDS}
        record["week_start"] = data["week_start"].strftime("%Y-%m-%d")
        records.append(record)
    return records


def _cell(value: Any) -> Any:
    """A CSV cell: a list (``merged_from``) joined with ``; ``, other values as they are."""
    return "; ".join(text_list(value)) if isinstance(value, list) else value


def records_to_csv(records: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    """CSV text (header + rows) of JSON-ready records.

    Every text cell that a spreadsheet would run as a formula (it starts with
    ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading ``'``
    (:func:`loadwatch.safe_text.neutralise_csv_cell`); numbers stay numbers; a
    list (``merged_from``) is one cell, its items joined with ``; ``.
    """
    safe = [{name: neutralise_csv_cell(_cell(value)) for name, value in r.items()} for r in records]
    frame = pd.DataFrame(safe, columns=list(fields))
    return frame.to_csv(index=False, lineterminator="\n")
