"""The report's charts: matplotlib figures drawn with the Agg canvas, no pyplot state.

Each chart is a function that takes one athlete's DataFrame (from
:mod:`loadwatch.report.frames`, or the findings frame) and returns a
:class:`matplotlib.figure.Figure`; given ``ax=`` it draws into that Axes
instead (and returns its figure), so notebooks can lay charts out their own
way::

    import loadwatch as lw
    from loadwatch.report import charts, frames

    result = lw.import_activities("sample_data/")
    weeks = lw.weekly_load(result)
    bands = frames.weekly_bands(weeks, result.timeline, lw.load_rules())
    charts.weekly_distance_chart(bands)       # a Figure; Jupyter shows it

Figures are created with :class:`matplotlib.figure.Figure` and rendered by
:func:`png_bytes` through the Agg canvas, so importing this module never
changes the notebook's matplotlib backend. Colours are the Okabe–Ito palette
(colour-blind safe); high and caution also differ by marker or hatch.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from loadwatch.report.limits import (
    LABEL_CHARS,
    SHOE_CHART_MAX,
    SHOES_COMMAND,
    clean,
    more,
    pairs_shown,
)
from loadwatch.report.model import KM_PER_MI, SHOE_LINES_MI
from loadwatch.rules.ruleset import NOTE_IDS, RULE_IDS

#: Colours by meaning (Okabe–Ito).
COLORS = {
    "high": "#D55E00",
    "caution": "#E69F00",
    "note": "#8C8C8C",
    "ok": "#0072B2",
    "muted": "#C8C8C8",
    "line": "#333333",
    "good": "#009E73",
    "descent": "#56B4E9",
}
#: Width of every chart [inches]; 100 dpi gives 900 px.
WIDTH_IN = 9.0
#: Resolution of the PNG images [dots per inch].
DPI = 100

#: Margins of every chart: left, right, top, bottom [inches] (room for the rule names of
#: the timeline on the left, so that every date axis starts at the same place).
MARGINS_IN = (1.45, 0.15, 0.35, 0.5)

Span = tuple[date, date] | None

__all__ = [
    "COLORS",
    "DPI",
    "WIDTH_IN",
    "acute_chronic_chart",
    "climbing_chart",
    "fast_distance_chart",
    "findings_timeline_chart",
    "long_run_chart",
    "png_bytes",
    "shoe_chart",
    "weekly_distance_chart",
]


def png_bytes(figure: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (rendered with the Agg canvas)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def _axes(ax: Axes | None, height_in: float = 3.0) -> tuple[Figure, Axes]:
    """A new figure with fixed margins [inches], so that the date axes of the charts
    line up one above the other; or ``ax`` and its figure."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    figure = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=MARGINS_IN[0] / WIDTH_IN,
        right=1 - MARGINS_IN[1] / WIDTH_IN,
        top=1 - MARGINS_IN[2] / height_in,
        bottom=MARGINS_IN[3] / height_in,
    )
    return figure, figure.add_subplot()


def _style(ax: Axes, title: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _dates(ax: Axes, span: Span) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if span is not None:
        start, end = (pd.Timestamp(d) for d in span)
        ax.set_xlim(start - pd.Timedelta(days=3), end + pd.Timedelta(days=4))


def _empty(figure: Figure, ax: Axes, text: str) -> Figure:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return figure


def _legend(ax: Axes, ncols: int = 4, extra: Sequence[Patch] = ()) -> None:
    handles, _labels = ax.get_legend_handles_labels()
    handles = [*handles, *extra]
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=ncols, frameon=False)


def _scale(units: str) -> float:
    return 1.0 / KM_PER_MI if units == "mi" else 1.0


def _centres(week_start: pd.Series) -> np.ndarray:
    return (pd.to_datetime(week_start) + pd.Timedelta(days=3.5)).to_numpy()


def _text(value: object, limit: int = LABEL_CHARS) -> str:
    """Untrusted text for matplotlib: one line without control characters, at most
    ``limit`` characters (:func:`~loadwatch.report.limits.clean`; ``$`` would start
    mathtext)."""
    return clean(value, limit).replace("$", r"\$")


