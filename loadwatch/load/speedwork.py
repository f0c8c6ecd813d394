"""Fast running per run, and ``speedwork-increase``: more fast running than usual.

*Fast distance* of a run is, in this order:

1. for a structured workout (a FIT file whose laps carry workout intensities
   such as warm-up, rest or cool-down): the distance of its ``active``/
   ``interval`` laps that were faster than the athlete's fast line (or whose
   speed is unknown);
2. otherwise, from the run's speed profile (:mod:`loadwatch.importers.streams`, computed
   from time and distance, so GPX files with only positions work too): the
   distance covered while the speed *held for a minute* was at or above the
   fast line;
3. otherwise unknown (NaN, counted as 0 in weekly sums) — also for hilly runs
   (``hilly_m_per_km`` or more climbing per km), whose fast stretches are mostly
   easy downhills: the profile holds speed, not grade.

A run with less than ``min_run_fast_km`` of fast distance counts as 0: a few
strides or a quick downhill inside an easy run are not a session.

The *fast line* is ``1 + fast_margin`` times the athlete's *easy speed*: the
median, over the runs of the last ``easy_window_days`` days, of each run's
typical speed (the distance-weighted median of its speed profile, else its
average speed). Most runs are easy, so the median is the athlete's own easy pace.

A heuristic: a randomised trial found no difference in injuries between
progressing intensity and progressing volume.

References
----------
Ramskov D et al. Run Clever — no difference in risk of injury when comparing
progression in running volume and running intensity in recreational runners:
a randomised trial. *BMJ Open Sport Exerc Med* 2018;4(1):e000333.
doi:10.1136/bmjsem-2017-000333
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from loadwatch.importers.streams import N_SPEED_BINS, SPEED_BIN_MPS
from loadwatch.load.common import (
    YOU,
    Voice,
    above,
    as_date,
    established,
    largest_within,
    sentence,
    threshold,
    week_index,
)
from loadwatch.load.weekly import WeekStart, weekly_table
from loadwatch.rules.ruleset import Finding, Rule, RuleSet
from loadwatch.units import Units, distance_text, limit_text, pace_text, unit_of

RULE_ID = "speedwork-increase"

#: Values of :func:`run_speeds`' ``fast_source`` column: workout laps, the speed
#: stream, a hilly run whose stream is not used, or nothing to go by.
FAST_SOURCES = ("laps", "stream", "hilly", "none")


def _profile_matrix(ids: pd.Series, profiles: Mapping[str, np.ndarray] | None) -> np.ndarray:
    """Profiles of ``ids`` as rows of an array; NaN rows where there is none."""
    matrix = np.full((len(ids), N_SPEED_BINS), np.nan)
    if profiles:
        for i, activity_id in enumerate(ids):
            profile = profiles.get(activity_id)
            if profile is not None and len(profile) == N_SPEED_BINS:
                matrix[i] = profile
    return matrix


def _median_speed(matrix: np.ndarray) -> np.ndarray:
    """Distance-weighted median speed of each profile row [m/s] (bin centre); NaN if empty."""
    total = matrix.sum(axis=1)
    cumulative = np.cumsum(np.nan_to_num(matrix), axis=1)
    half = (cumulative >= (total / 2.0)[:, None]).argmax(axis=1)
    speed = (half + 0.5) * SPEED_BIN_MPS
    return np.where(np.isfinite(total) & (total > 0), speed, np.nan)


def _faster_than_m(matrix: np.ndarray, speed_mps: np.ndarray) -> np.ndarray:
    """Metres of each profile row at or above ``speed_mps`` (one speed per row)."""
    tail = np.cumsum(matrix[:, ::-1], axis=1)[:, ::-1]  # tail[:, k] = sum of bins k..end
    tail = np.concatenate([tail, np.zeros((len(matrix), 1))], axis=1)
    first = np.ceil(speed_mps / SPEED_BIN_MPS - 1e-9)
    first = np.clip(np.nan_to_num(first, nan=N_SPEED_BINS), 0, N_SPEED_BINS).astype(int)
    out = tail[np.arange(len(matrix)), first]
    return np.where(np.isfinite(speed_mps), out, np.nan)


def run_speeds(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None,
    profiles: Mapping[str, np.ndarray] | None,
    rule: Rule,
) -> pd.DataFrame:
    """Typical, easy and fast speeds and the fast distance of every run.

    Parameters
    ----------
    timeline
        The activity timeline; only ``is_run`` rows are used.
    laps
        The lap table (:data:`loadwatch.timeline.build.LAP_COLUMNS`), or ``None``.
    profiles
        Speed profile per ``activity_id`` (:func:`loadwatch.importers.streams.speed_profile`),
        or ``None``.
    rule
        The ``speedwork-increase`` rule.

    Returns
    -------
    pandas.DataFrame
        Indexed like the runs of ``timeline``: ``athlete, start_local,
        typical_mps, easy_mps, fast_line_mps`` [m/s], ``fast_km`` [km] and
        ``fast_source`` (:data:`FAST_SOURCES`).
    """
    p = rule.params
    runs = timeline.loc[timeline["is_run"], ["athlete", "activity_id", "start_local"]].copy()
    matrix = _profile_matrix(runs["activity_id"], profiles)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = (
            timeline.loc[runs.index, "distance_km"]
            * 1000.0
            / timeline.loc[runs.index, "duration_s"].where(lambda s: s > 0)
        )
    runs["typical_mps"] = pd.Series(_median_speed(matrix), index=runs.index).fillna(average)

    # Easy speed: rolling median of typical speeds over the last easy_window_days.
    runs = runs.sort_values(["athlete", "start_local"], kind="stable")
    window = f"{int(p['easy_window_days'])}D"
    easy = []
    for _, group in runs.groupby("athlete", sort=False):
        series = pd.Series(group["typical_mps"].to_numpy(), index=group["start_local"])
        rolled = series.rolling(window, min_periods=1).median()
        easy.append(pd.Series(rolled.to_numpy(), index=group.index))
    runs["easy_mps"] = pd.concat(easy) if easy else pd.Series(dtype="float64")
    runs["fast_line_mps"] = runs["easy_mps"] * (1.0 + p["fast_margin"])
    runs = runs.loc[timeline.index[timeline["is_run"]]]

    stream_m = _faster_than_m(matrix, runs["fast_line_mps"].to_numpy())
    # On hilly runs speed says little about effort (easy downhills are fast): no stream.
    climb = timeline.loc[runs.index, "ascent_m"] / timeline.loc[runs.index, "distance_km"]
    hilly = (climb >= p["hilly_m_per_km"]).to_numpy()
    runs["fast_km"] = np.where(hilly, np.nan, stream_m / 1000.0)
    runs["fast_source"] = np.select(
        [hilly & np.isfinite(stream_m), np.isfinite(stream_m)], ["hilly", "stream"], "none"
    )

    lap_km = _workout_fast_km(laps, runs, rule)
    if not lap_km.empty:
        runs.loc[lap_km.index, "fast_km"] = lap_km.to_numpy()
        runs.loc[lap_km.index, "fast_source"] = "laps"
    # A few fast stretches inside an easy run (strides, a quick downhill) are not a session.
    runs["fast_km"] = runs["fast_km"].where(
        runs["fast_km"].isna() | (runs["fast_km"] >= p["min_run_fast_km"]), 0.0
    )
    return runs.drop(columns=["activity_id"])


def _workout_fast_km(laps: pd.DataFrame | None, runs: pd.DataFrame, rule: Rule) -> pd.Series:
    """Fast lap distance [km] of the structured workouts among ``runs`` (indexed like runs)."""
    if laps is None or laps.empty:
        return pd.Series(dtype="float64")
    workout = set(rule.param("workout_intensities"))
    fast = set(rule.param("fast_intensities"))
    ids = runs.rename_axis("run_index").reset_index()[["run_index", "activity_id", "fast_line_mps"]]
    lap = laps.merge(ids, on="activity_id", how="inner")
    if lap.empty:
        return pd.Series(dtype="float64")
    intensity = lap["intensity"].astype("string").str.lower()
    is_workout = intensity.isin(workout).groupby(lap["run_index"]).transform("any")
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = lap["avg_speed_mps"].fillna(
            lap["distance_m"] / lap["timer_s"].where(lambda s: s > 0)
        )
    quick = speed.isna() | (speed >= lap["fast_line_mps"]) | lap["fast_line_mps"].isna()
    fast_m = lap["distance_m"].fillna(0.0).where(intensity.isin(fast) & quick, 0.0)
    per_run = fast_m[is_workout].groupby(lap.loc[is_workout, "run_index"]).sum() / 1000.0
    per_run.index.name = None
    return per_run


def fast_distance_km(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None = None,
    profiles: Mapping[str, np.ndarray] | None = None,
    rule: Rule | None = None,
) -> pd.Series:
    """Fast distance of every activity [km], indexed like ``timeline``.

    0 for activities that are not runs; NaN for runs with neither workout laps
    nor a speed profile. See the module docstring for the definition.
    """
    if rule is None:
        from loadwatch.rules.ruleset import load_rules

        rule = load_rules()[RULE_ID]
    speeds = run_speeds(timeline, laps, profiles, rule)
    return speeds["fast_km"].reindex(timeline.index).where(timeline["is_run"], 0.0)


def caution_line(rule: Rule) -> tuple[float, float]:
    """The caution band [%] and the least increase [km] a caution needs.

    What the rule's comparison (:func:`loadwatch.load.common.above`), its limit
    (``caution_limit_km``) and :mod:`loadwatch.load.plan` all use:
    ``(caution band, min_increase_km)``.
    """
    return rule.band("caution"), float(rule.param("min_increase_km"))


def caution_limit_km(usual_fast_km: float, rule: Rule) -> float:
    """The smallest weekly fast distance the caution band flags against ``usual_fast_km`` [km].

    ``max(usual × (1 + caution band), usual + min_increase_km)`` (a week also needs
    ``min_fast_km`` to be flagged): the threshold of a finding, the line its message
    names and what :mod:`loadwatch.load.plan` plans under.
    """
    return threshold(usual_fast_km, *caution_line(rule))


def weeks_with_fast(
    timeline: pd.DataFrame,
    laps: pd.DataFrame | None,
    profiles: Mapping[str, np.ndarray] | None,
    week_start: WeekStart,
    rules: RuleSet,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The weekly table with ``fast_km`` and ``heat_s`` filled in, and :func:`run_speeds`.

    What :func:`loadwatch.findings.check.evaluate` and :mod:`loadwatch.load.plan`
    judge: :func:`loadwatch.load.weekly.weekly_table` with each run's fast distance
    and the ``heat-note`` temperature.
    """
    speeds = run_speeds(timeline, laps, profiles, rules[RULE_ID])
    fast = speeds["fast_km"].reindex(timeline.index).where(timeline["is_run"], 0.0)
    heat_c = float(rules["heat-note"].param("temperature_c"))
    weeks = weekly_table(timeline, week_start, fast_km=fast, heat_c=heat_c)
    return weeks, speeds


