"""Daily running load per athlete with rolling 7- and 28-day sums (``loadwatch days``).

One row per athlete and local calendar day, from the athlete's first activity to
``as_of`` (by default the day of the latest activity of the whole timeline: a
coach's "today", so an athlete who stopped running shows zeros up to it). Rest
days are rows of zeros: like the zero weeks of :mod:`loadwatch.load.weekly`, a
day without running is data. Only ``is_run`` activities count, in the athlete's
local wall-clock days (a day holding a daylight-saving change is one day).

Beside each day's distance, runs, time and climbing come their sums over the 7
and 28 days ending that day (the day itself included; before the records begin
nothing is counted), and the longest single run of the ``long-run-spike``
window before that day: the distance a run that day is compared with by
:func:`loadwatch.load.long_run.long_run_reference`, the window read from the
rule (``window_days``). Two things the rule adds are not in this column: it
measures the window by clock time from each run's start (so a run exactly
``window_days`` days earlier can fall either side of it), and while a runner is
rebuilding after a break it also counts the longest run before the break.

The columns, and the rolling windows themselves (the ``_7d`` and ``_28d`` in
their names), are declared once in :data:`loadwatch.schema.DAYS`.

References
----------
Frandsen JSB et al. How much running is too much? Identifying high-risk
running sessions in a 5200-person cohort study. *Br J Sports Med*
2025;59(17):1203–1210. doi:10.1136/bjsports-2024-109380
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import pandas as pd

from loadwatch.load import long_run
from loadwatch.load.plan import default_as_of
from loadwatch.rules.ruleset import RuleSet, load_rules
from loadwatch.schema import DAYS
from loadwatch.units import Units, climb_text, km_to, unit_name, unit_of

__all__ = [
    "DAY_COLUMNS",
    "DAY_FIELDS",
    "RECENT_DAYS",
    "ROLLING",
    "ROLLING_DAYS",
    "daily_records",
    "daily_table",
    "daily_text",
]

#: Daily table columns and their meanings with units (:data:`loadwatch.schema.DAYS`).
DAY_COLUMNS = DAYS.descriptions()

#: Fields of ``loadwatch days --json`` and ``--csv``, in order.
DAY_FIELDS = DAYS.json_fields()

_ROLLING_NAME = re.compile(r"^(?P<base>[a-z_]+)_(?P<days>\d+)d$")

#: Rolling columns: name → (the daily column it sums, days), read from the schema's names.
ROLLING: dict[str, tuple[str, int]] = {
    name: (match["base"], int(match["days"]))
    for name in DAYS.names()
    if (match := _ROLLING_NAME.match(name))
}

#: The rolling windows [days], shortest first.
ROLLING_DAYS: tuple[int, ...] = tuple(sorted({days for _, days in ROLLING.values()}))

#: Days the terminal table shows by default: the longest rolling window.
RECENT_DAYS = ROLLING_DAYS[-1]

#: The daily sums every rolling column is built from.
_DAILY_SUMS = ("distance_km", "runs", "duration_s", "ascent_m")

_INTEGERS = DAYS.names_of("int64")


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype="float64") for name in DAYS.names()})
    frame["athlete"] = frame["athlete"].astype(object)
    frame["day"] = frame["day"].astype("datetime64[ns]")
    for name in _INTEGERS:
        frame[name] = frame[name].astype("int64")
    return frame


def daily_table(
    timeline: pd.DataFrame,
    *,
    as_of: date | None = None,
    since: date | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Daily running load per athlete with rolling sums, rest days included.

    Parameters
    ----------
    timeline
        The activity timeline (:data:`loadwatch.timeline.build.COLUMNS`; ``athlete``,
        ``start_local``, ``is_run``, ``distance_km``, ``duration_s`` and ``ascent_m``
        are used).
    as_of
        The last local day: activities after it are ignored and every athlete's rows
        run up to it. By default the day of the latest activity of the whole timeline.
    since
        Keep the rows from this local day (earlier days still count in the rolling
        sums), like ``loadwatch days --since``.
    rules
        A rule set (the ``long-run-spike`` window); the packaged ``rules.toml`` by default.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DAY_COLUMNS`: one row per athlete and local day from the
        athlete's first activity (any sport) to ``as_of``, sorted by athlete and
        day. Sums in km, s and m; ``ascent_m`` counts 0 for runs whose file records
        no climbing (as the weekly table).
    """
    rules = rules or load_rules()
    window_days = int(rules[long_run.RULE_ID].param("window_days"))
    as_of = as_of if as_of is not None else default_as_of(timeline)
    if as_of is None:
        return _empty()
    last = pd.Timestamp(as_of)
    days = timeline["start_local"].dt.normalize()
    kept = timeline[days <= last]
    if kept.empty:
        return _empty()
    firsts = kept.groupby("athlete", sort=True)["start_local"].min().dt.normalize()
    runs = kept[kept["is_run"].astype(bool)]
    values = pd.DataFrame(
        {
            "athlete": runs["athlete"],
            "day": runs["start_local"].dt.normalize(),
            "distance_km": runs["distance_km"].astype(float),
            "runs": 1,
            "duration_s": runs["duration_s"].astype(float),
            "ascent_m": runs["ascent_m"].astype(float),
            "longest_run_km": runs["distance_km"].astype(float),
        }
    )
    grouped = values.groupby(["athlete", "day"], sort=True)
    per_day = grouped[list(_DAILY_SUMS)].sum(min_count=0)
    per_day["longest_run_km"] = grouped["longest_run_km"].max()

    parts = []
    for athlete, first in firsts.items():
        index = pd.MultiIndex.from_product(
            [[athlete], pd.date_range(first, last, freq="D")], names=["athlete", "day"]
        )
        part = per_day.reindex(index).fillna(0.0).reset_index()
        for name, (base, span) in ROLLING.items():
            rolled = part[base].rolling(span, min_periods=1).sum()
            part[name] = rolled.round(9)  # no float residue on days without runs
        before = part["longest_run_km"].shift(1)
        part["longest_run_km_window"] = before.rolling(window_days, min_periods=1).max()
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    for name in _INTEGERS:
        table[name] = table[name].round().astype("int64")
    table["day"] = table["day"].astype("datetime64[ns]")
    if since is not None:
        table = table[table["day"] >= pd.Timestamp(since)].reset_index(drop=True)
    return table[list(DAYS.names())]