def weekly_distance_chart(
    bands: pd.DataFrame, *, units: str = "km", span: Span = None, ax: Axes | None = None
) -> Figure:
    """Weekly distance with its change and the +10 % / +30 % lines above the established load.

    Parameters
    ----------
    bands
        One athlete's :func:`loadwatch.report.frames.weekly_bands`.
    units
        ``km`` or ``mi`` for the axis.
    span
        ``(first, last)`` day to show; the data's range by default.
    ax
        Draw into this Axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Bars: weekly distance (high and caution weeks coloured, weeks not judged
        grey); lines: the established load and the smallest weeks the caution
        (+10 %) and high (+30 %) bands flag; labels: the change of each week
        above +10 %.
    """
    figure, ax = _axes(ax, 3.3)
    unit = units
    _style(ax, "Weekly distance against your established load", f"{unit} per week")
    if bands.empty:
        return _empty(figure, ax, "No runs yet")
    scale = _scale(units)
    x = _centres(bands["week_start"])
    severity = bands["severity"].where(bands["judged"], "")
    colors = [
        COLORS[s] if s in ("high", "caution") else (COLORS["ok"] if j else COLORS["muted"])
        for s, j in zip(severity, bands["judged"], strict=True)
    ]
    hatches = ["///" if s == "high" else "" for s in severity]
    distance = bands["distance_km"].to_numpy() * scale
    bars = ax.bar(x, distance, width=5.5, color=colors, edgecolor="white", linewidth=0.5)
    for bar, hatch in zip(bars, hatches, strict=True):
        bar.set_hatch(hatch)
    established = bands["established_km"].where(bands["judged"]).to_numpy() * scale
    caution = bands["caution_km"].to_numpy() * scale
    high = bands["high_km"].to_numpy() * scale
    ax.fill_between(x, caution, high, step="mid", color=COLORS["caution"], alpha=0.15, lw=0)
    ax.step(x, established, where="mid", color=COLORS["line"], lw=1.2, label="established load")
    ax.step(x, caution, where="mid", color=COLORS["caution"], lw=1.2, ls="--", label="+10% line")
    ax.step(x, high, where="mid", color=COLORS["high"], lw=1.2, ls="--", label="+30% line")
    top = np.nanmax(np.concatenate([distance, high[np.isfinite(high)], [1.0]]))
    change_pct = bands["change_pct"].where(bands["judged"] & (bands["change_pct"] > 10))
    for xi, d, change, sev in zip(x, distance, change_pct, severity, strict=True):
        if pd.notna(change):
            ax.annotate(
                f"{change:+.0f}%",
                (xi, d),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color=COLORS.get(sev, COLORS["line"]),
            )
    ax.set_ylim(0, top * 1.25)
    _dates(ax, span)
    _legend(ax, extra=[Patch(color=COLORS["muted"], label="not judged: first weeks, return")])
    return figure


def long_run_chart(
    runs: pd.DataFrame, *, units: str = "km", span: Span = None, ax: Axes | None = None
) -> Figure:
    """Each run against the longest run of the previous 30 days.

    Parameters
    ----------
    runs
        One athlete's :func:`loadwatch.report.frames.long_runs`.
    units, span, ax
        See :func:`weekly_distance_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        A bar per run (spikes coloured, with their change), the 30-day reference,
        the +10 % (caution) and +100 % (high) lines, and the rebuilding weeks after
        a break shaded.
    """
    figure, ax = _axes(ax, 3.3)
    _style(ax, "Each run against your longest of the previous 30 days", units)
    if runs.empty:
        return _empty(figure, ax, "No runs yet")
    scale = _scale(units)
    x = pd.to_datetime(runs["start_local"]).to_numpy()
    severity = runs["severity"].where(runs["judged"], "")
    colors = [COLORS.get(s, COLORS["ok"]) if s else COLORS["ok"] for s in severity]
    distance = runs["distance_km"].to_numpy() * scale
    ax.bar(x, distance, width=0.9, color=colors, label="a run")
    rebuilding = runs["rebuilding"].fillna(False).to_numpy(dtype=bool)
    blocks = np.flatnonzero(np.diff(np.concatenate(([0], rebuilding.astype(int), [0]))))
    labelled = False
    for start, stop in zip(blocks[::2], blocks[1::2], strict=True):
        ax.axvspan(
            x[start] - np.timedelta64(12, "h"),
            x[stop - 1] + np.timedelta64(12, "h"),
            color=COLORS["muted"],
            alpha=0.3,
            lw=0,
            label=None if labelled else "rebuilding after a break",
        )
        labelled = True
    reference = runs["reference_km"].where(runs["judged"]).to_numpy() * scale
    caution = runs["caution_km"].to_numpy() * scale
    high = runs["high_km"].to_numpy() * scale
    ax.plot(x, reference, drawstyle="steps-post", color=COLORS["line"], lw=1.2, label="longest")
    ax.plot(
        x, caution, drawstyle="steps-post", color=COLORS["caution"], ls="--", lw=1.2, label="+10%"
    )
    ax.plot(x, high, drawstyle="steps-post", color=COLORS["high"], ls=":", lw=1.2, label="+100%")
    for xi, d, change, sev in zip(x, distance, runs["change_pct"], severity, strict=True):
        if sev:
            ax.annotate(
                f"{change:+.0f}%",
                (xi, d),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color=COLORS[sev],
            )
    finite = np.concatenate([distance, caution[np.isfinite(caution)], [1.0]])
    ax.set_ylim(0, np.nanmax(finite) * 1.3)
    _dates(ax, span)
    _legend(ax, ncols=5)
    return figure


