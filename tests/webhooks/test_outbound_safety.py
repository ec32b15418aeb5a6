"""Webhook targets cannot reach private networks (SSRF), checked at save and at delivery (issue: security)."""

import httpx
import pytest

from gameapi.webhooks import outbound
from gameapi.webhooks.outbound import UnsafeTargetError, post_json, safe_addresses


class NoNetwork(httpx.BaseTransport):
    """A transport that fails the test if any connection is attempted."""

    def handle_request(self, request):
        pytest.fail(f"a connection was attempted to {request.url}")


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
