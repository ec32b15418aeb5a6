"""Prometheus metrics of the room platform (HTTP, database and cache metrics come from django-prometheus).

True across worker processes: when PROMETHEUS_MULTIPROC_DIR is set (scripts/run.py and
deploy/stack.py set it to a directory emptied at start), every process writes its values
to files there and a scrape of any process reports the sum over all of them (prometheus_client's
multiprocess mode). Without it, each process reports its own values (tests, one-off commands).

Rooms by status are not counted by hand: a collector asks the database at scrape time.
"""

from __future__ import annotations

import atexit
import os

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# --- Rooms and status updates -------------------------------------------------------------
room_changes = Counter("gamebuddies_room_changes_total", "Committed room changes by event", ["event"])
status_updates = Counter(
    "gamebuddies_status_updates_total",
    "Committed player status updates by source (api, socket, admin, sweep)",
    ["source"],
)
state_conflicts = Counter("gamebuddies_state_conflicts_total", "Stale expectedVersion rejections", ["source"])
status_update_retries = Counter(
    "gamebuddies_status_update_retries_total", "Conditional member updates retried after a lost race"
)

# --- Broadcasts and sockets ----------------------------------------------------------------
broadcasts = Counter("gamebuddies_broadcasts_total", "roomStateUpdate broadcasts by outcome", ["outcome"])
broadcast_handoff_seconds = Histogram(
    "gamebuddies_broadcast_handoff_seconds",
    "From commit to the snapshot being handed to the channel layer",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 2.5),
)
# livesum: the open sockets of the processes that are alive, added up.
websocket_connections = Gauge(
    "gamebuddies_websocket_connections", "Open lobby WebSocket connections", multiprocess_mode="livesum"
)

# --- Game API and webhooks -----------------------------------------------------------------
webhook_deliveries = Counter(
    "gamebuddies_webhook_deliveries_total", "Webhook delivery attempts by outcome", ["outcome"]
)
rate_limited = Counter("gamebuddies_rate_limited_total", "Requests and messages refused with 429 by tier", ["tier"])
idempotent_replays = Counter(
    "gamebuddies_idempotent_replays_total", "Game API requests answered from a stored Idempotency-Key response"
)

# --- Faults ----------------------------------------------------------------------------------
unavailable = Counter("gamebuddies_unavailable_total", "Retryable 503 answers by cause (database, cache)", ["cause"])
fallback_limiter = Counter(
    "gamebuddies_fallback_limiter_total", "Rate-limit checks made by the per-process fallback while Redis is away"
)
key_invalidations_deferred = Counter(
    "gamebuddies_key_invalidations_deferred_total",
    "API key cache invalidations that could not reach Redis and were sent again once it was back",
)

# Labels of status_updates/state_conflicts by who asked (gamebuddies.actors.ActorKind values).
_SOURCES = {"api_key": "api", "player": "socket", "staff": "admin", "system": "sweep", "visitor": "page"}


def source_of(actor) -> str:
    """The `source` label for an Actor: api, socket, admin, sweep (page for anonymous visitors)."""
    return _SOURCES.get(actor.source, actor.source)


# Collectors that ask the database at scrape time; apps register theirs (rooms/metrics.py).
_scrape_time_registry = CollectorRegistry(auto_describe=False)
_scrape_time_names: set[str] = set()


def register_scrape_time_collector(collector) -> None:
    """Add a collector run on every /metrics scrape in the answering process (not multiprocess);
    once per metric name, however often an app's ready() runs."""
    if collector.name not in _scrape_time_names:
        _scrape_time_names.add(collector.name)
        _scrape_time_registry.register(collector)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """The text a scrape gets: every process's metrics summed (multiprocess mode) or this
    process's, followed by the metrics computed at scrape time."""
    if multiprocess_dir():
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    return body + generate_latest(_scrape_time_registry)


def _forget_this_process() -> None:
    # Drops this process's live gauges (open sockets) from the sum when it exits.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(os.getpid())


if multiprocess_dir():
    atexit.register(_forget_this_process)
