"""``Findings``: the list :func:`loadwatch.check` returns, with its filters.

A :class:`Findings` is a ``list`` of :class:`~loadwatch.rules.ruleset.Finding`
(so indexing, ``len``, ``==`` and JSON records work as on any list) with the
filters the command line uses, each returning a new :class:`Findings`::

    findings = lw.check(result)
    findings.at_least("caution")          # check --fail-on caution looks at these
    findings.without_notes()              # check --no-notes
    findings.between(since=date(2026, 3, 1), until=date(2026, 3, 31))
    findings.worst_severity()             # "high", "caution", "note" or None
    findings.open(as_of=date(2026, 3, 31))  # check --open: the report's open warnings

A rule the evidence sheet ranks as context only (``acute-chronic``,
:data:`~loadwatch.rules.ruleset.CONTEXT_IDS`) is never counted as a warning of its
own: :meth:`Findings.warnings`, :meth:`Findings.worst_severity` and so ``check
--fail-on`` leave it out, and :meth:`Findings.open` keeps it only beside an open
warning of the same athlete and week.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from html import escape

from loadwatch.rules.ruleset import SEVERITIES, Finding
from loadwatch.timeline.window import day_in_window

__all__ = ["OPEN_DAYS", "Findings", "open_since", "severity_rank"]

#: Warnings dated less than this many days before the report date, or later, are open
#: [days]: the finding's week and the week after it, which its advice is about.
OPEN_DAYS = 14

#: Rows shown by :meth:`Findings._repr_html_` at most.
HTML_ROWS = 20


def severity_rank(severity: str) -> int:
    """0 for ``note``, 1 for ``caution``, 2 for ``high`` (:data:`SEVERITIES` order).

    Raises
    ------
    ValueError
        ``severity`` is not one of :data:`~loadwatch.rules.ruleset.SEVERITIES`.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    return SEVERITIES.index(severity)


def open_since(as_of: date, days: int = OPEN_DAYS) -> date:
    """The last day *before* the open window of a report dated ``as_of``: findings
    dated after it are open (``as_of`` − ``days``)."""
    return as_of - timedelta(days=days)


def _counted_severity(finding: Finding) -> str:
    """The severity a finding counts with: a context finding counts as a note."""
    return "note" if finding.is_context else finding.severity


class Findings(list[Finding]):
    """A list of findings with the command line's filters (each returns a new list)."""

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        super().__init__(findings)

    def at_least(self, severity: str) -> Findings:
        """The findings of ``severity`` or worse (``note`` < ``caution`` < ``high``)."""
        floor = severity_rank(severity)
        return Findings(f for f in self if severity_rank(f.severity) >= floor)

    def without_notes(self) -> Findings:
        """The alarms only (``caution`` and ``high``), like ``check --no-notes``."""
        return Findings(f for f in self if f.severity != "note")

    def between(self, since: date | None = None, until: date | None = None) -> Findings:
        """The findings dated inside ``[since, until]`` (local days; each bound optional)."""
        return Findings(f for f in self if day_in_window(f.date, since, until))

    def warnings(self) -> Findings:
        """The warnings: caution and high findings of rules that are not context only."""
        return Findings(f for f in self if f.is_warning)

    def context_of(self, finding: Finding) -> Findings:
        """The context findings (caution or note) of ``finding``'s athlete and week.

        Training-load context (the acute:chronic ratio) belongs beside load warnings,
        not beside a shoe's mileage: a shoe finding has none.
        """
        if finding.shoe is not None:
            return Findings()
        return Findings(
            f
            for f in self
            if f.is_context
            and f.athlete == finding.athlete
            and f.week_start == finding.week_start
            and f is not finding
        )

    def open(self, as_of: date | None, days: int = OPEN_DAYS) -> Findings:
        """What a report dated ``as_of`` calls open (``check --open``).

        The warnings (:meth:`warnings`) dated after ``as_of`` − ``days`` (the
        finding's week and the week after it), and beside them the context findings
        of the same athlete and week that are alarms. Empty when ``as_of`` is None
        (no activity).
        """
        if as_of is None:
            return Findings()
        opened = open_since(as_of, days)
        warnings = [f for f in self if f.is_warning and f.date > opened]
        weeks = {(f.athlete, f.week_start) for f in warnings}
        return Findings(
            f
            for f in self
            if (f.is_warning and f.date > opened)
            or (f.is_context and f.is_alarm and (f.athlete, f.week_start) in weeks)
        )

    def worst_severity(self) -> str | None:
        """The worst severity present (``high`` > ``caution`` > ``note``), None when empty.

        A context finding (``acute-chronic``) counts as a note: it is not a warning of
        its own.
        """
        if not self:
            return None
        return max((_counted_severity(f) for f in self), key=severity_rank)

    def reaches(self, severity: str) -> bool:
        """True when a finding of ``severity`` or worse is present (``check --fail-on``)."""
        worst = self.worst_severity()
        return worst is not None and severity_rank(worst) >= severity_rank(severity)

    def _counts(self) -> str:
        counts = Counter(_counted_severity(f) for f in self)
        parts = [
            f"{counts[s]} {s}{'s' if s == 'note' and counts[s] != 1 else ''}"
            for s in reversed(SEVERITIES)
            if counts[s]
        ]
        return ", ".join(parts) if parts else "none"

    def __repr__(self) -> str:
        if not self:
            return "<Findings: none>"
        athletes = len({f.athlete for f in self})
        first, last = min(f.date for f in self), max(f.date for f in self)
        who = f"{athletes} athlete{'' if athletes == 1 else 's'}"
        return (
            f"<Findings: {len(self)} ({self._counts()}), {who}, "
            f"{first.isoformat()} to {last.isoformat()}>"
        )

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in ("athlete", "date", "severity", "rule", "value"))
        rows = "".join(
            "<tr>"
            f"<td>{escape(str(f.athlete))}</td><td>{f.date.isoformat()}</td>"
            f"<td>{escape(f.severity)}</td><td>{escape(f.rule)}</td>"
            f"<td>{f.value:g} {escape(f.unit)}</td>"
            "</tr>"
            for f in self[:HTML_ROWS]
        )
        more = len(self) - HTML_ROWS
        tail = f"<p>… {more} more</p>" if more > 0 else ""
        caption = f"Findings: {len(self)} ({escape(self._counts())})"
        return f"<table><caption>{caption}</caption><tr>{head}</tr>{rows}</table>{tail}"
