"""The Game API's JSON parser: DRF's, behind a nesting limit checked before parsing.

Python's json module parses recursively, so a body nested 30,000 deep raised
RecursionError (a 500). The raw text is scanned first (gamebuddies.validation), and too
deep a body is a 400 VALIDATION_ERROR like any other bad input.
"""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from gamebuddies.validation import check_json_nesting


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read()
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_json_nesting(text, field="body")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
