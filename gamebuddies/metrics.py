"""Prometheus metrics of the room platform (HTTP metrics come from django-prometheus)."""

from prometheus_client import Counter, Gauge, Histogram

broadcasts = Counter("gamebuddies_broadcasts_total", "roomStateUpdate broadcasts by outcome", ["outcome"])
broadcast_handoff_seconds = Histogram(
    "gamebuddies_broadcast_handoff_seconds",
    "From commit to the snapshot being handed to the channel layer",
    buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 2.5),
)
state_conflicts = Counter("gamebuddies_state_conflicts_total", "Stale expectedVersion rejections", ["source"])
status_update_retries = Counter(
    "gamebuddies_status_update_retries_total", "Conditional member updates retried after a lost race"
)
websocket_connections = Gauge("gamebuddies_websocket_connections", "Open lobby WebSocket connections")
room_changes = Counter("gamebuddies_room_changes_total", "Committed room changes by event", ["event"])