def speedwork_change(weeks: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    """Weekly fast distance against the usual, with the weeks flagged.

    Parameters
    ----------
    weeks
        A weekly table whose ``fast_km`` is filled in.
    rule
        The ``speedwork-increase`` rule.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``weeks``: ``athlete, week_start, fast_km, usual_fast_km``
        [km], ``easy_weeks`` (weeks in a row before this one with less than
        ``min_fast_km``), ``judged`` (past the first ``min_history_weeks``) and
        ``flagged``.
    """
    p = rule.params
    out = weeks[["athlete", "week_start", "fast_km"]].copy()
    out["fast_km"] = out["fast_km"].fillna(0.0)
    out["usual_fast_km"] = established(out, "fast_km", p["recent_weeks"], p["mean_weeks"])
    easy = out["fast_km"] < p["min_fast_km"]
    # Weeks in a row of easy running before each week.
    run_id = (~easy).groupby(out["athlete"], sort=False).cumsum()
    streak = easy.groupby([out["athlete"], run_id], sort=False).cumsum()
    out["easy_weeks"] = streak.groupby(out["athlete"], sort=False).shift(1).fillna(0).astype(int)
    out["judged"] = week_index(weeks) >= p["min_history_weeks"]
    out["flagged"] = (
        out["judged"]
        & (out["fast_km"] >= p["min_fast_km"])
        & above(out["fast_km"], out["usual_fast_km"], *caution_line(rule))
    )
    return out


def _weekly_easy_speed(weeks: pd.DataFrame, speeds: pd.DataFrame | None) -> pd.Series:
    """The easy speed of each athlete-week's last run [m/s], keyed by (athlete, week_start)."""
    if speeds is None or speeds.empty or weeks.empty:
        return pd.Series(dtype="float64")
    runs = speeds[["athlete", "start_local", "easy_mps"]].sort_values("start_local")
    starts = weeks[["athlete", "week_start"]].sort_values("week_start")
    runs = pd.merge_asof(
        runs,
        starts,
        left_on="start_local",
        right_on="week_start",
        by="athlete",
        direction="backward",
    )
    return runs.groupby(["athlete", "week_start"])["easy_mps"].last()


def _message(
    row: Any, rule: Rule, easy_mps: float, unit: str = "km", voice: Voice = YOU
) -> tuple[str, str]:
    """The line of numbers and the advice of a flagged week (in ``unit``).

    The advice's number is the most fast running the week could have held within the
    caution line (:func:`~loadwatch.load.common.largest_within` of the usual, as
    :mod:`loadwatch.load.plan` uses), rounded down in the runner's unit.
    """

    def km(value: float) -> str:
        return distance_text(value, unit)

    limit = caution_limit_km(row.usual_fast_km, rule)
    margin = rule.param("fast_margin") * 100
    line = (
        f" (at {pace_text(easy_mps * (1 + margin / 100), unit)} or faster, {margin:.0f}% "
        f"quicker than {voice.whose} easy {pace_text(easy_mps, unit)})"
        if np.isfinite(easy_mps)
        else ""
    )
    first = f", the first after {row.easy_weeks} easy weeks" if row.easy_weeks >= 2 else ""
    numbers = sentence(
        f"{km(row.fast_km)} of fast running{line} in the week of {as_date(row.week_start)}"
        f"{first}; usual {km(row.usual_fast_km)} a week, caution line {km(limit)}."
    )
    within = largest_within(row.usual_fast_km, *caution_line(rule), 2)
    advice = (
        f"Next week (from {as_date(row.week_start + pd.Timedelta(days=7))}): keep "
        f"{voice.whose} fast running to {limit_text(within, unit)} or less, in one session "
        "with easy days either side."
    )
    return numbers, advice


def evaluate(
    weeks: pd.DataFrame,
    rules: RuleSet,
    speeds: pd.DataFrame | None = None,
    *,
    units: Units = "km",
    roster: bool = False,
) -> list[Finding]:
    """``speedwork-increase`` findings, one per flagged athlete-week (dated on its last day).

    Parameters
    ----------
    weeks
        A weekly table with ``fast_km`` filled in.
    rules
        The rule set.
    speeds
        :func:`run_speeds` output, used to name the athlete's easy pace in the
        message; optional.
    units
        ``"km"``/``"mi"`` for everyone, or athlete → unit: the distances and paces
        of the message (``value`` and ``threshold`` stay in km).
    roster
        True for a coach's roster: the message names the athlete instead of "you".
    """
    rule = rules[RULE_ID]
    change = speedwork_change(weeks, rule)
    easy = _weekly_easy_speed(weeks, speeds)
    findings = []
    for row in change[change["flagged"]].itertuples(index=False):
        limit = caution_limit_km(row.usual_fast_km, rule)
        easy_mps = float(easy.get((row.athlete, pd.Timestamp(row.week_start)), np.nan))
        numbers, advice = _message(
            row, rule, easy_mps, unit_of(units, row.athlete), Voice.of(row.athlete, roster)
        )
        findings.append(
            rules.finding(
                RULE_ID,
                athlete=row.athlete,
                severity="caution",
                date=as_date(row.week_start + pd.Timedelta(days=6)),
                week_start=as_date(row.week_start),
                value=round(float(row.fast_km), 2),
                threshold=round(limit, 2),
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
