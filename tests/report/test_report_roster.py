"""Reports of athletes written by loadwatch.synthetic: hostile names, and a coach's roster.

Every file here is a real FIT or GPX file written by the synthetic writer into
``tmp_path``, with its own ``loadwatch.toml``; nothing is mocked.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import loadwatch as lw
from loadwatch.cli import main
from loadwatch.report import build_report_data, index_rows, summary_text, write_report
from loadwatch.synthetic import Athlete, PlannedRun, build_weeks, write_athlete

NY = "America/New_York"
HOME = (40.7812, -73.9665)
FIRST_MONDAY = date(2026, 3, 2)
HOSTILE_RUN = "<script>alert(1)</script>"
HOSTILE_ATHLETE = 'Ann <b>Bold</b> & "Co"'
HOSTILE_SHOE = "<img src=x onerror=alert(2)> Trainer"


def runs_for(weekly_km: list[float], **fields: object) -> list[PlannedRun]:
    """Three runs a week (Tue, Thu, Sun), sparse records so the files stay small."""
    return build_weeks(FIRST_MONDAY, weekly_km, 3, record_interval_s=30.0, **fields)


def last_week(long_km: float, easy_km: float) -> list[PlannedRun]:
    """Week 8: two easy runs and a long run (Sunday)."""
    monday = FIRST_MONDAY + timedelta(weeks=7)
    days = [(1, easy_km, 6), (3, easy_km, 6), (6, long_km, 7)]
    return [
        PlannedRun(
            datetime.combine(monday + timedelta(days=d), datetime.min.time()).replace(hour=h),
            km,
            record_interval_s=30.0,
        )
        for d, km, h in days
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[lw.ImportResult, str]:
    folder = tmp_path_factory.mktemp("hostile") / "runner"
    runs = runs_for([20.0] * 3)
    runs.append(
        PlannedRun(datetime(2026, 3, 23, 18, 0), 6.0, fmt="gpx", name=HOSTILE_RUN,
                   record_interval_s=30.0)
    )  # fmt: skip
    shoes = [{"name": HOSTILE_SHOE, "from": date(2026, 1, 1), "start_km": 520.0}]
    write_athlete(Athlete(HOSTILE_ATHLETE, NY, HOME, runs, shoes=shoes), folder)
    result = lw.import_activities(folder)
    path = write_report(result, folder.parent / "report.html")
    return result, path.read_text(encoding="utf-8")


def test_hostile_names_are_read_from_the_files(hostile: tuple[lw.ImportResult, str]) -> None:
    result, _page = hostile
    assert list(result.settings) == [HOSTILE_ATHLETE]
    assert HOSTILE_RUN in set(result.timeline["name"])


def test_hostile_names_render_as_text(hostile: tuple[lw.ImportResult, str]) -> None:
    _result, page = hostile
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Bold" not in page and "Ann &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Co&quot;" in page
    assert (
        "<title>loadwatch report: Ann &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Co&quot;</title>" in page
    )
    assert "<img src=x" not in page
    if lw.report.frames.shoe_table_function() is not None:
        assert "&lt;img src=x onerror=alert(2)&gt; Trainer" in page
    # Every tag in the page is one the report writes itself.
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "section", "div", "ul", "li", "strong", "span", "aside", "figure", "img",
        "figcaption", "article", "code", "dl", "dt", "dd", "table", "thead", "tbody", "tr",
        "th", "td", "a", "details", "summary",
    }, tags  # fmt: skip


def test_hostile_names_in_the_terminal_summary(hostile: tuple[lw.ImportResult, str]) -> None:
    result, _page = hostile
    text = summary_text(result)
    assert text.splitlines()[0] == f"loadwatch report: {HOSTILE_ATHLETE}, as of 2026-03-23"


@pytest.fixture(scope="module")
def roster(tmp_path_factory) -> Path:
    team = tmp_path_factory.mktemp("roster") / "team"
    steady = [30.0] * 8
    base = [30.0] * 7
    athletes = [
        # No warning: eight steady weeks.
        Athlete("Ann Steady", NY, HOME, runs_for(steady)),
        # One high: week 8 is +40% (42 km) with a 20 km long run, +82% on the longest of
        # the last 30 days (11 km): a caution.
        Athlete("Ben Jump", NY, HOME, runs_for(base) + last_week(20.0, 11.0)),
        # Two high: week 8 is +67% (50 km) with a 30 km long run, nearly three times the
        # longest of the last 30 days (10.5 km).
        Athlete("Zoe Spike", NY, HOME, runs_for(base) + last_week(30.0, 10.0)),
    ]
    for athlete in athletes:
        write_athlete(athlete, team / athlete.name.lower().replace(" ", "-"))
    return team


def test_roster_index_is_sorted_by_risk(roster: Path) -> None:
    result = lw.import_activities(roster)
    assert sorted(result.settings) == ["Ann Steady", "Ben Jump", "Zoe Spike"]
    data = build_report_data(result)
    rows = index_rows(data)
    # Risk order, which here is not the alphabetical order.
    assert [r["athlete"] for r in rows] == ["Zoe Spike", "Ben Jump", "Ann Steady"]
    assert [r["open_high"] for r in rows] == [2, 1, 0]
    assert [r["level"] for r in rows] == ["high", "high", "ok"]
    assert rows[0]["distance_km"] == pytest.approx(50.0, abs=0.1)
    assert rows[1]["change_pct"] == pytest.approx(40.0, abs=0.5)
    assert rows[2]["change_pct"] == pytest.approx(0.0, abs=0.5)

    page = write_report(result, roster / "report.html").read_text(encoding="utf-8")
    index = page[page.index('<section id="roster-index">') :].split("</section>", 1)[0]
    order = re.findall(r'<a href="#athlete-(\d)">([^<]+)</a>', index)
    assert order == [("1", "Zoe Spike"), ("2", "Ben Jump"), ("3", "Ann Steady")]
    sections = re.findall(r'<section class="athlete" id="athlete-(\d)"><h2>\d\. ([^<]+)</h2>', page)
    assert sections == order  # a section per athlete, in the same order
    assert page.count('data-chart="weekly-distance"') == 3
    assert page.count('<aside id="not-medical-advice"') == 1
    assert '<body class="roster">' in page

    text = summary_text(result)
    lines = text.splitlines()
    assert lines[0] == "loadwatch report: 3 athletes, as of 2026-04-26"
    assert [line.split()[0] for line in lines[2:5]] == ["HIGH", "HIGH", "ok"]
    assert "Zoe Spike" in lines[2] and "Ben Jump" in lines[3] and "Ann Steady" in lines[4]


def test_a_roster_names_each_athlete_and_check_open_is_the_reports_open(roster: Path) -> None:
    result = lw.import_activities(roster)
    findings = lw.check(result)
    warnings = [f for f in findings if f.is_warning and not f.shoe]
    assert {f.athlete for f in warnings} == {"Ben Jump", "Zoe Spike"}
    for finding in warnings:
        assert finding.athlete in finding.message
        assert not re.search(r"\byou(r)?\b", finding.message, re.IGNORECASE), finding.message
    # check --open (the CLI) lists exactly what the report shows as open.
    out = CliRunner().invoke(main, ["check", str(roster), "--open", "--json"])
    assert out.exit_code == 0
    listed = {(r["athlete"], r["rule"], r["date"]) for r in json.loads(out.stdout)}
    data = build_report_data(result)
    shown = {
        (f.athlete, f.rule, f.date.isoformat())
        for view in data.athletes
        for warning in view.open_findings
        for f in [warning, *(c for c in view.context_of(warning) if c.is_alarm)]
    }
    assert listed == shown and shown
    # --fail-on with --open judges the open warnings: two athletes have an open high.
    failing = CliRunner().invoke(main, ["check", str(roster), "--open", "--fail-on", "high"])
    assert failing.exit_code == 3
    # The text groups by athlete, and each athlete's header counts their warnings.
    text = CliRunner().invoke(main, ["check", str(roster), "--open"]).stdout
    for view in data.athletes:
        if view.open_findings:
            n = len(view.open_findings)
            assert f"{view.name}: {n} warning{'' if n == 1 else 's'}, newest first" in text


def test_athlete_without_runs_gets_a_short_report(tmp_path: Path) -> None:
    folder = tmp_path / "new-runner"
    folder.mkdir()
    (folder / "loadwatch.toml").write_text('[athlete]\nname = "New Runner"\n', encoding="utf-8")
    result = lw.import_activities(folder)
    text = summary_text(result)
    assert text.splitlines()[:3] == [
        "loadwatch report: New Runner, as of no activities",
        "No activities.",
        "Open warnings (last 14 days): none.",
    ]
    page = write_report(result, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "No runs yet, so no charts." in page and "<img" not in page
    assert '<aside id="not-medical-advice"' in page


def test_injuries_are_marked_on_the_charts(tmp_path) -> None:
    import shutil
    from pathlib import Path

    import loadwatch as lw
    from loadwatch.report.gallery import athlete_figures
    from loadwatch.report.model import build_report_data

    sample = Path(__file__).resolve().parents[2] / "sample_data" / "avery-stone"
    folder = tmp_path / "avery"
    shutil.copytree(sample, folder)
    (folder / "injuries.csv").write_text("date,area,note\n2026-08-20,calf,tight after hills\n")
    result = lw.import_activities(folder)
    data = build_report_data(result)
    assert data.injuries is not None and len(data.injuries) == 1
    figures = athlete_figures(data.athletes[0], data)
    texts = [t.get_text() for t in figures["weekly-distance"].axes[0].texts]
    assert any("calf" in text for text in texts)
    html = lw.write_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<img" in html
