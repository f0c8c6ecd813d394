"""``DataFrame.loadwatch``: the timeline's own methods, for notebooks.

Importing this module (``import loadwatch`` does) registers the accessor on
every DataFrame (it loads only pandas: the methods load what they use); it
works on an activity timeline
(:data:`loadwatch.timeline.build.COLUMNS`)::

    import loadwatch as lw

    result = lw.import_activities("team/")
    timeline = result.timeline
    timeline.loadwatch.weekly()                  # = lw.weekly_load(result)
    timeline.loadwatch.findings()                # = lw.findings_frame(lw.check(result))
    timeline.loadwatch.plan()                    # = lw.plan(result)
    timeline.loadwatch.daily_load()              # = lw.daily_load(result)
    timeline.loadwatch.plot_weekly(athlete="Ann Lee")

    ann = timeline[timeline["athlete"] == "Ann Lee"]
    ann.loadwatch.weekly()                       # from the timeline alone

A timeline from an import (or rows of one) finds that import by itself while
it is in memory: ``timeline.attrs`` names it
(:func:`loadwatch.timeline.build.import_of`), so ``result=`` is only needed for a
timeline that lost it (read back from a file, or built by hand).

What the timeline alone cannot give: ``fast_km`` needs the laps and speed
streams of the import, so without its import the weekly ``fast_km`` is NaN
(not computed), the ``speedwork-increase`` rule cannot fire, the plan's
``fast_km_max`` is found without laps or speed streams, and the shoe rules
(which read ``loadwatch.toml`` and the athlete's folder) are not run; a
:class:`UserWarning` says so (and says when the import is named but gone). Pass
``result=`` (the :class:`~loadwatch.timeline.build.ImportResult` the timeline
came from, or a superset) and the numbers are exactly the CLI's.

Each athlete's week start is taken, in order, from ``week_start=``, from
``result=``, from ``timeline.attrs["loadwatch"]`` (see :data:`ATTRS_KEY`),
else Monday.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from loadwatch.schema import ATTRS_KEY, TIMELINE

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from loadwatch.findings.collection import Findings
    from loadwatch.load.weekly import WeekStart
    from loadwatch.rules.ruleset import RuleSet
    from loadwatch.timeline.build import ImportResult

#: Timeline columns the accessor needs (``required`` in :data:`loadwatch.schema.TIMELINE`).
REQUIRED_COLUMNS = tuple(c.name for c in TIMELINE.columns if c.required)

__all__ = ["ATTRS_KEY", "REQUIRED_COLUMNS", "TimelineAccessor"]


def _no_context_warning(named: bool, stacklevel: int = 4) -> None:
    # Called from TimelineAccessor._check, called by check() or findings(): the user is 4 up.
    from loadwatch.timeline.source import timeline_alone_warning

    hint = "pass result= (the import it came from) for the full check"
    timeline_alone_warning(named, hint, stacklevel=stacklevel)


@pd.api.extensions.register_dataframe_accessor("loadwatch")
class TimelineAccessor:
    """loadwatch methods on an activity timeline (``timeline.loadwatch``).

    Parameters
    ----------
    timeline
        A DataFrame with at least :data:`REQUIRED_COLUMNS`.

    Raises
    ------
    AttributeError
        The DataFrame is not an activity timeline (names the missing columns).
    """

    def __init__(self, timeline: pd.DataFrame) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in timeline.columns]
        if missing:
            raise AttributeError(
                "loadwatch works on an activity timeline (loadwatch.read or "
                f"import_activities(...).timeline); this table has no {', '.join(missing)}"
            )
        self._obj = timeline

    # -- context --------------------------------------------------------------------

    def _attrs_athletes(self) -> Mapping[str, Any]:
        meta = self._obj.attrs.get(ATTRS_KEY, {})
        athletes = meta.get("athletes", {}) if isinstance(meta, Mapping) else {}
        return athletes if isinstance(athletes, Mapping) else {}

    @property
    def athletes(self) -> list[str]:
        """The athletes in the timeline, sorted."""
        return sorted(map(str, self._obj["athlete"].unique()))

    def week_starts(
        self, week_start: WeekStart | None = None, result: ImportResult | None = None
    ) -> dict[str, str]:
        """Athlete → week start (``monday``/``sunday``) as the methods use it.

        Parameters
        ----------
        week_start
            One week start for everyone, or athlete → week start; wins over the rest.
        result
            The import: each athlete's ``loadwatch.toml`` value.
        """
        known = self._attrs_athletes()
        out: dict[str, str] = {}
        for athlete in self.athletes:
            value: str = "monday"
            info = known.get(athlete)
            if isinstance(info, Mapping) and info.get("week_start") in ("monday", "sunday"):
                value = str(info["week_start"])
            if result is not None and athlete in result.settings:
                value = result.settings[athlete].week_start
            if isinstance(week_start, str):
                value = week_start
            elif week_start is not None and athlete in week_start:
                value = week_start[athlete]
            out[athlete] = value
        return out

    def units(self, result: ImportResult | None = None) -> dict[str, str]:
        """Athlete → display units (``km``/``mi``) from ``result`` or the attrs; else km."""
        known = self._attrs_athletes()
        out: dict[str, str] = {}
        for athlete in self.athletes:
            info = known.get(athlete)
            value = "km"
            if isinstance(info, Mapping) and info.get("units") in ("km", "mi"):
                value = str(info["units"])
            if result is not None and athlete in result.settings:
                value = result.settings[athlete].units
            out[athlete] = value
        return out

    def _origin(self, result: ImportResult | None) -> tuple[bool, ImportResult | None]:
        """``result``, else the import ``timeline.attrs`` names (and whether it names one)."""
        if result is not None:
            return True, result
        from loadwatch.timeline.build import import_of

        return import_of(self._obj)

    def _result(self, result: ImportResult, week_start: WeekStart | None) -> ImportResult:
        """``result`` with this timeline (and ``week_start`` applied to its settings)."""
        settings = dict(result.settings)
        for athlete, start in self.week_starts(week_start, result).items():
            if athlete in settings:
                settings[athlete] = replace(settings[athlete], week_start=start)
        return replace(result, timeline=self._obj, settings=settings)

    # -- tables ---------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        """The rows that count as running load (``is_run``)."""
        return self._obj[self._obj["is_run"].astype(bool)]

    def athlete(self, name: str) -> pd.DataFrame:
        """One athlete's rows (exact name)."""
        if name not in self.athletes:
            raise KeyError(f"no athlete called {name!r} (athletes: {', '.join(self.athletes)})")
        return self._obj[self._obj["athlete"] == name]

    def weekly(
        self,
        week_start: WeekStart | None = None,
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
    ) -> pd.DataFrame:
        """Weekly running totals per athlete, zero weeks included.

        Parameters
        ----------
        week_start
            ``"monday"``/``"sunday"`` or athlete → week start; by default each
            athlete's own (see the module docstring).
        result
            The import this timeline came from: gives ``fast_km`` from its laps
            and speed streams, exactly as :func:`loadwatch.weekly_load`.
        rules
            A rule set (heat line, fast-running margin); the packaged one by default.

        Returns
        -------
        pandas.DataFrame
            :data:`loadwatch.load.weekly.WEEK_COLUMNS`; without ``result`` the
            ``fast_km`` column is NaN (not computed).
        """
        from loadwatch.findings.check import weekly_load
        from loadwatch.load.weekly import weekly_table
        from loadwatch.rules.ruleset import load_rules

        rules = rules or load_rules()
        named, result = self._origin(result)
        if result is not None:
            return weekly_load(self._result(result, week_start), rules)
        if named:  # the import is gone: say so rather than leave fast_km out quietly
            _no_context_warning(named, stacklevel=3)
        heat_c = float(rules["heat-note"].param("temperature_c"))
        return weekly_table(self._obj, self.week_starts(week_start), fast_km=None, heat_c=heat_c)

    def check(
        self,
        week_start: WeekStart | None = None,
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
    ) -> Findings:
        """Every finding for this timeline (see :func:`loadwatch.check`).

        With ``result`` the findings are exactly :func:`loadwatch.check`'s for
        these rows; without it the speedwork and shoe rules are left out and a
        :class:`UserWarning` says so.
        """
        return self._check(week_start, result, rules)

    def _check(
        self,
        week_start: WeekStart | None,
        result: ImportResult | None,
        rules: RuleSet | None,
    ) -> Findings:
        from loadwatch.findings.check import check, evaluate
        from loadwatch.findings.collection import Findings
        from loadwatch.rules.ruleset import load_rules

        rules = rules or load_rules()
        named, result = self._origin(result)
        if result is not None:
            return check(self._result(result, week_start), rules)
        _no_context_warning(named)
        starts = self.week_starts(week_start)
        units = self.units()
        return Findings(
            evaluate(self._obj, None, None, week_start=starts, rules=rules, units=units)
        )

    def findings(
        self,
        week_start: WeekStart | None = None,
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
        notes: bool = True,
    ) -> pd.DataFrame:
        """:meth:`check` as a DataFrame (:func:`loadwatch.findings_frame`).

        Parameters
        ----------
        notes
            Keep the notes (heat, cross-training, beginner); ``False`` keeps only
            the alarms, like ``loadwatch check --no-notes``.
        """
        from loadwatch.findings.check import findings_frame

        found = self._check(week_start, result, rules)
        return findings_frame(found if notes else found.without_notes())

    def plan(
        self,
        as_of: date | None = None,
        *,
        week_start: WeekStart | None = None,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
    ) -> pd.DataFrame:
        """The plan ahead, one row per athlete (:func:`loadwatch.plan`).

        Parameters
        ----------
        as_of
            The last local day whose activities count; by default the day of the
            latest activity of these rows.
        week_start
            See :meth:`weekly`.
        result
            The import these rows came from: with it the plan is exactly
            :func:`loadwatch.plan`'s (``fast_km_max`` from its laps and speed
            streams); without it the fast running is found without them and a
            :class:`UserWarning` says so.
        rules
            A rule set; the packaged one by default.

        Returns
        -------
        pandas.DataFrame
            The columns of :data:`loadwatch.schema.PLAN`
            (:func:`loadwatch.load.plan.plan_table`).
        """
        from loadwatch.findings.check import plan as plan_ahead
        from loadwatch.load.plan import plan_table
        from loadwatch.rules.ruleset import load_rules

        rules = rules or load_rules()
        named, result = self._origin(result)
        if result is not None:
            return plan_ahead(self._result(result, week_start), as_of, rules=rules)
        _no_context_warning(named, stacklevel=3)
        return plan_table(
            self._obj,
            as_of=as_of,
            week_start=self.week_starts(week_start),
            units=self.units(),
            rules=rules,
        )

    def daily_load(
        self,
        as_of: date | None = None,
        *,
        since: date | None = None,
        rules: RuleSet | None = None,
    ) -> pd.DataFrame:
        """Daily running load with rolling 7- and 28-day sums (:func:`loadwatch.daily_load`).

        The timeline alone is enough (no laps or settings are used).

        Parameters
        ----------
        as_of
            The last local day; by default the day of the latest activity of these rows.
        since
            Keep the rows from this local day (earlier days still count in the sums).
        rules
            A rule set (the long-run-spike window); the packaged one by default.

        Returns
        -------
        pandas.DataFrame
            The columns of :data:`loadwatch.schema.DAYS`
            (:func:`loadwatch.load.daily.daily_table`).
        """
        from loadwatch.load.daily import daily_table

        return daily_table(self._obj, as_of=as_of, since=since, rules=rules)

    def injuries(self) -> pd.DataFrame:
        """The athletes' ``injuries.csv`` logs.

        See :func:`loadwatch.findings.injuries.read_injuries`.
        """
        from loadwatch.findings.injuries import read_injuries

        return read_injuries(self._obj)

    # -- plots ----------------------------------------------------------------------

    def _one(self, athlete: str | None) -> str:
        if athlete is not None:
            return athlete
        if len(self.athletes) != 1:
            raise ValueError(
                f"this timeline holds {len(self.athletes)} athletes "
                f"({', '.join(self.athletes)}): choose one with athlete="
            )
        return self.athletes[0]

    def plot_weekly(
        self,
        athlete: str | None = None,
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
        injuries: pd.DataFrame | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """One athlete's weekly distance against the +10 % / +30 % lines.

        Parameters
        ----------
        athlete
            Which athlete (may be left out with one).
        result, rules
            See :meth:`weekly`.
        injuries
            :func:`loadwatch.findings.injuries.read_injuries`, to mark on the chart.
        ax
            Draw here; a new figure otherwise.

        Returns
        -------
        matplotlib.axes.Axes
            :func:`loadwatch.report.plots.weekly_distance` in the athlete's units.
        """
        from loadwatch.report import plots

        name = self._one(athlete)
        mine = self._obj[self._obj["athlete"] == name]
        weeks = mine.loadwatch.weekly(result=result, rules=rules)
        units = self.units(result).get(name, "km")
        ax = plots.weekly_distance(weeks, mine, athlete=name, rules=rules, units=units, ax=ax)
        if injuries is not None:
            plots.mark_injuries(ax, injuries, athlete=name)
        return ax

    def plot_long_runs(
        self,
        athlete: str | None = None,
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
        injuries: pd.DataFrame | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """One athlete's runs against the longest of the previous 30 days
        (:func:`loadwatch.report.plots.long_runs`); see :meth:`plot_weekly`."""
        from loadwatch.report import plots

        name = self._one(athlete)
        units = self.units(result).get(name, "km")
        ax = plots.long_runs(self._obj, athlete=name, rules=rules, units=units, ax=ax)
        if injuries is not None:
            plots.mark_injuries(ax, injuries, athlete=name)
        return ax

    def plot_findings(
        self,
        athlete: str | None = None,
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
        injuries: pd.DataFrame | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """One athlete's findings on a time line.

        See :func:`loadwatch.report.plots.findings_timeline`.
        """
        from loadwatch.report import plots

        name = self._one(athlete)
        mine = self._obj[self._obj["athlete"] == name]
        frame = mine.loadwatch.findings(result=result, rules=rules)
        ax = plots.findings_timeline(frame, athlete=name, ax=ax)
        if injuries is not None:
            plots.mark_injuries(ax, injuries, athlete=name)
        return ax

    def plot_roster(
        self,
        column: str = "distance_km",
        *,
        result: ImportResult | None = None,
        rules: RuleSet | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Every athlete's weekly ``column`` side by side
        (:func:`loadwatch.report.plots.roster_weekly`)."""
        from loadwatch.report import plots

        weeks = self.weekly(result=result, rules=rules)
        return plots.roster_weekly(weeks, column=column, athletes=self.athletes, ax=ax)
