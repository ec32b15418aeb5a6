"""The integration guide's error table is generated from the code (issue 20): it cannot drift."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from gameapi.openapi import error_table
from gamebuddies.errors import StateConflictError

sys.path.insert(0, str(Path(error_table.ROOT, "sdk", "python")))
from gamebuddies_sdk.errors import ERRORS_BY_CODE  # noqa: E402


def test_the_committed_guide_has_exactly_the_generated_table():
    text = error_table.GUIDE.read_text(encoding="utf-8")
    assert error_table.with_table(text) == text, "run: .venv/bin/python manage.py docs_error_table"
    call_command("docs_error_table", "--check")


def test_every_code_the_sdk_raises_is_in_the_table_with_its_exception():
    table = error_table.render()
    for code, cls in ERRORS_BY_CODE.items():
        assert f"| `{code}` |" in table and f"`{cls.__name__}`" in table
    for code in (
        "INVALID_SESSION",
        "INVALID_ROOM_STATE",
        "DUPLICATE_REQUEST",
        "PAYLOAD_TOO_LARGE",
        "METHOD_NOT_ALLOWED",
        "CONSTRAINT_VIOLATION",
        "INTERNAL_ERROR",
        "TIMEOUT",
        "CONNECTION_ERROR",
    ):
        assert f"| `{code}` |" in table


def test_state_conflict_reads_retryable_as_the_envelope_says_and_not_retried_by_the_sdk():
    row = next(row for row in error_table.rows() if row.code == "STATE_CONFLICT")
    assert row.retryable is StateConflictError.retryable is True
    assert row.sdk_retries is False and "re-read" in row.meaning


def test_a_code_whose_status_differs_between_the_schema_and_the_exception_fails_the_generator(monkeypatch):
    monkeypatch.setitem(error_table.ERRORS, "ROOM_FULL", (400, "Room is full", False, {}))
    with pytest.raises(ValueError, match="ROOM_FULL"):
        error_table.rows()


def test_a_code_without_a_meaning_fails_the_generator(monkeypatch):
    monkeypatch.delitem(error_table.MEANINGS, "ROOM_FULL")
    with pytest.raises(ValueError, match="MEANINGS"):
        error_table.rows()


def test_check_mode_fails_when_the_guide_differs(monkeypatch, tmp_path):
    stale = tmp_path / "integration.md"
    stale.write_text(f"before\n{error_table.START}\n| old |\n{error_table.END}\nafter\n", encoding="utf-8")
    monkeypatch.setattr("gameapi.management.commands.docs_error_table.GUIDE", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("docs_error_table", "--check")
    call_command("docs_error_table")
    assert error_table.render() in stale.read_text(encoding="utf-8")