def acute_chronic_chart(
    ratio: pd.DataFrame, *, caution: float = 1.5, span: Span = None, ax: Axes | None = None
) -> Figure:
    """The daily acute:chronic distance ratio with the team-sport bands (context only).

    Parameters
    ----------
    ratio
        One athlete's :func:`loadwatch.report.frames.daily_ratio`.
    caution
        The rule's caution band (``acute-chronic`` in ``rules.toml``).
    span, ax
        See :func:`weekly_distance_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        The ratio on judged days (days above the band marked), the 0.8–1.3 "sweet
        spot" shaded, the caution line, and the weeks after a layoff (not judged)
        shaded grey. The axis stops at 3; higher values sit on the top edge.
    """
    figure, ax = _axes(ax, 3.0)
    _style(ax, "Acute:chronic distance ratio (context, not an alarm)", "ratio")
    judged = ratio["ratio"].where(~ratio["after_layoff"]) if not ratio.empty else ratio
    if ratio.empty or judged.notna().sum() == 0:
        return _empty(figure, ax, "Not enough history for the ratio (35 days)")
    x = pd.to_datetime(ratio["day"]).to_numpy()
    values = judged.to_numpy(dtype=float)
    ax.axhspan(0.8, 1.3, color=COLORS["good"], alpha=0.12, lw=0, label='0.8-1.3 "sweet spot"')
    ax.axhline(caution, color=COLORS["caution"], ls="--", lw=1.2, label=f"caution line {caution:g}")
    quiet = ratio["after_layoff"].to_numpy(dtype=bool)
    if quiet.any():
        ax.fill_between(
            x, 0, 1, where=quiet, transform=ax.get_xaxis_transform(), color=COLORS["muted"],
            alpha=0.3, lw=0, label="after a layoff: not judged",
        )  # fmt: skip
    top = 3.0
    ax.plot(x, np.minimum(values, top), color=COLORS["ok"], lw=1.4, label="7-day : 28-day")
    over = values > caution
    ax.scatter(x[over], np.minimum(values[over], top), color=COLORS["caution"], s=14, zorder=3)
    ax.set_ylim(0, max(2.0, min(top, np.nanmax(values) * 1.15)))
    _dates(ax, span)
    _legend(ax)
    return figure


