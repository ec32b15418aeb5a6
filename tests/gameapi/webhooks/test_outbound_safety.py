"""Webhook targets cannot reach private networks (SSRF), checked at save and at delivery (issue: security),
and one attempt cannot outlast its deadline however slowly the receiver answers (issue 18 #2)."""

import time

import httpx
import pytest

from gameapi.webhooks import outbound
from gameapi.webhooks.outbound import UnsafeTargetError, post_json, safe_addresses
from tests.gameapi.webhooks.receiver import Receiver


def _no_connection(request):
    pytest.fail(f"a connection was attempted to {request.url}")


def NoNetwork():  # noqa: N802 - reads like the transport class it stands for
    """A transport that fails the test if any connection is attempted."""
    return httpx.MockTransport(_no_connection)


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    settings.WEBHOOK_ALLOW_HTTP = False
    return settings


@pytest.fixture
def resolver(monkeypatch):
    answers = {}

    def fake_resolve(host, port):
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    monkeypatch.setattr(outbound, "resolve_host", fake_resolve)
    return answers


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://192.168.1.5/x",
        "https://0.0.0.0/x",
        "https://100.64.0.1/x",
        "https://[fe80::1]/x",
        "https://[fc00::1]/x",
        "https://[fec0::1]/x",
        # Issue 18 #7: IPv6 spellings that carry an IPv4 address inside them.
        "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "https://[2002:a9fe:a9fe::]/hook",  # 6to4 of 169.254.169.254
        "https://[2002:c0a8:105::1]/hook",  # 6to4 of 192.168.1.5
        "https://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of the metadata address
        "https://[64:ff9b:1::a00:1]/hook",  # local-use NAT64 of 10.0.0.1
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",  # Teredo, client 127.0.0.1
        "https://[::127.0.0.1]/hook",  # IPv4-compatible
        "https://[::ffff:169.254.169.254]/hook",  # IPv4-mapped
        "https://[::ffff:0:127.0.0.1]/hook",  # IPv4-translated
        "https://[2606:4700::5efe:7f00:1]/hook",  # ISATAP interface id wrapping 127.0.0.1
    ],
)
def test_private_loopback_and_metadata_addresses_are_refused_in_production(production, resolver, url):
    with pytest.raises(UnsafeTargetError):
        safe_addresses(url)
    outcome = post_json(url, b"{}", {}, transport=NoNetwork())
    assert outcome.status_code is None and outcome.error.startswith("refused")


def test_a_host_name_resolving_to_loopback_is_refused_at_delivery(production, resolver):
    resolver["rebind.example"] = ["93.184.216.34"]
    assert safe_addresses("https://rebind.example/hook")[2] == ["93.184.216.34"]
    resolver["rebind.example"] = ["127.0.0.1"]  # DNS changed after the endpoint was saved
    outcome = post_json("https://rebind.example/hook", b"{}", {}, transport=NoNetwork())
    assert outcome.error.startswith("refused")


def test_plain_http_is_refused_in_production(production, resolver):
    resolver["hooks.example"] = ["93.184.216.34"]
    with pytest.raises(UnsafeTargetError):
        safe_addresses("http://hooks.example/hook")


def test_urls_with_credentials_or_other_schemes_are_refused(resolver):
    for url in ("ftp://hooks.example/x", "https://user:pw@hooks.example/x", "file:///etc/passwd"):
        with pytest.raises(UnsafeTargetError):
            safe_addresses(url)


def test_delivery_connects_to_the_checked_address_and_does_not_follow_redirects(production, resolver):
    resolver["hooks.example"] = ["93.184.216.34"]
    seen = []

    def handler(request):
        seen.append((str(request.url), request.headers["host"], request.extensions.get("sni_hostname")))
        return httpx.Response(302, headers={"Location": "http://127.0.0.1/"}, content=b"x" * 10_000)

    outcome = post_json("https://hooks.example/hook?a=1", b"{}", {}, transport=httpx.MockTransport(handler))
    assert seen == [("https://93.184.216.34/hook?a=1", "hooks.example", "hooks.example")]
    assert outcome.status_code == 302 and not outcome.ok and outcome.error == "redirect not followed"
    assert len(outcome.response_excerpt) <= outbound.MAX_RESPONSE_BYTES


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",
        "2002:a9fe:a9fe::",
        "64:ff9b::a9fe:a9fe",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "::ffff:10.0.0.1",
    ],
)
def test_a_host_name_resolving_to_an_ipv6_wrapper_of_a_private_address_is_refused(production, resolver, address):
    resolver["wrapped.example"] = [address]
    with pytest.raises(UnsafeTargetError):
        safe_addresses("https://wrapped.example/hook")


@pytest.mark.parametrize(
    "address",
    ["2002:5db8:d822::1", "64:ff9b::5db8:d822", "2001:0:4136:e378:8000:63bf:a247:27dd"],
)
def test_tunnel_prefixes_are_refused_even_around_a_public_ipv4(production, resolver, address):
    # A receiver has no reason to sit behind 6to4, NAT64 or Teredo; refusing the prefix
    # leaves no decoding corner case to get wrong.
    with pytest.raises(UnsafeTargetError):
        safe_addresses(f"https://[{address}]/hook")


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_are_still_accepted(production, resolver, address):
    resolver["public.example"] = [address]
    assert safe_addresses("https://public.example/hook")[2] == [address]


@pytest.fixture
def loopback_receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with Receiver() as running:
        yield running


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_receiver_is_cut_off_at_the_attempt_deadline(loopback_receiver, part):
    # Issue 18 #2: one byte every 0.2 s never trips a per-read timeout; the total deadline does.
    loopback_receiver.trickle, loopback_receiver.trickle_every = part, 0.2
    started = time.monotonic()
    outcome = post_json(loopback_receiver.url, b"{}", {}, deadline=1.0)
    elapsed = time.monotonic() - started
    assert outcome.status_code is None and not outcome.ok
    assert outcome.error == "deadline exceeded (1 s)"
    assert 0.9 <= elapsed < 1.8
    deadline = time.monotonic() + 3
    while not loopback_receiver.hung_up and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loopback_receiver.hung_up and loopback_receiver.hung_up[0] < 2.5  # the connection was really closed


def test_a_stalled_dns_lookup_counts_against_the_deadline(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    def slow_resolve(host, port):
        time.sleep(3)
        return ["93.184.216.34"]

    monkeypatch.setattr(outbound, "resolve_host", slow_resolve)
    started = time.monotonic()
    outcome = post_json("https://slow-dns.example/hook", b"{}", {}, transport=NoNetwork(), deadline=0.5)
    assert outcome.error == "deadline exceeded (0.5 s)" and time.monotonic() - started < 1.5


def test_a_prompt_receiver_is_answered_within_the_deadline(loopback_receiver):
    outcome = post_json(loopback_receiver.url, b"{}", {}, deadline=2.0)
    assert outcome.ok and outcome.response_excerpt == "ok" and outcome.error == ""
