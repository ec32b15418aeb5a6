"""Game pages on other origins can import the browser SDK; app pages get no CORS grant."""

import urllib.request

import pytest


@pytest.mark.slow
def test_the_browser_sdk_is_importable_cross_origin_and_pages_are_not(live_server_url):
    request = urllib.request.Request(
        f"{live_server_url}/static/gamebuddies/sdk.js", headers={"Origin": "https://g.example"}
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "javascript" in response.headers["Content-Type"]
    with urllib.request.urlopen(f"{live_server_url}/healthz") as response:  # noqa: S310
        assert response.headers.get("Access-Control-Allow-Origin") is None
