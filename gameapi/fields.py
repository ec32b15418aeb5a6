"""Strict DRF fields: JSON types are taken as sent, never coerced ("3" is not a number, 1 is not true)."""

from __future__ import annotations

import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class JsonObjectField(serializers.DictField):
    """A JSON object of any content, at most `max_bytes` once serialised."""

    default_error_messages = {"too_large": "must be at most {max_kb} KB of JSON."}

    def __init__(self, *, max_bytes: int | None = None, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if self.max_bytes is not None and len(json.dumps(value)) > self.max_bytes:
            self.fail("too_large", max_kb=self.max_bytes // 1024)
        return value


@extend_schema_field({"oneOf": [{"type": "object", "additionalProperties": True}, {"type": "array", "items": {}}]})
class JsonDocumentField(serializers.JSONField):
    """A JSON object or array (game state)."""

    default_error_messages = {"invalid": "must be a JSON object or array."}

    def to_internal_value(self, data):
        if not isinstance(data, dict | list):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.OBJECT)
class AnyObjectField(serializers.DictField):
    """Output-only: an object whose keys are free (gameData, settings, metadata, event data)."""
