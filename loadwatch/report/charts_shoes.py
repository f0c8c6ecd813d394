"""The shoe chart: distance per pair against the shoe-mileage rule's reminder lines.

The lines are the ``shoe-mileage`` bands of the rule set (300 and 500 miles in
the packaged ``rules.toml``), converted by
:func:`loadwatch.shoes.mileage.line_km` and drawn in the athlete's unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from loadwatch.report.chart_style import COLORS, empty, new_axes, style, text
from loadwatch.report.limits import SHOE_CHART_MAX, SHOES_COMMAND, more, pairs_shown
from loadwatch.rules.ruleset import Rule, RuleSet, load_rules
from loadwatch.shoes.mileage import MILEAGE_RULE, line_km
from loadwatch.units import distance_text, scale, unit_name

__all__ = ["draw_shoes", "shoe_chart_height", "shoe_line_names", "shoe_lines_km"]


def shoe_chart_height(shoes: pd.DataFrame, limit: int = SHOE_CHART_MAX) -> float:
    """Height of the shoe chart [inches]: a row per pair drawn."""
    return _height(len(pairs_shown(shoes, limit)[0]) if not shoes.empty else 0)


def _height(rows: int) -> float:
    return 1.3 + 0.4 * max(rows, 1)


def shoe_lines_km(rule: Rule) -> list[tuple[str, float]]:
    """The rule's reminder lines as ``(severity, km)``, lowest first."""
    return [(severity, line_km(rule, severity)) for severity in ("caution", "high")
            if severity in rule.bands]  # fmt: skip


def shoe_line_names(rule: Rule) -> str:
    """The lines in the rule's own unit, for titles: ``300 and 500 mile``."""
    values = [f"{rule.band(s):g}" for s, _ in shoe_lines_km(rule)]
    word = "mile" if rule.unit == "mi" else rule.unit
    return f"{' and '.join(values)} {word}"


def draw_shoes(
    shoes: pd.DataFrame,
    *,
    rules: RuleSet | None = None,
    units: str = "km",
    limit: int = SHOE_CHART_MAX,
    ax: Axes | None = None,
) -> Axes:
    """Distance per pair of shoes against the shoe-mileage reminder lines.

    Parameters
    ----------
    shoes
        One athlete's rows of :func:`loadwatch.report.frames.shoes` (``shoe`` None is
        the runs with no pair; ``in_use`` optional).
    rules
        The rule set whose ``shoe-mileage`` bands are the lines; the packaged one by
        default.
    units
        ``km`` or ``mi`` for the axis.
    limit
        Pairs drawn at most: those in use, then past the lines, then the most worn
        (:func:`~loadwatch.report.limits.pairs_shown`); the axis label says how many more.
    ax
        Draw here; a new figure otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        A bar per pair coloured by its status (high past the upper line, caution
        past the lower one), runs with no pair in grey, pairs no longer in use pale.
    """
    rule = (rules or load_rules())[MILEAGE_RULE]
    shoes, hidden = pairs_shown(shoes, limit) if not shoes.empty else (shoes, 0)
    shoes = shoes.reset_index(drop=True)
    ax = new_axes(ax, _height(len(shoes)))
    unit = unit_name(units)
    style(ax, f"Shoe mileage against the {shoe_line_names(rule)} lines", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    if shoes.empty:
        return empty(ax, "No shoes tracked")
    factor = scale(units)
    values = shoes["distance_km"].to_numpy(dtype=float) * factor
    in_use = shoes["in_use"] if "in_use" in shoes else pd.Series(True, index=shoes.index)
    colors = [
        COLORS["muted"] if name is None else COLORS.get(str(status), COLORS["ok"])
        for name, status in zip(shoes["shoe"], shoes["status"], strict=True)
    ]
    labels = [
        "runs with no pair" if name is None else text(name) + ("" if use else "\n(not in use)")
        for name, use in zip(shoes["shoe"], in_use, strict=True)
    ]
    y = np.arange(len(shoes))[::-1]
    bars = ax.barh(y, values, color=colors, height=0.6)
    for bar, use, name in zip(bars, in_use, shoes["shoe"], strict=True):
        if not use and name is not None:
            bar.set_alpha(0.45)
    ax.set_yticks(y, labels, fontsize=8)
    lines = shoe_lines_km(rule)
    for (severity, km), dash in zip(lines, ("--", "-"), strict=False):
        at = km * factor
        ax.axvline(at, color=COLORS["high"], ls=dash, lw=1.2)
        label = f"{rule.band(severity):g} {rule.unit}"
        if unit_name(rule.unit) != unit or rule.unit not in ("km", "mi"):
            label += f" = {distance_text(km, units, 0)}"
        ax.annotate(label, (at, 0.0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                    textcoords="offset points", fontsize=7, color=COLORS["high"])  # fmt: skip
    for yi, v in zip(y, values, strict=True):
        ax.annotate(f"{v:.0f} {unit}", (v, yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    furthest = max([km * factor for _, km in lines], default=0.0)
    ax.set_xlim(0, max(float(np.nanmax(values)), furthest, 1.0) * 1.15)
    ax.set_ylim(-0.8, len(shoes) - 0.4)
    ax.set_xlabel(unit, fontsize=9)
    if hidden:
        hidden_text = more(hidden, "pairs", SHOES_COMMAND).replace("`", "")
        ax.set_xlabel(f"{unit}; {hidden_text}", fontsize=9)
    return ax
