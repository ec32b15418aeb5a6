"""Reaction Race rules: what a submitted run of rounds is worth. Pure functions, no I/O.

The browser measures each reaction (a round trip to the server would add the
network to every time); the server decides what the numbers mean: anything faster
than a human can react counts as a false start, a missing reaction counts as a miss,
and the total is computed here, never taken from the client.
"""

from __future__ import annotations

from gamebuddies.errors import ValidationError

from .rounds import game_deadline_seconds, rounds_setting

SLUG = "reaction"
NAME = "Reaction Race"
DEFAULT_ROUNDS = 5
MAX_ROUNDS = 10
# Faster than this is anticipation, not reaction (human visual reaction is ~150-300 ms).
MIN_HUMAN_MS = 100
# A false start (pressing before the signal) scores as this many milliseconds.
FALSE_START_PENALTY_MS = 1000
# No press within this long after the signal: the round is a miss and scores this.
MISS_MS = 3000
# Budget the whole game gets before waiting players may end it without the stragglers.
START_GRACE_SECONDS = 20
SECONDS_PER_ROUND = 10


def rounds_for(settings: dict | None) -> int:
    return rounds_setting(settings, default=DEFAULT_ROUNDS, maximum=MAX_ROUNDS)


def deadline_seconds(settings: dict | None) -> int:
    return game_deadline_seconds(
        start_grace=START_GRACE_SECONDS, per_round=SECONDS_PER_ROUND, rounds=rounds_for(settings)
    )


def client_config(settings: dict | None = None) -> dict:
    """The numbers the page needs to play by the same rules the server scores by."""
    return {
        "game": SLUG,
        "rounds": rounds_for(settings),
        "minHumanMs": MIN_HUMAN_MS,
        "falseStartPenaltyMs": FALSE_START_PENALTY_MS,
        "missMs": MISS_MS,
        "startGraceSeconds": START_GRACE_SECONDS,
        "secondsPerRound": SECONDS_PER_ROUND,
    }


def _round_outcome(index: int, raw) -> dict:
    field = f"rounds[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError("each round must be an object", field=field)
    false_start = raw.get("falseStart", False)
    if not isinstance(false_start, bool):
        raise ValidationError("falseStart must be true or false", field=f"{field}.falseStart")
    time_ms = raw.get("timeMs")
    if time_ms is not None and (isinstance(time_ms, bool) or not isinstance(time_ms, int | float)):
        raise ValidationError("timeMs must be a number of milliseconds or null", field=f"{field}.timeMs")
    if time_ms is not None and not 0 <= time_ms <= 60_000:
        raise ValidationError("timeMs is out of range", field=f"{field}.timeMs")
    if false_start or (time_ms is not None and time_ms < MIN_HUMAN_MS):
        return {"outcome": "false_start", "timeMs": None, "scoreMs": FALSE_START_PENALTY_MS}
    if time_ms is None or time_ms >= MISS_MS:
        return {"outcome": "miss", "timeMs": None, "scoreMs": MISS_MS}
    time_ms = round(time_ms)
    return {"outcome": "hit", "timeMs": time_ms, "scoreMs": time_ms}


def score(payload: dict, *, settings: dict | None, seed: str = "") -> dict:
    """A validated, scored entry from `{"rounds": [{"timeMs": 231, "falseStart": false}, ...]}`.

    `seed` (the run) is unused: every reaction round is the same kind of round.
    """
    rounds = payload.get("rounds")
    expected = rounds_for(settings)
    if not isinstance(rounds, list) or len(rounds) != expected:
        raise ValidationError(f"send exactly {expected} rounds", field="rounds")
    outcomes = [_round_outcome(i, r) for i, r in enumerate(rounds)]
    hits = [o["timeMs"] for o in outcomes if o["outcome"] == "hit"]
    total = sum(o["scoreMs"] for o in outcomes)
    return {
        "rounds": outcomes,
        "timeMs": total,
        "bestMs": min(hits) if hits else None,
        "falseStarts": sum(o["outcome"] == "false_start" for o in outcomes),
        "misses": sum(o["outcome"] == "miss" for o in outcomes),
    }


def sort_key(entry: dict) -> tuple:
    best = entry.get("bestMs")
    return (entry["timeMs"], best if best is not None else MISS_MS)


def display(entry: dict) -> str:
    text = f"{entry['timeMs']:,} ms".replace(",", " ")
    if entry.get("falseStarts"):
        # No brackets: the summary puts this in brackets already.
        text += f" · {entry['falseStarts']} false start{'s' if entry['falseStarts'] > 1 else ''}"
    return text


def ranking_fields(entry: dict) -> dict:
    return {"timeMs": entry["timeMs"], "bestMs": entry.get("bestMs"), "falseStarts": entry.get("falseStarts", 0)}
