"""One unit system: every text loadwatch writes follows the athlete's ``units``.

The same sample athlete is imported twice: as shipped (``units = "km"``) and
from a copy whose ``loadwatch.toml`` says ``units = "mi"``. Findings, tables, the
terminal summary and the HTML report of the copy must speak miles (and min/mi),
with the numbers derived from the km run or the findings' own fields through
:data:`loadwatch.units.KM_PER_MI`; JSON keeps its ``*_km`` fields.

The rules' own reference text (``rules.toml``: ``evidence_note``, ``explanation``)
cites studies in their units (e.g. "more than 35 km a week") and is not rewritten;
the tests remove that quoted text before looking for "km".
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch import shoes as shoes_package
from loadwatch.cli import main
from loadwatch.report.html import render_html
from loadwatch.report.model import build_report_data
from loadwatch.report.summary import summary_text
from loadwatch.rules.ruleset import load_rules
from loadwatch.timeline import settings as settings_module
from loadwatch.units import (
    KM_PER_MI,
    UNITS,
    climb_text,
    distance_text,
    km_to,
    pace_text,
    to_km,
    unit_of,
)

PACKAGE = Path(lw.__file__).resolve().parent
SAMPLE = PACKAGE.parent / "sample_data"
KM_WORD = re.compile(r"\bkm\b|kilomet", re.IGNORECASE)
MI_NUMBER = re.compile(r"(\d+(?:\.\d+)?) mi\b")
KM_NUMBER = re.compile(r"(\d+(?:\.\d+)?) km\b")
PACE = re.compile(r"(\d+):(\d\d) min/(km|mi)\b")
#: Rules whose messages hold no distance: the same words for every unit.
NO_DISTANCE = {"heat-note", "cross-training-note", "beginner-note", "shoe-drop-change"}


def _quoted_rule_text(rules=None) -> list[str]:
    """The rule set's reference text (studies quoted in their own units)."""
    rules = rules or load_rules()
    return [
        text
        for rule in rules.values()
        for text in (rule.evidence_note, rule.explanation)
        if text and KM_WORD.search(text)
    ]


def _without_quotes(text: str) -> str:
    """``text`` with whitespace collapsed and the rules' quoted study text removed."""
    flat = " ".join(text.split())
    for quoted in _quoted_rule_text():
        flat = flat.replace(" ".join(quoted.split()), "")
    return flat


@pytest.fixture(scope="module")
def mi_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample data whose athlete counts in miles."""
    folder = tmp_path_factory.mktemp("miles") / "sample"
    shutil.copytree(SAMPLE, folder)
    (toml,) = folder.glob("*/loadwatch.toml")
    text = toml.read_text(encoding="utf-8")
    assert 'units = "km"' in text
    toml.write_text(text.replace('units = "km"', 'units = "mi"'), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def results(mi_folder: Path) -> dict[str, lw.ImportResult]:
    return {"km": lw.import_activities(SAMPLE), "mi": lw.import_activities(mi_folder)}


@pytest.fixture(scope="module")
def findings(results: dict[str, lw.ImportResult]) -> dict[str, list[lw.Finding]]:
    return {unit: lw.check(result) for unit, result in results.items()}


def _numbers(pattern: re.Pattern[str], text: str) -> list[float]:
    return [float(x) for x in pattern.findall(text)]


# --- the module itself --------------------------------------------------------------------


def test_one_home_for_the_mile_factor() -> None:
    """No module but loadwatch/units.py types the km/mi factor."""
    typed = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if re.search(r"1\.609|1609\.3|0\.62137", path.read_text(encoding="utf-8"))
    ]
    assert typed == ["units.py"]
    assert shoes_package.MILE_KM == KM_PER_MI
    assert settings_module.UNITS == UNITS


@pytest.mark.parametrize("value_km", [0.0, 1.0, 5.0, 42.195, 160.9344])
def test_distance_and_pace_text(value_km: float) -> None:
    assert to_km(km_to(value_km, "mi"), "mi") == pytest.approx(value_km)
    assert distance_text(value_km, "km") == f"{value_km:.1f} km"
    assert distance_text(value_km, "mi", 2) == f"{value_km / KM_PER_MI:.2f} mi"
    if value_km > 0:
        speed = value_km / 1.5  # m/s
        minutes, seconds, unit = PACE.fullmatch(pace_text(speed, "mi")).groups()
        assert unit == "mi"
        assert int(minutes) * 60 + int(seconds) == pytest.approx(KM_PER_MI * 1000 / speed, abs=0.5)


def test_missing_values_and_unit_lookup() -> None:
    assert distance_text(None, "mi") == distance_text(float("nan"), "km") == "-"
    assert pace_text(0.0, "mi") == pace_text(None, "km") == "-"
    assert climb_text(312.4, "mi") == climb_text(312.4, "km") == "312 m"
    assert unit_of({"Ann": "mi"}, "Ann") == "mi"
    assert unit_of({"Ann": "mi"}, "Bo") == "km"
    assert unit_of("mi", "anyone") == "mi"
    assert distance_text(1_234_567.0, "km", 0, grouped=True) == "1,234,567 km"


# --- findings -----------------------------------------------------------------------------


def test_finding_fields_do_not_depend_on_the_unit(findings) -> None:
    """Only the words change: value, threshold and unit stay in the rule's unit."""
    keys = [
        [(f.athlete, f.rule, f.date, f.severity, f.value, f.threshold, f.unit) for f in found]
        for found in (findings["km"], findings["mi"])
    ]
    assert keys[0] == keys[1]
    rules = {f.rule for f in findings["mi"]}
    # the sample covers every rule whose message holds a distance
    assert {
        "weekly-increase",
        "long-run-spike",
        "acute-chronic",
        "speedwork-increase",
        "return-from-layoff",
        "shoe-mileage",
        "hill-increase",
    } <= rules


