"""One chart stack: every line and caption comes from the rule set, axes in the athlete's unit.

A custom ``rules.toml`` (the packaged file with other bands, written into tmp_path)
moves the lines of the charts, the numbers of the captions and alt texts, and the
numbers in the finding messages; the charts draw distances in miles for a runner
who asks for miles; and the package never selects a matplotlib backend.
"""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import loadwatch as lw
from loadwatch.report import build_report_data, frames, plots
from loadwatch.report.charts_load import draw_long_runs, draw_weekly_distance
from loadwatch.report.charts_shoes import draw_shoes
from loadwatch.report.gallery import athlete_charts, athlete_figures, chart_captions
from loadwatch.units import KM_PER_MI, distance_text

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"

#: New bands per rule (the packaged file's bands are replaced by these).
CUSTOM_BANDS = {
    "weekly-increase": {"caution": 12.0, "high": 38.0},
    "long-run-spike": {"caution": 25.0, "high": 150.0},
    "shoe-mileage": {"caution": 250.0, "high": 450.0},
}


def _with_bands(text: str, rule_id: str, bands: dict[str, float]) -> str:
    """The rules file with the ``[rule_id.bands]`` values replaced."""
    header = f'["{rule_id}".bands]'
    start = text.index(header)
    end = text.index("\n[", start)
    table = text[start:end]
    for severity, value in bands.items():
        table, count = re.subn(
            rf"^{severity} = [0-9.]+", f"{severity} = {value}", table, flags=re.MULTILINE
        )
        assert count == 1, (rule_id, severity)
    return text[:start] + table + text[end:]


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> lw.RuleSet:
    text = files("loadwatch.rules").joinpath("rules.toml").read_text(encoding="utf-8")
    for rule_id, bands in CUSTOM_BANDS.items():
        text = _with_bands(text, rule_id, bands)
    path = tmp_path_factory.mktemp("rules") / "rules.toml"
    path.write_text(text, encoding="utf-8")
    rules = lw.load_rules(path)
    packaged = lw.load_rules()
    for rule_id, bands in CUSTOM_BANDS.items():
        for severity, value in bands.items():
            assert rules[rule_id].band(severity) == value
            assert packaged[rule_id].band(severity) != value
    return rules


@pytest.fixture(scope="module")
def sample() -> lw.ImportResult:
    return lw.import_activities(SAMPLE_DIR)


def _axes():
    return Figure().add_subplot()


def _labelled(ax, label: str):
    lines = [line for line in ax.get_lines() if line.get_label() == label]
    assert len(lines) == 1, (label, [line.get_label() for line in ax.get_lines()])
    return lines[0]


def test_weekly_chart_lines_follow_a_custom_rules_file(
    sample: lw.ImportResult, custom: lw.RuleSet
) -> None:
    weeks = lw.weekly_load(sample, custom)
    bands = frames.weekly_bands(weeks, sample.timeline, custom)
    ax = draw_weekly_distance(bands, rules=custom, ax=_axes())
    caution, high = (CUSTOM_BANDS["weekly-increase"][s] for s in ("caution", "high"))
    caution_line = _labelled(ax, f"+{caution:g}% line")
    high_line = _labelled(ax, f"+{high:g}% line")
    assert not [line for line in ax.get_lines() if line.get_label() == "+10% line"]
    # The drawn lines are the frame's thresholds, which sit at the custom band above
    # the established load (where the band, not the minimum increase, decides).
    np.testing.assert_allclose(caution_line.get_ydata(), bands["caution_km"], equal_nan=True)
    np.testing.assert_allclose(high_line.get_ydata(), bands["high_km"], equal_nan=True)
    week = bands[bands["week_start"] == pd.Timestamp("2026-07-06")].iloc[0]
    assert week["caution_km"] == pytest.approx(week["established_km"] * (1 + caution / 100))
    assert week["high_km"] == pytest.approx(week["established_km"] * (1 + high / 100))


