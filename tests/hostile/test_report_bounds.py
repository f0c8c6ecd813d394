"""Reports stay readable for hostile rosters: thousands of pairs, long and hostile names.

One athlete is written with the synthetic writers into ``tmp_path``: 15 weeks of
runs, each day in its own one-day ``[[shoes]]`` period among 2,000 pairs (every
pair already past 500 miles, so each pair run in gives a warning), pairs named
with HTML, control characters and 10,000 characters, GPX runs titled the same
way, and unreadable files beside them. Nothing is mocked.
"""

from __future__ import annotations

import html
import os
import re
import time
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import loadwatch as lw
import loadwatch.report.html as report_html
import loadwatch.report.summary as report_summary
from loadwatch.report import build_report_data, render, summary_from_data
from loadwatch.report.charts import shoe_chart
from loadwatch.report.limits import (
    NAME_CHARS,
    PROBLEM_LINES_MAX,
    SHOE_CHART_MAX,
    SHOE_TABLE_MAX,
    SHOES_DUE_MAX,
    TITLE_CHARS,
    WARNING_CARDS_MAX,
    clean,
    html_text,
)
from loadwatch.shoes import shoe_table
from loadwatch.shoes.assign import NOTE_PAIRS, _PeriodIndex
from loadwatch.synthetic import Athlete, PlannedRun, steady_weeks, write_athlete
from loadwatch.timeline.settings import ShoeSetting

MONDAY = date(2026, 1, 5)
WEEKS = 15
PAIRS = 2000
BROKEN_FILES = PAIRS // 80  # 25 unreadable files: more than PROBLEM_LINES_MAX
#: Names written into the files (the control characters go into loadwatch.toml as
#: TOML escapes, the only way TOML carries them).
ESC_NAME = "Sam \x1b]0;pwned\x07 \x1b[2J Runner"
ATHLETE = 'Ann "><img src=x onerror=alert(1)> ' + ESC_NAME
SCRIPT_SHOE = '<script>alert("shoe")</script> "><img src=x onerror=alert(2)>'
ESC_SHOE = "Trainer \x1b[31mred\x1b[0m\x00end"
LONG_SHOE = "L" + "o" * 9998 + "ng"
SCRIPT_TITLE = '"><img src=x onerror=alert(3)><script>alert("title")</script>'
LONG_TITLE = "T" + "i" * 9998 + "tle"
HOSTILE = (ATHLETE, SCRIPT_SHOE, ESC_SHOE, LONG_SHOE, SCRIPT_TITLE, LONG_TITLE)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plan() -> list[PlannedRun]:
    runs = steady_weeks(MONDAY, WEEKS, 40.0, 4, record_interval_s=120.0)
    last = runs[-1].start_local
    for offset, title in ((1, SCRIPT_TITLE), (2, LONG_TITLE)):
        day = last + timedelta(hours=6 * offset)
        runs.append(PlannedRun(day, 5.0, fmt="gpx", name=title, record_interval_s=120.0))
    return runs


def _recent(run_days: list[date]) -> list[date]:
    """The run days of the last four weeks: their pairs are in use."""
    return [day for day in run_days if day > run_days[-1] - timedelta(days=28)]


def _name(day: date, i: int, run_days: list[date]) -> str:
    hostile = {run_days[-1]: SCRIPT_SHOE, run_days[-2]: ESC_SHOE, run_days[-3]: LONG_SHOE}
    return hostile.get(day, f"Pair {i:05d}")