def test_mile_messages_hold_no_km(findings) -> None:
    for finding in findings["mi"]:
        message = _without_quotes(finding.message)
        assert not KM_WORD.search(message), (finding.rule, message)
        if finding.rule not in NO_DISTANCE | {"hill-increase"}:
            assert MI_NUMBER.search(message), (finding.rule, message)


def test_km_fields_reappear_in_miles(findings) -> None:
    """A finding whose value/threshold is a distance [km] names it in miles."""
    checked = 0
    for finding in findings["mi"]:
        miles = _numbers(MI_NUMBER, finding.message)
        if finding.unit == "km":
            assert any(abs(m - finding.value / KM_PER_MI) <= 0.06 for m in miles), finding
            checked += 1
        if finding.rule == "speedwork-increase":
            assert any(abs(m - finding.threshold / KM_PER_MI) <= 0.06 for m in miles)
        if finding.rule == "shoe-mileage":  # value and threshold in miles already
            assert f"{finding.threshold:.0f} mi" in finding.message
            assert f"{finding.value:.1f} mi" in finding.message
            checked += 1
    assert checked >= 3


def test_every_distance_and_pace_converts(findings) -> None:
    """Each distance and pace of a km message is in the mi message, converted, in order."""
    for km_finding, mi_finding in zip(findings["km"], findings["mi"], strict=True):
        km_text, mi_text = km_finding.message, mi_finding.message
        if km_finding.rule in NO_DISTANCE | {"hill-increase"}:
            # no distance, and climbing stays in metres: the same words for both units
            assert mi_text == km_text
            continue
        if km_finding.rule == "shoe-mileage":
            continue  # "482.8 km (300 miles)" for km runners; checked above
        kms = _numbers(KM_NUMBER, _without_quotes(km_text))
        mis = _numbers(MI_NUMBER, _without_quotes(mi_text))
        assert kms and len(kms) == len(mis), (km_finding.rule, km_text, mi_text)
        for km, mi in zip(kms, mis, strict=True):
            assert mi == pytest.approx(km / KM_PER_MI, abs=0.09), km_finding.rule
        paces = [PACE.findall(t) for t in (km_text, mi_text)]
        assert len(paces[0]) == len(paces[1])
        for (km_m, km_s, km_u), (mi_m, mi_s, mi_u) in zip(*paces, strict=True):
            assert (km_u, mi_u) == ("km", "mi")
            per_mi = int(mi_m) * 60 + int(mi_s)
            assert per_mi == pytest.approx((int(km_m) * 60 + int(km_s)) * KM_PER_MI, abs=2)


