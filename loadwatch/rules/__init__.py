"""The rule set: ``rules.toml`` (every threshold once, with its source and evidence
label) and its loader, :mod:`loadwatch.rules.ruleset`."""

from loadwatch.rules.ruleset import (
    ALARMS,
    CONTEXT_IDS,
    EVIDENCE_LABELS,
    NOTE_IDS,
    RULE_IDS,
    SEVERITIES,
    Finding,
    Rule,
    RuleSet,
    load_rules,
    parse_rules,
)

__all__ = [
    "ALARMS",
    "CONTEXT_IDS",
    "EVIDENCE_LABELS",
    "NOTE_IDS",
    "RULE_IDS",
    "SEVERITIES",
    "Finding",
    "Rule",
    "RuleSet",
    "load_rules",
    "parse_rules",
]