def _plain(value: Any) -> Any:
    """A JSON-ready value: NaN → None, numpy numbers → Python numbers (3 decimals)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 3)
    return value


def daily_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """One JSON-ready dict per athlete-day with :data:`DAY_FIELDS` (``day`` as an ISO date)."""
    records = []
    for data in table.to_dict("records"):
        record = {name: _plain(data[name]) for name in DAY_FIELDS}
        record["day"] = pd.Timestamp(data["day"]).strftime("%Y-%m-%d")
        records.append(record)
    return records


def _hours(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def daily_text(
    records: list[dict[str, Any]],
    units: Units = "km",
    *,
    days: int | None = None,
    rules: RuleSet | None = None,
) -> str:
    """A block per athlete: one line per day (``daily_records`` rows), newest last.

    Parameters
    ----------
    records
        :func:`daily_records` rows.
    units
        ``"km"``/``"mi"``, or athlete → unit: the distances (climbing stays in m).
    days
        Show only each athlete's last ``days`` days (e.g. :data:`RECENT_DAYS`);
        every row given by default.
    rules
        The rule set (the long-run-spike window in the header).
    """
    if not records:
        return "no activities found"
    window = int((rules or load_rules())[long_run.RULE_ID].param("window_days"))
    short, long = ROLLING_DAYS[0], ROLLING_DAYS[-1]
    by_athlete: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        by_athlete.setdefault(record["athlete"], []).append(record)
    blocks = []
    for athlete, rows in by_athlete.items():
        unit = unit_name(unit_of(units, athlete))
        shown = rows[-days:] if days else rows
        lines = [
            f"{athlete}: daily running to {shown[-1]['day']} in {unit}; {short}d and {long}d: "
            "sums of the days ending that day;",
            f"longest {window}d: the longest run of the {window} days before that day.",
            f"{'day':<14} {'run':>5} {f'{short}d {unit}':>6} {f'{short}d runs':>7} "
            f"{f'{short}d time':>7} {f'{short}d m':>6} {f'{long}d {unit}':>7} "
            f"{f'longest {window}d':>11}",
        ]
        for r in shown:
            weekday = date.fromisoformat(r["day"]).strftime("%a")
            run = f"{km_to(r['distance_km'], unit):.1f}" if r["runs"] else "-"
            longest = r["longest_run_km_window"]
            before = "-" if longest is None else f"{km_to(longest, unit):.1f}"
            lines.append(
                f"{weekday} {r['day']:<10} {run:>5} "
                f"{km_to(r[f'distance_km_{short}d'], unit):>6.1f} {r[f'runs_{short}d']:>7} "
                f"{_hours(r[f'duration_s_{short}d']):>7} "
                f"{climb_text(r[f'ascent_m_{short}d']).removesuffix(' m'):>6} "
                f"{km_to(r[f'distance_km_{long}d'], unit):>7.1f} {before:>11}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
