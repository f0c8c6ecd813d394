"""Notes, not alarms: heat, cross-training and beginners."""

from __future__ import annotations

from datetime import date

import numpy as np

from loadwatch.load import notes
from loadwatch.rules.ruleset import load_rules

from load_frames import run, timeline_of, week_runs

RULES = load_rules()
MON = date(2026, 1, 5)


def test_heat_note_once_per_week_with_hot_runs() -> None:
    rows = [
        run("2026-06-02 18:00", 8.0, avg_temperature_c=27.0),
        run("2026-06-04 18:00", 8.0, avg_temperature_c=31.0),
        run("2026-06-06 07:00", 8.0, avg_temperature_c=18.0),
        run("2026-06-09 07:00", 8.0, avg_temperature_c=np.nan, max_temperature_c=26.0),
        run("2026-06-16 07:00", 8.0, avg_temperature_c=24.0),
    ]
    found = notes.heat_notes(timeline_of(rows), RULES)
    assert [(f.week_start, f.date, f.value) for f in found] == [
        (date(2026, 6, 1), date(2026, 6, 4), 31.0),
        (date(2026, 6, 8), date(2026, 6, 9), 26.0),
    ]
    assert all(f.severity == "note" and not f.is_alarm for f in found)
    message = found[0].message
    assert message.startswith("2 runs in the week of 2026-06-01")
    assert "drink to thirst" in message
    # The evidence sheet: do not blame cramps on heat or dehydration, or promise drinking helps.
    assert "not a proven cure" in message
    assert "have not been shown to cause cramps" in found[0].evidence_note
    assert "prevent cramps" not in message


def test_cross_training_note_counts_rides_and_swims_not_walks() -> None:
    rows = [
        run("2026-06-02 18:00", 25.0, sport="cycling", pace_s_per_km=120),
        run("2026-06-03 07:00", 1.5, sport="swimming", pace_s_per_km=1300),
        run("2026-06-04 07:00", 5.0, sport="walking", pace_s_per_km=600),
        run("2026-06-05 07:00", 8.0),
    ]
    found = notes.cross_training_notes(timeline_of(rows), RULES)
    assert len(found) == 1
    note = found[0]
    assert note.week_start == date(2026, 6, 1) and note.date == date(2026, 6, 3)
    assert note.value == round((25 * 120 + 1.5 * 1300) / 3600, 2)
    assert "1 cycling, 1 swimming" in note.message
    assert "not added to the running distance" in note.message
    assert f"{note.value:.1f} h" in note.advice


def test_beginner_note_for_fewer_than_8_weeks_only() -> None:
    short = notes.beginner_notes(timeline_of(week_runs(MON, [10] * 7, 3)), RULES)
    assert len(short) == 1 and short[0].severity == "note"
    assert short[0].date == date(2026, 2, 22)  # the latest run
    assert short[0].week_start == date(2026, 2, 16)
    assert short[0].value == 7
    assert "7 weeks of running" in short[0].message
    assert notes.beginner_notes(timeline_of(week_runs(MON, [10] * 8, 3)), RULES) == []


def test_no_activities_no_notes() -> None:
    empty = timeline_of([])
    assert notes.heat_notes(empty, RULES) == []
    assert notes.cross_training_notes(empty, RULES) == []
    assert notes.beginner_notes(empty, RULES) == []
