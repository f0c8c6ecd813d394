"""A watch whose clock runs ahead: the import's verdict never depends on the day it ran.

What a file gives is decided from the file alone (and cached); a recording dated
after the day of the run is judged on each run — kept out of load with a note
while it lies in the future, counted once its day has come, without decoding
the file again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import loadwatch as lw
import loadwatch.timeline.build as build
from loadwatch.synthetic import PlannedRun, write_run
from loadwatch.timeline.plausibility import FUTURE_MARGIN, is_flagged

HOME = (40.78, -73.97)
ZONE = "America/New_York"


def _run(folder: Path, start_local: datetime, fmt: str, km: float) -> Path:
    run = PlannedRun(start_local=start_local, distance_km=km, pace_s_per_km=330.0, fmt=fmt)
    return write_run(run, folder / f"{start_local:%Y-%m-%d}.{fmt}", timezone=ZONE, home=HOME)


@pytest.mark.parametrize("fmt", ["fit", "gpx"])
def test_a_run_dated_ahead_is_judged_each_run_not_cached(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = datetime.now(UTC).replace(tzinfo=None, hour=7, minute=0, second=0, microsecond=0)
    ahead_days = 10
    good = _run(tmp_path, today - timedelta(days=3), fmt, 8.0)
    ahead = _run(tmp_path, today + timedelta(days=ahead_days), fmt, 12.0)
    cache = tmp_path.parent / f"{tmp_path.name}-cache"

    first = lw.import_activities(tmp_path, cache=cache)
    rows = first.timeline.set_index("file")
    assert len(rows) == 2 and first.report.errors == []
    assert bool(rows.loc[str(good), "is_run"])
    assert not bool(rows.loc[str(ahead), "is_run"])  # not counted while in the future
    assert is_flagged(rows.loc[str(ahead), "notes"])
    assert [p.source for p in first.report.warnings if p.kind == "implausible"] == [str(ahead)]
    assert lw.weekly_load(first)["distance_km"].sum() == pytest.approx(8.0, abs=0.1)

    # The run's day has come: the cached file is judged again, not decoded again.
    later = datetime.now(UTC) + timedelta(days=ahead_days) + FUTURE_MARGIN
    monkeypatch.setattr(build, "utc_now", lambda: later)
    second = lw.import_activities(tmp_path, cache=cache)
    assert second.report.files_decoded == 0 and second.report.files_from_cache == 2
    assert second.timeline["is_run"].all()
    assert not any(p.kind == "implausible" for p in second.report.warnings)
    assert lw.weekly_load(second)["distance_km"].sum() == pytest.approx(20.0, abs=0.2)
