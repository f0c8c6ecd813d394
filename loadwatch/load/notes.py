"""Notes, not alarms: runs in the heat, cross-training, and beginner advice.

Notes are :class:`~loadwatch.rules.ruleset.Finding` objects with severity
``"note"``, in the same list as the alarms so a report can show them beside
the week they belong to; :attr:`Finding.is_alarm` tells them apart.

* ``heat-note`` — one per athlete-week with runs at or above
  ``temperature_c`` (the FIT average temperature, else the maximum). It
  suggests easing the pace and drinking to thirst, and says plainly that cramps
  are *not* explained by heat or dehydration (Schwellnus et al. 2011; Miller et
  al. 2022).
* ``cross-training-note`` — one per athlete-week with rides, swims and the
  like: fitness that spares the calf; never added to running distance.
* ``beginner-note`` — one per athlete whose records hold fewer than
  ``min_history_weeks`` weeks of running: the gentler beginner advice.

References
----------
Schwellnus MP et al. Increased running speed and previous cramps rather than
dehydration or serum sodium changes predict exercise-associated muscle
cramping. *Br J Sports Med* 2011;45(8):650–656. doi:10.1136/bjsm.2010.078535

Miller KC et al. An evidence-based review of the pathophysiology, treatment,
and prevention of exercise-associated muscle cramps. *J Athl Train*
2022;57(1):5–15. doi:10.4085/1062-6050-0696.20

Buist I et al. No effect of a graded training program on the number of
running-related injuries in novice runners. *Am J Sports Med*
2008;36(1):33–39. doi:10.1177/0363546507307505
"""

from __future__ import annotations

import pandas as pd

from loadwatch.load.common import Voice, as_date, sentence, weeks_phrase
from loadwatch.load.weekly import WeekStart, heat_temperature_c, week_starts
from loadwatch.rules.ruleset import Finding, RuleSet

HEAT_ID = "heat-note"
CROSS_ID = "cross-training-note"
BEGINNER_ID = "beginner-note"


def heat_runs(timeline: pd.DataFrame, temperature_c: float) -> pd.DataFrame:
    """The runs recorded at or above ``temperature_c`` [°C], with their temperature."""
    temperature = heat_temperature_c(timeline)
    hot = timeline["is_run"] & (temperature >= temperature_c)
    return timeline.loc[hot].assign(temperature_c=temperature[hot])


def heat_notes(
    timeline: pd.DataFrame, rules: RuleSet, *, week_start: WeekStart = "monday"
) -> list[Finding]:
    """``heat-note`` findings, one per athlete-week with runs in the heat.

    Dated on the week's last hot run; ``value`` is the hottest run's temperature [°C].
    """
    rule = rules[HEAT_ID]
    limit = float(rule.param("temperature_c"))
    hot = heat_runs(timeline, limit)
    if hot.empty:
        return []
    hot = hot.assign(week_start=week_starts(hot, week_start))
    weeks = hot.groupby(["athlete", "week_start"], sort=True).agg(
        n=("start_local", "size"),
        last=("start_local", "max"),
        hottest=("temperature_c", "max"),
        seconds=("duration_s", "sum"),
    )
    findings = []
    for (athlete, week), row in zip(weeks.index, weeks.itertuples(index=False), strict=True):
        runs_text = "1 run" if row.n == 1 else f"{row.n} runs"
        numbers = (
            f"{runs_text} in the week of {as_date(week)} recorded {limit:.0f} °C or more "
            f"(hottest {row.hottest:.0f} °C, {row.seconds / 60:.0f} min in all; a watch on the "
            "wrist reads warmer than the air)."
        )
        advice = (
            f"Next week: on days of {limit:.0f} °C or more keep the pace easy by feel, drink "
            "to thirst and keep the hardest runs for cool hours (drinking more is not a proven "
            "cure for cramps)."
        )
        findings.append(
            rules.finding(
                HEAT_ID,
                athlete=athlete,
                severity="note",
                date=as_date(row.last),
                week_start=as_date(week),
                value=round(float(row.hottest), 1),
                threshold=limit,
                numbers=sentence(numbers),
                advice=advice,
            )
        )
    return findings


