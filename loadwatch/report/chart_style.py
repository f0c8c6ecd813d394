"""The one look of every chart: colours, sizes, axes styling, and where a chart is drawn.

Every chart function (:mod:`loadwatch.report.charts_load`,
:mod:`~loadwatch.report.charts_shoes`, :mod:`~loadwatch.report.charts_findings`)
takes ``ax=None`` and returns the Axes. Without ``ax`` it calls
:func:`new_axes`, which makes a pyplot figure so that Jupyter shows it inline
with whatever backend the notebook chose. The HTML report never touches pyplot:
it draws into :func:`report_axes` (a :class:`matplotlib.figure.Figure` with its
own Agg canvas and fixed margins, so the date axes of its charts line up) and
renders with :func:`png_bytes`. Nothing here selects a matplotlib backend.

Colours are the Okabe–Ito palette (colour-blind safe); high and caution also
differ by marker, hatch or line style.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from loadwatch.report.limits import LABEL_CHARS, clean

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
#: Margins of the report's charts: left, right, top, bottom [inches] (room for the rule
#: names of the timeline on the left, so that every date axis starts at the same place).
MARGINS_IN = (1.45, 0.15, 0.35, 0.5)

#: ``(first, last)`` day a time chart shows; None for the data's range.
Span = tuple[date, date] | None

__all__ = [
    "COLORS",
    "DPI",
    "MARGINS_IN",
    "WIDTH_IN",
    "Span",
    "centres",
    "date_axis",
    "empty",
    "legend",
    "new_axes",
    "png_bytes",
    "report_axes",
    "style",
    "text",
    "titled",
]


def new_axes(ax: Axes | None, height_in: float = 3.2) -> Axes:
    """``ax``, or the Axes of a new pyplot figure (Jupyter shows it inline)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when a notebook asks for a new figure

    _, created = plt.subplots(figsize=(WIDTH_IN, height_in), layout="constrained")
    return created


def report_axes(height_in: float) -> Axes:
    """The Axes of a new off-screen report figure: a :class:`~matplotlib.figure.Figure`
    on its own Agg canvas (no pyplot state) with fixed margins [inches]."""
    figure = Figure(figsize=(WIDTH_IN, height_in))
    FigureCanvasAgg(figure)
    figure.subplots_adjust(
        left=MARGINS_IN[0] / WIDTH_IN,
        right=1 - MARGINS_IN[1] / WIDTH_IN,
        top=1 - MARGINS_IN[2] / height_in,
        bottom=MARGINS_IN[3] / height_in,
    )
    return figure.add_subplot()


def png_bytes(figure: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (rendered with the Agg canvas)."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


def style(ax: Axes, title: str, ylabel: str) -> None:
    """Left bold title, light horizontal grid, no top or right frame."""
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def date_axis(ax: Axes, span: Span = None) -> None:
    """Concise date ticks; the x range ``span`` (with a few days' room) when given."""
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if span is not None:
        start, end = (pd.Timestamp(d) for d in span)
        ax.set_xlim(start - pd.Timedelta(days=3), end + pd.Timedelta(days=4))


def empty(ax: Axes, message: str) -> Axes:
    """Write ``message`` in the middle of an empty chart."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def legend(ax: Axes, ncols: int = 4, extra: Sequence[Patch] = ()) -> None:
    """The legend above the data, upper left, without a frame."""
    handles, _labels = ax.get_legend_handles_labels()
    handles = [*handles, *extra]
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=8, ncols=ncols, frameon=False)


def centres(week_start: pd.Series) -> np.ndarray:
    """The middle of each week (bars are drawn there)."""
    return (pd.to_datetime(week_start) + pd.Timedelta(days=3.5)).to_numpy()


def text(value: object, limit: int = LABEL_CHARS) -> str:
    """Untrusted text for matplotlib: one line without control characters, at most
    ``limit`` characters (:func:`~loadwatch.report.limits.clean`; ``$`` would start
    mathtext)."""
    return clean(value, limit).replace("$", r"\$")


def titled(ax: Axes, athlete: str | None) -> Axes:
    """Put the athlete's name in front of the chart's title."""
    title = ax.get_title(loc="left")
    if athlete and title and not title.startswith(f"{text(athlete)}:"):
        ax.set_title(f"{text(athlete)}: {title}", loc="left", fontsize=11, fontweight="bold")
    return ax
