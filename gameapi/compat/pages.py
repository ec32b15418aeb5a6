"""`/lobby/<CODE>`: where the original's games send players when the return call failed.

The original's return links also carried `?session=<token>`. A live session of that room is
turned into a one-time seat claim (players/claims.py) for the claim page, which seats the
browser (asking first if it already holds another seat there); the token itself goes no
further. Without one, the lobby page seats the player by their cookie or leads to the room's
join page.
"""

from __future__ import annotations

from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..presenters import lobby_url
from .services import lobby_claim_for_token


@never_cache
@require_GET
def lobby_fallback(request, code: str):
    code = code.upper()
    token = request.GET.get("session") or request.GET.get("sessionToken")
    claim = lobby_claim_for_token(code=code, token=token) if token else None
    response = redirect(lobby_url(request, code, claim_code=claim))
    response["Referrer-Policy"] = "no-referrer"
    return response
