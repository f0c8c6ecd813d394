"""The Python API guides a new user: it takes what they have, says what it needs, and
prints short.

* ``lw.check``, ``lw.weekly_load``, ``lw.write_report``, ``lw.summary_text``,
  ``lw.shoe_table`` and ``lw.shoe_records`` take a path, an import or a timeline
  from an import, with equal results, and anything else is a :class:`TypeError`
  naming the call to make;
* ``since=``/``until=``, ``notes=`` and ``units=`` give what the CLI's options give;
* the import and the findings have short reprs and an HTML table for notebooks;
* the accessor finds the import its timeline came from, and says when it is gone;
* ``dir(loadwatch)`` is the public API.
"""

from __future__ import annotations

import gc
import importlib
import json
import subprocess
import sys
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.findings.collection import Findings
from loadwatch.findings.table import finding_records
from loadwatch.report.records import activity_records, week_records
from loadwatch.rules.ruleset import SEVERITIES
from loadwatch.synthetic import Athlete, build_weeks, write_athlete

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"

#: Callables of the public API that take an import first, with their other arguments.
TAKES_AN_IMPORT: dict[str, tuple[Any, ...]] = {
    "check": (),
    "weekly_load": (),
    "summary_text": (),
    "shoe_table": (),
    "shoe_records": (),
    "write_report": ("report.html",),
}


@pytest.fixture(scope="module")
def result() -> lw.ImportResult:
    return lw.import_activities(SAMPLE_DATA)


@pytest.fixture(scope="module")
def window(result: lw.ImportResult) -> tuple[date, date]:
    """A window inside the sample's months: from a third of the way in to two thirds."""
    days = result.timeline["start_local"].dt.date
    first, last = days.min(), days.max()
    span = last - first
    return first + span / 3, first + 2 * span / 3


def cli_json(*args: str) -> list[dict[str, Any]]:
    outcome = CliRunner().invoke(main, list(args))
    assert outcome.exit_code == 0, outcome.output
    return json.loads(outcome.stdout)


