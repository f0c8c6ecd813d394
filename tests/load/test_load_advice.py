"""Warnings that lead with the action: ``advice``, ``evidence_note`` and a short ``message``.

The numbers the tests expect come from the rules (``rules.toml``) and the plan
(:mod:`loadwatch.load.plan`), never from copied output.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest

from loadwatch.findings.check import evaluate
from loadwatch.findings.collection import OPEN_DAYS, Findings
from loadwatch.findings.table import FINDING_FIELDS, finding_records
from loadwatch.load.plan import athlete_plan
from loadwatch.rules import CONTEXT_IDS, load_rules
from loadwatch.units import km_to

from load_frames import run, timeline_of, week_runs

RULES = load_rules()
MON = date(2026, 1, 5)
#: A finding's message at most [characters].
MESSAGE_CHARS = 400


def sundays(long_km: list[float], athlete: str = "Runner") -> list[dict]:
    """A 6 km run each Thursday and a long run each Sunday."""
    rows = []
    for i, km in enumerate(long_km):
        monday = datetime.combine(MON + timedelta(weeks=i), datetime.min.time())
        rows.append(run(monday + timedelta(days=3, hours=7), 6.0, athlete=athlete))
        rows.append(run(monday + timedelta(days=6, hours=8), km, athlete=athlete))
    return rows


@pytest.mark.parametrize("unit", ["km", "mi"])
def test_a_long_run_spike_advises_the_line_the_plan_drew_the_day_before(unit: str) -> None:
    timeline = timeline_of(sundays([12.0] * 6 + [20.0]))
    (spike,) = [f for f in evaluate(timeline, units=unit) if f.rule == "long-run-spike"]
    plan = athlete_plan(timeline, "Runner", spike.date - timedelta(days=1), unit=unit)
    assert plan["run_km_max"] is not None
    # The advice brings the long run back under the line the spike crossed (the plan
    # made the day before), rounded down to 0.1 in the runner's unit, never above it;
    # not a new line built on the spike itself.
    advised = float(re.search(rf"long runs to (\d+\.\d) {unit} or less", spike.advice)[1])
    assert km_to(plan["run_km_max"], unit) - 0.1 < advised <= km_to(plan["run_km_max"], unit)
    assert spike.message.endswith(spike.advice)
    assert spike.advice not in spike.numbers and spike.numbers in spike.message


def test_every_finding_carries_advice_and_the_rules_evidence_note() -> None:
    rows = week_runs(MON, [30] * 6 + [42, 30], 4, ascent_m_per_km=1)
    rows += week_runs(MON + timedelta(weeks=8), [30], 4, ascent_m_per_km=30)
    rows += week_runs(MON + timedelta(weeks=13), [30, 30], 4)
    findings = evaluate(timeline_of(rows))
    rules = {f.rule for f in findings}
    assert {"weekly-increase", "hill-increase", "return-from-layoff"} <= rules
    for finding in findings:
        assert finding.evidence_note == RULES[finding.rule].evidence_note
        assert finding.evidence_note not in finding.message
        assert re.search(r"\d", finding.advice)
        assert len(finding.message) <= MESSAGE_CHARS
    records = finding_records(findings)
    assert {"message", "advice", "evidence", "evidence_note", "source"} <= set(FINDING_FIELDS)
    for record, finding in zip(records, findings, strict=True):
        assert record["advice"] == finding.advice
        assert record["evidence_note"] == finding.evidence_note


def test_a_roster_names_the_athlete_a_single_runner_is_you() -> None:
    alone = timeline_of(week_runs(MON, [30] * 6 + [45], 4, athlete="Ann"))
    both = timeline_of(
        week_runs(MON, [30] * 6 + [45], 4, athlete="Ann")
        + week_runs(MON, [30] * 7, 4, athlete="Ben")
    )
    (single,) = [f for f in evaluate(alone) if f.rule == "weekly-increase"]
    (named,) = [f for f in evaluate(both) if f.rule == "weekly-increase"]
    assert single.message.startswith("You ran") and "your" in single.message
    assert named.message.startswith("Ann ran") and "Ann's" in named.message
    assert not re.search(r"\byou(r)?\b", named.message, re.IGNORECASE)
    assert named.value == single.value and named.advice.replace("Ann's", "your") == single.advice


def test_the_context_rule_is_never_counted_as_a_warning() -> None:
    assert CONTEXT_IDS == ("acute-chronic",)
    findings = evaluate(timeline_of(week_runs(MON, [20] * 8 + [45], 4)))
    ratio = [f for f in findings if f.rule == "acute-chronic"]
    weekly = [f for f in findings if f.rule == "weekly-increase"]
    assert ratio and weekly and ratio[0].severity == "caution"
    assert ratio[0].is_alarm and ratio[0].is_context and not ratio[0].is_warning
    # Alone, the context caution reaches no --fail-on level and counts as a note.
    only = Findings(ratio)
    assert not only.reaches("caution") and only.worst_severity() == "note"
    assert only.warnings() == []
    # Open: the warnings of that week and, beside them, the context finding.
    as_of = weekly[0].date
    warnings = [f for f in findings if f.is_warning]
    opened = Findings(findings).open(as_of)
    assert set(opened) == {*warnings, *ratio}
    assert Findings(findings).open(as_of).warnings() == warnings
    assert Findings(findings).context_of(weekly[0]) == ratio
    # A context finding without an open warning of its week is not open.
    assert Findings(ratio).open(as_of) == []


def test_open_is_the_last_open_days_before_the_report_date() -> None:
    findings = evaluate(timeline_of(week_runs(MON, [30] * 6 + [45] + [30] * 4, 4)))
    (weekly,) = [f for f in findings if f.rule == "weekly-increase"]
    assert weekly in Findings(findings).open(weekly.date + timedelta(days=OPEN_DAYS - 1))
    assert weekly not in Findings(findings).open(weekly.date + timedelta(days=OPEN_DAYS))
    assert Findings(findings).open(None) == []
