"""``loadwatch check``: ``--open`` is the report's open set, ``--fail-on`` judges it, and the
text leads each warning with its numbers and advice (evidence once per rule).

Expectations come from the library (the report's model, the rules), not copied output.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.report.model import build_report_data

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
#: Report dates of the sample story: a high week, a speedwork week, a return, the end.
DATES = [None, date(2026, 7, 14), date(2026, 8, 24), date(2026, 10, 12)]


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE)


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(SAMPLE), *args])
    return result.exit_code, result.stdout


def _key(record: dict) -> tuple:
    return (record["athlete"], record["rule"], record["severity"], str(record["date"]))


def report_open(result: lw.ImportResult, as_of: date | None) -> set[tuple]:
    """What the report shows as open: each athlete's open warnings and their context."""
    data = build_report_data(result, as_of=as_of)
    shown = set()
    for view in data.athletes:
        for finding in view.open_findings:
            shown.add((finding.athlete, finding.rule, finding.severity, str(finding.date)))
            for context in view.context_of(finding):
                if context.is_alarm:
                    shown.add((context.athlete, context.rule, context.severity, str(context.date)))
    return shown


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_check_open_is_the_reports_open_set(sample: lw.ImportResult, as_of: date | None) -> None:
    args = ["--open", "--json"] + (["--until", as_of.isoformat()] if as_of else [])
    code, out = _check(*args)
    assert code == 0
    assert {_key(r) for r in json.loads(out)} == report_open(sample, as_of)


def test_fail_on_with_open_judges_only_the_open_warnings(sample: lw.ImportResult) -> None:
    history = lw.check(sample)
    assert history.reaches("high")
    assert _check("--fail-on", "high")[0] == 3
    # The last day of the story has no open warning: --open passes where the history fails.
    assert report_open(sample, None) == set()
    assert _check("--open", "--fail-on", "caution")[0] == 0
    # In the week of the jump, the open high fails --fail-on high.
    assert _check("--open", "--until", "2026-07-14", "--fail-on", "high")[0] == 3


def test_check_json_without_open_keeps_the_whole_history(sample: lw.ImportResult) -> None:
    code, out = _check("--json")
    records = json.loads(out)
    assert code == 0
    assert [_key(r) for r in records] == [
        (f.athlete, f.rule, f.severity, str(f.date)) for f in lw.check(sample)
    ]
    for record in records:
        assert record["message"].endswith(record["advice"])
        assert record["evidence_note"] == lw.load_rules()[record["rule"]].evidence_note


def test_check_text_gives_numbers_and_advice_per_warning_and_evidence_once(
    sample: lw.ImportResult,
) -> None:
    code, text = _check()
    assert code == 0
    flat = " ".join(text.split())
    findings = lw.check(sample)
    warnings = [f for f in findings if f.is_warning]
    for finding in warnings:
        assert " ".join(finding.numbers.split()) in flat
        assert " ".join(f"→ {finding.advice}".split()) in flat
    # Newest first.
    shown = sorted(warnings, key=lambda f: flat.index(" ".join(f.numbers.split())))
    assert [f.date for f in shown] == sorted((f.date for f in warnings), reverse=True)
    # Each rule's evidence sentence once, not once per warning.
    for rule in {f.rule for f in warnings}:
        note = " ".join(lw.load_rules()[rule].evidence_note.split())
        assert flat.count(note) == 1, rule
    # The acute:chronic caution is shown beside its week's warning, not as a warning.
    ratio = [f for f in findings if f.rule == "acute-chronic" and f.is_alarm]
    assert ratio and f"context: {' '.join(ratio[0].numbers.split())}" in flat
    assert f"{len(warnings)} warnings, newest first" in flat