def cross_training_notes(
    timeline: pd.DataFrame, rules: RuleSet, *, week_start: WeekStart = "monday"
) -> list[Finding]:
    """``cross-training-note`` findings, one per athlete-week with cross-training.

    Dated on the week's last such session; ``value`` is its total time [h].
    """
    rule = rules[CROSS_ID]
    sports = set(rule.param("sports"))
    other = timeline[~timeline["is_run"] & timeline["sport"].isin(sports)]
    if other.empty:
        return []
    other = other.assign(
        week_start=week_starts(other, week_start),
        hours=other["duration_s"].fillna(other["elapsed_s"]).fillna(0.0) / 3600.0,
        label=other["sport"].str.replace("_", " "),
    )
    keys = ["athlete", "week_start"]
    weeks = other.groupby(keys, sort=True).agg(hours=("hours", "sum"), last=("start_local", "max"))
    counts = other.groupby([*keys, "label"], sort=True).size()
    findings = []
    for (athlete, week), row in zip(weeks.index, weeks.itertuples(index=False), strict=True):
        mine = counts.loc[(athlete, week)]
        what = ", ".join(f"{n} {label}" for label, n in mine.items())
        numbers = (
            f"Cross-training in the week of {as_date(week)}: {what} ({row.hours:.1f} h), not "
            "added to the running distance."
        )
        advice = (
            f"Next week: {row.hours:.1f} h like this adds fitness with far less load on the calf "
            "and Achilles than running, while the running builds slowly."
        )
        findings.append(
            rules.finding(
                CROSS_ID,
                athlete=athlete,
                severity="note",
                date=as_date(row.last),
                week_start=as_date(week),
                value=round(float(row.hours), 2),
                threshold=0.0,
                numbers=numbers,
                advice=advice,
            )
        )
    return findings


def beginner_notes(
    timeline: pd.DataFrame,
    rules: RuleSet,
    *,
    week_start: WeekStart = "monday",
    roster: bool = False,
) -> list[Finding]:
    """``beginner-note`` findings: one per athlete with fewer than ``min_history_weeks`` weeks.

    Dated on the athlete's latest run; ``value`` is the number of training weeks on
    record (from the first run's week to the last run's, zero weeks included).
    ``roster`` (a coach's roster) names the athlete in the message instead of "your".
    """
    rule = rules[BEGINNER_ID]
    need = float(rule.param("min_history_weeks"))
    runs = timeline[timeline["is_run"]]
    if runs.empty:
        return []
    runs = runs.assign(week_start=week_starts(runs, week_start))
    spans = runs.groupby("athlete", sort=True).agg(
        first_week=("week_start", "min"),
        last_week=("week_start", "max"),
        last_run=("start_local", "max"),
    )
    # Training weeks on record: from the first run's week to the last run's, zero weeks too.
    spans["weeks"] = (spans["last_week"] - spans["first_week"]).dt.days // 7 + 1
    findings = []
    for athlete, row in spans[spans["weeks"] < need].iterrows():
        voice = Voice.of(str(athlete), roster)
        numbers = sentence(
            f"{voice.whose} files hold {weeks_phrase(int(row['weeks']))} of running, fewer "
            f"than {need:.0f}: too little to know the usual load, so the other findings are "
            "rough."
        )
        left = max(int(need) - int(row["weeks"]), 1)
        advice = (
            f"For the next {weeks_phrase(left)}: run-walk at an easy, talking pace, a rest "
            "day between runs, and the same week again until runs feel easy and the calves "
            "are not sore the next day."
        )
        findings.append(
            rules.finding(
                BEGINNER_ID,
                athlete=athlete,
                severity="note",
                date=as_date(row["last_run"]),
                week_start=as_date(row["last_week"]),
                value=float(row["weeks"]),
                threshold=need,
                numbers=numbers,
                advice=advice,
            )
        )
    return findings
