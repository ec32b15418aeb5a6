"""Outbound HTTP for webhooks, safe against SSRF.

A target must be http(s) (https only in production unless allowed), and every address
its host resolves to must be public: no loopback, private, link-local (cloud metadata
at 169.254.169.254), multicast, reserved or unspecified addresses, unless
WEBHOOK_ALLOW_PRIVATE_TARGETS is on (development and tests). The check runs when an
endpoint is saved and again at every delivery against the freshly resolved address,
and the connection goes to that very address (no second lookup a DNS rebinding could
change). Redirects are never followed; response bodies are read up to a small cap.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from gamebuddies.errors import ValidationError

MAX_RESPONSE_BYTES = 2048


class UnsafeTargetError(ValidationError):
    code = "UNSAFE_WEBHOOK_TARGET"
    default_message = "Webhook URL is not allowed"


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses of a host (module-level so tests can stub the resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback)


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
    transport: httpx.BaseTransport | None = None,
    timeout: float | None = None,
) -> DeliveryOutcome:
    """POST to a checked target, connecting to the address that passed the check."""
    started = time.perf_counter()
    try:
        host, port, addresses = safe_addresses(url)
    except UnsafeTargetError as exc:
        return DeliveryOutcome(None, 0.0, "", f"refused: {exc.message}")
    parts = urlsplit(url)
    pinned = addresses[0] if ":" not in addresses[0] else f"[{addresses[0]}]"
    target = urlunsplit((parts.scheme, f"{pinned}:{port}", parts.path or "/", parts.query, ""))
    request_headers = {
        **headers,
        "Host": parts.netloc,
        "Content-Type": "application/json",
        "User-Agent": "GameBuddies-Webhooks/1",
    }
    try:
        with httpx.Client(
            transport=transport, timeout=timeout or settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False
        ) as client:
            request = client.build_request(
                "POST", target, content=body, headers=request_headers, extensions={"sni_hostname": host}
            )
            response = client.send(request, stream=True)
            try:
                excerpt = _read_capped(response)
            finally:
                response.close()
    except httpx.HTTPError as exc:
        return DeliveryOutcome(None, _ms(started), "", exc.__class__.__name__)
    error = "redirect not followed" if 300 <= response.status_code < 400 else ""
    return DeliveryOutcome(response.status_code, _ms(started), excerpt, error)


def _read_capped(response: httpx.Response) -> str:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk[: MAX_RESPONSE_BYTES - size])
        size += len(chunks[-1])
        if size >= MAX_RESPONSE_BYTES:
            break
    return b"".join(chunks).decode("utf-8", "replace")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
