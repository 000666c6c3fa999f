"""How a fresh run's figure data is compared with the committed data.

A figure's data (`docs/assets/figures/<name>.json`) is compared key by key:
structure, strings and booleans exactly; numbers within the tolerance stated for
that figure in `tests/figure_tolerances.py`. A number passes when

    |fresh - committed| <= atol + rtol * |committed|

(numpy's `isclose` rule). The *ratio* of a deviation is how much of that allowance
it uses: 1.0 is exactly at the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tol:
    """A tolerance and why it is as loose as it is."""

    rtol: float
    atol: float
    why: str

    def allowance(self, committed: float) -> float:
        return self.atol + self.rtol * abs(committed)


@dataclass(frozen=True)
class Ignore:
    """A key not compared raw, and the stable summary that is compared instead."""

    why: str


Spec = dict[str, "Tol | Ignore"]     # key path ("losses", "model.weights") or "*" -> rule


def rule_for(spec: Spec, path: str) -> Tol | Ignore:
    """The rule of the longest key path in `spec` that `path` starts with, else `"*"`."""
    best, best_len = spec["*"], -1
    for key, rule in spec.items():
        covers = path == key or path.startswith(key + ".") or path.startswith(key + "[")
        if key != "*" and covers and len(key) > best_len:
            best, best_len = rule, len(key)
    return best


@dataclass
class Report:
    problems: list[str]
    worst_ratio: float = 0.0          # the largest deviation as a fraction of its allowance
    worst_where: str = ""
    worst_abs: float = 0.0            # the largest absolute deviation of any compared number

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(fresh: Any, committed: Any, spec: Spec) -> Report:
    """Compare two figure data trees; return what differs beyond the stated tolerances."""
    report = Report(problems=[])

    def walk(a: Any, b: Any, path: str) -> None:
        rule = rule_for(spec, path) if path else spec["*"]
        if isinstance(rule, Ignore):
            return
        if isinstance(b, dict):
            if not isinstance(a, dict) or sorted(a) != sorted(b):
                got = sorted(a) if isinstance(a, dict) else type(a).__name__
                report.problems.append(f"{path or 'data'}: keys {got} != {sorted(b)}")
                return
            for key in b:
                walk(a[key], b[key], f"{path}.{key}" if path else key)
        elif isinstance(b, list):
            if not isinstance(a, list) or len(a) != len(b):
                report.problems.append(f"{path}: length {len(a) if isinstance(a, list) else '?'} != {len(b)}")
                return
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif isinstance(b, (bool, str)) or b is None or isinstance(a, (bool, str)) or a is None:
            if a != b or type(a) is not type(b):
                report.problems.append(f"{path}: {a!r} != {b!r}")
        else:
            gap = abs(float(a) - float(b))
            allowed = rule.allowance(float(b))
            ratio = gap / allowed if allowed > 0 else (0.0 if gap == 0 else math.inf)
            report.worst_abs = max(report.worst_abs, gap)
            if ratio > report.worst_ratio:
                report.worst_ratio, report.worst_where = ratio, path
            if ratio > 1:
                report.problems.append(f"{path}: {a!r} vs committed {b!r} "
                                       f"(|diff| {gap:.3g} > allowed {allowed:.3g}: {rule.why})")

    walk(fresh, committed, "")
    return report
