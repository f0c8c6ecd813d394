"""Findings as JSON-ready records (``loadwatch check --json`` / ``--csv``).

The field names are a public contract, like :mod:`loadwatch.report.records`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from loadwatch.rules.ruleset import Finding
from loadwatch.schema import FINDINGS

#: Fields of ``loadwatch check --json``, in order (:data:`loadwatch.schema.FINDINGS`).
FINDING_FIELDS = FINDINGS.json_fields()


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else round(value, 3)


def finding_records(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """One JSON-ready dict per finding with :data:`FINDING_FIELDS`.

    Dates are ISO ``YYYY-MM-DD`` (local); ``value`` and ``threshold`` are
    numbers (``null`` where not finite) in ``unit``.
    """
    records = []
    for finding in findings:
        record: dict[str, Any] = {}
        for name in FINDING_FIELDS:
            value = getattr(finding, name)
            if name in ("date", "week_start"):
                value = value.isoformat()
            elif name in ("value", "threshold"):
                value = _number(value)
            record[name] = value
        records.append(record)
    return records
