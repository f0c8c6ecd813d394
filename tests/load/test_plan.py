"""The plan ahead: its numbers come from the story, and ``check`` keeps its promise.

Each promise test builds a history, asks for the plan, then adds the planned run or
week to the same history and runs the full check (:func:`loadwatch.evaluate`): at
the plan's number the rule stays quiet, 5 % above it the rule fires.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import loadwatch as lw
from loadwatch.load.plan import PHASES, PLAN_FIELDS, default_as_of, plan_records, plan_table
from loadwatch.rules.ruleset import load_rules
from loadwatch.schema import PLAN
from loadwatch.synthetic.plan import unique_runs
from loadwatch.synthetic.story import STORY_EVENTS, sample_runs

from load_frames import run, timeline_of, week_runs

RULES = load_rules()
MONDAY = date(2026, 1, 5)


def fired(
    rows: list[dict], rule: str, day: date | None = None, laps: pd.DataFrame | None = None
) -> list:
    """The ``rule`` findings of the full check on ``rows`` (on ``day`` if given)."""
    findings = lw.evaluate(timeline_of(rows), laps)
    return [f for f in findings if f.rule == rule and (day is None or f.date == day)]


def only(plans: pd.DataFrame) -> dict:
    assert len(plans) == 1
    return plans.iloc[0].to_dict()


def limit_of(plan: dict, field: str) -> dict:
    (limit,) = [x for x in plan["limits"] if x["field"] == field]
    return limit


def sundays(long_km: float, weeks: int = 8) -> list[dict]:
    """A 6 km Wednesday, an 8 km Friday and a ``long_km`` Sunday each week from MONDAY."""
    rows = []
    for w in range(weeks):
        monday = datetime.combine(MONDAY + timedelta(weeks=w), time(7, 0))
        rows += [
            run(monday + timedelta(days=2), 6.0),
            run(monday + timedelta(days=4), 8.0),
            run(monday + timedelta(days=6), long_km),
        ]
    return rows


# --- the next run ------------------------------------------------------------------


def test_the_next_run_may_be_10_percent_longer_than_the_longest_of_30_days() -> None:
    history = sundays(12.0)
    plan = only(plan_table(timeline_of(history)))
    last_sunday = MONDAY + timedelta(weeks=7, days=6)
    assert plan["as_of"].date() == last_sunday  # the latest activity
    assert plan["run_km_max"] == pytest.approx(12.0 * 1.10)
    why = limit_of(plan, "run_km_max")["why"]
    assert f"longest run of the previous 30 days: 12.0 km on {last_sunday}" in why
    tomorrow = last_sunday + timedelta(days=1)
    for hour in (0, 12, 23):  # at any time of that day
        start = datetime.combine(tomorrow, time(hour, 30))
        assert fired([*history, run(start, plan["run_km_max"] - 1e-6)], "long-run-spike") == []
        longer = [*history, run(start, plan["run_km_max"] * 1.05)]
        assert [f.date for f in fired(longer, "long-run-spike")] == [tomorrow]


def test_a_short_reference_is_limited_by_the_minimum_increase() -> None:
    # 3 km long runs: +10% is 3.3 km, but the rule needs 0.5 km more to flag: just under 3.5.
    history = [run(datetime(2026, 1, 5, 7, 0) + timedelta(days=2 * i), 3.0) for i in range(28)]
    plan = only(plan_table(timeline_of(history)))
    assert 3.45 < plan["run_km_max"] < 3.5
    tomorrow = plan["as_of"].date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(9, 0))
    assert fired([*history, run(start, plan["run_km_max"])], "long-run-spike") == []
    assert fired([*history, run(start, plan["run_km_max"] * 1.05)], "long-run-spike")


def test_activities_after_as_of_are_ignored() -> None:
    history = [*sundays(10.0, weeks=6), run(datetime(2026, 2, 20, 8, 0), 16.0)]
    as_of = MONDAY + timedelta(weeks=5, days=6)  # before the 16 km run
    plan = only(plan_table(timeline_of(history), as_of=as_of))
    assert plan["as_of"].date() == as_of
    assert plan["run_km_max"] == pytest.approx(11.0)


# --- the week ---------------------------------------------------------------------


def test_the_week_may_hold_10_percent_more_than_the_established_load() -> None:
    history = week_runs(MONDAY, [30.0] * 8)
    plan = only(plan_table(timeline_of(history)))
    next_monday = MONDAY + timedelta(weeks=8)
    assert plan["week_start"].date() == next_monday
    assert plan["week_km_so_far"] == 0.0
    assert plan["week_km_max"] == pytest.approx(33.0)
    assert plan["phase"] == "established"
    assert "established load: 30.0 km a week" in limit_of(plan, "week_km_max")["why"]
    within = week_runs(next_monday, [plan["week_km_max"] - 1e-6])
    assert fired([*history, *within], "weekly-increase") == []
    over = week_runs(next_monday, [plan["week_km_max"] * 1.05])
    assert [f.week_start for f in fired([*history, *over], "weekly-increase")] == [next_monday]


def test_mid_week_the_plan_counts_what_is_already_run() -> None:
    history = [*week_runs(MONDAY, [30.0] * 8), run(datetime(2026, 3, 3, 7, 0), 10.0)]
    plan = only(plan_table(timeline_of(history)))  # as of Tuesday 3 March
    assert plan["week_start"].date() == date(2026, 3, 2)
    assert plan["week_km_so_far"] == pytest.approx(10.0)
    assert plan["week_km_max"] == pytest.approx(33.0)
    left = plan["week_km_max"] - plan["week_km_so_far"]
    rest = [run(datetime(2026, 3, 4 + i, 7, 0), left / 3 - 1e-6) for i in range(3)]
    assert fired([*history, *rest], "weekly-increase") == []
    more = [run(datetime(2026, 3, 4 + i, 7, 0), left / 3 + 1.0) for i in range(3)]
    assert fired([*history, *more], "weekly-increase")


def test_a_return_after_a_layoff_is_planned_on_the_ramp() -> None:
    # 28 km a week for 6 weeks, then three weeks without running.
    history = week_runs(MONDAY, [28.0] * 6)
    as_of = MONDAY + timedelta(weeks=9) - timedelta(days=1)  # a Sunday, 21 days after
    plan = only(plan_table(timeline_of(history), as_of=as_of))
    assert plan["phase"] == "return-from-layoff"
    ramp = RULES["return-from-layoff"].param("ramp_pct")[0] / 100 * 28.0  # 50%: 14 km
    assert plan["week_km_max"] == pytest.approx(ramp * 1.10)  # +10% band (above +1 km)
    limit = limit_of(plan, "week_km_max")
    assert limit["rule"] == "return-from-layoff"
    assert "ramp week 1" in limit["why"]
    back = as_of + timedelta(days=1)
    within = week_runs(back, [plan["week_km_max"] - 1e-6])
    assert fired([*history, *within], "return-from-layoff") == []
    assert fired([*history, *within], "weekly-increase") == []
    over = week_runs(back, [plan["week_km_max"] * 1.05])
    assert fired([*history, *over], "return-from-layoff")


# --- climbing ----------------------------------------------------------------------


def test_climbing_may_double_the_usual_week() -> None:
    history = week_runs(MONDAY, [30.0] * 8, ascent_m_per_km=20.0)  # 600 m a week
    plan = only(plan_table(timeline_of(history)))
    assert plan["ascent_m_max"] == pytest.approx(1200.0)
    next_monday = MONDAY + timedelta(weeks=8)
    per_km = plan["ascent_m_max"] / 30.0
    within = week_runs(next_monday, [30.0], ascent_m_per_km=per_km - 1e-6)
    assert fired([*history, *within], "hill-increase") == []
    over = week_runs(next_monday, [30.0], ascent_m_per_km=per_km * 1.05)
    assert fired([*history, *over], "hill-increase")


# --- fast running -------------------------------------------------------------------


def workout(start: datetime, fast_km: float) -> tuple[dict, list[dict]]:
    """A structured workout: 2 km warm-up, ``fast_km`` of active laps, 2 km cool-down."""
    row = run(start, fast_km + 4.0)
    laps = [
        {
            "athlete": row["athlete"],
            "activity_id": row["activity_id"],
            "lap_index": i,
            "start_utc": row["start_utc"],
            "distance_m": metres,
            "intensity": intensity,
        }
        for i, (intensity, metres) in enumerate(
            [("warmup", 2000.0), ("active", fast_km * 1000.0), ("cooldown", 2000.0)]
        )
    ]
    return row, laps


def laps_of(laps: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(laps, columns=list(lw.LAP_COLUMNS))


def test_fast_running_may_double_the_usual_week() -> None:
    history, laps = week_runs(MONDAY, [30.0] * 8), []
    for w in range(8):  # 3 km of intervals every Wednesday
        row, lap_rows = workout(
            datetime.combine(MONDAY + timedelta(weeks=w, days=2), time(18)), 3.0
        )
        history.append(row)
        laps += lap_rows
    plan = only(plan_table(timeline_of(history), laps_of(laps)))
    assert plan["fast_km_max"] == pytest.approx(6.0)  # double the usual 3 km
    assert "usual weekly fast running: 3.0 km" in limit_of(plan, "fast_km_max")["why"]
    wednesday = datetime.combine(MONDAY + timedelta(weeks=8, days=2), time(18))
    row, lap_rows = workout(wednesday, plan["fast_km_max"])
    assert fired([*history, row], "speedwork-increase", laps=laps_of(laps + lap_rows)) == []
    row, lap_rows = workout(wednesday, plan["fast_km_max"] * 1.05)
    assert fired([*history, row], "speedwork-increase", laps=laps_of(laps + lap_rows))


# --- no base yet ---------------------------------------------------------------------


def test_no_runs_is_no_history_with_every_limit_null_and_a_reason() -> None:
    plan = only(plan_table(timeline_of([run("2026-03-01 08:00", 30.0, sport="cycling")])))
    assert plan["phase"] == "no-history"
    assert all(
        pd.isna(plan[f]) for f in ("week_km_max", "run_km_max", "ascent_m_max", "fast_km_max")
    )
    assert all(x["value"] is None and "no runs" in x["why"] for x in plan["limits"])
    assert "not a guarantee" in plan["message"]


def test_a_beginner_gets_limits_only_where_the_rules_have_a_base() -> None:
    history = week_runs(MONDAY, [10.0])  # one week of running
    plan = only(plan_table(timeline_of(history)))
    assert plan["phase"] == "beginner"
    assert pd.isna(plan["run_km_max"]) and pd.isna(plan["week_km_max"])
    assert "first 14 days" in limit_of(plan, "run_km_max")["why"]
    assert "first 2 weeks" in limit_of(plan, "week_km_max")["why"]
    # Without a base the rules cannot fire: any run tomorrow is quiet.
    tomorrow = plan["as_of"].date() + timedelta(days=1)
    assert fired([*history, run(datetime.combine(tomorrow, time(8)), 30.0)], "long-run-spike") == []
    sixteen_weeks = week_runs(MONDAY, [10.0] * 16)
    assert only(plan_table(timeline_of(sixteen_weeks)))["phase"] == "established"


# --- a roster, the columns and the words ---------------------------------------------


def test_a_roster_gets_one_plan_per_athlete_as_of_the_latest_activity_of_all() -> None:
    ana = [dict(r, athlete="Ana") for r in week_runs(MONDAY, [20.0] * 6)]
    ben = [dict(r, athlete="Ben") for r in week_runs(MONDAY, [40.0] * 9)]
    timeline = timeline_of([*ana, *ben])
    plans = plan_table(timeline)
    assert list(plans["athlete"]) == ["Ana", "Ben"]
    assert set(plans["as_of"].dt.date) == {default_as_of(timeline)}
    assert default_as_of(timeline) == MONDAY + timedelta(weeks=9) - timedelta(days=1)
    # Ana stopped three weeks ago: her next week is a return, not more of the same.
    assert list(plans["phase"]) == ["return-from-layoff", "established"]


def test_the_table_and_records_follow_the_schema() -> None:
    plans = plan_table(timeline_of(sundays(12.0)))
    assert tuple(plans.columns) == PLAN.names() == PLAN_FIELDS
    assert str(plans["as_of"].dtype) == "datetime64[ns]"
    assert str(plans["run_km_max"].dtype) == "float64"
    assert set(plans["phase"]) <= set(PHASES)
    (record,) = plan_records(plans)
    assert list(record) == list(PLAN_FIELDS)
    assert record["as_of"] == str(MONDAY + timedelta(weeks=7, days=6))
    assert [x["field"] for x in record["limits"]] == [
        "run_km_max",
        "week_km_max",
        "ascent_m_max",
        "fast_km_max",
    ]
    assert {x["unit"] for x in record["limits"]} == {"km", "m"}
    (flat,) = plan_records(plans, flat=True)
    assert flat["limits"][0].startswith("long-run-spike run_km_max: longest run")


def test_the_message_is_in_the_runners_unit_and_names_each_evidence_label() -> None:
    history = week_runs(MONDAY, [30.0] * 8)
    plan = only(plan_table(timeline_of(history), units="mi"))
    message = plan["message"]
    assert 2 <= message.count(". ") + 1 <= 3
    assert "mi" in message and " km" not in message
    for rule in ("long-run-spike", "weekly-increase", "hill-increase", "speedwork-increase"):
        assert f"{rule}; evidence: {RULES[rule].evidence}" in message
    assert "not a guarantee" in message and "safe" not in message
    assert "mi a week" in limit_of(plan, "week_km_max")["why"]


# --- the promise over generated histories ----------------------------------------------

histories = st.lists(
    st.tuples(st.integers(min_value=0, max_value=70), st.floats(min_value=1.0, max_value=30.0)),
    min_size=1,
    max_size=20,
)


@settings(max_examples=20, deadline=None)
@given(histories)
def test_run_km_max_is_the_line_check_draws(runs: list[tuple[int, float]]) -> None:
    start = datetime(2026, 1, 1, 7, 0)
    history = [run(start + timedelta(days=d), round(km, 2)) for d, km in runs]
    plan = only(plan_table(timeline_of(history)))
    tomorrow = datetime.combine(plan["as_of"].date() + timedelta(days=1), time(18, 0))
    day = tomorrow.date()
    if pd.isna(plan["run_km_max"]):
        # No base: the rule cannot fire on tomorrow's run, however long.
        assert fired([*history, run(tomorrow, 100.0)], "long-run-spike", day) == []
    else:
        assert fired([*history, run(tomorrow, plan["run_km_max"])], "long-run-spike", day) == []
        longer = run(tomorrow, plan["run_km_max"] * 1.05)
        assert fired([*history, longer], "long-run-spike", day)


# --- a real history, day by day ----------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE)


def test_on_every_run_day_of_the_sample_runner_the_plan_and_check_agree(
    sample: lw.ImportResult,
) -> None:
    timeline = sample.timeline
    spikes = {f.date for f in lw.check(sample) if f.rule == "long-run-spike"}
    runs = timeline[timeline["is_run"]]
    days = sorted(set(runs["start_local"].dt.date))
    for day in days[1:]:
        plan = plan_table(
            timeline, sample.laps, sample.profiles, as_of=day - timedelta(days=1)
        ).iloc[0]
        longest = runs.loc[runs["start_local"].dt.date == day, "distance_km"].max()
        if pd.isna(plan["run_km_max"]):
            assert day not in spikes, day
        else:
            # within the plan's line: quiet; above it: the rule fires that day.
            assert (day in spikes) == (longest > plan["run_km_max"]), (day, longest, plan)
    assert spikes  # the sample's planted long run was checked above
    assert spikes <= set(days[1:])


def test_every_week_of_the_sample_runner_within_its_plan_is_quiet(
    sample: lw.ImportResult,
) -> None:
    findings = lw.check(sample)
    weekly = {f.week_start for f in findings if f.rule == "weekly-increase"}
    returns = {f.date for f in findings if f.rule == "return-from-layoff"}
    weeks = lw.weekly_load(sample)
    flagged_weeks = 0
    for week in weeks.itertuples(index=False):
        start = week.week_start.date()
        plan = plan_table(
            sample.timeline, sample.laps, sample.profiles, as_of=start - timedelta(days=1)
        ).iloc[0]
        if plan["phase"] == "no-history":
            continue
        days = {start + timedelta(days=i) for i in range(7)}
        flagged = start in weekly or bool(days & returns)
        flagged_weeks += flagged
        if week.distance_km <= plan["week_km_max"]:  # False where the plan has no limit
            assert not flagged, (start, plan)
        if flagged:
            assert week.distance_km > plan["week_km_max"], (start, plan)
    assert flagged_weeks >= 2  # the sample's planted week and its return after the layoff


# --- the return ramp as a calendar ---------------------------------------------------------


def story_pre_layoff_week_km() -> float:
    """The story's weekly running before the layoff: the ``pre_days`` up to the last run
    before it (Sun 2026-09-06), per week (weeks 11-14: 34, 34, 35 and 34 km)."""
    layoff_event = next(e for e in STORY_EVENTS if e.key == "layoff")
    last_run = layoff_event.day - timedelta(days=1)
    pre_days = int(RULES["return-from-layoff"].param("pre_days"))
    runs = unique_runs(r for r in sample_runs() if r.sport == "running")
    km = sum(
        r.distance_km
        for r in runs
        if last_run - timedelta(days=pre_days - 1) <= r.start_local.date() <= last_run
    )
    return km * 7 / pre_days


def test_a_layoff_story_plan_has_the_ramp_calendar(sample: lw.ImportResult) -> None:
    back = next(e for e in STORY_EVENTS if e.key == "return-from-layoff").day
    shares = RULES["return-from-layoff"].param("ramp_pct")
    base = story_pre_layoff_week_km()
    # The Sunday before the first run back: inactive since the layoff, so the ramp
    # starts tomorrow.
    as_of = back - timedelta(days=2)
    plan = only(lw.plan(sample, as_of=as_of))
    assert plan["phase"] == "return-from-layoff"
    ramp = plan["return_ramp"]
    tomorrow = as_of + timedelta(days=1)
    assert [step["week_start"] for step in ramp] == [
        tomorrow + timedelta(weeks=i) for i in range(len(shares))
    ]
    assert [step["ramp_pct"] for step in ramp] == list(shares)
    for step, share in zip(ramp, shares, strict=True):
        assert step["target_km"] == pytest.approx(share / 100 * base, abs=0.01)
    assert [step["current"] for step in ramp] == [True] + [False] * (len(shares) - 1)
    assert plan["week_km_max"] == pytest.approx(ramp[0]["limit_km"], abs=0.01)
    # A week into the return (first run back on the story's Tuesday): week 2 is current.
    later = only(lw.plan(sample, as_of=back + timedelta(days=7)))
    ramp = later["return_ramp"]
    assert ramp[0]["week_start"] == back
    assert [step["current"] for step in ramp] == [False, True, False]
    assert ramp[0]["km_so_far"] > 0  # the story's 34 km return week
    (record,) = plan_records(lw.plan(sample, as_of=as_of))
    assert record["return_ramp"][0]["week_start"] == str(tomorrow)
    (flat,) = plan_records(lw.plan(sample, as_of=as_of), flat=True)
    assert flat["return_ramp"][0].endswith(", now")
    assert only(lw.plan(sample))["return_ramp"] == []  # the story's end: established


weekly_histories = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=5.0, max_value=60.0)), min_size=3, max_size=12
).filter(lambda weeks: weeks[0] > 0)


@settings(max_examples=20, deadline=None)
@given(weekly_histories)
def test_week_km_max_is_the_line_check_draws(weekly_km: list[float]) -> None:
    history = week_runs(MONDAY, [round(km, 1) for km in weekly_km], runs_per_week=5)
    next_monday = MONDAY + timedelta(weeks=len(weekly_km))
    plan = only(plan_table(timeline_of(history), as_of=next_monday - timedelta(days=1)))
    assert plan["week_start"].date() == next_monday and plan["week_km_so_far"] == 0.0
    rule = limit_of(plan, "week_km_max")["rule"]

    def weekly_findings(km: float) -> list:
        rows = [*history, *week_runs(next_monday, [km], runs_per_week=5)]
        findings = [*fired(rows, "weekly-increase"), *fired(rows, "return-from-layoff")]
        return [f for f in findings if f.week_start == next_monday]

    if pd.isna(plan["week_km_max"]):
        assert weekly_findings(100.0) == []  # no base: neither rule can fire
    else:
        assert weekly_findings(plan["week_km_max"] - 1e-6) == []
        assert [f.rule for f in weekly_findings(plan["week_km_max"] * 1.05 + 0.01)] == [rule]
