"""Edge cases of the shoe arithmetic and rules, on assignment frames built in memory.

The file-based tests are ``test_shoes.py`` and ``test_shoes_strava.py``; these
check the boundaries (exactly 4 mm, a pair past both lines before the records,
rotation back to an old pair) and, with hypothesis, the running totals.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from loadwatch.rules import load_rules
from loadwatch.shoes import MILE_KM, ShoeInfo, drop_change_findings, mileage_findings, shoe_progress
from loadwatch.shoes.mileage import crossings
from loadwatch.shoes.sources import file_key, path_keys

RULES = load_rules()
START = datetime(2026, 1, 5, 7, 0)


def assignments(runs: list[tuple[int, float, str | None]], athlete: str = "A") -> pd.DataFrame:
    """``(day offset, km, shoe)`` → an :func:`assign_shoes`-shaped frame."""
    frame = pd.DataFrame(
        {
            "activity_id": [f"run-{i}" for i in range(len(runs))],
            "athlete": athlete,
            "start_local": [START + timedelta(days=d) for d, _, _ in runs],
            "distance_km": [float(km) for _, km, _ in runs],
            "shoe": pd.Series([s for _, _, s in runs], dtype=object),
            "source": "settings",
            "note": "",
        }
    )
    frame["start_local"] = frame["start_local"].astype("datetime64[ns]")
    return frame.set_index("activity_id")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.5, 60.0), min_size=1, max_size=60),
    st.floats(0.0, 1000.0),
)
@example([1.0] * 7, 798.0)  # past 300 miles before the records, crosses 500 on the 7th run
def test_running_totals_and_crossings(distances, start_km) -> None:
    frame = assignments([(i, km, "P") for i, km in enumerate(distances)])
    shoes = {"A": {"P": ShoeInfo("P", start_km=start_km)}}
    progress = shoe_progress(frame, shoes)
    totals = start_km + pd.Series(distances).cumsum().to_numpy()
    assert progress["total_km"].to_numpy() == pytest.approx(totals)
    for miles in (300, 500):
        line = miles * MILE_KM
        crossed = crossings(progress, line)
        if totals[-1] < line:
            assert crossed.empty
            continue
        first = int(next(i for i, t in enumerate(totals) if t >= line))
        (row,) = crossed.itertuples(index=False)
        assert row.start_local == START + timedelta(days=first)
        assert bool(row.already) == (start_km >= line)
    findings = mileage_findings(progress, shoes, RULES["shoe-mileage"])
    severities = [f.severity for f in findings]
    assert ("high" in severities) == (totals[-1] >= 500 * MILE_KM)
    already_high = start_km >= 500 * MILE_KM
    assert ("caution" in severities) == (totals[-1] >= 300 * MILE_KM and not already_high)
    for finding in findings:
        assert finding.value >= finding.threshold and finding.shoe == "P"


def test_a_pair_past_both_lines_before_the_records_is_one_high_on_its_first_run() -> None:
    frame = assignments([(0, 5.0, "Old"), (2, 6.0, "Old")])
    shoes = {"A": {"Old": ShoeInfo("Old", start_km=900.0)}}
    findings = mileage_findings(shoe_progress(frame, shoes), shoes, RULES["shoe-mileage"])
    assert [(f.severity, f.date) for f in findings] == [("high", START.date())]
    assert "already past 804.7 km (500 miles)" in findings[0].message


PAIRS = {
    "Ten": ShoeInfo("Ten", drop_mm=10.0),
    "Six": ShoeInfo("Six", drop_mm=6.0),
    "SixHalf": ShoeInfo("SixHalf", drop_mm=6.5),
    "Four": ShoeInfo("Four", drop_mm=4.0),
    "Bare": ShoeInfo("Bare", minimalist=True),
    "Mystery": ShoeInfo("Mystery"),
}


def _drops(runs: list[tuple[int, float, str | None]]) -> list[tuple[int, str, float]]:
    found = drop_change_findings(assignments(runs), {"A": PAIRS}, RULES["shoe-drop-change"])
    return [((f.date - START.date()).days, f.shoe, f.value) for f in found]


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        # 10 -> 6 mm is exactly 4 mm lower: it counts.
        ([(0, 8, "Ten"), (3, 8, "Ten"), (7, 8, "Six"), (9, 8, "Six")], [(7, "Six", 4.0)]),
        # 10 -> 6.5 mm is 3.5 mm lower: it does not.
        ([(0, 8, "Ten"), (7, 8, "SixHalf")], []),
        # Already running in a 4 mm pair beside the 10 mm one: a new 4 mm pair is no change.
        ([(0, 8, "Ten"), (2, 8, "Four"), (5, 8, "Ten"), (9, 8, "Six")], [(2, "Four", 6.0)]),
        # A minimalist pair of unknown drop after a 10 mm one: a caution without a value.
        ([(0, 8, "Ten"), (4, 8, "Bare")], [(4, "Bare", math.nan)]),
        # Pairs of unknown drop are not compared.
        ([(0, 8, "Mystery"), (4, 8, "Four")], []),
        # No pair in the 28 days before: nothing to compare with.
        ([(0, 8, "Ten"), (40, 8, "Four")], []),
        # Back to a 4 mm pair after five weeks in 10 mm ones: flagged again.
        (
            [(0, 8, "Ten"), (1, 8, "Four"), (10, 8, "Ten"), (45, 8, "Ten"), (50, 8, "Four")],
            [(1, "Four", 6.0), (50, "Four", 6.0)],
        ),
        # Unassigned runs are not a pair.
        ([(0, 8, None), (3, 8, "Four")], []),
    ],
)
def test_drop_change_boundaries(runs, expected) -> None:
    got = _drops(runs)
    assert len(got) == len(expected)
    for (day, shoe, value), (want_day, want_shoe, want_value) in zip(got, expected, strict=True):
        assert (day, shoe) == (want_day, want_shoe)
        assert (math.isnan(value) and math.isnan(want_value)) or value == want_value


def test_a_returning_pair_is_named_as_such() -> None:
    runs = [(0, 8, "Four"), (3, 8, "Ten"), (40, 8, "Ten"), (45, 8, "Four")]
    found = drop_change_findings(assignments(runs), {"A": PAIRS}, RULES["shoe-drop-change"])
    (back,) = found
    assert back.message.startswith("Back in Four (4 mm drop) on 2026-02-19 after 45 days without")
    assert "after Ten (10 mm drop) in the previous 28 days: 6 mm lower" in back.message


def test_findings_are_dated_in_the_athletes_week() -> None:
    frame = assignments([(0, 8, "Ten"), (6, 8, "Four")])  # 2026-01-11 is a Sunday
    rule = RULES["shoe-drop-change"]
    (monday,) = drop_change_findings(frame, {"A": PAIRS}, rule)
    (sunday,) = drop_change_findings(frame, {"A": PAIRS}, rule, week_start={"A": "sunday"})
    assert monday.week_start.isoformat() == "2026-01-05"
    assert sunday.week_start.isoformat() == "2026-01-11"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("activities/123.fit.gz", "123.fit"),
        ("C:\\Users\\me\\export\\activities\\123.FIT.GZ", "123.fit"),
        ("2026-06-01-0630-run.gpx", "2026-06-01-0630-run.gpx"),
    ],
)
def test_file_keys_ignore_folder_case_and_gz(name, key) -> None:
    assert file_key(name) == key
    assert key in path_keys(name)


def test_path_keys_hold_every_trailing_part() -> None:
    assert path_keys("export/activities/9.fit.gz") == {
        "9.fit",
        "activities/9.fit",
        "export/activities/9.fit",
    }
