"""Every error code the API documents (its OpenAPI catalog) arrives as the SDK's typed exception."""

from __future__ import annotations

import pytest
from gamebuddies_sdk.errors import ERRORS_BY_CODE, ServerError, error_from_response

from gameapi.openapi.errors import ERRORS


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_every_error_code_the_api_documents_has_its_typed_exception(code):
    status, message, retryable, extra = ERRORS[code]
    error = error_from_response(status, {}, {"error": message, "code": code, "retryable": retryable, **extra})
    if status >= 500:
        assert isinstance(error, ServerError)
    else:
        assert type(error) is ERRORS_BY_CODE[code] and error.code == code
    assert (error.status, error.retryable) == (status, retryable)
