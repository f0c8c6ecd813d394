"""The report and the summary open with "Next 7 days", from the plan of ``loadwatch plan``.

Stories (real files written by :mod:`loadwatch.synthetic`):

* the sample runner (``sample_data``): at the story's end an established runner;
  on the Sunday before the first run back after the layoff, inactive for three weeks;
* a roster: Ann runs 30 km a week for eight weeks; Ben ran 40 km a week for five
  weeks (his weeks start a day later) and has not run for 20 days by Ann's last run,
  the roster's "today"; a third athlete's name is longer than any column;
* a Strava export with two listed runs whose files were deleted (coverage).
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.load.plan import plan_records
from loadwatch.report import build_report_data, index_rows, render_html, summary_text
from loadwatch.rules.ruleset import load_rules
from loadwatch.safe_text import name_cell
from loadwatch.synthetic import Athlete, build_weeks, write_athlete
from loadwatch.synthetic.story import STORY_EVENTS
from loadwatch.synthetic.strava_export import write_strava_export
from loadwatch.units import climb_text, distance_text, limit_text

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
RULES = load_rules()
FAST = {"record_interval_s": 60.0}
MONDAY = date(2026, 3, 2)
LONG_NAME = "Maximiliana Alexandrovna Konstantinopoulou-Smythe"


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE)


def plan_of(result: lw.ImportResult, name: str, as_of: date | None = None) -> dict:
    return {r["athlete"]: r for r in plan_records(lw.plan(result, as_of=as_of))}[name]


def next7(page: str, number: int = 1) -> str:
    """The "Next 7 days" box of athlete ``number``, as visible text."""
    section = page[page.index(f'<section class="athlete" id="athlete-{number}">') :]
    box = section[section.index('<div class="next7">') :].split("</div>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", box))


def test_summary_and_report_open_with_the_plans_numbers(sample: lw.ImportResult) -> None:
    plan = plan_of(sample, "Avery Stone")
    km = lambda value: limit_text(value, "km")  # noqa: E731
    lines = summary_text(sample).splitlines()
    assert lines[1].startswith("Next 7 days: ")  # right under the title
    tomorrow = date.fromisoformat(plan["as_of"]) + timedelta(days=1)
    assert lines[1] == f"Next 7 days: next run up to {km(plan['run_km_max'])} on {tomorrow}."
    left = plan["week_km_max"] - plan["week_km_so_far"]
    assert lines[2] == (
        f"  This week: up to {km(plan['week_km_max'])} from {plan['week_start']} "
        f"({km(plan['week_km_so_far'])} run, {km(left)} left)."
    )
    assert climb_text(plan["ascent_m_max"], "km") in lines[3]
    assert km(plan["fast_km_max"]) in lines[3]
    assert lines[4] == "  Phase: established."
    page = render_html(sample)
    section = page[page.index('<section class="athlete"') :]
    assert section.index('<div class="next7">') < section.index('<div class="verdict')
    box = next7(page)
    for value in (plan["run_km_max"], plan["week_km_max"], left, plan["fast_km_max"]):
        assert km(value) in box
    assert climb_text(plan["ascent_m_max"], "km") in box
    assert "judged on" in box and "not a guarantee" in box


def test_after_the_layoff_the_report_shows_the_ramp_not_nothing_too_much(
    sample: lw.ImportResult,
) -> None:
    back = next(e for e in STORY_EVENTS if e.key == "return-from-layoff").day
    as_of = back - timedelta(days=2)  # Sunday before the first run back
    plan = plan_of(sample, "Avery Stone", as_of)
    ramp = plan["return_ramp"]
    last_run = date.fromisoformat(plan["coverage"]["last_activity"])  # a ride; runs ended
    assert last_run <= as_of
    data = build_report_data(sample, as_of=as_of)
    view = data.athletes[0]
    assert view.plan == plan
    days = view.inactive_days
    assert days is not None and days >= RULES["return-from-layoff"].param("min_gap_days")
    text = " ".join(summary_text(sample, as_of=as_of).split())
    assert f"Phase: return after a layoff: inactive {days} days." in text
    targets = ", ".join(
        f"{distance_text(step['target_km'], 'km')} ({step['ramp_pct']:.0f}%)"
        + (" now" if i == 0 else "")
        for i, step in enumerate(ramp)
    )
    assert f"Return ramp, weeks from {ramp[0]['week_start']}: {targets}." in text
    page = render_html(sample, as_of=as_of)
    box = " ".join(next7(page).split())
    for step in ramp:
        assert f"week {step['step']} from {step['week_start']}" in box
    verdict = page[page.index('<div class="verdict') :].split("</div>", 1)[0]
    assert f"Inactive {days} days" in verdict
    assert "Nothing too much" not in verdict


def test_next_7_days_names_the_pair_about_to_pass_500_miles(sample: lw.ImportResult) -> None:
    passes = next(e for e in STORY_EVENTS if e.key == "shoe-500mi").day  # Trainer A
    as_of = passes - timedelta(days=7)
    view = build_report_data(sample, as_of=as_of).athletes[0]
    assert view.shoes is not None
    row = view.shoes[view.shoes["shoe"] == "Trainer A"].iloc[0]
    forecast = row["forecast_500mi"].date()  # the shoe table's forecast at recent use
    assert as_of < forecast <= as_of + timedelta(days=7)
    line = f"Trainer A will pass 500 mi around {forecast}"
    assert f"Shoes: {line}." in summary_text(sample, as_of=as_of)
    assert line in " ".join(next7(render_html(sample, as_of=as_of)).split())
    # A week earlier the pair is still more than 7 days from the line: not named.
    earlier = summary_text(sample, as_of=as_of - timedelta(days=7))
    assert "will pass 500 mi" not in earlier


# --- a roster -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("next7-roster")
    ann_runs = build_weeks(MONDAY, [30.0] * 8, 4, **FAST)
    ben_runs = build_weeks(MONDAY + timedelta(days=1), [40.0] * 5, 4, **FAST)
    long_runs = build_weeks(MONDAY, [25.0] * 8, 3, **FAST)
    athletes = [
        Athlete("Ann Lee", "Europe/London", (51.50, -0.12), ann_runs),
        Athlete("Ben Okafor", "Europe/London", (51.50, -0.12), ben_runs),
        Athlete(LONG_NAME, "Europe/London", (51.50, -0.12), long_runs),
    ]
    for number, athlete in enumerate(athletes):
        write_athlete(athlete, root / f"athlete-{number}")
    today = max(r.start_local.date() for r in ann_runs)
    ben_last = max(r.start_local.date() for r in ben_runs)
    pre_days = int(RULES["return-from-layoff"].param("pre_days"))
    ben_base = (
        sum(
            r.distance_km
            for r in ben_runs
            if ben_last - timedelta(days=pre_days - 1) <= r.start_local.date()
        )
        * 7
        / pre_days
    )
    return root, {"today": today, "ben_last": ben_last, "ben_base": ben_base}


def test_a_silent_athlete_is_inactive_ranked_above_ok_with_the_ramp(
    roster: tuple[Path, dict],
) -> None:
    root, story = roster
    silent = (story["today"] - story["ben_last"]).days
    assert silent == 20
    result = lw.import_activities(root)
    data = build_report_data(result)
    assert data.as_of == story["today"]  # the whole roster's latest activity
    rows = index_rows(data)
    assert [r["athlete"] for r in rows][:2] == ["Ben Okafor", "Ann Lee"]
    ben, ann = rows[0], rows[1]
    assert (ben["status"], ben["status_text"]) == ("inactive", "inactive 20 days")
    assert (ann["status"], ann["status_text"]) == ("ok", "ok")
    assert ben["last_activity"] == story["ben_last"] and ann["last_activity"] == story["today"]
    ben_plan = plan_of(result, "Ben Okafor")
    assert ben["phase"] == ben_plan["phase"] == "return-from-layoff"
    assert ben["week_km_max"] == ben_plan["week_km_max"]
    shares = RULES["return-from-layoff"].param("ramp_pct")
    targets = [step["target_km"] for step in ben_plan["return_ramp"]]
    assert targets == pytest.approx([s / 100 * story["ben_base"] for s in shares], abs=0.01)
    assert ben_plan["return_ramp"][0]["current"]
    ann_plan = plan_of(result, "Ann Lee")
    assert ann["run_km_max"] == ann_plan["run_km_max"]

    lines = summary_text(result).splitlines()
    assert lines[0] == f"loadwatch report: 3 athletes, as of {story['today']}"
    ben_line = next(line for line in lines if "Ben Okafor" in line)
    ann_line = next(line for line in lines if "Ann Lee" in line)
    assert lines.index(ben_line) < lines.index(ann_line)
    assert ben_line.startswith("inactive 20 days")
    assert str(story["ben_last"]) in ben_line
    assert limit_text(ben_plan["week_km_max"], "km") in ben_line
    assert limit_text(ann_plan["run_km_max"], "km") in ann_line

    page = render_html(result)
    index = page[page.index('<section id="roster-index">') :].split("</section>", 1)[0]
    ben_row = re.search(r'<tr class="inactive">(.*?)</tr>', index)
    assert ben_row is not None and "Ben Okafor" in ben_row[1]
    assert "inactive 20 days" in ben_row[1]
    assert limit_text(ben_plan["week_km_max"], "km") in ben_row[1]
    ben_box = " ".join(next7(page, 1).split())
    assert "Return ramp" in ben_box and "inactive 20 days" in ben_box
    ben_verdict = page[page.index('<section class="athlete" id="athlete-1">') :]
    ben_verdict = ben_verdict[ben_verdict.index('<div class="verdict') :].split("</div>", 1)[0]
    assert "Nothing too much" not in ben_verdict and "Inactive 20 days" in ben_verdict


def test_long_names_are_cut_with_an_ellipsis_in_terminal_columns(
    roster: tuple[Path, dict],
) -> None:
    root, _story = roster
    result = lw.import_activities(root)
    lines = summary_text(result).splitlines()
    assert all(len(line) <= 88 for line in lines)
    cut = name_cell(LONG_NAME, 16)
    assert cut == LONG_NAME[:15] + "…" and len(cut) == 16
    row = next(line for line in lines if LONG_NAME[:15] in line)
    assert cut in row and LONG_NAME not in row
    # The columns after the name stay where the header puts them.
    header = lines[1]
    assert row.index(cut) + 17 == header.index("last")
    outcome = CliRunner().invoke(main, ["activities", str(root), "--athlete", LONG_NAME])
    assert outcome.exit_code == 0, outcome.output
    activity_lines = outcome.stdout.splitlines()[1:]
    assert activity_lines and all(
        line.startswith(name_cell(LONG_NAME, 14)) for line in activity_lines
    )
    assert name_cell("Ann", 6) == "Ann   "


# --- coverage in the report ---------------------------------------------------------------


def test_the_report_says_when_the_plan_rests_on_incomplete_records(tmp_path: Path) -> None:
    folder = tmp_path / "export_77"
    runs = build_weeks(MONDAY, [24.0] * 5, 3, **FAST)
    entries = [(700 + i, run, "") for i, run in enumerate(runs)]
    write_strava_export(folder, entries, timezone="Europe/Berlin", home=(52.52, 13.405))
    for activity_id, run, _gear in entries[3:5]:
        (folder / "activities" / f"{activity_id}.{run.fmt}.gz").unlink()
    result = lw.import_activities(folder)
    note = f"judged on {len(runs) - 2} runs; 2 listed activities have no file"
    plan = plan_of(result, result.report.athletes[0])
    assert plan["coverage"]["note"].startswith(note)
    box = " ".join(next7(render_html(result)).split())
    assert "Incomplete records:" in box and note in box
    assert f"Data: {note}" in " ".join(summary_text(result).split())


def test_after_an_open_spike_next_7_days_points_to_the_more_careful_advice(
    sample: lw.ImportResult,
) -> None:
    spike_day = next(e for e in STORY_EVENTS if e.key == "long-run-spike").day
    as_of = spike_day + timedelta(days=1)
    findings = [
        f
        for f in lw.check(sample, until=as_of)
        if f.rule == "long-run-spike" and f.date == spike_day
    ]
    (spike,) = findings
    lines = summary_text(sample, as_of=as_of).splitlines()
    (careful,) = [line for line in lines if line.strip().startswith("Careful:")]
    assert "long-run-spike" in careful
    # The plan's line is the rule's literal line, built on the spike; the HTML box puts
    # the warning's own advice (back under the line the spike crossed) beside it.
    plan = plan_of(sample, "Avery Stone", as_of)
    assert plan["run_km_max"] is not None
    box = " ".join(next7(render_html(sample, as_of=as_of)).split())
    careful = box[box.index("Careful:") :]
    assert careful.startswith(f"Careful: after the long-run-spike warning of {spike_day} — ")
    assert " ".join(spike.advice.split()) in careful
    # The day before the spike no long-run warning is open to point to.
    before = summary_text(sample, as_of=spike_day - timedelta(days=1)).splitlines()
    assert not [line for line in before if "Careful:" in line and "long-run-spike" in line]
