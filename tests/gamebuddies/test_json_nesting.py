"""The nesting scan that keeps deeply nested JSON away from the recursive parser (issue 18 #8)."""

import pytest

from gamebuddies.errors import ValidationError
from gamebuddies.validation import MAX_PARSE_DEPTH, json_nesting_exceeds, loads_json

DEEP = 30_000


def test_the_scan_counts_brackets_but_not_inside_strings():
    assert not json_nesting_exceeds("[" * MAX_PARSE_DEPTH + "]" * MAX_PARSE_DEPTH)
    assert json_nesting_exceeds("[" * (MAX_PARSE_DEPTH + 1))
    assert json_nesting_exceeds('{"a":' * (MAX_PARSE_DEPTH + 1))
    assert not json_nesting_exceeds('["' + "[" * 500 + '"]')
    assert not json_nesting_exceeds('["\\"' + "{" * 500 + '"]')  # an escaped quote does not end the string
    assert json_nesting_exceeds('["\\\\",' + "[" * 500)  # an escaped backslash does not escape the quote


def test_loads_json_refuses_deep_text_with_a_validation_error_not_a_recursion_error():
    with pytest.raises(ValidationError) as refused:
        loads_json("[" * DEEP + "]" * DEEP)
    assert refused.value.code == "VALIDATION_ERROR"
    assert loads_json(b'{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
