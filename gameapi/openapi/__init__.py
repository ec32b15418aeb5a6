"""OpenAPI documentation of the Game API: response shapes, the error envelope, examples."""

from . import extensions  # noqa: F401  (registers the schema extensions with drf-spectacular)
