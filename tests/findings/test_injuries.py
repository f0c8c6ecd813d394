"""The injury log (injuries.csv) and the calibration tables built on it."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import num2date
from matplotlib.figure import Figure

import loadwatch as lw
from loadwatch.errors import LoadwatchError, SettingsError
from loadwatch.findings.injuries import (
    ANY_RULE,
    INJURY_COLUMNS,
    INJURY_SUMMARY_COLUMNS,
    RULE_TABLE_COLUMNS,
    InjuryLogError,
    injuries_with_preceding_findings,
    normalize_area,
    preceding_findings,
    read_injuries,
    read_injury_log,
    rule_injury_table,
)
from loadwatch.report import plots
from loadwatch.rules.ruleset import Finding
from loadwatch.synthetic import Athlete, build_weeks, write_athlete

FAST = {"record_interval_s": 60.0}


def finding(athlete: str, rule: str, day: date, severity: str = "caution") -> Finding:
    """A finding as the rules make it (weekly rules date it on the week's last day)."""
    monday = day - timedelta(days=day.weekday())
    return Finding(
        athlete=athlete,
        rule=rule,
        severity=severity,
        date=day,
        week_start=monday,
        value=1.0,
        threshold=0.5,
        unit="%",
        message="",
        source="",
        evidence="observational",
    )


def injuries_frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(a, pd.Timestamp(d), area, "") for a, d, area in rows], columns=list(INJURY_COLUMNS)
    )
    frame["date"] = frame["date"].astype("datetime64[ns]")
    return frame


def weeks_frame(athlete: str, first_monday: date, n: int, runs: int = 3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "athlete": athlete,
            "week_start": pd.date_range(first_monday, periods=n, freq="7D").astype(
                "datetime64[ns]"
            ),
            "runs": runs,
            "distance_km": 30.0,
        }
    )


# -- reading the log ------------------------------------------------------------------


def test_read_injury_log_accepts_bom_comments_aliases_and_quoted_notes(tmp_path: Path) -> None:
    log = tmp_path / "injuries.csv"
    log.write_text(
        "\ufeff# my injuries\n"
        "Date, Area ,Note\n"
        "\n"
        '2026-07-28,Achilles Tendon,"sore, stiff in the morning"\n'
        "2026-05-02,shins,\n"
        "2026-06-10,calf\n",
        encoding="utf-8",
    )
    frame = read_injury_log(log, "Ann Lee")
    assert list(frame.columns) == list(INJURY_COLUMNS)
    assert frame["date"].dtype == "datetime64[ns]"
    assert [d.date() for d in frame["date"]] == [
        date(2026, 5, 2),
        date(2026, 6, 10),
        date(2026, 7, 28),
    ]
    assert list(frame["area"]) == ["shin", "calf", "achilles"]
    assert list(frame["note"]) == ["", "", "sore, stiff in the morning"]
    assert set(frame["athlete"]) == {"Ann Lee"}


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("date,area,note\n2026-07-01,calf,\n2026-13-01,calf,\n", r"line 3, date: '2026-13-01'"),
        ("date,area,note\n14/07/2026,calf,\n", r"line 2, date: '14/07/2026' is not a date"),
        ("date,area,note\n,calf,\n", r"line 2, date: missing date"),
        ("date,area,note\n2026-07-01,elbow,\n", r"line 2, area: unknown area 'elbow'"),
        ("date,area,note\n2026-07-01,,sore\n", r"line 2, area: missing area"),
        ("date,note\n2026-07-01,sore\n", r"line 1, header: no 'area' column"),
        ("when,area,note\n", r"line 1, header: unknown column 'when'"),
        ("# log\ndate,area,area\n", r"line 2, header: a column is named twice"),
        ("date,area,note\n2026-07-01,calf,sore, tight\n", r"line 2, note: 4 values"),
    ],
)
def test_bad_lines_name_file_line_and_column(tmp_path: Path, text: str, match: str) -> None:
    log = tmp_path / "ann" / "injuries.csv"
    log.parent.mkdir()
    log.write_text(text, encoding="utf-8")
    with pytest.raises(InjuryLogError, match=match) as info:
        read_injury_log(log, "Ann")
    message = str(info.value)
    assert message.startswith(str(log) + ": line ")
    assert "\n" not in message
    assert isinstance(info.value, SettingsError) and isinstance(info.value, LoadwatchError)


