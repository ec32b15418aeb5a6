"""The in-process token buckets of gamebuddies/ratelimits.py (a socket's messages, a seat's chat)."""

from __future__ import annotations

from gamebuddies import ratelimits
from gamebuddies.ratelimits import TokenBucket, TokenBuckets


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_bucket_allows_its_capacity_at_once_then_refills_at_its_rate(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr(ratelimits.time, "monotonic", clock)
    bucket = TokenBucket(rate=2, capacity=3)
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    clock.now += 0.5  # one token back at 2 per second
    assert [bucket.take() for _ in range(2)] == [True, False]
    clock.now += 60  # never more than the capacity
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_keyed_buckets_are_separate_and_the_least_recently_used_is_dropped_past_the_cap(monkeypatch):
    monkeypatch.setattr(ratelimits.time, "monotonic", _Clock())
    buckets = TokenBuckets(max_keys=2)
    assert buckets.take("a", rate=0, capacity=1) is True
    assert buckets.take("a", rate=0, capacity=1) is False
    assert buckets.take("b", rate=0, capacity=1) is True  # its own budget
    buckets.take("c", rate=0, capacity=1)  # three keys: "a", the least recently used, goes
    assert buckets.take("a", rate=0, capacity=1) is True  # a fresh bucket
