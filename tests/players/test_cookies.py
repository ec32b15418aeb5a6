"""The player cookie is encrypted, not just signed (issue 18, info item).

Before: a base64 payload anyone holding the cookie could read, raw session tokens in it.
"""

import base64
import re
import time
import zlib

import pytest
from django.conf import settings
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from gamebuddies.crypto import fernet_for
from players import cookies

TOKEN = "gbs_" + "S3cr3tT0ken" * 4


def _stored(tokens) -> str:
    response = HttpResponse()
    cookies.store(response, tokens, secure=False)
    return response.cookies[settings.PLAYER_COOKIE_NAME].value


def _what_a_reader_without_the_key_sees(value: str) -> bytes:
    """The cookie as text, each of its base64 parts decoded, and decompressed where zlib."""
    seen = [value.encode()]
    for chunk in re.split(r"[.:]", value):
        try:
            raw = base64.urlsafe_b64decode(chunk + "=" * (-len(chunk) % 4))
        except ValueError:
            continue
        seen.append(raw)
        try:
            seen.append(zlib.decompress(raw))
        except zlib.error:
            pass
    return b"|".join(seen)


def test_the_stored_cookie_does_not_reveal_the_token_or_the_room():
    legacy = signing.dumps({"K7QX2M": TOKEN}, salt="gamebuddies.player-cookie", compress=True)
    assert TOKEN.encode() in _what_a_reader_without_the_key_sees(legacy)  # the attack on the old cookie
    value = _stored({"K7QX2M": TOKEN})
    readable = _what_a_reader_without_the_key_sees(value)
    assert TOKEN.encode() not in readable and b"K7QX2M" not in readable
    assert cookies.decode(value) == {"K7QX2M": TOKEN}


def test_a_cookie_read_from_a_request_round_trips():
    value = _stored({"AAAAAA": "gbs_a", "BBBBBB": "gbs_b"})
    request = RequestFactory().get("/", HTTP_COOKIE=f"{settings.PLAYER_COOKIE_NAME}={value}")
    assert cookies.tokens_from_request(request) == {"AAAAAA": "gbs_a", "BBBBBB": "gbs_b"}


def _flip_a_character(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]


@pytest.mark.parametrize("mangle", [_flip_a_character, lambda v: v[:-10], lambda v: "e1.junk"])
def test_a_tampered_cookie_is_ignored(mangle):
    assert cookies.decode(mangle(_stored({"K7QX2M": TOKEN}))) == {}


def test_a_cookie_older_than_the_session_lifetime_is_ignored(settings):
    old = (
        cookies._PREFIX
        + fernet_for(cookies._SALT)
        .encrypt_at_time(b'{"K7QX2M":"gbs_old"}', int(time.time()) - settings.PLAYER_SESSION_DAYS * 86400 - 60)
        .decode()
    )
    assert cookies.decode(old) == {}


def test_a_legacy_signed_cookie_is_still_read_during_the_transition():
    legacy = signing.dumps({"K7QX2M": TOKEN}, salt="gamebuddies.player-cookie", compress=True)
    assert cookies.decode(legacy) == {"K7QX2M": TOKEN}


def test_rotating_the_secret_key_keeps_cookies_readable_through_the_fallbacks(settings):
    value = _stored({"K7QX2M": TOKEN})
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-brand-new-secret-key-" * 3, [settings.SECRET_KEY]
    assert cookies.decode(value) == {"K7QX2M": TOKEN}
    settings.SECRET_KEY_FALLBACKS = []
    assert cookies.decode(value) == {}
