"""One schema: every table's columns are declared once in loadwatch.schema, and
the README, the JSON/CSV output, the DataFrames and the cache's Parquet layout
all equal that declaration."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch import schema
from loadwatch.accessor import REQUIRED_COLUMNS
from loadwatch.cli import main
from loadwatch.findings.table import FINDING_FIELDS
from loadwatch.load.weekly import WEEK_COLUMNS
from loadwatch.report.records import ACTIVITY_FIELDS, WEEK_FIELDS
from loadwatch.schema import FINDINGS, LAPS, SHOES, TIMELINE, WEEKS, Column, Table
from loadwatch.shoes import SHOE_FIELDS
from loadwatch.timeline import cache
from loadwatch.timeline.build import COLUMNS, LAP_COLUMNS
from loadwatch.timeline.duplicates import FILLABLE
from loadwatch.timeline.rows import to_frame

from support import CORPUS_DIR

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SAMPLE = ROOT / "sample_data"
RUN_FIT = CORPUS_DIR / "corriporai_runpandas" / "run.fit"

#: The pandas dtype each schema kind becomes in a DataFrame that holds rows.
PANDAS_KIND = {
    "float64": "float64",
    "int64": "int64",
    "bool": "bool",
    "datetime_utc": "datetime64[ns, UTC]",
    "datetime_local": "datetime64[ns]",
    "date": "datetime64[ns]",
}


def cli_records(*args: str) -> list[dict]:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- the declaration itself ------------------------------------------------


@pytest.mark.parametrize("table", list(schema.TABLES.values()), ids=list(schema.TABLES))
def test_every_column_has_a_known_type_and_a_meaning(table: Table) -> None:
    assert table.columns
    for column in table.columns:
        assert column.dtype in schema.DTYPES
        assert len(column.meaning) > 5 and column.meaning.endswith("."), column.name
        assert "\n" not in column.meaning and "|" not in column.meaning, column.name
    assert set(table.json_fields()) <= set(table.names())


def test_a_table_refuses_a_column_declared_twice_or_a_wrong_json_order() -> None:
    a = Column("a", "float64", "km", "A.")
    with pytest.raises(ValueError, match="declared twice"):
        Table("t", (a, a))
    with pytest.raises(ValueError, match="json_order"):
        Table("t", (a, Column("b", "int64", "", "B.", json=False)), json_order=("a", "b"))
    with pytest.raises(ValueError, match="unknown dtype"):
        Column("c", "float32", "", "C.")


def test_public_names_are_derived_from_the_schema() -> None:
    assert COLUMNS == lw.COLUMNS == TIMELINE.names()
    assert LAPS.names() == LAP_COLUMNS
    assert list(WEEK_COLUMNS) == list(WEEKS.names())
    assert WEEK_COLUMNS["distance_km"] == WEEKS["distance_km"].description()
    assert WEEK_COLUMNS["distance_km"].endswith("[km]")
    assert TIMELINE.json_fields() == ACTIVITY_FIELDS
    assert WEEKS.json_fields() == WEEK_FIELDS
    assert FINDINGS.json_fields() == FINDING_FIELDS
    assert SHOES.json_fields() == SHOE_FIELDS
    assert tuple(c.name for c in TIMELINE.columns if c.required) == REQUIRED_COLUMNS
    assert set(REQUIRED_COLUMNS) >= {"athlete", "start_local", "is_run", "distance_km"}
    assert tuple(c.name for c in TIMELINE.columns if c.fillable) == FILLABLE
    # a merged duplicate may fill measurements, never identity or time
    assert not set(FILLABLE) & {"athlete", "activity_id", "start_utc", "file", "distance_km"}


# --- the README ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "table"),
    [
        ("activities", TIMELINE),
        ("weeks", WEEKS),
        ("shoes", SHOES),
        ("check", FINDINGS),
        ("plan", schema.PLAN),
        ("days", schema.DAYS),
    ],
)
def test_readme_json_contract_lists_the_schema_fields_in_order(command: str, table: Table) -> None:
    text = README.read_text(encoding="utf-8")
    item = re.search(rf"^\* `{command}`: (.*?)(?=^\* |^\n)", text, re.S | re.M)
    assert item is not None, command
    named = [n for n in re.findall(r"[a-z_0-9]+", " ".join(re.findall(r"`([^`]*)`", item[1])))]
    found = [n for n in named if n in table.json_fields()]
    # every field, in order (a field may be named again in a remark, e.g. ``note``)
    ordered = [n for i, n in enumerate(found) if n not in found[:i]]
    assert ordered == list(table.json_fields())


# --- the output -------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "table"),
    [
        ("activities", TIMELINE),
        ("weeks", WEEKS),
        ("shoes", SHOES),
        ("check", FINDINGS),
        ("plan", schema.PLAN),
    ],
)
def test_json_and_csv_fields_equal_the_schema(command: str, table: Table) -> None:
    records = cli_records(command, str(SAMPLE), "--json")
    assert records, command
    assert {tuple(r) for r in records} == {table.json_fields()}
    result = CliRunner().invoke(main, [command, str(SAMPLE), "--csv"])
    assert result.exit_code == 0, result.output
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert tuple(header) == table.json_fields()


@pytest.mark.corpus
def test_merged_from_is_a_list_in_the_timeline_an_array_in_json_and_joined_in_csv(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "runner"
    folder.mkdir()
    copies = [folder / name for name in ("a.fit", "b.fit", "c.fit")]
    for copy in copies:
        shutil.copy(RUN_FIT, copy)  # identical content: one activity

    timeline = lw.import_activities(folder, cache=False, jobs=1).timeline
    assert len(timeline) == 1
    kept, merged = timeline["file"].iloc[0], timeline["merged_from"].iloc[0]
    assert isinstance(merged, list)
    assert sorted([kept, *merged]) == sorted(str(c) for c in copies)

    (record,) = cli_records("activities", str(folder), "--json")
    assert record["merged_from"] == merged
    result = CliRunner().invoke(main, ["activities", str(folder), "--csv"])
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert row["merged_from"] == "; ".join(merged)


# --- DataFrames and the cache -------------------------------------------------


def test_to_frame_dtypes_match_the_schema() -> None:
    timeline = lw.import_activities(SAMPLE, cache=False, jobs=1).timeline
    assert len(timeline) > 0
    frame = to_frame(timeline.to_dict("records"))
    assert tuple(frame.columns) == TIMELINE.names()
    for column in TIMELINE.columns:
        dtype = frame[column.name].dtype
        if column.dtype in PANDAS_KIND:
            assert str(dtype) == PANDAS_KIND[column.dtype], column.name
        elif column.dtype == "string":
            assert pd.api.types.is_string_dtype(dtype), column.name
        else:  # list[string]
            assert dtype == np.dtype(object)
            assert all(isinstance(v, list) for v in frame[column.name]), column.name
    empty = to_frame([])
    assert tuple(empty.columns) == TIMELINE.names()
    assert str(empty["start_utc"].dtype) == "datetime64[ns, UTC]"
    assert str(empty["distance_km"].dtype) == "float64"


def test_cache_parquet_layout_is_derived_from_the_schema(tmp_path: Path) -> None:
    stored = {f.name: f.type for f in cache.ROW_SCHEMA}
    timeline = {f.name: f.type for f in TIMELINE.pyarrow_schema()}
    assert list(stored)[: len(timeline) - 1] == [n for n in timeline if n != "athlete"]
    for name, arrow_type in timeline.items():
        if name != "athlete":
            assert stored[name] == arrow_type, name
    assert stored["merged_from"] == pa.list_(pa.string())
    assert stored["start_lat"] == stored["start_lon"] == pa.float64()
    laps = {f.name: f.type for f in cache.LAP_SCHEMA}
    for column in LAPS.columns[2:]:
        assert laps[column.name] == column.arrow_type, column.name

    # the file written holds that layout and reads back the same timeline
    first = lw.import_activities(SAMPLE, cache=tmp_path, jobs=1)
    files = sorted(tmp_path.rglob("*.parquet"))
    assert files
    written = pq.read_schema(files[0])
    activities = written.field("activities").type.value_type
    assert activities == cache.ROW_SCHEMA
    again = lw.import_activities(SAMPLE, cache=tmp_path, jobs=1)
    assert again.report.files_from_cache > 0
    pd.testing.assert_frame_equal(again.timeline, first.timeline)
