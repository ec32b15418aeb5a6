"""Durability checks around a GameBuddies load run: nothing acknowledged is missing, and retries.

- Lost updates: every status update the server acknowledged (HTTP 200 with a roomVersion)
  carries its index as `metadata.n`; afterwards each must be a row of
  `player_status_history`. Acknowledged but absent = lost.
- Conflict retries: `gamebuddies_status_update_retries_total` from every worker's /metrics
  (Prometheus counters are per process: each worker is asked on its private port,
  bench/serve.py), after minus before.
"""

from __future__ import annotations

import asyncio
import urllib.request

import psycopg

from .server import Server

RETRIES_METRIC = "gamebuddies_status_update_retries_total"


def _metric_total(text: str, name: str) -> float | None:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((name + " ", name + "{"))]
    return sum(values) if values else None


def scrape(server: Server, name: str = RETRIES_METRIC) -> dict:
    """The metric summed over the workers; `workers_seen` says how many answered."""
    urls = [f"http://127.0.0.1:{port}/metrics" for port in server.worker_ports] or [f"{server.base_url}/metrics"]
    total, seen, exposed = 0.0, 0, False
    for url in urls:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                value = _metric_total(response.read().decode(), name)
        except OSError:
            continue
        seen += 1
        if value is not None:
            exposed = True
            total += value
    return {"value": total if exposed else None, "workers_seen": seen, "workers": len(urls)}


class ProductChecks:
    def __init__(self, server: Server, database_url: str):
        self.server = server
        self.database_url = database_url

    async def start(self) -> dict:
        return await asyncio.to_thread(scrape, self.server)

    async def finish(self, before: dict, results: list) -> dict:
        after = await asyncio.to_thread(scrape, self.server)
        retries = None
        if before["value"] is not None and after["value"] is not None:
            retries = round(after["value"] - before["value"])
        acked = [r.index for r in results if r.ok]
        history = await self.in_history(acked)
        return {
            "acknowledged": len(acked),
            **history,
            "conflict_retries": retries,
            "retries_source": f"{RETRIES_METRIC} on {after['workers_seen']} of {after['workers']} workers"
            if retries is not None
            else "not exposed",
        }

    async def in_history(self, indices: list[int]) -> dict:
        if not indices:
            return {"in_history": 0, "lost_updates": 0}
        query = """
            SELECT count(DISTINCT (metadata->>'n')::bigint), count(*)
            FROM player_status_history
            WHERE jsonb_typeof(metadata->'n') = 'number' AND (metadata->>'n')::bigint = ANY(%s)
        """
        try:
            async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
                found, rows = await (await conn.execute(query, (indices,))).fetchone()
        except psycopg.Error as exc:
            return {"in_history": None, "lost_updates": None, "history_error": str(exc)[:200]}
        return {"in_history": found, "lost_updates": len(set(indices)) - found, "history_rows": rows}
