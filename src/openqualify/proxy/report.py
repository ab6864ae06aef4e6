"""`openqualify proxy report DIR`: a recording summarised by operation (calls, statuses, violations, latency)."""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openqualify.proxy.record import EXCHANGES


@dataclass
class OperationSummary:
    operation: str
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    violations: int = 0  # exchanges with at least one
    errata: Counter[str] = field(default_factory=Counter)
    durations: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # the first few distinct violations

    def percentile(self, pct: float) -> float | None:
        """Nearest-rank percentile of the proxy's durations (ms)."""
        if not self.durations:
            return None
        ordered = sorted(self.durations)
        return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "calls": self.calls,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "violations": self.violations,
            "errata": dict(self.errata),
            "p50Ms": self.percentile(50),
            "p95Ms": self.percentile(95),
            "p99Ms": self.percentile(99),
            "examples": self.examples,
        }


def summarise(directory: Path) -> list[OperationSummary]:
    path = directory / EXCHANGES
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: record with `openqualify proxy --record {directory}`")
    summaries: dict[str, OperationSummary] = {}
    by_operation: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                entry = json.loads(line)
                by_operation[entry.get("operation") or f"{entry['method']} (not in the contract)"].append(entry)
    for operation, entries in sorted(by_operation.items(), key=lambda item: (-len(item[1]), item[0])):
        summary = summaries[operation] = OperationSummary(operation)
        for entry in entries:
            summary.calls += 1
            summary.statuses[int(entry["status"])] += 1
            summary.durations.append(float(entry["durationMs"]))
            summary.errata.update(entry.get("errata") or [])
            if entry.get("violations"):
                summary.violations += 1
                for violation in entry["violations"]:
                    if violation not in summary.examples and len(summary.examples) < 3:
                        summary.examples.append(violation)
    return list(summaries.values())