def _shoes(run_days: list[date]) -> list[dict]:
    """One period per day, the run days last, each pair past 500 miles (805 km) before
    these records. Older pairs were put away the same day; the pairs of the last four
    weeks are still in use (open periods: ``shoe-overrides.csv`` names each day's pair)."""
    first = run_days[-1] - timedelta(days=PAIRS - 1)
    recent = set(_recent(run_days))
    shoes = []
    for i in range(PAIRS):
        day = first + timedelta(days=i)
        shoe = {"name": _name(day, i, run_days), "from": day, "start_km": 900.0}
        if day not in recent:
            shoe["until"] = day
        shoes.append(shoe)
    return shoes


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("bounds") / "runner"
    plan = _plan()
    run_days = sorted({run.start_local.date() for run in plan})
    home = (51.5072, -0.1276)
    write_athlete(Athlete(ATHLETE, "Europe/London", home, plan, shoes=_shoes(run_days)), folder)
    settings = folder / "loadwatch.toml"
    text = settings.read_text(encoding="utf-8")
    for char in sorted(set(CONTROL.findall(text))):
        text = text.replace(char, f"\\u{ord(char):04x}")
    settings.write_text(text, encoding="utf-8")
    first = run_days[-1] - timedelta(days=PAIRS - 1)
    overrides = ["file_or_date,shoe"] + [
        f'{day},"{_name(day, (day - first).days, run_days).replace(chr(34), chr(34) * 2)}"'
        for day in _recent(run_days)
    ]
    (folder / "shoe-overrides.csv").write_text("\n".join(overrides) + "\n", encoding="utf-8")
    for i in range(BROKEN_FILES - 1):
        (folder / f"broken-{i:02d}.fit").write_bytes(b"not a FIT file " * (i + 1))
    # A name that is not UTF-8 (Python holds it with a lone surrogate).
    (folder / os.fsdecode(b"a-broken-\xff.fit")).write_bytes(b"not a FIT file")
    result = lw.import_activities(folder)
    started = time.perf_counter()
    data = build_report_data(result)
    page = render(data)
    seconds = time.perf_counter() - started
    return {
        "result": result,
        "data": data,
        "page": page,
        "seconds": seconds,
        "runs": len(plan),
        "run_days": run_days,
    }


def test_the_files_hold_the_hostile_names(built: dict) -> None:
    result = built["result"]
    assert list(result.settings) == [ATHLETE]
    names = [s.name for s in result.settings[ATHLETE].shoes]
    assert len(names) == PAIRS and {SCRIPT_SHOE, ESC_SHOE, LONG_SHOE} <= set(names)
    assert {SCRIPT_TITLE, LONG_TITLE} <= set(result.timeline["name"])
    assert len(result.report.errors) == BROKEN_FILES


def test_report_of_thousands_of_pairs_is_small_and_quick(built: dict) -> None:
    # 10,000 pairs made a 41 MB report in 71 s; every list is now capped.
    assert len(built["page"].encode("utf-8")) < 1_000_000
    assert built["seconds"] < 60


def test_shoe_table_shows_the_pairs_that_matter_and_counts_the_rest(built: dict) -> None:
    page = built["page"]
    table = page[page.index("<h3>Shoes</h3>") :]
    table = table[: table.index("</table>")]
    assert table.count("<tr") == 1 + SHOE_TABLE_MAX  # the header, then the pairs
    assert f"{PAIRS - SHOE_TABLE_MAX} more pairs not shown" in page
    assert "<code>loadwatch shoes --csv</code>" in page
    # The pairs in use (run in the last four weeks) come first: all are shown.
    view = built["data"].athletes[0]
    in_use = view.shoes[view.shoes["in_use"]]
    assert len(in_use) == len(_recent(built["run_days"]))
    for name in in_use["shoe"]:
        assert html.escape(clean(name, NAME_CHARS)) in table


def test_shoe_chart_draws_at_most_the_cap(built: dict) -> None:
    view = built["data"].athletes[0]
    figure = shoe_chart(view.shoes)
    axes = figure.axes[0]
    assert len(axes.get_yticks()) == SHOE_CHART_MAX
    assert f"{PAIRS - SHOE_CHART_MAX} more pairs not shown" in axes.get_xlabel()
    assert max(len(label.get_text()) for label in axes.get_yticklabels()) < 60
    alt = re.search(r'data-chart="shoes"><img [^>]*alt="([^"]*)"', built["page"])
    assert alt is not None and f"{PAIRS - SHOE_CHART_MAX} more pairs" in alt.group(1)


