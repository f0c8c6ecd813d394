"""What the public functions accept: a path, an import, or a timeline DataFrame.

:func:`loadwatch.check`, :func:`loadwatch.weekly_load`, :func:`loadwatch.write_report`
and the other entry points take any of

* a path (``str`` or :class:`os.PathLike`): imported with
  :func:`~loadwatch.timeline.build.import_activities`;
* an :class:`~loadwatch.timeline.build.ImportResult`;
* a timeline DataFrame (``result.timeline``, or rows of it): its import is found
  through ``timeline.attrs`` (:func:`~loadwatch.timeline.build.import_of`) while
  it is still in memory. Without it, the functions that can work from the
  timeline alone do so with a :class:`UserWarning`; the others raise
  :class:`TypeError` naming the call to make.

Anything else is a :class:`TypeError` that names what to pass.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from loadwatch.schema import ATTRS_KEY
from loadwatch.timeline.build import ImportResult, import_activities, import_of
from loadwatch.timeline.settings import SettingsOverride
from loadwatch.units import UNITS

__all__ = ["as_import", "attrs_athletes", "timeline_alone_warning", "with_units"]

#: Columns a DataFrame needs to be taken for a timeline.
_TIMELINE_COLUMNS = ("athlete", "start_local", "is_run")


def _wrong_type(caller: str, source: object) -> TypeError:
    return TypeError(
        f"{caller}() takes an ImportResult from lw.import_activities(path), a path, "
        f"or a timeline DataFrame; got {type(source).__name__}"
    )


def attrs_athletes(timeline: pd.DataFrame) -> Mapping[str, Any]:
    """Athlete → ``{"week_start", "units", "folder"}`` from ``timeline.attrs`` (else empty)."""
    meta = timeline.attrs.get(ATTRS_KEY, {})
    athletes = meta.get("athletes", {}) if isinstance(meta, Mapping) else {}
    return athletes if isinstance(athletes, Mapping) else {}


def with_units(result: ImportResult, units: str | None) -> ImportResult:
    """``result`` with every athlete's display units set to ``units`` (None: as it is)."""
    if units is None:
        return result
    override = SettingsOverride(units=units)
    settings = {name: override.apply(s) for name, s in result.settings.items()}
    return replace(result, settings=settings)


def timeline_alone_warning(named: bool, hint: str, stacklevel: int) -> None:
    """Warn that a timeline is used without its import (``named``: its import is gone)."""
    why = (
        "the import this timeline came from is no longer in memory"
        if named
        else "this timeline has no laps or speed streams with it"
    )
    warnings.warn(
        f"{why}: fast_km is not computed, speedwork-increase cannot fire and the shoe "
        f"rules are not run; {hint}",
        UserWarning,
        stacklevel=stacklevel + 1,
    )


def as_import(
    source: object,
    caller: str,
    *,
    units: str | None = None,
    timeline_ok: bool = False,
) -> ImportResult | pd.DataFrame:
    """The import ``source`` stands for (see the module docstring).

    Parameters
    ----------
    source
        A path, an :class:`ImportResult` or a timeline DataFrame.
    caller
        The public function's name, for the error message.
    units
        ``"km"``/``"mi"``: every athlete's display units, as ``--units``.
    timeline_ok
        Return a timeline whose import is gone as the DataFrame (the caller
        works from it alone and warns); otherwise that is a :class:`TypeError`.

    Returns
    -------
    ImportResult or pandas.DataFrame
        An import (with ``source`` as its timeline when a DataFrame was given),
        or the DataFrame itself (only with ``timeline_ok``).

    Raises
    ------
    TypeError
        ``source`` is none of these, or a timeline without its import where one is needed.
    ValueError
        ``units`` is not one of :data:`~loadwatch.timeline.settings.UNITS`.
    """
    if units is not None and units not in UNITS:
        raise ValueError(f"units= must be one of {', '.join(UNITS)}; got {units!r}")
    if isinstance(source, ImportResult):
        return with_units(source, units)
    if isinstance(source, str | os.PathLike):
        overrides = SettingsOverride(units=units) if units is not None else None
        return import_activities(Path(source), overrides=overrides)
    if isinstance(source, pd.DataFrame):
        missing = [c for c in _TIMELINE_COLUMNS if c not in source.columns]
        if missing:
            raise TypeError(
                f"{caller}() takes an activity timeline (lw.import_activities(path).timeline); "
                f"this DataFrame has no {', '.join(missing)}"
            )
        named, result = import_of(source)
        if result is not None:
            return with_units(replace(result, timeline=source), units)
        if timeline_ok:
            return source
        why = "its import is no longer in memory" if named else "it has no import with it"
        raise TypeError(
            f"{caller}() needs the import a timeline came from (laps, settings, folders) "
            f"and {why}; pass lw.import_activities(path) or the path"
        )
    raise _wrong_type(caller, source)