def test_log_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    log = tmp_path / "injuries.csv"
    log.write_bytes("date,area,note\n2026-07-01,calf,gênant\n".encode("latin-1"))
    with pytest.raises(InjuryLogError, match="not UTF-8"):
        read_injury_log(log, "Ann")


def test_an_empty_log_gives_the_columns(tmp_path: Path) -> None:
    log = tmp_path / "injuries.csv"
    log.write_text("date,area,note\n", encoding="utf-8")
    frame = read_injury_log(log, "Ann")
    assert frame.empty and list(frame.columns) == list(INJURY_COLUMNS)


@pytest.mark.parametrize(
    ("text", "area"),
    [("Calf", "calf"), ("plantar fasciitis", "plantar-fascia"), ("QUADS", "quadriceps")],
)
def test_normalize_area(text: str, area: str) -> None:
    assert normalize_area(text) == area
    assert normalize_area("wrist") is None


# -- finding the logs -------------------------------------------------------------------


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three runners with planted stories and logs; the third has no loadwatch.toml."""
    root = tmp_path_factory.mktemp("team")
    first = date(2026, 3, 2)
    ann = Athlete(
        "Ann Lee",
        "Europe/London",
        (51.50, -0.12),
        build_weeks(first, [30, 30, 32, 34, 48, 30, 32, 34, 36, 38], 4, **FAST),
    )
    ben = Athlete(
        "Ben Okafor",
        "America/New_York",
        (40.78, -73.97),
        build_weeks(first, [40, 41, 42, 43, 44, 45, 46, 47, 48, 49], 4, **FAST),
    )
    write_athlete(ann, root / "ann-lee")
    write_athlete(ben, root / "ben-okafor")
    # Ann: a calf strain two days after her big week (weekly-increase, long-run-spike).
    (root / "ann-lee" / "injuries.csv").write_text(
        "date,area,note\n2026-04-07,calf,tight after the big week\n", encoding="utf-8"
    )
    # Ben: a steady build, no warning; a shin injury late on.
    (root / "ben-okafor" / "injuries.csv").write_text(
        "date,area,note\n2026-05-01,shin,\n", encoding="utf-8"
    )
    return root


@pytest.fixture(scope="module")
def result(roster: Path) -> lw.ImportResult:
    return lw.import_activities(roster)


def test_read_injuries_from_folder_import_and_timeline_agree(
    roster: Path, result: lw.ImportResult
) -> None:
    from_folder = read_injuries(roster)
    assert list(from_folder.columns) == list(INJURY_COLUMNS)
    assert list(from_folder["athlete"]) == ["Ann Lee", "Ben Okafor"]
    assert list(from_folder["area"]) == ["calf", "shin"]
    pd.testing.assert_frame_equal(read_injuries(result), from_folder)
    pd.testing.assert_frame_equal(read_injuries(result.timeline), from_folder)


def test_athlete_without_settings_is_found_by_folder(tmp_path: Path) -> None:
    team = tmp_path / "team"
    for name in ("ann", "bo"):
        (team / name).mkdir(parents=True)
    (team / "bo" / "injuries.csv").write_text("date,area\n2026-01-05,knee\n")
    frame = read_injuries(team, roster=True)
    assert list(frame["athlete"]) == ["bo"] and list(frame["area"]) == ["knee"]
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    (moved / "injuries.csv").write_text("date,area\n2026-02-01,hip\n")
    frame = read_injuries(team, roster=True, folders={"ann": moved})
    assert list(frame["athlete"]) == ["ann", "bo"] and list(frame["area"]) == ["hip", "knee"]


def test_a_bad_log_in_a_roster_raises(roster: Path, tmp_path: Path) -> None:
    folder = tmp_path / "cy"
    folder.mkdir()
    (folder / "loadwatch.toml").write_text('[athlete]\nname = "Cy"\n')
    (folder / "injuries.csv").write_text("date,area\n2026-02-30,calf\n")
    with pytest.raises(InjuryLogError, match=r"cy.injuries\.csv: line 2, date: '2026-02-30'"):
        read_injuries(tmp_path)


def test_no_logs_gives_an_empty_table(tmp_path: Path) -> None:
    (tmp_path / "loadwatch.toml").write_text("[athlete]\n")
    frame = read_injuries(tmp_path)
    assert frame.empty and list(frame.columns) == list(INJURY_COLUMNS)


# -- injuries and the findings before them -------------------------------------------------


def test_window_runs_from_four_weeks_before_to_the_injury_day() -> None:
    injury = date(2026, 6, 30)
    findings = [
        finding("Ann", "weekly-increase", injury - timedelta(days=29)),  # too early
        finding("Ann", "long-run-spike", injury - timedelta(days=28), "high"),  # first day in
        finding("Ann", "hill-increase", injury),  # the injury day counts
        finding("Ann", "acute-chronic", injury + timedelta(days=1)),  # after: not before it
        finding("Bo", "weekly-increase", injury - timedelta(days=3)),  # someone else
        finding("Ann", "heat-note", injury - timedelta(days=2), "note"),  # a note
    ]
    injuries = injuries_frame([("Ann", "2026-06-30", "calf")])
    pairs = preceding_findings(injuries, findings)
    assert list(pairs["rule"]) == ["long-run-spike", "hill-increase"]
    assert list(pairs["days_before"]) == [28, 0]
    summary = injuries_with_preceding_findings(injuries, findings)
    assert list(summary.columns) == list(INJURY_SUMMARY_COLUMNS)
    row = summary.iloc[0]
    assert row["rules"] == "long-run-spike, hill-increase"
    assert row["findings"] == 2 and row["worst_severity"] == "high"
    assert row["days_since_last"] == 0.0
    with_notes = preceding_findings(injuries, findings, severities=("note", "caution", "high"))
    assert "heat-note" in set(with_notes["rule"])
    two_weeks = preceding_findings(injuries, findings, weeks=2)
    assert list(two_weeks["rule"]) == ["hill-increase"]


def test_an_injury_with_nothing_before_it_is_listed_empty() -> None:
    injuries = injuries_frame([("Ann", "2026-06-30", "calf"), ("Bo", "2026-01-02", "shin")])
    summary = injuries_with_preceding_findings(injuries, [finding("Ann", "weekly-increase",
                                                                  date(2026, 6, 20))])  # fmt: skip
    bo = summary[summary["athlete"] == "Bo"].iloc[0]
    assert bo["rules"] == "" and bo["findings"] == 0 and bo["worst_severity"] == ""
    assert math.isnan(bo["days_since_last"])
    assert len(summary) == 2


def test_planted_injuries_on_real_files(result: lw.ImportResult) -> None:
    findings = lw.check(result)
    summary = injuries_with_preceding_findings(read_injuries(result), findings)
    ann = summary[summary["athlete"] == "Ann Lee"].iloc[0]
    assert set(ann["rules"].split(", ")) >= {"weekly-increase", "long-run-spike"}
    assert ann["worst_severity"] == "high"
    assert ann["days_since_last"] == 2.0  # the big week's long run was on Sunday 5 April
    ben = summary[summary["athlete"] == "Ben Okafor"].iloc[0]
    assert ben["rules"] == "" and ben["findings"] == 0
    # A findings frame works as well as the list.
    same = injuries_with_preceding_findings(read_injuries(result), lw.findings_frame(findings))
    pd.testing.assert_frame_equal(same, summary)


# -- the per-rule table ------------------------------------------------------------------


def test_rule_table_counts_by_hand() -> None:
    weeks = pd.concat(
        [weeks_frame("Ann", date(2026, 1, 5), 10), weeks_frame("Bo", date(2026, 1, 5), 10)]
    )
    weeks.loc[(weeks["athlete"] == "Bo") & (weeks["week_start"] == "2026-03-09"), "runs"] = 0
    findings = [
        finding("Ann", "weekly-increase", date(2026, 1, 25)),  # week of 19 Jan
        finding("Ann", "long-run-spike", date(2026, 1, 25)),  # same week
        finding("Ann", "weekly-increase", date(2026, 3, 1)),  # week of 23 Feb
        finding("Bo", "weekly-increase", date(2026, 2, 1)),  # week of 26 Jan
        finding("Bo", "weekly-increase", date(2026, 3, 13)),  # a week without runs: ignored
    ]
    # Ann is hurt on Tue 17 Feb: the weeks of 19 Jan .. 16 Feb are followed by it
    # (the injury lies in the week or within 28 days after the week's last day).
    injuries = injuries_frame([("Ann", "2026-02-17", "calf")])
    table = rule_injury_table(findings, injuries, weeks)
    assert list(table.columns) == list(RULE_TABLE_COLUMNS)
    assert list(table["rule"]) == ["weekly-increase", "long-run-spike", ANY_RULE]
    wi = table.iloc[0]
    # Fired: Ann 19 Jan (hurt after), Ann 23 Feb (not), Bo 26 Jan (not).
    assert (wi["weeks_fired"], wi["injured_after_fired"]) == (3, 1)
    assert wi["rate_fired"] == pytest.approx(1 / 3)
    # Not fired: 19 running weeks - 3 = 16; Ann's 26 Jan, 2, 9 and 16 Feb were followed.
    assert (wi["weeks_not_fired"], wi["injured_after_not_fired"]) == (16, 4)
    assert wi["rate_not_fired"] == pytest.approx(4 / 16)
    assert wi["ratio"] == pytest.approx((1 / 3) / (4 / 16))
    assert wi["injuries_preceded"] == 1  # 25 Jan is 23 days before 17 Feb
    lrs = table.iloc[1]
    assert (lrs["weeks_fired"], lrs["injured_after_fired"], lrs["rate_fired"]) == (1, 1, 1.0)
    anyrow = table.iloc[2]
    assert anyrow["weeks_fired"] == 3 and anyrow["injured_after_fired"] == 1


def test_injuries_preceded_uses_the_four_week_window() -> None:
    weeks = weeks_frame("Ann", date(2026, 1, 5), 8)
    findings = [finding("Ann", "long-run-spike", date(2026, 1, 21))]  # a Wednesday
    close = rule_injury_table(findings, injuries_frame([("Ann", "2026-02-18", "calf")]), weeks)
    far = rule_injury_table(findings, injuries_frame([("Ann", "2026-02-20", "calf")]), weeks)
    assert close.iloc[0]["injuries_preceded"] == 1  # 28 days after the finding
    assert far.iloc[0]["injuries_preceded"] == 0  # 30 days after it
    # Both still follow the week of 19 Jan: within 28 days of its last day (25 Jan).
    assert close.iloc[0]["injured_after_fired"] == far.iloc[0]["injured_after_fired"] == 1
    late = rule_injury_table(findings, injuries_frame([("Ann", "2026-02-23", "calf")]), weeks)
    assert late.iloc[0]["injured_after_fired"] == 0  # 29 days after 25 Jan


def test_ratio_edge_cases() -> None:
    weeks = weeks_frame("Ann", date(2026, 1, 5), 20)
    findings = [finding("Ann", "weekly-increase", date(2026, 3, 22))]
    nobody_hurt = rule_injury_table(findings, injuries_frame([]), weeks)
    assert nobody_hurt.iloc[0]["rate_fired"] == 0.0 and math.isnan(nobody_hurt.iloc[0]["ratio"])
    only_after = rule_injury_table(findings, injuries_frame([("Ann", "2026-03-25", "calf")]), weeks)
    # Weeks followed by an injury on Wed 25 Mar: those of 23 Feb, 2, 9, 16 (fired) and 23 Mar.
    row = only_after.iloc[0]
    assert row["rate_fired"] == 1.0 and row["injured_after_not_fired"] == 4
    never = rule_injury_table(
        findings, injuries_frame([]), weeks, rules=["weekly-increase", "hill-increase"]
    )
    hill = never[never["rule"] == "hill-increase"].iloc[0]
    assert hill["weeks_fired"] == 0 and math.isnan(hill["rate_fired"])
    assert math.isnan(hill["ratio"])
    alone = rule_injury_table(
        [finding("Ann", "weekly-increase", d) for d in pd.date_range("2026-01-11", periods=20,
                                                                      freq="7D").date],
        injuries_frame([("Ann", "2026-03-25", "calf")]),
        weeks,
    )  # fmt: skip
    assert alone.iloc[0]["weeks_not_fired"] == 0 and math.isnan(alone.iloc[0]["ratio"])


def test_ratio_is_infinite_when_no_other_week_was_followed() -> None:
    weeks = weeks_frame("Ann", date(2026, 1, 5), 3)
    weeks = pd.concat([weeks, weeks_frame("Bo", date(2026, 1, 5), 3)])
    findings = [finding("Ann", "long-run-spike", date(2026, 1, 7))]
    table = rule_injury_table(findings, injuries_frame([("Ann", "2026-01-09", "calf")]), weeks)
    row = table.iloc[0]
    # Ann's 12 and 19 Jan weeks start after the injury: not followed by it.
    assert row["rate_fired"] == 1.0 and row["rate_not_fired"] == 0.0
    assert math.isinf(row["ratio"])


def test_per_athlete_blocks_sum_to_the_squad(result: lw.ImportResult) -> None:
    findings = lw.check(result)
    injuries = read_injuries(result)
    weeks = lw.weekly_load(result)
    squad = rule_injury_table(findings, injuries, weeks)
    per = rule_injury_table(findings, injuries, weeks, per_athlete=True)
    assert list(per.columns) == ["athlete", *RULE_TABLE_COLUMNS]
    assert set(per["athlete"]) == {"Ann Lee", "Ben Okafor"}
    running_weeks = int((weeks["runs"] > 0).sum())
    for row in squad.itertuples(index=False):
        assert row.weeks_fired + row.weeks_not_fired == running_weeks
        block = per[per["rule"] == row.rule]
        for column in ("weeks_fired", "injured_after_fired", "injured_after_not_fired"):
            assert block[column].sum() == getattr(row, column)
    spike = squad[squad["rule"] == "weekly-increase"].iloc[0]
    assert spike["injured_after_fired"] >= 1 and spike["injuries_preceded"] == 1
    anyrow = squad[squad["rule"] == ANY_RULE].iloc[0]
    assert anyrow["injuries_preceded"] == 1  # Ann's; nothing fired before Ben's


@settings(max_examples=60, deadline=None)
@given(
    fired=st.lists(st.booleans(), min_size=1, max_size=16),
    injury_weeks=st.lists(st.integers(min_value=0, max_value=20), max_size=3),
    weeks_after=st.integers(min_value=1, max_value=6),
)
def test_rule_table_matches_a_brute_force_count(
    fired: list[bool], injury_weeks: list[int], weeks_after: int
) -> None:
    first = date(2026, 1, 5)
    weeks = weeks_frame("Ann", first, len(fired))
    findings = [
        finding("Ann", "weekly-increase", first + timedelta(weeks=i, days=6))
        for i, on in enumerate(fired)
        if on
    ]
    hurt_days = [first + timedelta(weeks=w, days=2) for w in injury_weeks]
    injuries = injuries_frame([("Ann", d.isoformat(), "calf") for d in hurt_days])
    table = rule_injury_table(
        findings, injuries, weeks, weeks_after, rules=["weekly-increase"]
    ).iloc[0]
    followed = [
        any(0 <= (d - (first + timedelta(weeks=i))).days < 7 * (weeks_after + 1) for d in hurt_days)
        for i in range(len(fired))
    ]
    n_fired = sum(fired)
    assert table["weeks_fired"] == n_fired
    assert table["weeks_not_fired"] == len(fired) - n_fired
    assert table["injured_after_fired"] == sum(
        f and h for f, h in zip(fired, followed, strict=True)
    )
    assert table["injured_after_not_fired"] == sum(
        h and not f for f, h in zip(fired, followed, strict=True)
    )
    if n_fired:
        assert table["rate_fired"] == pytest.approx(table["injured_after_fired"] / n_fired)


# -- marking injuries on charts ------------------------------------------------------------


def agg_axes() -> tuple[Figure, Axes]:
    figure = Figure()
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def test_mark_injuries_draws_a_line_and_label_per_injury(result: lw.ImportResult) -> None:
    injuries = read_injuries(result)
    _, ax = agg_axes()
    plots.weekly_distance(lw.weekly_load(result), result.timeline, athlete="Ann Lee", ax=ax)
    before = len(ax.lines)
    assert plots.mark_injuries(ax, injuries, athlete="Ann Lee") is ax
    new = ax.lines[before:]
    assert len(new) == 1
    assert num2date(new[0].get_xdata(orig=False)[0]).date() == date(2026, 4, 7)
    assert new[0].get_label() == "injury"
    assert any(t.get_text() == "injury: calf" for t in ax.texts)


def test_mark_injuries_keeps_a_fixed_span_and_names_athletes_on_a_roster_chart(
    result: lw.ImportResult,
) -> None:
    injuries = read_injuries(result)
    _, ax = agg_axes()
    span = (date(2026, 3, 1), date(2026, 4, 20))  # Ben's injury (1 May) is outside
    plots.weekly_distance(
        lw.weekly_load(result), result.timeline, athlete="Ben Okafor", span=span, ax=ax
    )
    limits = ax.get_xlim()
    before = len(ax.lines)
    plots.mark_injuries(ax, injuries, athlete="Ben Okafor")
    assert len(ax.lines) == before and ax.get_xlim() == limits
    _, roster_ax = agg_axes()
    plots.roster_weekly(lw.weekly_load(result), ax=roster_ax)
    plots.mark_injuries(roster_ax, injuries)
    labels = sorted(t.get_text() for t in roster_ax.texts)
    assert labels == ["injury: calf (Ann Lee)", "injury: shin (Ben Okafor)"]


def test_rule_injury_rates_draws_two_bars_per_rule(result: lw.ImportResult) -> None:
    table = rule_injury_table(lw.check(result), read_injuries(result), lw.weekly_load(result))
    _, ax = agg_axes()
    assert plots.rule_injury_rates(table, ax=ax) is ax
    assert len(ax.patches) == 2 * len(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(table["rule"])
    with pytest.raises(ValueError, match="one athlete at a time"):
        plots.rule_injury_rates(
            rule_injury_table(lw.check(result), read_injuries(result), lw.weekly_load(result),
                              per_athlete=True), ax=ax)  # fmt: skip


def test_injuries_on_one_day_share_a_line() -> None:
    weeks = pd.concat(
        [weeks_frame("Ann", date(2026, 1, 5), 6), weeks_frame("Bo", date(2026, 1, 5), 6)]
    )
    injuries = injuries_frame(
        [("Bo", "2026-01-20", "shin"), ("Ann", "2026-01-20", "calf"), ("Ann", "2026-02-03", "hip")]
    )
    _, ax = agg_axes()
    plots.roster_weekly(weeks, ax=ax)
    before = len(ax.lines)
    plots.mark_injuries(ax, injuries)
    assert len(ax.lines) - before == 2
    assert sorted(t.get_text() for t in ax.texts) == [
        "injury: calf (Ann)\nshin (Bo)",
        "injury: hip (Ann)",
    ]
    _, ax = agg_axes()
    plots.roster_weekly(weeks, ax=ax)
    plots.mark_injuries(ax, injuries, athlete="Ann", label=False)
    assert not ax.texts and len(ax.lines) == 2 + 2
