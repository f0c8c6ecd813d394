"""Compact summaries of an activity's record stream, computed once at import.

The load engine needs to know how much of a run was *fast* relative to the
athlete's own easy pace — which is only known once every run is read. Keeping
every record of a five-year history in memory is wasteful, so each activity is
reduced at import to a **speed profile**: the metres covered while the
sustained (rolling :data:`SUSTAIN_S`-second mean) speed was in each
:data:`SPEED_BIN_MPS`-wide bin. Any "distance faster than X" question is then a
sum over bins, for FIT laps-less runs and GPX position streams alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

#: Width of a speed bin [m/s].
SPEED_BIN_MPS = 0.1
#: Number of bins: 0 to 8 m/s (2:05 min/km); faster samples go in the last bin.
N_SPEED_BINS = 80
#: Lower edge of each bin [m/s].
SPEED_BIN_EDGES = np.round(np.arange(N_SPEED_BINS) * SPEED_BIN_MPS, 3)
#: Speed must be held this long [s] to count (a rolling mean over this window).
SUSTAIN_S = 60.0
#: Gaps longer than this [s] between samples are pauses, not movement.
MAX_GAP_S = 30.0


def speed_profile(time_s: np.ndarray, distance_m: np.ndarray) -> np.ndarray | None:
    """Metres covered per sustained-speed bin.

    Parameters
    ----------
    time_s
        Sample times [s], any origin, non-decreasing.
    distance_m
        Cumulative distance at each sample [m] (NaN where unknown).

    Returns
    -------
    numpy.ndarray or None
        ``N_SPEED_BINS`` floats [m] summing to the distance covered while
        moving; ``None`` when the stream has fewer than two usable samples.
        Speed is the distance gained over the trailing :data:`SUSTAIN_S`
        seconds divided by that time, so one GPS jump cannot create a fast
        stretch, and pauses (gaps over :data:`MAX_GAP_S`) restart the window.
    """
    t = np.asarray(time_s, dtype="float64")
    d = np.asarray(distance_m, dtype="float64")
    ok = np.isfinite(t) & np.isfinite(d)
    t, d = t[ok], d[ok]
    if t.size < 2:
        return None
    order = np.argsort(t, kind="stable")
    t, d = t[order], np.maximum.accumulate(d[order])
    dt = np.diff(t)
    dd = np.diff(d)
    moving = (dt > 0) & (dt <= MAX_GAP_S)
    # Segment ids restart the rolling window after each pause.
    segment = np.concatenate(([0], np.cumsum(~moving)))
    # For each sample, the first sample within SUSTAIN_S before it (same segment).
    start_idx = np.searchsorted(t, t - SUSTAIN_S, side="left")
    seg_start = np.zeros_like(segment)
    first_of_segment = np.concatenate(([0], np.flatnonzero(np.diff(segment)) + 1))
    seg_start[first_of_segment] = first_of_segment
    seg_start = np.maximum.accumulate(seg_start)
    start_idx = np.maximum(start_idx, seg_start)
    span_t = t - t[start_idx]
    span_d = d - d[start_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(span_t > 0, span_d / span_t, np.nan)
    # Each step's distance is credited to the sustained speed at its end.
    step_speed = speed[1:]
    use = moving & np.isfinite(step_speed) & (dd > 0)
    if not use.any():
        return np.zeros(N_SPEED_BINS)
    bins = np.clip((step_speed[use] / SPEED_BIN_MPS).astype(int), 0, N_SPEED_BINS - 1)
    return np.bincount(bins, weights=dd[use], minlength=N_SPEED_BINS)


def distance_faster_than(profile: np.ndarray, speed_mps: float) -> float:
    """Metres of ``profile`` covered at a sustained speed of at least ``speed_mps``."""
    first = int(np.ceil(speed_mps / SPEED_BIN_MPS - 1e-9))
    return float(profile[max(first, 0) :].sum())


def profile_from_times(
    times: Sequence[datetime | None], distance_m: Sequence[float] | np.ndarray
) -> np.ndarray | None:
    """:func:`speed_profile` from aware datetimes (``None`` where a sample has no time)."""
    seconds = np.array([t.timestamp() if t is not None else np.nan for t in times], dtype="float64")
    return speed_profile(seconds, np.asarray(distance_m, dtype="float64"))
