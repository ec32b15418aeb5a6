"""Markdown tables from saved results: `.venv/bin/python bench/summarize.py [bench/results/*.json]`.

`other CPU` is the share of the machine's two cores used by processes that are not part
of the run (other people's work on a shared box): figures from a run with a high share
are pessimistic, CPU-per-update figures much less so than latencies.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _variant(config: dict) -> str:
    settings = config.get("settings") or "gamebuddies.settings"
    variant = "" if settings == "gamebuddies.settings" else settings.rsplit(".", 1)[-1]
    return f"{variant} reuseport".strip() if config.get("listen") == "reuseport" else variant


def _other(cpu: dict) -> str:
    wall, cores = cpu.get("wall") or 0, cpu.get("cores") or 1
    return f"{100 * (cpu.get('other') or 0) / (wall * cores):.0f} %" if wall else "?"


def broadcast_row(name: str, config: dict, r: dict) -> str:
    lat, last, upd = r["delivery_latency_ms"], r["last_socket_latency_ms"], r["updates"]
    ack, msgs, cpu = upd["ack_latency_ms"], r["messages"], r["cpu_seconds"]
    errors = sum(upd["errors"].values())
    stack = f"{config['server']}+{config['layer']} {_variant(config)}"
    return (
        f"| {name} | {stack} | {config['rate']:g}/s x {r['sockets']['opened']}"
        f" | {lat.get('p50')} / {lat.get('p95')} / {lat.get('p99')} / {lat.get('max')} | {last.get('p99')}"
        f" | {r['deliveries_lost']} of {r['deliveries_expected']} | {msgs['missing_versions']} / {msgs['out_of_order']}"
        f" | {ack.get('p50')} / {ack.get('p99')} | {errors} | {r['cpu_ms_per_update'].get('server')}"
        f" | {r['memory']['rss_per_socket_kb']} | {r['sockets']['per_second']} | {_other(cpu)} |"
    )


def throughput_row(name: str, config: dict, r: dict) -> str:
    ack, cpu = r["updates"]["ack_latency_ms"], r["cpu_seconds"]
    return (
        f"| {name} | {config['server']}+{config['layer']} {_variant(config)} | {r['write_path']} | {r['senders']}"
        f" | {r['requests_per_second']} | {ack.get('p50')} / {ack.get('p99')} | {sum(r['updates']['errors'].values())}"
        f" | {r['cpu_ms_per_update'].get('server')} | {r['cpu_ms_per_update'].get('postgres')}"
        f" | {cpu.get('server_by_process', '')} | {_other(cpu)} |"
    )


def connections_row(name: str, config: dict, r: dict) -> str:
    mem, redis_clients = r["memory"], r["redis_clients"]

    def ours(key):
        return redis_clients[key]["server_redis_sockets"]

    return (
        f"| {name} | {config['server']}+{config['layer']} {_variant(config)} | {r['requested']}"
        f" | {r['connect']['per_second']} | {r['connect']['failed']} | {mem['rss_before_mb']} / {mem['rss_peak_mb']}"
        f" / {mem['rss_after_close_mb']} | {mem['kb_per_socket_held']} | {ours('before')} / {ours('during')}"
        f" / {ours('after_close')} / {ours('after_churn')} |"
    )


HEADERS = {
    "broadcast": "| run | stack | load | delivery p50 / p95 / p99 / max ms | last socket p99 ms | lost | missing / "
    "out of order | HTTP p50 / p99 ms | HTTP errors | server CPU ms/update | RSS KB/socket | connects/s | other CPU |",
    "throughput": "| run | stack | writes | senders | req/s | p50 / p99 ms | errors | server CPU ms/update "
    "| PostgreSQL CPU ms/update | CPU s per process | other CPU |",
    "connections": "| run | stack | sockets | connects/s | failed | RSS MB before / peak / after close | KB/socket "
    "| server->Redis sockets before / held / after close / after churn |",
}
ROWS = {"broadcast": broadcast_row, "throughput": throughput_row, "connections": connections_row}


def main(paths: list[str]) -> None:
    files = [Path(p) for p in paths] or sorted(RESULTS.glob("*.json"))
    for scenario, header in HEADERS.items():
        rows = []
        for path in files:
            data = json.loads(path.read_text())
            if "results" not in data:
                continue  # a comparison (compare.py): its own table, `compare.py --table FILE`
            result = data["results"].get(scenario)
            if result:
                rows.append(ROWS[scenario](path.stem.split("-")[0], data["config"], result))
        if rows:
            print(f"\n### {scenario}\n\n{header}\n|{'---|' * header.count(' | ')}---|")
            print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
