"""The coach's index: one row per athlete, riskiest first.

Risk order (:meth:`~loadwatch.report.model.AthleteView.risk_key`): most open
high findings, then most open cautions, then athletes *inactive N days* (no run
for the layoff gap of ``return-from-layoff`` up to the roster's date: their plan
is the return ramp, never "nothing too much, too soon"), then most high and
caution findings over the whole record, then name. *Open* is defined in
:mod:`loadwatch.report.model` (the last two weeks). Beside the open warnings each
row gives the athlete's last activity and the plan's next-run and week limits
(:attr:`~loadwatch.report.model.AthleteView.plan`, the numbers of ``loadwatch plan``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from loadwatch.load.common import pct
from loadwatch.report.limits import SHOES_COMMAND, SHOES_DUE_MAX, html_name, html_text, more
from loadwatch.report.model import AthleteView, ReportData, distance
from loadwatch.units import limit_text

__all__ = ["INDEX_FIELDS", "index_html", "index_rows", "status_text"]

#: Keys of each :func:`index_rows` row.
INDEX_FIELDS = (
    "athlete",
    "level",
    "week_start",
    "distance_km",
    "change_pct",
    "open_high",
    "open_caution",
    "high",
    "caution",
    "shoes_due",
    "last_activity",
    "status",
    "status_text",
    "inactive_days",
    "phase",
    "run_km_max",
    "week_km_max",
    "week_km_so_far",
    "units",
)

_MARK = {"high": "HIGH", "caution": "CAUTION", "ok": "ok"}


def status_text(view: AthleteView) -> str:
    """``HIGH``, ``CAUTION``, ``ok`` or ``inactive 20 days`` (:attr:`AthleteView.status`)."""
    if view.status == "inactive":
        days = view.inactive_days or 0
        return f"inactive {days} day" + ("" if days == 1 else "s")
    return _MARK[view.status]


def _limit(plan: dict[str, Any] | None, field: str) -> float:
    value = (plan or {}).get(field)
    return float("nan") if value is None else float(value)


def index_rows(data: ReportData) -> list[dict[str, Any]]:
    """One dict per athlete (:data:`INDEX_FIELDS`), in risk order.

    ``week_start``, ``distance_km`` [km] and ``change_pct`` [%] describe the last
    full week by the report date (``change_pct`` NaN where the week is not judged);
    ``shoes_due`` lists the pairs in use past 300 miles (None without shoe tracking).
    ``status`` is the level or ``inactive`` (``status_text``: ``inactive 20 days``);
    ``phase``, ``run_km_max``, ``week_km_max`` and ``week_km_so_far`` [km] are the
    athlete's plan (NaN where a limit has no base yet).
    """
    rows = []
    for view in data.athletes:
        week = view.last_full_week() or {}
        due = view.shoes_due()
        last = None if view.timeline.empty else view.timeline["start_local"].max()
        rows.append(
            {
                "athlete": view.name,
                "level": view.level,
                "week_start": week.get("week_start"),
                "distance_km": week.get("distance_km", float("nan")),
                "change_pct": week.get("change_pct", float("nan"))
                if week.get("judged")
                else float("nan"),
                "open_high": view.count("high"),
                "open_caution": view.count("caution"),
                "high": view.count("high", open_only=False),
                "caution": view.count("caution", open_only=False),
                "shoes_due": None if due is None else [str(s) for s in due["shoe"]],
                "last_activity": None if last is None else pd.Timestamp(last).date(),
                "status": view.status,
                "status_text": status_text(view),
                "inactive_days": view.inactive_days,
                "phase": (view.plan or {}).get("phase"),
                "run_km_max": _limit(view.plan, "run_km_max"),
                "week_km_max": _limit(view.plan, "week_km_max"),
                "week_km_so_far": _limit(view.plan, "week_km_so_far"),
                "units": view.units,
            }
        )
    return rows


def _due(names: list[str]) -> str:
    """The pairs due as HTML, at most :data:`~loadwatch.report.limits.SHOES_DUE_MAX`."""
    if not names:
        return "none"
    cells = [html_name(name) for name in names[:SHOES_DUE_MAX]]
    rest = more(len(names) - SHOES_DUE_MAX, "pairs due", SHOES_COMMAND)
    return ", ".join(cells + ([html_text(rest.replace("`", ""))] if rest else []))


def index_html(data: ReportData) -> str:
    """The index table as HTML (names escaped; each row links to the athlete's section)."""
    shoes = any(row["shoes_due"] is not None for row in index_rows(data))
    head = (
        "<tr><th>#</th><th>athlete</th><th>now</th><th>last week from</th>"
        "<th class=num>distance</th><th class=num>change</th><th class=num>open high</th>"
        "<th class=num>open caution</th><th class=num>all high / caution</th>"
        "<th class=num>next run up to</th><th class=num>this week up to</th>"
        + ("<th>shoes due</th>" if shoes else "")
        + "<th>last activity</th></tr>"
    )
    rows = []
    for number, row in enumerate(index_rows(data), start=1):
        level = row["status"]
        badge = row["status_text"]
        units = row["units"]
        week = limit_text(row["week_km_max"], units)
        if pd.notna(row["week_km_max"]):
            left = max(row["week_km_max"] - row["week_km_so_far"], 0.0)
            week += f" ({limit_text(left, units)} left)"
        change = "-" if pd.isna(row["change_pct"]) else pct(row["change_pct"])
        due = row["shoes_due"]
        due_cell = f"<td>{_due(due)}</td>" if shoes and due is not None else ""
        if shoes and due is None:
            due_cell = "<td>-</td>"
        rows.append(
            f'<tr class="{level}"><td>{number}</td>'
            f'<td class="name"><a href="#athlete-{number}">{html_name(row["athlete"])}</a></td>'
            f'<td><span class="badge {level}">{badge}</span></td>'
            f"<td>{row['week_start'] or '-'}</td>"
            f'<td class="num">{html_text(distance(row["distance_km"], row["units"]))}</td>'
            f'<td class="num">{change}</td><td class="num">{row["open_high"]}</td>'
            f'<td class="num">{row["open_caution"]}</td>'
            f'<td class="num">{row["high"]} / {row["caution"]}</td>'
            f'<td class="num">{html_text(limit_text(row["run_km_max"], units))}</td>'
            f'<td class="num">{html_text(week)}</td>{due_cell}'
            f"<td>{row['last_activity'] or '-'}</td></tr>"
        )
    return (
        '<section id="roster-index"><h2>Athletes, riskiest first</h2>'
        f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
        '<p class="small">Open: warnings of the last two weeks. Sorted by open high, then open '
        "caution, then inactive athletes (no run for weeks: their plan is the return ramp), "
        "then all warnings on record. Next run and week: the plan for the days after the "
        "report date (a line that keeps within the rules, not a guarantee).</p></section>"
    )