def climbing_chart(climbing: pd.DataFrame, *, span: Span = None, ax: Axes | None = None) -> Figure:
    """Weekly ascent (up) and descent (down) against the hill-increase flag lines.

    Parameters
    ----------
    climbing
        One athlete's :func:`loadwatch.report.frames.climbing`.
    span, ax
        See :func:`weekly_distance_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        Ascent bars above zero and descent bars below [m], flagged weeks coloured,
        and the dashed lines the rule flags beyond (twice the usual and +300 m).
    """
    figure, ax = _axes(ax, 3.0)
    _style(ax, "Weekly climbing: ascent up, descent down", "m per week")
    if climbing.empty or climbing[["ascent_m", "descent_m"]].isna().all().all():
        return _empty(figure, ax, "No climbing recorded")
    x = _centres(climbing["week_start"])
    up = climbing["ascent_m"].to_numpy(dtype=float)
    down = -climbing["descent_m"].to_numpy(dtype=float)
    up_colors = [COLORS["caution"] if f else "#8C6D31" for f in climbing["ascent_flag"]]
    down_colors = [COLORS["caution"] if f else COLORS["descent"] for f in climbing["descent_flag"]]
    ax.bar(x, np.nan_to_num(up), width=5.5, color=up_colors, label="ascent")
    ax.bar(x, np.nan_to_num(down), width=5.5, color=down_colors, label="descent")
    ax.step(
        x, climbing["ascent_limit_m"], where="mid", color=COLORS["caution"], ls="--", lw=1.2,
        label="flag line (2x usual and +300 m)",
    )  # fmt: skip
    ax.step(x, -climbing["descent_limit_m"], where="mid", color=COLORS["caution"], ls="--", lw=1.2)
    ax.axhline(0, color=COLORS["line"], lw=0.8)
    limit = np.nanmax(np.abs(np.concatenate([up, down, [10.0]])))
    ax.set_ylim(-limit * 1.2, limit * 1.35)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{abs(v):.0f}")
    _dates(ax, span)
    _legend(ax)
    return figure


def fast_distance_chart(
    fast: pd.DataFrame, *, units: str = "km", span: Span = None, ax: Axes | None = None
) -> Figure:
    """Weekly fast distance against the usual and the speedwork-increase flag line.

    Parameters
    ----------
    fast
        One athlete's :func:`loadwatch.report.frames.fast_weeks`.
    units, span, ax
        See :func:`weekly_distance_chart`.
    """
    figure, ax = _axes(ax, 3.0)
    _style(ax, "Weekly fast running", f"fast {units} per week")
    if fast.empty:
        return _empty(figure, ax, "No runs yet")
    scale = _scale(units)
    x = _centres(fast["week_start"])
    colors = [COLORS["caution"] if f else COLORS["ok"] for f in fast["flagged"]]
    values = fast["fast_km"].to_numpy(dtype=float) * scale
    ax.bar(x, values, width=5.5, color=colors, label="fast distance")
    ax.step(x, fast["usual_fast_km"] * scale, where="mid", color=COLORS["line"], lw=1.2,
            label="usual")  # fmt: skip
    ax.step(x, fast["limit_km"] * scale, where="mid", color=COLORS["caution"], ls="--", lw=1.2,
            label="flag line (2x usual, +1.5 km)")  # fmt: skip
    ax.set_ylim(0, max(1.0, float(np.nanmax(np.concatenate([values, [0.0]]))) * 1.35))
    _dates(ax, span)
    _legend(ax)
    return figure


