"""Small statistics helpers: percentiles in milliseconds, rounded for JSON."""

from __future__ import annotations

import math


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize_ms(seconds: list[float]) -> dict:
    """p50/p95/p99/max/mean of durations given in seconds, reported in ms."""
    values = sorted(seconds)
    if not values:
        return {"count": 0}

    def ms(value):
        return None if value is None else round(value * 1000, 2)

    return {
        "count": len(values),
        "p50": ms(percentile(values, 50)),
        "p95": ms(percentile(values, 95)),
        "p99": ms(percentile(values, 99)),
        "max": ms(values[-1]),
        "mean": ms(sum(values) / len(values)),
    }


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
