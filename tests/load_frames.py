"""Timeline frames built in memory for the load-engine and rule unit tests.

The file-based tests (``test_load_files.py``) write real FIT/GPX files; these
helpers build timeline rows with the same columns (:func:`loadwatch.timeline.build.to_frame`)
for fast unit tests of edge cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any

import pandas as pd

from loadwatch.synthetic.plan import RUN_DAYS  # the story writer's run days
from loadwatch.timeline.build import COLUMNS, to_frame

_ids = count()


def run(
    start_local: datetime | str,
    distance_km: float,
    *,
    athlete: str = "Runner",
    pace_s_per_km: float = 330.0,
    utc_offset_h: float = 0.0,
    sport: str = "running",
    **fields: Any,
) -> dict[str, Any]:
    """One timeline row: a run (or another sport) at a naive local start."""
    local = pd.Timestamp(start_local)
    is_run = sport == "running" and distance_km > 0
    row: dict[str, Any] = dict.fromkeys(COLUMNS)
    row.update(
        athlete=athlete,
        activity_id=f"act-{next(_ids)}",
        start_utc=(local - pd.Timedelta(hours=utc_offset_h)).tz_localize("UTC"),
        start_local=local,
        utc_offset_s=utc_offset_h * 3600.0,
        timezone="UTC",
        timezone_source="device",
        sport=sport,
        sub_sport=None,
        sport_inferred=False,
        is_run=is_run,
        distance_km=distance_km,
        duration_s=distance_km * pace_s_per_km,
        elapsed_s=distance_km * pace_s_per_km,
        ascent_m=0.0,
        descent_m=0.0,
        n_laps=0,
        n_records=0,
        session_index=0,
        merged_from=[],
        notes="",
        format="fit",
    )
    row.update(fields)
    return row


def week_runs(
    first_day: date,
    weekly_km: Sequence[float],
    runs_per_week: int = 4,
    *,
    long_fraction: float = 0.35,
    ascent_m_per_km: float = 0.0,
    **fields: Any,
) -> list[dict[str, Any]]:
    """Rows for consecutive weeks of the given distances [km] (0: an empty week).

    The last run of a week is the long run (``long_fraction`` of the week).
    """
    rows = []
    for week, km in enumerate(weekly_km):
        if km <= 0:
            continue
        monday = first_day + timedelta(weeks=week)
        long_km = km * long_fraction if runs_per_week > 1 else km
        easy_km = (km - long_km) / max(runs_per_week - 1, 1)
        for i, day in enumerate(RUN_DAYS[runs_per_week]):
            is_long = i == runs_per_week - 1
            distance = long_km if is_long else easy_km
            start = datetime.combine(monday + timedelta(days=day), time(7, 0))
            rows.append(
                run(
                    start,
                    distance,
                    **{
                        "ascent_m": distance * ascent_m_per_km,
                        "descent_m": distance * ascent_m_per_km,
                        **fields,
                    },
                )
            )
    return rows


def timeline_of(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A timeline DataFrame from rows, sorted by start."""
    frame = to_frame(list(rows))
    return frame.sort_values("start_utc", kind="stable").reset_index(drop=True)


MONDAY = date(2026, 1, 5)
