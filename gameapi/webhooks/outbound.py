"""Outbound HTTP for webhooks, safe against SSRF.

A target must be http(s) (https only in production unless allowed), and every address
its host resolves to must be public: no loopback, private, link-local (cloud metadata
at 169.254.169.254), multicast, reserved, site-local or unspecified addresses, and no
IPv6 address that embeds an IPv4 one (6to4, Teredo, NAT64, IPv4-compatible: refused;
IPv4-mapped and ISATAP: judged by the embedded address), unless
WEBHOOK_ALLOW_PRIVATE_TARGETS is on (development and tests). The check runs when an
endpoint is saved and again at every delivery against the freshly resolved address,
and the connection goes to that very address (no second lookup a DNS rebinding could
change). Redirects are never followed; response bodies are read up to a small cap.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from gamebuddies.errors import ValidationError

MAX_RESPONSE_BYTES = 2048
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


class UnsafeTargetError(ValidationError):
    code = "UNSAFE_WEBHOOK_TARGET"
    default_message = "Webhook URL is not allowed"


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses of a host (module-level so tests can stub the resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


# IPv6 prefixes that carry traffic on to an IPv4 (or tunnelled) address chosen by whoever
# wrote the address: 6to4, Teredo, NAT64 (well-known and local-use), IPv4-compatible and
# IPv4-translated. A webhook receiver has no reason to live behind one, so they are refused
# outright; the embedded IPv4 is also decoded and checked (embedded_ipv4) for a clear reason.
TUNNEL_PREFIXES = tuple(
    ipaddress.ip_network(net)
    for net in ("2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96")
)
_ISATAP_MARKERS = (0x00005EFE, 0x02005EFE)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address may stand for (mapped, compatible, 6to4, Teredo, NAT64, ISATAP)."""
    value = int(ip)
    low32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    inner = []
    if ip.ipv4_mapped:
        inner.append(ip.ipv4_mapped)
    if ip.sixtofour:
        inner.append(ip.sixtofour)
    if ip.teredo:
        inner.extend(ip.teredo)  # (server, client): the client is de-obfuscated by ipaddress
    if any(ip in net for net in TUNNEL_PREFIXES):
        inner.append(low32)  # NAT64 / compatible / translated: the last 32 bits
    if (value >> 32) & 0xFFFFFFFF in _ISATAP_MARKERS:
        inner.append(low32)
    return inner


def _plainly_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_reserved
        or ip.is_link_local
        or ip.is_loopback
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local)
    )


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # a scoped IPv6 address is link-scoped anyway
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return _plainly_public(ip.ipv4_mapped)
        if any(ip in net for net in TUNNEL_PREFIXES):
            return False
        if not all(_plainly_public(inner) for inner in embedded_ipv4(ip)):
            return False
    return _plainly_public(ip)


def check_url_shape(url: str) -> tuple[str, str, int]:
    """Scheme and form of a target URL; returns (scheme, host, port)."""
    if not isinstance(url, str) or len(url) > 500:
        raise UnsafeTargetError("Webhook URL must be a string under 500 characters", field="url")
    parts = urlsplit(url)
    allowed = {"https"} if settings.PRODUCTION and not settings.WEBHOOK_ALLOW_HTTP else {"http", "https"}
    if parts.scheme not in allowed:
        raise UnsafeTargetError(f"Webhook URL must use {' or '.join(sorted(allowed))}", field="url")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeTargetError("Webhook URL needs a host and no credentials", field="url")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname, port


def safe_addresses(url: str) -> tuple[str, int, list[str]]:
    """Resolve the target and refuse it unless every address is allowed; returns (host, port, addresses)."""
    _, host, port = check_url_shape(url)
    try:
        addresses = [host] if _is_ip(host) else resolve_host(host, port)
    except OSError as exc:
        raise UnsafeTargetError(f"Webhook host does not resolve: {exc.__class__.__name__}", field="url") from exc
    if not addresses:
        raise UnsafeTargetError("Webhook host does not resolve", field="url")
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        for address in addresses:
            if not _is_public(address):
                raise UnsafeTargetError("Webhook URL points at a private or local address", field="url")
    return host, port, addresses


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


@dataclass
class DeliveryOutcome:
    status_code: int | None
    duration_ms: float
    response_excerpt: str
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post_json(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    deadline: float | None = None,
) -> DeliveryOutcome:
    """POST to a checked target, connecting to the address that passed the check.

    `deadline` (default WEBHOOK_TIMEOUT_SECONDS) bounds the whole attempt: the address
    check with its DNS lookup, connect, TLS, the response headers and the capped body. A
    receiver trickling a byte at a time is cut off when it runs out, not after each read.
    """
    deadline = deadline or settings.WEBHOOK_TIMEOUT_SECONDS
    started = time.perf_counter()
    return asyncio.run(_post_within(url, body, headers, transport, deadline, started))


async def _post_within(url, body, headers, transport, deadline: float, started: float) -> DeliveryOutcome:
    try:
        async with asyncio.timeout(deadline):
            # The lookup runs on its own small pool: a stalled resolver cannot outlast the deadline.
            host, port, addresses = await asyncio.wrap_future(_resolver.submit(safe_addresses, url))
            return await _post(url, body, headers, transport, deadline, started, host, port, addresses[0])
    except UnsafeTargetError as exc:
        return DeliveryOutcome(None, 0.0, "", f"refused: {exc.message}")
    except TimeoutError:
        return DeliveryOutcome(None, _ms(started), "", f"deadline exceeded ({deadline:g} s)")


async def _post(url, body, headers, transport, deadline, started, host, port, address) -> DeliveryOutcome:
    parts = urlsplit(url)
    pinned = address if ":" not in address else f"[{address}]"
    target = urlunsplit((parts.scheme, f"{pinned}:{port}", parts.path or "/", parts.query, ""))
    request_headers = {
        **headers,
        "Host": parts.netloc,
        "Content-Type": "application/json",
        "User-Agent": "GameBuddies-Webhooks/1",
    }
    try:
        async with httpx.AsyncClient(transport=transport, timeout=deadline, follow_redirects=False) as client:
            request = client.build_request(
                "POST", target, content=body, headers=request_headers, extensions={"sni_hostname": host}
            )
            response = await client.send(request, stream=True)
            try:
                excerpt = await _read_capped(response)
            finally:
                await response.aclose()
    except httpx.HTTPError as exc:
        return DeliveryOutcome(None, _ms(started), "", exc.__class__.__name__)
    error = "redirect not followed" if 300 <= response.status_code < 400 else ""
    return DeliveryOutcome(response.status_code, _ms(started), excerpt, error)


async def _read_capped(response: httpx.Response) -> str:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk[: MAX_RESPONSE_BYTES - size])
        size += len(chunks[-1])
        if size >= MAX_RESPONSE_BYTES:
            break
    return b"".join(chunks).decode("utf-8", "replace")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