def as_json(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return json.loads(json.dumps(records, ensure_ascii=False))


# --- wrong input: a TypeError that names the right call ------------------------------


@pytest.mark.parametrize("name", sorted(TAKES_AN_IMPORT))
@pytest.mark.parametrize("wrong", [[1, 2], 42, None], ids=["list", "int", "None"])
def test_wrong_input_names_the_right_call(name: str, wrong: object, tmp_path: Path) -> None:
    function = getattr(lw, name)
    rest = [tmp_path / a if a == "report.html" else a for a in TAKES_AN_IMPORT[name]]
    expected = (
        f"{name}() takes an ImportResult from lw.import_activities(path), a path, "
        f"or a timeline DataFrame; got {type(wrong).__name__}"
    )
    with pytest.raises(TypeError) as info:
        function(wrong, *rest)
    assert str(info.value) == expected
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("name", ["check", "weekly_load", "write_report"])
def test_a_table_that_is_not_a_timeline_is_named(name: str, tmp_path: Path) -> None:
    frame = pd.DataFrame({"athlete": ["Ann"], "distance": [5.0]})
    rest = [tmp_path / "report.html"] if name == "write_report" else []
    with pytest.raises(
        TypeError, match=rf"^{name}\(\) takes an activity timeline .* no start_local"
    ):
        getattr(lw, name)(frame, *rest)


def test_a_report_of_a_timeline_without_its_import_says_what_to_pass(
    result: lw.ImportResult, tmp_path: Path
) -> None:
    bare = result.timeline.copy()
    bare.attrs.clear()
    with pytest.raises(TypeError, match=r"^write_report\(\) needs the import .* pass lw\."):
        lw.write_report(bare, tmp_path / "report.html")
    assert not (tmp_path / "report.html").exists()
    with pytest.raises(TypeError, match=r"^summary_text\(\) needs the import"):
        lw.summary_text(bare)


# --- a path, an import and a timeline give the same --------------------------------


def test_check_takes_a_path_an_import_or_its_timeline(result: lw.ImportResult) -> None:
    from_result = lw.check(result)
    assert isinstance(from_result, Findings)
    assert from_result == lw.check(SAMPLE_DATA) == lw.check(str(SAMPLE_DATA))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the timeline finds its import: nothing left out
        from_timeline = lw.check(result.timeline)
    assert from_timeline == from_result
    rules = {f.rule for f in from_timeline}
    assert {"speedwork-increase", "shoe-mileage"} <= rules


def test_weekly_load_takes_a_path_an_import_or_its_timeline(result: lw.ImportResult) -> None:
    expected = lw.weekly_load(result)
    pd.testing.assert_frame_equal(lw.weekly_load(SAMPLE_DATA), expected)
    pd.testing.assert_frame_equal(lw.weekly_load(result.timeline), expected)
    assert expected["fast_km"].max() > 0


def test_reports_and_shoes_take_a_path_an_import_or_its_timeline(
    result: lw.ImportResult, tmp_path: Path
) -> None:
    summary = lw.summary_text(result)
    assert lw.summary_text(SAMPLE_DATA) == summary == lw.summary_text(result.timeline)
    records = lw.shoe_records(lw.shoe_table(result))
    assert records and lw.shoe_records(SAMPLE_DATA) == records
    assert lw.shoe_records(result.timeline) == records == lw.shoe_records(result)
    written = lw.write_report(SAMPLE_DATA, tmp_path / "a.html")
    again = lw.write_report(result.timeline, tmp_path / "b.html")
    assert written.read_text(encoding="utf-8") == again.read_text(encoding="utf-8")


def test_units_work_as_on_the_cli() -> None:
    cli = cli_json("check", str(SAMPLE_DATA), "--units", "mi", "--json")
    api = lw.check(SAMPLE_DATA, units="mi")
    assert as_json(finding_records(api)) == cli
    in_km = lw.check(SAMPLE_DATA, units="km")
    assert [f.message for f in in_km] != [f.message for f in api]  # the words follow units
    imported = lw.import_activities(SAMPLE_DATA)
    assert lw.check(imported, units="mi") == api
    assert "mi" in lw.summary_text(imported, units="mi").splitlines()[1]
    with pytest.raises(ValueError, match="units= must be one of km, mi; got 'miles'"):
        lw.check(imported, units="miles")


# --- since/until, notes, fail-on: the CLI's filters ----------------------------------


def test_findings_filters_equal_the_cli(result: lw.ImportResult, window: tuple[date, date]) -> None:
    since, until = window
    found = lw.check(result)
    args = ["check", str(SAMPLE_DATA), "--json"]
    dates = ["--since", since.isoformat(), "--until", until.isoformat()]
    assert as_json(finding_records(found.without_notes())) == cli_json(*args, "--no-notes")
    between = found.between(since, until)
    assert 0 < len(between) < len(found)
    assert as_json(finding_records(between)) == cli_json(*args, *dates)
    assert lw.check(result, since=since, until=until) == between
    assert lw.check(result, notes=False) == found.without_notes() == lw.alarms(found)
    assert "note" not in {f.severity for f in found.without_notes()}


@pytest.mark.parametrize("severity", ["caution", "high"])
def test_fail_on_equals_the_findings_worst_severity(
    result: lw.ImportResult, window: tuple[date, date], severity: str
) -> None:
    since, until = window
    for extra in ([], ["--since", since.isoformat(), "--until", until.isoformat()]):
        outcome = CliRunner().invoke(
            main, ["check", str(SAMPLE_DATA), "--json", "--fail-on", severity, *extra]
        )
        found = lw.check(result).between(since, until) if extra else lw.check(result)
        worst = found.worst_severity()
        expected = worst is not None and SEVERITIES.index(worst) >= SEVERITIES.index(severity)
        assert found.reaches(severity) is expected
        assert bool(found.at_least(severity)) is expected
        assert outcome.exit_code == (3 if expected else 0)


def test_at_least_keeps_that_severity_and_worse(result: lw.ImportResult) -> None:
    found = lw.check(result)
    assert found.at_least("note") == found
    assert {f.severity for f in found.at_least("caution")} == {"caution", "high"}
    assert {f.severity for f in found.at_least("high")} == {"high"}
    assert Findings().worst_severity() is None
    with pytest.raises(ValueError, match="severity must be one of note, caution, high"):
        found.at_least("severe")


def test_between_and_weekly_load_since_until_equal_the_cli(
    result: lw.ImportResult, window: tuple[date, date]
) -> None:
    since, until = window
    dates = ["--since", since.isoformat(), "--until", until.isoformat()]
    activities = result.between(since, until)
    assert 0 < len(activities) < len(result.timeline)
    assert as_json(activity_records(activities)) == cli_json(
        "activities", str(SAMPLE_DATA), "--json", *dates
    )
    weeks = lw.weekly_load(result, since=since, until=until)
    assert as_json(week_records(weeks)) == cli_json("weeks", str(SAMPLE_DATA), "--json", *dates)
    assert len(weeks) < len(lw.weekly_load(result))


# --- short reprs for notebooks ------------------------------------------------------


def test_reprs_are_short_and_say_what_is_inside(result: lw.ImportResult) -> None:
    text = repr(result)
    assert len(text) < 300
    n_runs = int(result.timeline["is_run"].sum())
    assert text.startswith("<ImportResult: 1 athlete, ")
    assert f"{len(result.timeline)} activities ({n_runs} runs)" in text
    assert f"{len(result.report.duplicates)} duplicate" in text
    assert len(repr(result.report)) < 300
    found = lw.check(result)
    short = repr(found)
    assert len(short) < 300
    n_high = sum(f.severity == "high" for f in found)
    assert short.startswith(f"<Findings: {len(found)} ({n_high} high, ")
    assert repr(Findings()) == "<Findings: none>"


def test_html_reprs_are_small_tables(result: lw.ImportResult) -> None:
    page = result._repr_html_()
    assert page.startswith("<table>") and f"<td>{len(result.timeline)} activities</td>" in page
    found = lw.check(result)
    table = found._repr_html_()
    assert table.startswith("<table>") and table.count("<tr>") == min(len(found), 20) + 1
    assert "<script" not in table


# --- the accessor finds its import ---------------------------------------------------


def test_accessor_without_result_equals_with_result(result: lw.ImportResult) -> None:
    timeline = result.timeline
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alone = timeline.loadwatch.check()
        weeks = timeline.loadwatch.weekly()
    assert alone == timeline.loadwatch.check(result=result) == lw.check(result)
    assert {"speedwork-increase", "shoe-mileage", "shoe-drop-change"} <= {f.rule for f in alone}
    pd.testing.assert_frame_equal(weeks, lw.weekly_load(result))
    runs = timeline[timeline["is_run"]]  # rows of the timeline keep their import too
    assert runs.loadwatch.check() == runs.loadwatch.check(result=result)


def test_accessor_says_when_the_import_is_gone(tmp_path: Path) -> None:
    # Files of its own: no other import of the same files is alive to stand in for it.
    runs = build_weeks(date(2026, 3, 2), [20, 22, 24, 26], 4, record_interval_s=60.0)
    write_athlete(Athlete("Dee Roe", "Europe/Paris", (48.85, 2.35), runs), tmp_path / "dee")
    imported = lw.import_activities(tmp_path / "dee", cache=False)
    timeline = imported.timeline.copy()
    json.dumps(timeline.attrs)  # the attrs that name the import stay JSON
    del imported
    gc.collect()
    with pytest.warns(UserWarning, match="no longer in memory.*pass result=") as caught:
        found = timeline.loadwatch.check()
    assert caught[0].filename == __file__
    assert "speedwork-increase" not in {f.rule for f in found}
    with pytest.warns(UserWarning, match="no longer in memory"):
        weeks = timeline.loadwatch.weekly()
    assert weeks["fast_km"].isna().all()
    with pytest.warns(UserWarning, match="no longer in memory.*lw.import_activities"):
        lw.check(timeline)


# --- the package ---------------------------------------------------------------------


def test_import_loadwatch_registers_the_accessor() -> None:
    code = (
        "import pandas as pd\n"
        "assert not hasattr(pd.DataFrame, 'loadwatch')\n"
        "import loadwatch\n"
        "assert hasattr(pd.DataFrame, 'loadwatch')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_dir_shows_the_public_api() -> None:
    names = dir(lw)
    assert set(lw.__all__) <= set(names)
    for submodule in ("accessor", "api", "timeline", "findings", "report", "cli_guard"):
        assert submodule not in names
    assert [n for n in names if not n.startswith("__")] == sorted(
        n for n in lw.__all__ if not n.startswith("__")
    )


def test_every_public_name_has_one_home_and_is_there() -> None:
    homes = {name: module for module, names in lw._HOMES.items() for name in names}
    assert sorted([*homes, "__version__"]) == sorted(lw.__all__)
    for name, module in homes.items():
        assert getattr(lw, name) is getattr(importlib.import_module(module), name), name
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        lw.not_a_name  # noqa: B018


def test_import_loadwatch_loads_only_the_accessor_until_a_name_is_used() -> None:
    """``import loadwatch`` is cheap (a worker process, a warm re-run); names load on use."""
    code = (
        "import sys\n"
        "import loadwatch\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('loadwatch.'))\n"
        "assert loaded == ['loadwatch.accessor', 'loadwatch.schema', 'loadwatch.version'], loaded\n"
        "loadwatch.check\n"
        "assert 'loadwatch.findings.check' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