def test_km_runner_reads_km(findings) -> None:
    for finding in findings["km"]:
        if finding.rule == "shoe-mileage":
            assert re.search(r"\d km \(\d+ miles\)", finding.message)
        elif finding.rule not in NO_DISTANCE | {"hill-increase"}:
            assert KM_NUMBER.search(finding.message) and not MI_NUMBER.search(finding.message)
    weekly = next(f for f in findings["km"] if f.rule == "weekly-increase")
    assert re.search(r"\d km–\d+\.\d km", weekly.advice)


# --- command-line text --------------------------------------------------------------------


def _run(*args: str) -> str:
    outcome = CliRunner().invoke(main, list(args))
    assert outcome.exit_code in (0, 1), outcome.output
    return outcome.stdout


def test_check_text_in_miles(mi_folder: Path, findings) -> None:
    text = _without_quotes(_run("check", str(mi_folder)))
    assert not KM_WORD.search(text)
    weekly = next(f for f in findings["mi"] if f.rule == "weekly-increase")
    assert " ".join(weekly.message.split()[:6]) in text
    # JSON keeps the rule's numbers and field names
    records = json.loads(_run("check", str(mi_folder), "--json"))
    speed = next(r for r in records if r["rule"] == "speedwork-increase")
    assert speed["unit"] == "km"
    assert f"{speed['value'] / KM_PER_MI:.1f} mi" in speed["message"]


@pytest.mark.parametrize("command", ["weeks", "activities", "shoes"])
def test_tables_in_miles(mi_folder: Path, command: str) -> None:
    text = _run(command, str(mi_folder))
    assert text.strip() and not KM_WORD.search(text)
    records = json.loads(_run(command, str(mi_folder), "--json"))
    assert records and all("distance_km" in r for r in records)
    lines = text.splitlines()
    if command in ("weeks", "activities"):
        # the distance column is right-aligned under its unit, "mi"
        end = lines[0].index(" mi ") + len(" mi")
        digits = 1 if command == "weeks" else 2
        for record, line in zip(records, lines[1:], strict=True):
            shown = line[:end].split()[-1]
            assert shown == f"{record['distance_km'] / KM_PER_MI:.{digits}f}"
    else:
        for record in records:
            if record["shoe"] is not None:
                wanted = distance_text(record["distance_km"], "mi")
                assert any(record["shoe"] in line and wanted in line for line in lines)


# --- report -------------------------------------------------------------------------------


def test_summary_in_miles(results) -> None:
    text = summary_text(results["mi"])
    assert not KM_WORD.search(text)
    week = build_report_data(results["mi"]).athletes[0].last_full_week()
    assert f"{week['distance_km'] / KM_PER_MI:.1f} mi" in text
    km_text = summary_text(results["km"])
    assert f"{week['distance_km']:.1f} km" in km_text


def _visible_text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    page = re.sub(r'<section id="rules">.*?</section>', " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def test_html_report_in_miles(results, findings) -> None:
    text = _without_quotes(_visible_text(render_html(results["mi"], findings["mi"])))
    assert not KM_WORD.search(text)
    for finding in findings["mi"]:
        if finding.unit == "km":  # the card's "Measured" line, in miles
            assert f"Measured {finding.value / KM_PER_MI:.1f} mi" in text
    km_text = " ".join(_visible_text(render_html(results["km"], findings["km"])).split())
    speed = next(f for f in findings["km"] if f.rule == "speedwork-increase")
    assert f"Measured {speed.value:.1f} km" in km_text


def test_units_option_overrides_the_settings(findings) -> None:
    """``--units mi`` on the km athlete gives the mi athlete's messages."""
    records = json.loads(_run("check", str(SAMPLE), "--units", "mi", "--json"))
    assert [r["message"] for r in records] == [f.message for f in findings["mi"]]
    text = _without_quotes(_run("check", str(SAMPLE), "--units", "mi"))
    assert not KM_WORD.search(text) and MI_NUMBER.search(text)
