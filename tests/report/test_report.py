"""The report of sample_data: every chart, every rule that fired, the summary, a real browser.

The sample runner is imported once for the module (real FIT and GPX files);
the HTML report is written to a temporary folder, parsed with the standard
library and, where Chromium is installed, rendered headless to a screenshot.
"""

from __future__ import annotations

import base64
import html
import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import loadwatch as lw
from loadwatch.errors import LoadwatchError
from loadwatch.report import (
    CHART_TITLES,
    build_report_data,
    charts,
    frames,
    render_html,
    summary_text,
    write_report,
)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"


class _Images(HTMLParser):
    """Collects every <img> and every <figure data-chart=...> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.charts: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "figure":
            self.charts.append(dict(attrs).get("data-chart"))


def parse(page: str) -> _Images:
    parser = _Images()
    parser.feed(page)
    return parser


def decode_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return mpimg.imread(io.BytesIO(data), format="png")


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE_DIR)


@pytest.fixture(scope="module")
def sample_findings(sample: lw.ImportResult) -> list[lw.Finding]:
    return lw.check(sample)


@pytest.fixture(scope="module")
def sample_report(
    sample: lw.ImportResult, sample_findings: list[lw.Finding], tmp_path_factory
) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert write_report(sample, path, findings=sample_findings) == path
    return path


def expected_charts() -> list[str]:
    keys = list(CHART_TITLES)
    if frames.shoe_table_function() is None:
        keys.remove("shoes")
    return keys


def test_sample_report_has_every_chart_as_a_real_png(sample_report: Path) -> None:
    page = sample_report.read_text(encoding="utf-8")
    found = parse(page)
    assert found.charts == expected_charts()
    assert len(found.images) == len(expected_charts())
    for key, image in zip(found.charts, found.images, strict=True):
        title = CHART_TITLES[key]
        assert image["alt"].startswith(title), (key, image["alt"])
        assert f"<strong>{title}.</strong>" in page
        src = image["src"]
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert len(png) > 8_000, key
        pixels = decode_png(png)
        assert pixels.shape[1] >= 800 and pixels.shape[0] >= 150, key
        colours = np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
        assert len(colours) > 20, key  # drawn, not a blank canvas


def test_sample_report_explains_every_rule_that_fired(
    sample_report: Path, sample_findings: list[lw.Finding]
) -> None:
    page = sample_report.read_text(encoding="utf-8")
    fired = {f.rule for f in sample_findings}
    # The sample story makes every alarm rule fire (and the shoe rules, where present).
    assert set(lw.rules.RULE_IDS) <= fired
    rules = lw.load_rules()
    for rule_id in fired:
        shown = page.count(f'data-finding="{rule_id}"')  # a card per warning, a line per note
        if rule_id in lw.rules.CONTEXT_IDS:  # beside each warning of its week
            assert shown >= sum(f.rule == rule_id for f in sample_findings), rule_id
        else:
            assert shown == sum(f.rule == rule_id for f in sample_findings), rule_id
            assert '<article class="finding' in page.split(f'data-rule="{rule_id}"')[0][-60:]
        assert f'<details class="rule" id="rule-{rule_id}" data-rule="{rule_id}">' in page
        if rule_id in rules:
            assert rules[rule_id].title in page
    # Numbers, threshold, evidence label, source and advice of the high weekly increase.
    high = next(f for f in sample_findings if f.rule == "weekly-increase" and f.severity == "high")
    card = page[page.index('data-rule="weekly-increase"') :].split("</article>", 1)[0]
    assert f"{high.value:+.0f}%" in card and "+30% (high line)" in card
    assert "contested" in card and 'href="#rule-weekly-increase"' in card
    assert html.escape(high.numbers) in card and html.escape(high.advice) in card
    # The evidence sentence and source: once per rule, in its expandable <details>.
    rule = lw.load_rules()["weekly-increase"]
    assert page.count(html.escape(rule.evidence_note)) == 1
    details = page[page.index('<details class="rule" id="rule-weekly-increase"') :]
    details = details.split("</details>", 1)[0]
    assert html.escape(rule.evidence_note) in details and html.escape(rule.source) in details


def test_sample_report_is_self_contained_and_has_the_medical_block(sample_report: Path) -> None:
    page = sample_report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    for forbidden in ("<script", "<link", "<iframe", 'src="http', "src='http", "url(", "@import"):
        assert forbidden not in lowered, forbidden
    assert re.findall(r'href="([^"#][^"]*)"', page) == []  # only in-page anchors
    block = page[page.index('<aside id="not-medical-advice"') :].split("</aside>", 1)[0]
    for words in ("swelling", "warmth", "deep-vein thrombosis", "999 / 112 / 911", "breathless",
                  "Numbness or tingling", "walking or bearing weight", "at rest or at night",
                  "rest from running, then a gradual return", "not a diagnosis"):  # fmt: skip
        assert words in block, words
    assert len(page.encode()) < 1_500_000  # small enough to mail


def test_sample_report_top_says_latest_week_and_shoes(sample_report: Path) -> None:
    page = sample_report.read_text(encoding="utf-8")
    verdict = page[page.index('<div class="verdict') :].split("</div>", 1)[0]
    # Nothing open on the last day of the story; the latest week is the build to 43.5 km.
    assert 'class="verdict ok"' in verdict
    assert "(from 2026-11-09): 43.5 km in 4 runs, +6% on the established 41.0 km" in verdict
    if frames.shoe_table_function() is not None:
        assert "Shoes due:</strong> none" in verdict  # Trainer A is retired, Racer B at 120 mi
    assert verdict.index("Nothing too much") < verdict.index("Latest week")
    assert page.index('class="verdict') < page.index('id="not-medical-advice"')
    assert page.index('id="not-medical-advice"') < page.index('data-chart="weekly-distance"')


def test_report_as_of_a_risky_week_puts_the_open_warning_on_top(
    sample: lw.ImportResult, sample_findings: list[lw.Finding]
) -> None:
    page = render_html(sample, sample_findings, as_of=date(2026, 7, 14))
    verdict = page[page.index('<div class="verdict') :].split("</div>", 1)[0]
    assert 'class="verdict high"' in verdict
    assert "Weekly distance rose quickly" in verdict and "+39%" in verdict
    high = next(f for f in sample_findings if f.rule == "weekly-increase")
    assert html.escape(high.advice) in verdict  # the finding's own advice for this week
    text = summary_text(sample, sample_findings, as_of=date(2026, 7, 14))
    # The acute:chronic caution of that week is context: beside the warning, not counted.
    assert "Open warnings (last 14 days): 1 high\n" in text
    ratio = next(f for f in sample_findings if f.rule == "acute-chronic" and f.is_alarm)
    assert f"context, not counted: acute-chronic {ratio.value:g}" in text
    assert "  HIGH     weekly-increase: Weekly distance rose quickly, 2026-07-12" in text
    assert "This week so far (from 2026-07-13): 7.0 km in 1 run." in text  # data to as_of only
    assert "Last week (from 2026-07-06): 46.0 km in 5 runs, +39% on the established 33.0" in text
    # The numbers, then the advice (each wrapped on at most two lines) under the warning.
    lines = text.splitlines()
    title = lines.index("  HIGH     weekly-increase: Weekly distance rose quickly, 2026-07-12")
    block = [line.strip() for line in lines[title + 1 : title + 6]]
    arrow = next(i for i, line in enumerate(block) if line.startswith("→ "))
    assert 1 <= arrow <= 2
    numbers = " ".join(block[:arrow]).removesuffix(" …")
    advice = " ".join([block[arrow].removeprefix("→ "), *block[arrow + 1 : arrow + 2]])
    assert high.numbers.startswith(numbers)
    assert " ".join(high.advice.split())[:60] == advice[:60]
    assert all(len(line) <= 88 for line in lines)


def test_summary_is_short_and_says_what_matters(
    sample: lw.ImportResult, sample_findings: list[lw.Finding]
) -> None:
    text = summary_text(sample, sample_findings)
    lines = text.splitlines()
    assert len(lines) <= 25
    assert all(len(line) <= 88 for line in lines)
    assert lines[0] == "loadwatch report: Avery Stone, as of 2026-11-15"
    assert "Latest week (from 2026-11-09): 43.5 km in 4 runs, +6% on the established 41.0" in text
    assert "Open warnings (last 14 days): none." in text
    high = sum(f.severity == "high" for f in sample_findings)
    assert f"({high} high," in text
    assert "Not medical advice. See a doctor for calf swelling" in text


def test_summary_uses_the_athletes_miles(
    sample: lw.ImportResult, sample_findings: list[lw.Finding]
) -> None:
    settings = {"Avery Stone": replace(sample.settings["Avery Stone"], units="mi")}
    in_miles = replace(sample, settings=settings)
    text = summary_text(in_miles, sample_findings)
    assert "27.0 mi in 4 runs" in text and " km" not in text.split("\n")[1]
    page = render_html(in_miles, sample_findings)
    assert "27.0 mi in 4 runs" in page


def test_write_report_names_the_file_it_cannot_write(
    sample: lw.ImportResult, sample_findings: list[lw.Finding], tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "report.html"
    with pytest.raises(LoadwatchError, match=r"report\.html: cannot write the report: its folder"):
        write_report(sample, target, findings=sample_findings)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(LoadwatchError, match=r"a-folder: cannot write the report"):
        write_report(sample, folder, findings=sample_findings)


def test_charts_draw_into_a_given_axes_and_survive_empty_data(sample: lw.ImportResult) -> None:
    data = build_report_data(sample)
    view = data.athletes[0]
    figure = Figure()
    ax = figure.add_subplot()
    assert charts.weekly_distance_chart(view.bands, ax=ax) is figure
    assert len(ax.patches) == len(view.bands)  # one bar per week
    for function, frame in (
        (charts.weekly_distance_chart, view.bands),
        (charts.long_run_chart, view.runs),
        (charts.acute_chronic_chart, view.ratio),
        (charts.climbing_chart, view.climbing),
        (charts.fast_distance_chart, view.fast),
        (charts.findings_timeline_chart, lw.findings_frame([])),
    ):
        empty = frame.iloc[0:0]
        png = charts.png_bytes(function(empty))
        assert len(decode_png(png)) > 100, function.__name__


def test_chart_lines_are_the_engines_thresholds(sample: lw.ImportResult) -> None:
    view = build_report_data(sample).athletes[0]
    week = view.bands[view.bands["week_start"] == pd.Timestamp("2026-07-06")].iloc[0]
    assert week["severity"] == "high" and week["judged"]
    assert week["established_km"] == pytest.approx(33.0, abs=0.05)
    assert week["caution_km"] == pytest.approx(36.3, abs=0.05)  # +10%, as the message says
    assert week["high_km"] == pytest.approx(42.9, abs=0.05)  # +30%
    spike = view.runs[view.runs["start_local"].dt.date == date(2026, 7, 26)].iloc[0]
    assert spike["caution_km"] == pytest.approx(13.2, abs=0.05)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def test_report_renders_in_headless_chromium(sample_report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium) to render the report")
    shot = tmp_path / "report.png"
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,3000",
        sample_report.resolve().as_uri(),
    ]
    subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert shot.exists(), "Chromium wrote no screenshot"
    pixels = decode_png(shot.read_bytes())[..., :3]
    assert pixels.shape[:2] == (3000, 1200)
    not_white = (pixels < 0.97).any(axis=2).mean()
    colours = np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert not_white > 0.05, f"only {not_white:.1%} of the page is not white"
    assert len(colours) > 200, "the page looks blank"
    # The chart colours of the first screen: the blue bars and the vermillion high week.
    rgb = (pixels * 255).astype(int)
    for hex_colour in (charts.COLORS["ok"], charts.COLORS["high"]):
        target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(rgb - target).sum(axis=2) < 12).sum() > 500, hex_colour
