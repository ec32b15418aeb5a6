"""The SDK as the tests use it: imported from sdk/python (what `pip install ./sdk/python` installs,
so the suite runs whether or not the package is in the venv), quick retries, and keys made
through gameapi's services."""

from __future__ import annotations

import sys

from django.conf import settings

SDK_PATH = str(settings.BASE_DIR / "sdk" / "python")
if SDK_PATH not in sys.path:
    sys.path.insert(0, SDK_PATH)

from gamebuddies_sdk import GameBuddiesClient, RetryPolicy  # noqa: E402

from gameapi.models import ALL_SCOPES  # noqa: E402
from gameapi.services import api_key_create  # noqa: E402

__all__ = ["FAST_RETRY", "GameBuddiesClient", "RetryPolicy", "make_key"]

# Quick retries: the behaviour under test is the same at any scale.
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.05, backoff_max=0.2)


def make_key(*, scopes=None, game_slug=None, rate_limits=None, service="sdk-tests") -> str:
    issued = api_key_create(
        service_name=service,
        scopes=list(ALL_SCOPES) if scopes is None else scopes,
        game_slug=game_slug,
        rate_limits=rate_limits,
    )
    return issued.raw_key
