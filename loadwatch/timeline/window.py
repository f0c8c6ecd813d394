"""A window of local days (``--since``/``--until``): which activities, weeks and days it keeps.

The window only chooses what is shown: runs before ``since`` still count as
history for the weekly change, the acute:chronic ratio and every other rule.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

__all__ = ["day_in_window", "rows_between", "week_in_window", "weeks_between"]


def day_in_window(day: date, since: date | None = None, until: date | None = None) -> bool:
    """True when the local day ``day`` is inside ``[since, until]`` (each bound optional)."""
    return (since is None or day >= since) and (until is None or day <= until)


def week_in_window(first: date, since: date | None = None, until: date | None = None) -> bool:
    """True when any day of the week starting on ``first`` is inside ``[since, until]``."""
    last = first + timedelta(days=6)
    return (since is None or last >= since) and (until is None or first <= until)


def rows_between(
    timeline: pd.DataFrame, since: date | None = None, until: date | None = None
) -> pd.DataFrame:
    """The activities whose local start day (``start_local``) is inside the window.

    Returns ``timeline`` itself when neither bound is given.
    """
    if since is None and until is None:
        return timeline
    days = timeline["start_local"].dt.date
    keep = days.map(lambda day: not pd.isna(day) and day_in_window(day, since, until))
    keep = keep.astype(bool)
    return timeline[keep]


def weeks_between(
    weeks: pd.DataFrame, since: date | None = None, until: date | None = None
) -> pd.DataFrame:
    """The rows of a weekly table (``week_start`` column) with a day inside the window.

    Returns ``weeks`` itself when neither bound is given; otherwise the kept rows
    renumbered from 0.
    """
    if since is None and until is None:
        return weeks
    firsts = weeks["week_start"].dt.date
    keep = firsts.map(lambda first: week_in_window(first, since, until)).astype(bool)
    return weeks[keep].reset_index(drop=True)