def test_long_run_and_shoe_lines_follow_a_custom_rules_file(
    sample: lw.ImportResult, custom: lw.RuleSet
) -> None:
    runs = frames.long_runs(sample.timeline, custom)
    ax = draw_long_runs(runs, rules=custom, ax=_axes())
    spike = CUSTOM_BANDS["long-run-spike"]
    _labelled(ax, f"+{spike['caution']:g}%")
    _labelled(ax, f"+{spike['high']:g}%")
    shoes = frames.shoes(sample, custom)
    if shoes is None:
        pytest.skip("shoe tracking is not available")
    lines = CUSTOM_BANDS["shoe-mileage"]
    for units, factor in (("km", KM_PER_MI), ("mi", 1.0)):
        ax = draw_shoes(shoes, rules=custom, units=units, ax=_axes())
        drawn = sorted(line.get_xdata()[0] for line in ax.get_lines())
        assert drawn == pytest.approx([lines["caution"] * factor, lines["high"] * factor])
        texts = [t.get_text() for t in ax.texts]
        assert f"{lines['caution']:g} mi" in texts[0]
        assert f"{lines['caution']:g} and {lines['high']:g} mile" in ax.get_title(loc="left")
        assert ax.get_xlabel() == units


def test_report_captions_alts_and_messages_use_the_custom_numbers(
    sample: lw.ImportResult, custom: lw.RuleSet
) -> None:
    weekly, spike, shoe = (
        CUSTOM_BANDS[r] for r in ("weekly-increase", "long-run-spike", "shoe-mileage")
    )
    captions = chart_captions(custom)
    assert f"+{weekly['caution']:g}% (caution)" in captions["weekly-distance"]
    assert f"+{weekly['high']:g}% (high)" in captions["weekly-distance"]
    assert "+10%" not in captions["weekly-distance"]
    assert f"+{spike['caution']:g}% above it" in captions["long-run"]
    assert f"+{spike['high']:g}% (high)" in captions["long-run"]
    assert f"{shoe['caution']:g} and {shoe['high']:g} mile replacement" in captions["shoes"]
    data = build_report_data(sample, rules=custom)
    images = {image.key: image for image in athlete_charts(data.athletes[0], data)}
    assert images["weekly-distance"].caption == captions["weekly-distance"]
    assert f"above the +{weekly['high']:g}% line" in images["weekly-distance"].alt
    assert f"more than {spike['caution']:g}% beyond" in images["long-run"].alt
    figure = athlete_figures(data.athletes[0], data)["weekly-distance"]
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert f"+{weekly['caution']:g}% line" in labels
    messages = {f.rule: f.message for f in lw.check(sample, rules=custom)}
    assert f"line is +{weekly['high']:g}%" in messages["weekly-increase"]
    assert f"(+{spike['caution']:g}%)" in messages["long-run-spike"]
    assert f"at most {spike['caution']:g}% at a time" in messages["long-run-spike"]
    if "shoe-mileage" in messages:
        assert f"({shoe['high']:g} miles)" in messages["shoe-mileage"]


def test_charts_draw_in_the_athletes_unit(sample: lw.ImportResult) -> None:
    weeks = lw.weekly_load(sample)
    ax = plots.weekly_distance(weeks, sample.timeline, units="mi", ax=_axes())
    heights = [bar.get_height() for bar in ax.patches]
    expected = weeks["distance_km"].to_numpy() / KM_PER_MI
    assert heights == pytest.approx(list(expected))
    assert ax.get_ylabel() == "mi per week"
    ax = plots.roster_weekly(weeks, units="mi", ax=_axes())
    assert ax.get_ylabel() == "mi per week"
    assert ax.get_lines()[0].get_ydata()[:-1] == pytest.approx(list(expected))
    ax = plots.fast_distance(weeks, units="mi", ax=_axes())
    assert ax.get_ylabel() == "fast mi per week"
    more_km = float(lw.load_rules()["speedwork-increase"].param("min_increase_km"))
    flag = [t for t in ax.get_legend_handles_labels()[1] if t.startswith("flag line")]
    assert flag and flag[0].endswith(f"+{distance_text(more_km, 'mi')})")
    assert distance_text(more_km, "mi").endswith(" mi")


def test_the_report_draws_without_pyplot_and_the_package_picks_no_backend(
    sample: lw.ImportResult,
) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    data = build_report_data(sample)
    figures = athlete_figures(data.athletes[0], data)
    assert figures and plt.get_fignums() == before
    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import loadwatch.report.plots, loadwatch.report.gallery, loadwatch.accessor; "
        "print(matplotlib.get_backend())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "svg"
