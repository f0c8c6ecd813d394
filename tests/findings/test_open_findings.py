"""What is *open*: one definition (``Findings.open``) behind the report and ``check --open``."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

import loadwatch as lw
from loadwatch.findings.check import import_until, last_activity_day, open_findings
from loadwatch.findings.collection import OPEN_DAYS, Findings
from loadwatch.report.model import build_report_data

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE)


@pytest.mark.parametrize("as_of", [None, date(2026, 7, 14), date(2026, 10, 12)], ids=str)
def test_open_findings_are_the_reports_open_warnings(
    sample: lw.ImportResult, as_of: date | None
) -> None:
    opened = open_findings(sample, as_of)
    data = build_report_data(sample, as_of=as_of)
    shown = [f for view in data.athletes for f in view.open_findings]
    assert {(f.rule, f.date) for f in opened.warnings()} == {(f.rule, f.date) for f in shown}
    # Every open warning lies in the window before the report date.
    day = as_of or last_activity_day(sample.timeline)
    assert all(f.date > day - timedelta(days=OPEN_DAYS) for f in opened.warnings())


def test_an_earlier_date_checks_the_import_as_it_stood(sample: lw.ImportResult) -> None:
    day = date(2026, 7, 14)
    cut = import_until(sample, day)
    assert cut.timeline["start_local"].max() < sample.timeline["start_local"].max()
    assert open_findings(sample, day) == Findings(lw.check(cut)).open(day)
    # The jump week's high is open then, and its acute:chronic caution is beside it.
    rules = {f.rule: f for f in open_findings(sample, day)}
    assert rules["weekly-increase"].severity == "high"
    assert rules["acute-chronic"].week_start == rules["weekly-increase"].week_start
    assert open_findings(sample, day).worst_severity() == "high"
