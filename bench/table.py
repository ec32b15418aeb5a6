"""The comparison's one table (markdown): per scenario, the three systems' figures and the ratios.

Ratios are GameBuddies ÷ floor and GameBuddies ÷ peer of the same cell: above 1 means more
(updates/s: better; latency, CPU: worse). A cell with several figures has one ratio each.
"""

from __future__ import annotations

COLUMNS = ("floor", "peer", "product")
HEADER = "| scenario | measure | floor (Channels) | peer (Socket.IO) | GameBuddies | GB ÷ floor | GB ÷ peer |"


def _get(data, *path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(values) -> str:
    if values is None:
        return "—"
    if isinstance(values, str):
        return values
    if isinstance(values, tuple):
        return " / ".join(_num(v) for v in values)
    return _num(values)


def _ratio(product, other) -> str:
    def one(a, b):
        if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
            return "—"
        value = a / b
        return f"{value:,.0f}×" if value >= 100 else f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"

    if product is None or other is None:
        return "—"
    if isinstance(product, tuple) and isinstance(other, tuple):
        return " / ".join(one(a, b) for a, b in zip(product, other, strict=False))
    return one(product, other)


def _row(scenario: str, measure: str, values: dict, *, ratio: bool = True) -> str | None:
    cells = [_cell(values.get(column)) for column in COLUMNS]
    if all(cell.strip("—/ ") == "" for cell in cells):
        return None  # nothing measured here (e.g. a system left out with --targets)
    product = values.get("product")
    ratios = [_ratio(product, values.get(other)) if ratio else "" for other in ("floor", "peer")]
    return f"| {scenario} | {measure} | {' | '.join(cells)} | {' | '.join(ratios)} |"


def _errors(updates) -> int | None:
    return sum((updates or {}).get("errors", {}).values()) if updates else None


def _other_cpu_pct(cpu) -> float | None:
    wall, cores = _get(cpu, "wall"), _get(cpu, "cores") or 1
    return round(100 * (cpu.get("other") or 0) / (wall * cores), 1) if wall else None


def throughput_rows(targets: dict, senders) -> list[str]:
    t = {name: _get(targets, name, "throughput") for name in COLUMNS}
    label = f"throughput ({senders} senders)"

    def each(fn):
        return {name: fn(r) if isinstance(r, dict) and "error" not in r else None for name, r in t.items()}

    checks = _get(t, "product", "checks") or {}
    return [
        _row(label, "updates/s", each(lambda r: r.get("requests_per_second"))),
        _row(label, "HTTP ack p50 / p99 ms", each(lambda r: (r["updates"]["ack_latency_ms"].get("p50"),
                                                               r["updates"]["ack_latency_ms"].get("p99")))),
        _row(label, "errors", each(lambda r: _errors(r.get("updates"))), ratio=False),
        _row(label, "server CPU ms/update", each(lambda r: _get(r, "cpu_ms_per_update", "server"))),
        _row(label, "server+PostgreSQL+Redis CPU ms/update",
             each(lambda r: _get(r, "cpu_ms_per_update", "server_postgres_redis"))),
        _row(label, "lost updates (not in history) / conflict retries",
             {"product": (checks.get("lost_updates"), checks.get("conflict_retries"))} if checks else {}, ratio=False),
        _row(label, "load generator: share of one core (near 1 = it was the limit)",
             each(lambda r: _get(r, "cpu_seconds", "generator_core_share")), ratio=False),
        _row(label, "other processes' CPU % (noise)", each(lambda r: _other_cpu_pct(r.get("cpu_seconds"))),
             ratio=False),
    ]  # fmt: skip


def broadcast_rows(label: str, per_target: dict) -> list[str]:
    """per_target: name -> the measured window of one rate (broadcast.measure's dict) or None."""

    def each(fn):
        return {name: fn(r) if isinstance(r, dict) and "error" not in r else None for name, r in per_target.items()}

    def delivery(r):
        lat = r.get("delivery_latency_ms") or {}
        return lat.get("p50"), lat.get("p95"), lat.get("p99"), lat.get("max")

    def losses(r):
        return r.get("deliveries_lost"), _get(r, "messages", "out_of_order"), _get(r, "messages", "missing_versions")

    return [
        _row(label, "delivery p50 / p95 / p99 / max ms", each(delivery)),
        _row(label, "deliveries lost (> 5 s or never) / out of order / missing versions", each(losses), ratio=False),
        _row(label, "HTTP ack p99 ms", each(lambda r: _get(r, "updates", "ack_latency_ms", "p99"))),
        _row(label, "HTTP errors / achieved updates/s",
             each(lambda r: (_errors(r.get("updates")), _get(r, "schedule", "achieved_rate"))), ratio=False),
        _row(label, "server CPU ms/update", each(lambda r: _get(r, "cpu_ms_per_update", "server"))),
        _row(label, "lost updates (not in history) / conflict retries",
             {"product": (_get(per_target, "product", "checks", "lost_updates"),
                          _get(per_target, "product", "checks", "conflict_retries"))}
             if _get(per_target, "product", "checks") else {}, ratio=False),
    ]  # fmt: skip


def broadcast_section(targets: dict, rates) -> list[str]:
    rows = []
    common = {name: _get(targets, name, "broadcast") for name in COLUMNS}
    opened = {name: _get(r, "sockets", "opened") for name, r in common.items()}
    shape = f"{max((v for v in opened.values() if v), default=0)} sockets"
    rows.append(_row(f"broadcast, {shape}", "sockets opened / snapshot bytes",
                     {n: (opened[n], _get(r, "snapshot_bytes")) if r else None for n, r in common.items()},
                     ratio=False))  # fmt: skip
    rows.append(_row(f"broadcast, {shape}", "server RSS KB per socket",
                     {n: _get(r, "memory", "rss_per_socket_kb") for n, r in common.items()}))  # fmt: skip
    for rate in rates:
        key = f"{rate:g}"
        per_target = {name: _get(r, "rates", key) for name, r in common.items()}
        rows += broadcast_rows(f"broadcast {key}/s", per_target)
    return rows


def idle_rows(targets: dict) -> list[str]:
    idle = _get(targets, "product", "idle")
    if not isinstance(idle, dict):
        return []
    label = f"idle: {idle.get('requested', '?')} sockets on 1 GameBuddies worker"
    not_returned = _get(idle, "memory", "kb_per_socket_not_returned")
    rows = [
        _row(label, "KB per socket held" + (" / not returned after close" if not_returned is not None else ""),
             {"product": (_get(idle, "memory", "kb_per_socket_held"),) + ((not_returned,) if not_returned else ())},
             ratio=False),
        _row(label, "opened / failed / connects/s",
             {"product": (_get(idle, "connect", "opened"), _get(idle, "connect", "failed"),
                          _get(idle, "connect", "per_second"))}, ratio=False),
    ]  # fmt: skip
    for key, r in (_get(idle, "broadcast_while_held", "rates") or {}).items():
        sockets = _get(idle, "broadcast_while_held", "sockets", "opened")
        rows += broadcast_rows(f"broadcast {key}/s to {sockets} sockets while held (1 worker)", {"product": r})
    if "error" in idle:
        rows.append(_row(label, "error", {"product": idle["error"][:80]}, ratio=False))
    return rows


def game_end_rows(targets: dict) -> list[str]:
    end = _get(targets, "product", "game_end")
    if not isinstance(end, dict):
        return []
    rows = []
    for size, r in (end.get("sizes") or {}).items():
        label = f"game end, {size} players"
        rows += [
            _row(label, "ms p50 / max (through the counting proxy)",
                 {"product": (_get(r, "latency_ms", "p50"), _get(r, "latency_ms", "max"))}, ratio=False),
            _row(label, "SQL statements / round trips per call",
                 {"product": (_get(r, "statements", "median"), _get(r, "round_trips", "median"))}, ratio=False),
            _row(label, "players returned / errors",
                 {"product": (",".join(map(str, r.get("players_returned") or [])) or "—", _errors(r))}, ratio=False),
        ]  # fmt: skip
    if "error" in end:
        rows.append(_row("game end", "error", {"product": end["error"][:80]}, ratio=False))
    return rows


def render(report: dict) -> str:
    config, env, targets = report.get("config", {}), report.get("environment", {}), report.get("targets", {})
    git = env.get("git") or {}
    lines = [
        f"commit {git.get('commit', '?')}{' (uncommitted changes)' if git.get('uncommitted_changes') else ''}, "
        f"{env.get('cpus', '?')} cores, {config.get('duration')} s per load run, "
        f"{config.get('rooms')} rooms × {config.get('clients_per_room')} sockets, "
        f"total {report.get('total_seconds', '?')} s",
        "",
        HEADER,
        "|---|---|---|---|---|---|---|",
    ]
    if "throughput" in config.get("scenarios", ()):
        lines += throughput_rows(targets, config.get("senders"))
    if "broadcast" in config.get("scenarios", ()):
        lines += broadcast_section(targets, config.get("rates") or [])
    lines += idle_rows(targets)
    lines += game_end_rows(targets)
    lines = [line for line in lines if line is not None]
    notes = []
    for name in COLUMNS:
        target = targets.get(name) or {}
        for key in ("error", "skipped"):
            if key in target:
                notes.append(f"- {name}: {key}: {target[key]}")
        for scenario in ("throughput", "broadcast", "idle", "game_end"):
            if isinstance(target.get(scenario), dict) and "error" in target[scenario]:
                notes.append(f"- {name} {scenario}: {target[scenario]['error']}")
        if target.get("server"):
            notes.append(f"- {name}: {target['server']}")
    return "\n".join(lines + ([""] + notes if notes else []))
