"""Rules as data: the :class:`Rule` read from ``rules.toml`` and the :class:`Finding` it yields.

``loadwatch/rules/rules.toml`` (package data) holds every threshold once, with its
id, severity bands, published source and evidence label. :func:`load_rules`
reads and validates it; a malformed file raises
:class:`~loadwatch.errors.SettingsError` naming the key.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from loadwatch.entry_checks import number_problem
from loadwatch.errors import SettingsError
from loadwatch.importers.regular_files import MAX_TABLE_BYTES, read_regular_bytes

#: Severities of a finding, weakest first. ``note`` is context, never an alarm.
SEVERITIES = ("note", "caution", "high")
#: Severities that are alarms.
ALARMS = ("caution", "high")
#: Evidence labels (the evidence sheet's cohort → observational, heuristic → consensus heuristic).
EVIDENCE_LABELS = ("observational", "consensus heuristic", "contested")
#: Rule ids that are a public contract (CLI, JSON, tests).
RULE_IDS = (
    "weekly-increase",
    "long-run-spike",
    "acute-chronic",
    "hill-increase",
    "speedwork-increase",
    "return-from-layoff",
    "shoe-mileage",
    "shoe-drop-change",
)
#: Note ids (findings of severity ``note``).
NOTE_IDS = ("heat-note", "cross-training-note", "beginner-note")
#: Rules the evidence sheet ranks as context only: a finding of theirs is shown beside the
#: warning of the same athlete and week and is never counted as a warning of its own.
CONTEXT_IDS = ("acute-chronic",)
KINDS = ("rule", "note")

_TEXT_FIELDS = ("title", "unit", "evidence", "source", "short", "evidence_note", "explanation")


@dataclass(frozen=True)
class Rule:
    """One rule (or note) of ``rules.toml``.

    Attributes
    ----------
    id
        Public id, e.g. ``"long-run-spike"``.
    kind
        ``"rule"`` (findings are caution/high) or ``"note"`` (findings are notes).
    title
        A few words for reports.
    unit
        Unit of a finding's ``value`` and ``threshold``.
    evidence
        One of :data:`EVIDENCE_LABELS`.
    source
        Full citation(s) with DOI where verified.
    short
        Short citation used in messages.
    evidence_note
        One plain sentence on the strength of the evidence.
    explanation
        What the rule measures and why.
    bands
        Severity → threshold; a value must be above it.
    params
        Every other number or list the rule needs.
    """

    id: str
    kind: str
    title: str
    unit: str
    evidence: str
    source: str
    short: str
    evidence_note: str
    explanation: str
    bands: Mapping[str, float] = field(default_factory=dict)
    params: Mapping[str, Any] = field(default_factory=dict)

    def band(self, severity: str) -> float:
        """The threshold of ``severity``; ``inf`` where the rule has no such band."""
        return float(self.bands.get(severity, math.inf))

    def param(self, name: str) -> Any:
        """The parameter ``name``; KeyError naming the rule if it is missing."""
        try:
            return self.params[name]
        except KeyError:
            raise KeyError(f"rules.toml: rule {self.id!r} has no parameter {name!r}") from None


@dataclass(frozen=True)
class Finding:
    """One thing loadwatch found: an alarm (caution/high) or a note.

    Attributes
    ----------
    athlete
        Athlete name.
    rule
        Rule id (:data:`RULE_IDS` or :data:`NOTE_IDS`).
    severity
        ``caution``, ``high`` or ``note``.
    date
        Local date of the run, or the last day of the week for weekly rules.
    week_start
        First local day of the athlete's training week holding ``date``.
    value, threshold
        What was measured and the limit it was compared with, in ``unit``.
    unit
        ``%``, ``km``, ``m``, ``ratio``, ``°C``, ``h`` or ``weeks``.
    message
        A few hundred characters: one line of numbers (what happened, the value and
        the line it crossed) followed by :attr:`advice`.
    source
        Published source(s) with DOI.
    evidence
        One of :data:`EVIDENCE_LABELS`.
    shoe
        The pair of shoes a shoe rule is about; None for every other rule.
    advice
        The next step, with a number in the runner's unit (the end of ``message``).
    evidence_note
        The rule's sentence on how strong its evidence is (:attr:`Rule.evidence_note`):
        the same for every finding of a rule, so reports show it once per rule.
    """

    athlete: str
    rule: str
    severity: str
    date: dt.date
    week_start: dt.date
    value: float
    threshold: float
    unit: str
    message: str
    source: str
    evidence: str
    shoe: str | None = None
    advice: str = ""
    evidence_note: str = ""

    @property
    def is_alarm(self) -> bool:
        """True for caution and high, False for notes."""
        return self.severity in ALARMS

    @property
    def is_context(self) -> bool:
        """True for a rule the evidence sheet ranks as context only (:data:`CONTEXT_IDS`):
        shown beside the warning of its week, never counted as a warning of its own."""
        return self.rule in CONTEXT_IDS

    @property
    def is_warning(self) -> bool:
        """An alarm that counts as a warning: caution or high, and not context."""
        return self.is_alarm and not self.is_context

    @property
    def numbers(self) -> str:
        """The line of numbers: :attr:`message` without its trailing :attr:`advice`."""
        if self.advice and self.message.endswith(self.advice):
            return self.message[: -len(self.advice)].rstrip()
        return self.message


class RuleSet(Mapping[str, Rule]):
    """The rules of one ``rules.toml``, by id (a read-only mapping)."""

    def __init__(self, rules: Mapping[str, Rule], path: str) -> None:
        self._rules = dict(rules)
        self.path = path

    def __getitem__(self, key: str) -> Rule:
        return self._rules[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def finding(
        self, rule_id: str, *, numbers: str | None = None, advice: str = "", **fields: Any
    ) -> Finding:
        """A :class:`Finding` of ``rule_id`` with its unit, source and evidence filled in.

        Parameters
        ----------
        rule_id
            The rule.
        numbers
            The line of numbers (what happened, the value and the line); the
            message is ``numbers`` followed by ``advice``. Give ``message=``
            instead to set the whole message.
        advice
            The next step, with a number in the runner's unit.
        **fields
            The other :class:`Finding` fields (``athlete``, ``severity``, ``date`` ...).
        """
        rule = self[rule_id]
        if numbers is not None:
            fields["message"] = f"{numbers} {advice}".strip()
        fields.setdefault("evidence_note", rule.evidence_note)
        return Finding(
            rule=rule_id,
            unit=rule.unit,
            source=rule.source,
            evidence=rule.evidence,
            advice=advice,
            **fields,
        )


def _number(value: object, path: str, key: str) -> float:
    problem = number_problem(value, minimum=-math.inf)
    if problem:
        raise SettingsError(path, key, problem)
    return float(value)  # type: ignore[arg-type]


def parse_rules(data: Mapping[str, Any], path: str = "rules.toml") -> RuleSet:
    """Validate a parsed ``rules.toml`` document into a :class:`RuleSet`.

    Raises
    ------
    SettingsError
        A rule lacks a field, has an unknown evidence label or severity, or a
        band is not a number; or a public rule id is missing.
    """
    rules: dict[str, Rule] = {}
    for rule_id, table in data.items():
        if rule_id == "schema":
            continue
        if not isinstance(table, dict):
            raise SettingsError(path, rule_id, "expected a table")
        for name in (*_TEXT_FIELDS, "kind"):
            if not isinstance(table.get(name), str) or not table[name].strip():
                raise SettingsError(path, f"{rule_id}.{name}", "missing or empty")
        kind = table["kind"]
        if kind not in KINDS:
            raise SettingsError(path, f"{rule_id}.kind", f"expected rule or note, got {kind!r}")
        if table["evidence"] not in EVIDENCE_LABELS:
            raise SettingsError(
                path,
                f"{rule_id}.evidence",
                f"expected one of {', '.join(EVIDENCE_LABELS)}, got {table['evidence']!r}",
            )
        bands = table.get("bands", {})
        for severity, value in bands.items():
            if severity not in ALARMS:
                raise SettingsError(
                    path, f"{rule_id}.bands.{severity}", "bands are caution and high only"
                )
            _number(value, path, f"{rule_id}.bands.{severity}")
        if kind == "rule" and "caution" not in bands:
            raise SettingsError(path, f"{rule_id}.bands", "a rule needs a caution band")
        if {"caution", "high"} <= set(bands) and bands["high"] < bands["caution"]:
            raise SettingsError(path, f"{rule_id}.bands", "high must not be below caution")
        rules[rule_id] = Rule(
            id=rule_id,
            kind=kind,
            title=" ".join(table["title"].split()),
            unit=table["unit"],
            evidence=table["evidence"],
            source=" ".join(table["source"].split()),
            short=" ".join(table["short"].split()),
            evidence_note=" ".join(table["evidence_note"].split()),
            explanation=" ".join(table["explanation"].split()),
            bands={k: float(v) for k, v in bands.items()},
            params=dict(table.get("params", {})),
        )
    for rule_id in (*RULE_IDS, *NOTE_IDS):
        if rule_id not in rules:
            raise SettingsError(path, rule_id, "this rule is missing")
    return RuleSet(rules, path)


@lru_cache(maxsize=8)
def _load_cached(path: str | None) -> RuleSet:
    if path is None:
        text = resources.files("loadwatch.rules").joinpath("rules.toml").read_text(encoding="utf-8")
        name = "rules.toml"
    else:
        name = path
        try:
            text = read_regular_bytes(path, MAX_TABLE_BYTES).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SettingsError(path, "(file)", "not UTF-8 text") from exc
        except OSError as exc:
            raise SettingsError(path, "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(name, "(file)", f"not valid TOML: {exc}") from exc
    except RecursionError as exc:
        raise SettingsError(name, "(file)", "not readable: nested too deeply") from exc
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise SettingsError(name, "(file)", f"not readable: {exc}") from exc
    return parse_rules(data, name)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """The rules: the packaged ``rules.toml``, or the file at ``path``.

    Read once per path and cached (the result is read-only).
    """
    return _load_cached(None if path is None else str(path))
