"""Language of the player pages: Django's LocaleMiddleware, except for the Game API.

Pages follow the footer switch (the `django_language` cookie set by `set_language`), else the
browser's Accept-Language; English and German (settings.LANGUAGES). The Game API under
/api/ stays English and its answers keep exactly their headers (no Content-Language, no
Vary: Accept-Language), so the lean path's answers stay identical to the DRF views'
(tests/gameapi/test_lean_parity.py).
"""

from __future__ import annotations

from django.middleware.locale import LocaleMiddleware
from django.utils import translation

_ENGLISH_ONLY = ("/api/",)


class PlayerLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        if request.path.startswith(_ENGLISH_ONLY):
            translation.activate("en")
            request.LANGUAGE_CODE = "en"
            return
        super().process_request(request)

    def process_response(self, request, response):
        if request.path.startswith(_ENGLISH_ONLY):
            return response
        return super().process_response(request, response)