def test_warnings_are_capped_newest_first(built: dict) -> None:
    page = built["page"]
    alarms = built["data"].athletes[0].alarms
    # Every pair run in was already past 500 miles: one high warning per run day.
    assert sum(f.rule == "shoe-mileage" for f in alarms) == len(built["run_days"])
    warnings = len(alarms)
    assert warnings > WARNING_CARDS_MAX
    assert f"Every warning, newest first ({warnings})" in page
    cards = re.findall(r'<article class="finding (?:high|caution)"', page)
    assert len(cards) == WARNING_CARDS_MAX
    assert f"{warnings - WARNING_CARDS_MAX} more earlier warnings not shown" in page
    newest = built["run_days"][-1].isoformat()
    first_card = page[page.index('<article class="finding ') :]
    assert f"&middot; {newest} " in first_card[: first_card.index("</article>")]


def test_shoes_due_are_capped(built: dict) -> None:
    page = built["page"]
    verdict = page[page.index('<div class="verdict') :]
    due = verdict[verdict.index("Shoes due:") : verdict.index("</p>", verdict.index("Shoes due:"))]
    in_use = len(_recent(built["run_days"]))
    assert in_use > SHOES_DUE_MAX
    assert due.count(" mi)") == SHOES_DUE_MAX
    assert f"{in_use - SHOES_DUE_MAX} more pairs due not shown" in due


def test_unreadable_files_are_capped(built: dict) -> None:
    page = built["page"]
    section = page[page.index("Files that could not be read") :]
    section = section[: section.index("</ul>")]
    assert f"Files that could not be read ({BROKEN_FILES})" in section
    assert section.count("<li>") == PROBLEM_LINES_MAX
    assert f"{BROKEN_FILES - PROBLEM_LINES_MAX} more files not shown" in section


def test_terminal_summary_stays_short(built: dict) -> None:
    text = summary_from_data(built["data"])
    lines = text.splitlines()
    assert len(lines) <= 25, "\n".join(lines)
    assert max(len(line) for line in lines) <= 88
    assert not CONTROL.search(text)
    # The title is one line: the name (safe, shown) cut to fit, then the date.
    shown = clean(ATHLETE, NAME_CHARS)
    assert lines[0].startswith(f"loadwatch report: {shown[:40]}")
    assert lines[0].endswith(f", as of {built['data'].as_of}")
    in_use = len(_recent(built["run_days"]))
    assert any(line.startswith(f"Shoes due ({in_use}, ") for line in lines)


