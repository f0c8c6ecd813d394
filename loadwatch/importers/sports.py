"""Sport names: one vocabulary for FIT, GPX, TCX and Strava, and what counts as running.

loadwatch uses the FIT profile's lower-case sport names (``running``,
``cycling``, ``swimming`` ...) everywhere. Files that name their sport another
way (GPX ``<type>Run</type>``, Strava's numeric GPX codes, TCX
``Sport="Biking"``) are mapped here, in one place.
"""

from __future__ import annotations

import re
from functools import cache


@cache
def fit_sports() -> frozenset[str]:
    """The FIT profile's own sport names (fitparse's profile): they pass through unchanged.

    Read on first use, not at import: a warm run whose activities all come from the
    cache never loads the FIT profile.
    """
    from fitparse.profile import FIELD_TYPES  # a heavy module, needed only for names

    return frozenset(FIELD_TYPES["sport"].values.values())


#: Sports whose distance is running load on the calf and Achilles.
RUNNING_SPORTS = frozenset({"running"})

#: Sub-sports of ``running`` (FIT profile) that are still running.
#: Every running sub-sport counts, treadmill and track included.

#: Strava's numeric activity-type codes as they appear in GPX ``<type>``.
#: Source: the codes seen in Strava GPX exports (1 Ride, 9 Run, 16 Swim, 17 Ride
#: variants); unknown numbers stay ``"unknown"`` with the raw value kept.
STRAVA_GPX_CODES: dict[str, str] = {
    "1": "cycling",
    "2": "alpine_skiing",
    "3": "cross_country_skiing",
    "4": "hiking",
    "5": "ice_skating",
    "6": "inline_skating",
    "7": "cross_country_skiing",
    "8": "alpine_skiing",
    "9": "running",
    "10": "walking",
    "11": "cycling",
    "12": "rowing",
    "13": "snowshoeing",
    "14": "snowboarding",
    "15": "stand_up_paddleboarding",
    "16": "swimming",
    "17": "cycling",
    "18": "kayaking",
    "19": "rock_climbing",
}

#: Free-text sport names (GPX ``<type>``, TCX ``Sport``, Strava ``Activity Type``),
#: compared after lower-casing and removing spaces, dashes and underscores.
_TEXT_SPORTS: dict[str, tuple[str, str | None]] = {
    "run": ("running", None),
    "running": ("running", None),
    "trailrun": ("running", "trail"),
    "trailrunning": ("running", "trail"),
    "virtualrun": ("running", "virtual_activity"),
    "treadmill": ("running", "treadmill"),
    "treadmillrunning": ("running", "treadmill"),
    "indoorrunning": ("running", "indoor_running"),
    "trackrunning": ("running", "track"),
    "streetrunning": ("running", "street"),
    "ride": ("cycling", None),
    "biking": ("cycling", None),
    "bike": ("cycling", None),
    "cycling": ("cycling", None),
    "roadbiking": ("cycling", "road"),
    "mountainbiking": ("cycling", "mountain"),
    "mountainbikeride": ("cycling", "mountain"),
    "gravelride": ("cycling", "gravel_cycling"),
    "virtualride": ("cycling", "virtual_activity"),
    "ebikeride": ("e_biking", None),
    "indoorcycling": ("cycling", "indoor_cycling"),
    "swim": ("swimming", None),
    "swimming": ("swimming", None),
    "openwaterswimming": ("swimming", "open_water"),
    "lapswimming": ("swimming", "lap_swimming"),
    "walk": ("walking", None),
    "walking": ("walking", None),
    "hike": ("hiking", None),
    "hiking": ("hiking", None),
    "rowing": ("rowing", None),
    "row": ("rowing", None),
    "rockclimbing": ("rock_climbing", None),
    "climbing": ("rock_climbing", None),
    "elliptical": ("fitness_equipment", "elliptical"),
    "stairstepper": ("fitness_equipment", "stair_climbing"),
    "weighttraining": ("training", "strength_training"),
    "workout": ("training", None),
    "yoga": ("training", "yoga"),
    "crossfit": ("training", None),
    "nordicski": ("cross_country_skiing", None),
    "alpineski": ("alpine_skiing", None),
    "standuppaddling": ("stand_up_paddleboarding", None),
    "kayaking": ("kayaking", None),
    "other": ("unknown", None),
}


def normalize_sport(raw: object) -> tuple[str, str | None]:
    """Map a sport as some file spells it to loadwatch's ``(sport, sub_sport)``.

    Parameters
    ----------
    raw
        ``"Run"``, ``"9"`` (Strava GPX code), ``"Biking"`` (TCX), ``"running"``
        (FIT), an int (an unknown FIT code) or ``None``.

    Returns
    -------
    tuple
        ``(sport, sub_sport)``. ``sport`` is ``"unknown"`` where ``raw`` is empty
        or unrecognised text; an integer (an unknown FIT code) is kept as its
        number in a string so that nothing is lost.
    """
    if raw is None:
        return "unknown", None
    if isinstance(raw, int):
        return str(raw), None
    text = str(raw).strip()
    if not text:
        return "unknown", None
    if text.isdigit():
        return STRAVA_GPX_CODES.get(text, "unknown"), None
    if text in fit_sports() and text not in ("generic", "all"):
        return text, None
    key = re.sub(r"[\s_\-]+", "", text.lower())
    if key in _TEXT_SPORTS:
        return _TEXT_SPORTS[key]
    return "unknown", None


def is_running(sport: str) -> bool:
    """True where the sport's distance is running load (every running sub-sport)."""
    return sport in RUNNING_SPORTS