def shoe_chart(
    shoes: pd.DataFrame,
    *,
    units: str = "km",
    lines_mi: Sequence[float] = SHOE_LINES_MI,
    limit: int = SHOE_CHART_MAX,
    ax: Axes | None = None,
) -> Figure:
    """Distance per pair of shoes against the 300 and 500 mile reminder lines.

    Parameters
    ----------
    shoes
        One athlete's rows of :func:`loadwatch.report.frames.shoes` (``shoe`` None is
        the runs with no pair; ``in_use`` optional).
    units
        ``km`` or ``mi`` for the axis.
    lines_mi
        The reminder lines [mi] (the ``shoe-mileage`` bands).
    limit
        Pairs drawn at most: those in use, then past the lines, then the most worn
        (:func:`~loadwatch.report.limits.pairs_shown`); the title says how many more.
    ax
        Draw into this Axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        A bar per pair coloured by its status (high past the upper line, caution
        past the lower one), runs with no pair in grey, pairs no longer in use pale.
    """
    shoes, hidden = pairs_shown(shoes, limit) if not shoes.empty else (shoes, 0)
    shoes = shoes.reset_index(drop=True)
    rows = max(len(shoes), 1)
    figure, ax = _axes(ax, 1.3 + 0.4 * rows)
    _style(ax, "Shoe mileage against the 300 and 500 mile lines", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    if shoes.empty:
        return _empty(figure, ax, "No shoes tracked")
    column = "distance_mi" if units == "mi" else "distance_km"
    values = shoes[column].to_numpy(dtype=float)
    in_use = shoes["in_use"] if "in_use" in shoes else pd.Series(True, index=shoes.index)
    colors = [COLORS.get(str(status), COLORS["ok"]) for status in shoes["status"]]
    colors = [
        COLORS["muted"] if name is None else color
        for name, color in zip(shoes["shoe"], colors, strict=True)
    ]
    labels = [
        "runs with no pair" if name is None else _text(name) + ("" if use else "\n(not in use)")
        for name, use in zip(shoes["shoe"], in_use, strict=True)
    ]
    y = np.arange(len(shoes))[::-1]
    bars = ax.barh(y, values, color=colors, height=0.6)
    for bar, use, name in zip(bars, in_use, shoes["shoe"], strict=True):
        if not use and name is not None:
            bar.set_alpha(0.45)
    ax.set_yticks(y, labels, fontsize=8)
    factor = 1.0 if units == "mi" else KM_PER_MI
    for line, style in zip(lines_mi, ("--", "-"), strict=False):
        at = line * factor
        ax.axvline(at, color=COLORS["high"], ls=style, lw=1.2)
        label = f"{line:.0f} mi" if units == "mi" else f"{line:.0f} mi = {at:.0f} km"
        ax.annotate(label, (at, 0.0), xycoords=("data", "axes fraction"), xytext=(3, 3),
                    textcoords="offset points", fontsize=7, color=COLORS["high"])  # fmt: skip
    for yi, v in zip(y, values, strict=True):
        ax.annotate(f"{v:.0f} {units}", (v, yi), xytext=(3, 0), textcoords="offset points",
                    va="center", fontsize=8)  # fmt: skip
    ax.set_xlim(0, max(np.nanmax(values), max(lines_mi) * factor) * 1.15)
    ax.set_ylim(-0.8, len(shoes) - 0.4)
    ax.set_xlabel(units, fontsize=9)
    if hidden:
        ax.set_xlabel(
            f"{units}; {more(hidden, 'pairs', SHOES_COMMAND).replace('`', '')}", fontsize=9
        )
    return figure


def findings_timeline_chart(
    findings: pd.DataFrame,
    *,
    rule_ids: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    span: Span = None,
    ax: Axes | None = None,
) -> Figure:
    """Every finding on one time line: a row per rule, a marker per finding.

    Parameters
    ----------
    findings
        One athlete's :func:`loadwatch.findings_frame`.
    rule_ids
        Rows to show, top first; by default the six alarm rules, then any other
        rule (notes, shoes) that fired.
    labels
        Rule id → row label (the rule id by default).
    span, ax
        See :func:`weekly_distance_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        High: red triangles; caution: orange circles; notes: small grey dots.
    """
    if rule_ids is None:
        fired = [r for r in findings["rule"].unique() if r not in RULE_IDS]
        extra = [r for r in NOTE_IDS if r in fired] + sorted(r for r in fired if r not in NOTE_IDS)
        rule_ids = [*RULE_IDS, *extra]
    figure, ax = _axes(ax, 1.0 + 0.32 * len(rule_ids))
    _style(ax, "Timeline of findings", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
    rows = {rule: len(rule_ids) - 1 - i for i, rule in enumerate(rule_ids)}
    ax.set_yticks(list(rows.values()), [_text((labels or {}).get(r, r)) for r in rows], fontsize=8)
    ax.set_ylim(-0.7, len(rule_ids) - 0.3)
    styles = {
        "high": ("^", 70, COLORS["high"]),
        "caution": ("o", 45, COLORS["caution"]),
        "note": (".", 40, COLORS["note"]),
    }
    for severity, (marker, size, color) in styles.items():
        part = findings[(findings["severity"] == severity) & findings["rule"].isin(list(rows))]
        ax.scatter(
            pd.to_datetime(part["date"]).to_numpy(),
            part["rule"].map(rows).to_numpy(dtype=float),
            marker=marker,
            s=size,
            color=color,
            label=severity,
            zorder=3,
        )
    if findings.empty and span is None:
        ax.text(0.5, 0.5, "Nothing found", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
    else:
        _dates(ax, span)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, ncols=3, frameon=False)
    return figure
