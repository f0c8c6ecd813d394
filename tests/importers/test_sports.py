"""One sport vocabulary for every format; what counts as running."""

from __future__ import annotations

import pytest

from loadwatch.importers.sports import is_running, normalize_sport


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Run", ("running", None)),
        ("running", ("running", None)),
        ("Trail Run", ("running", "trail")),
        ("VirtualRun", ("running", "virtual_activity")),
        ("9", ("running", None)),  # Strava GPX code
        ("1", ("cycling", None)),
        ("16", ("swimming", None)),
        ("Biking", ("cycling", None)),  # TCX
        ("Other", ("unknown", None)),
        ("fitness_equipment", ("fitness_equipment", None)),  # FIT names pass through
        ("transition", ("transition", None)),
        ("cross_country_skiing", ("cross_country_skiing", None)),
        ("generic", ("unknown", None)),
        (61, ("61", None)),  # an unknown FIT code is kept
        ("9999", ("unknown", None)),
        ("", ("unknown", None)),
        (None, ("unknown", None)),
        ("Underwater basket weaving", ("unknown", None)),
    ],
)
def test_normalize_sport(raw: object, expected: tuple[str, str | None]) -> None:
    assert normalize_sport(raw) == expected


def test_only_running_is_running() -> None:
    assert is_running("running")
    for sport in ("cycling", "walking", "hiking", "swimming", "unknown", "61", "transition"):
        assert not is_running(sport)
