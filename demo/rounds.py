"""Round counts and time limits shared by the demo games."""

from __future__ import annotations


def rounds_setting(settings: dict | None, *, default: int, maximum: int) -> int:
    """The host's `rounds` setting, or the default when it is missing or out of range."""
    value = (settings or {}).get("rounds", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        return default
    return value


def game_deadline_seconds(*, start_grace: int, per_round: int, rounds: int) -> int:
    """How long a run may take before the server ends it for whoever is still playing."""
    return start_grace + per_round * rounds
