"""``DataFrame.loadwatch``: the accessor on an activity timeline."""

from __future__ import annotations

import json
import warnings
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import loadwatch as lw
import loadwatch.accessor  # registers DataFrame.loadwatch
from loadwatch.accessor import ATTRS_KEY, REQUIRED_COLUMNS
from loadwatch.synthetic import Athlete, Intervals, PlannedRun, build_weeks, write_athlete

FAST = {"record_interval_s": 60.0}


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ann (Monday weeks, a jump week, first intervals after easy weeks) and Ben
    (Sunday weeks, miles)."""
    root = tmp_path_factory.mktemp("team")
    ann_runs = build_weeks(date(2026, 3, 2), [30, 30, 32, 34, 46, 32, 34, 36], 4, **FAST)
    ann_runs.append(
        PlannedRun(
            datetime(2026, 4, 15, 18, 0),
            10.0,
            intervals=Intervals(reps=6, rep_m=800, rep_pace_s_per_km=230),
            **FAST,
        )
    )
    ann = Athlete("Ann Lee", "Europe/London", (51.50, -0.12), ann_runs)
    ben = Athlete(
        "Ben Okafor",
        "America/New_York",
        (40.78, -73.97),
        build_weeks(date(2026, 3, 1), [40, 42, 44, 30, 46, 48], 5, **FAST),
        week_start="sunday",
        units="mi",
    )
    write_athlete(ann, root / "ann-lee")
    write_athlete(ben, root / "ben-okafor")
    (root / "ann-lee" / "injuries.csv").write_text("date,area\n2026-04-08,calf\n")
    return root


@pytest.fixture(scope="module")
def result(roster: Path) -> lw.ImportResult:
    return lw.import_activities(roster)


def with_attrs(result: lw.ImportResult) -> pd.DataFrame:
    """The timeline with the attrs an import may set (the documented format)."""
    timeline = result.timeline.copy()
    timeline.attrs[ATTRS_KEY] = {
        "athletes": {
            name: {
                "week_start": s.week_start,
                "units": s.units,
                "folder": str(s.path.parent) if s.path else "",
            }
            for name, s in result.settings.items()
        }
    }
    return timeline


def agg_axes() -> Axes:
    figure = Figure()
    FigureCanvasAgg(figure)
    return figure.add_subplot()


def test_weekly_with_the_import_is_weekly_load(result: lw.ImportResult) -> None:
    weeks = result.timeline.loadwatch.weekly(result=result)
    pd.testing.assert_frame_equal(weeks, lw.weekly_load(result))
    assert weeks.loc[weeks["athlete"] == "Ann Lee", "fast_km"].max() > 3.0


def test_weekly_of_one_athletes_rows(result: lw.ImportResult) -> None:
    ann = result.timeline.loadwatch.athlete("Ann Lee")
    expected = lw.weekly_load(result)
    expected = expected[expected["athlete"] == "Ann Lee"].reset_index(drop=True)
    pd.testing.assert_frame_equal(ann.loadwatch.weekly(result=result), expected)


def test_weekly_from_the_timeline_alone(result: lw.ImportResult) -> None:
    full = lw.weekly_load(result)
    alone = with_attrs(result).loadwatch.weekly()
    assert alone["fast_km"].isna().all()  # not computed: no laps or streams
    pd.testing.assert_frame_equal(alone.drop(columns="fast_km"), full.drop(columns="fast_km"))
    ben = alone[alone["athlete"] == "Ben Okafor"]
    assert (ben["week_start"].dt.day_name() == "Sunday").all()


def test_week_start_without_attrs_is_monday_unless_given(result: lw.ImportResult) -> None:
    bare = result.timeline.copy()
    bare.attrs.clear()
    weeks = bare.loadwatch.weekly()
    assert (weeks["week_start"].dt.day_name() == "Monday").all()
    sundays = bare.loadwatch.weekly("sunday")
    assert (sundays["week_start"].dt.day_name() == "Sunday").all()
    mixed = bare.loadwatch.weekly({"Ben Okafor": "sunday"})
    days = mixed.groupby("athlete")["week_start"].agg(lambda s: set(s.dt.day_name()))
    assert days.to_dict() == {"Ann Lee": {"Monday"}, "Ben Okafor": {"Sunday"}}
    assert bare.loadwatch.week_starts(result=result) == {
        "Ann Lee": "monday",
        "Ben Okafor": "sunday",
    }


def test_attrs_survive_filtering_and_are_json(result: lw.ImportResult) -> None:
    timeline = with_attrs(result)
    runs = timeline.loadwatch.runs()
    assert runs["is_run"].all() and runs.attrs == timeline.attrs
    json.dumps(timeline.attrs)  # to_parquet stores attrs as JSON
    assert runs.loadwatch.units() == {"Ann Lee": "km", "Ben Okafor": "mi"}
    assert runs.loadwatch.week_starts()["Ben Okafor"] == "sunday"


def test_findings_with_the_import_are_check(result: lw.ImportResult) -> None:
    timeline = result.timeline
    found = timeline.loadwatch.findings(result=result)
    pd.testing.assert_frame_equal(found, lw.findings_frame(lw.check(result)))
    assert timeline.loadwatch.check(result=result) == lw.check(result)
    alarms = timeline.loadwatch.findings(result=result, notes=False)
    assert len(alarms) == len(lw.alarms(lw.check(result)))
    assert "note" not in set(alarms["severity"])
    assert "speedwork-increase" in set(found["rule"])


def test_findings_from_the_timeline_alone_warn_and_leave_out_speedwork(
    result: lw.ImportResult,
) -> None:
    timeline = with_attrs(result)
    with pytest.warns(UserWarning, match="pass result=") as caught:
        found = timeline.loadwatch.findings()
    assert caught[0].filename == __file__  # points at the caller, not the library
    assert "speedwork-increase" not in set(found["rule"])
    full = lw.findings_frame(lw.check(result))
    others = full[~full["rule"].isin(["speedwork-increase", "shoe-mileage", "shoe-drop-change"])]
    assert set(zip(found["athlete"], found["rule"], found["date"], strict=True)) == set(
        zip(others["athlete"], others["rule"], others["date"], strict=True)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        timeline.loadwatch.findings(result=result)  # no warning with the import


def test_not_a_timeline() -> None:
    frame = pd.DataFrame({"athlete": ["Ann"], "distance": [5.0]})
    with pytest.raises(AttributeError, match="is_run"):
        _ = frame.loadwatch
    assert not hasattr(frame, "loadwatch")
    assert set(REQUIRED_COLUMNS) <= set(lw.COLUMNS)


def test_athlete_lookup(result: lw.ImportResult) -> None:
    assert result.timeline.loadwatch.athletes == ["Ann Lee", "Ben Okafor"]
    with pytest.raises(KeyError, match="athletes: Ann Lee, Ben Okafor"):
        result.timeline.loadwatch.athlete("Cleo")


def test_injuries_through_the_accessor(result: lw.ImportResult) -> None:
    injuries = result.timeline.loadwatch.injuries()
    assert list(injuries["athlete"]) == ["Ann Lee"]
    assert list(injuries["area"]) == ["calf"]


def test_plots_return_axes_titled_with_the_athlete(result: lw.ImportResult) -> None:
    timeline = result.timeline
    injuries = timeline.loadwatch.injuries()
    ax = agg_axes()
    assert timeline.loadwatch.plot_weekly("Ann Lee", result=result, injuries=injuries, ax=ax) is ax
    assert ax.get_title(loc="left").startswith("Ann Lee: Weekly distance")
    assert any(t.get_text() == "injury: calf" for t in ax.texts)
    ax = timeline.loadwatch.plot_long_runs("Ben Okafor", result=result, ax=agg_axes())
    assert ax.get_title(loc="left").startswith("Ben Okafor: ")
    assert ax.get_ylabel() == "mi"  # Ben's units
    ax = timeline.loadwatch.plot_findings("Ann Lee", result=result, ax=agg_axes())
    assert "speedwork-increase" in [t.get_text() for t in ax.get_yticklabels()]
    ax = timeline.loadwatch.plot_roster(result=result, ax=agg_axes())
    assert [line.get_label() for line in ax.get_lines()] == ["Ann Lee", "Ben Okafor"]
    with pytest.raises(ValueError, match="choose one with athlete="):
        timeline.loadwatch.plot_weekly(result=result, ax=agg_axes())


def test_plot_without_ax_makes_a_pyplot_figure(result: lw.ImportResult) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    ax = result.timeline.loadwatch.athlete("Ann Lee").loadwatch.plot_weekly(result=result)
    try:
        assert isinstance(ax, Axes)
        assert set(plt.get_fignums()) - before
    finally:
        plt.close(ax.figure)