def test_hostile_names_are_escaped_text(built: dict) -> None:
    page = built["page"]
    for raw in HOSTILE:
        assert raw not in page
    assert "<script" not in page.lower()
    assert "<img src=x" not in page
    assert html.escape(SCRIPT_SHOE, quote=True) in page
    assert html.escape(clean(SCRIPT_TITLE, NAME_CHARS), quote=True) in page
    # Only the tags the report writes itself.
    tags = set(re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", page))
    assert tags <= {
        "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p",
        "section", "div", "ul", "li", "strong", "span", "aside", "figure", "img",
        "figcaption", "article", "code", "dl", "dt", "dd", "table", "thead", "tbody", "tr",
        "th", "td", "a", "details", "summary",
    }, tags  # fmt: skip
    # Every <img> is a chart, inlined.
    assert all(src.startswith("data:image/png;base64,") for src in
               re.findall(r'<img src="([^"]*)"', page))  # fmt: skip


def test_control_characters_never_reach_the_page(built: dict) -> None:
    page = built["page"]
    assert not CONTROL.search(page)
    page.encode("utf-8")  # no lone surrogate from the file name that is not UTF-8
    assert "a-broken-" in page
    name = os.fsdecode(b"a-broken-\xff.fit")
    assert html_text(name) == "a-broken-\\xff.fit" and html_text("\x1b[2J\x85") == "\\x1b[2J\\x85"
    assert "Trainer \\x1b[31mred\\x1b[0m\\x00end" in page
    assert "Sam \\x1b]0;pwned\\x07 \\x1b[2J Runner" in page


def test_long_names_are_cut_with_the_full_name_in_a_title(built: dict) -> None:
    page = built["page"]
    assert LONG_SHOE not in page and LONG_TITLE not in page
    for name in (LONG_SHOE, LONG_TITLE):
        cut = name[: NAME_CHARS - 1] + "…"
        assert f'<span title="{name[: TITLE_CHARS - 1]}…">{cut}</span>' in page
    # A chart label is cut too (no 10,000-character tick label).
    view = built["data"].athletes[0]
    labels = [t.get_text() for t in shoe_chart(view.shoes).axes[0].get_yticklabels()]
    assert any(label.startswith("Loooo") and label.endswith("…") for label in labels)
    assert max(len(label) for label in labels) < 60


def test_shoe_table_is_linear_in_pairs(built: dict) -> None:
    # One pass over the runs per athlete: 2,000 pairs x 60 runs in well under a second
    # of pure pandas work per pair would be minutes if it were pairs x runs.
    started = time.perf_counter()
    table = shoe_table(built["result"])
    assert time.perf_counter() - started < 15
    named = table[table["shoe"].notna()]
    assert len(named) == PAIRS
    assert int(named["runs"].sum()) == built["runs"]


@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.one_of(st.none(), st.integers(0, 20))),
        max_size=25,
    ),
    st.lists(st.integers(-5, 70), max_size=30),
)
def test_period_sweep_matches_the_definition(periods: list, days: list) -> None:
    """The sweep that finds the ``[[shoes]]`` periods covering a run's day gives what the
    definition (``from <= day <= until``) gives, for days in any order."""
    base = date(2026, 1, 1)
    settings = [
        ShoeSetting(
            name=f"P{i}",
            start=base + timedelta(days=s),
            until=None if span is None else base + timedelta(days=s + span),
        )
        for i, (s, span) in enumerate(periods)
    ]
    index = _PeriodIndex(settings)
    for offset in days:
        day = base + timedelta(days=offset)
        expected = [p for p in settings if p.start <= day and (p.until is None or day <= p.until)]
        count, first = index.covering(day)
        assert count == len(expected)
        assert first == expected[:NOTE_PAIRS]


@pytest.fixture(scope="module")
def small_roster(tmp_path_factory) -> lw.ImportResult:
    team = tmp_path_factory.mktemp("roster") / "team"
    for name in ("Ada Steady", "Bo Steady", "Cy Steady"):
        runs = steady_weeks(MONDAY, 3, 20.0, 3, record_interval_s=120.0)
        write_athlete(Athlete(name, "Europe/London", (51.5072, -0.1276), runs), team / name)
    return lw.import_activities(team)


def test_roster_charts_and_summary_lines_are_capped(
    small_roster: lw.ImportResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the caps at one athlete, the others get the tables, no chart, and a hint."""
    monkeypatch.setattr(report_html, "CHARTED_ATHLETES_MAX", 1)
    monkeypatch.setattr(report_summary, "ROSTER_LINES_MAX", 1)
    data = build_report_data(small_roster)
    athletes = len(data.athletes)
    assert athletes == 3
    page = render(data)
    sections = page.split('<section class="athlete"')[1:]
    assert len(sections) == athletes
    assert "<figure" in sections[0]
    for section in sections[1:]:
        assert "<figure" not in section and "Recent weeks" in section
        assert "--athlete &quot;" in section
    lines = summary_from_data(data).splitlines()
    assert f"{athletes - 1} more athletes not shown" in "\n".join(lines)
    assert sum(line.startswith(("ok ", "CAUTION", "HIGH")) for line in lines) == 1
