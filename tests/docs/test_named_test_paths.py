"""The docs and the README name tests as evidence (`tests/rooms/services/test_status.py`); a test
that moves must take its mentions along, or the reader is sent to a file that is not there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_PATH = re.compile(r"\btests/[\w./-]+?\.py\b")


def named_test_paths() -> dict[str, list[str]]:
    """Every `tests/....py` path a Markdown file of docs/ or the README names, with where."""
    named: dict[str, list[str]] = {}
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            for path in TEST_PATH.findall(line):
                named.setdefault(path, []).append(f"{doc.relative_to(ROOT)}:{number}")
    return named


def test_the_docs_name_tests_and_every_named_test_file_exists():
    named = named_test_paths()
    assert len(named) > 10  # the pattern still finds what the docs name
    missing = {path: where for path, where in named.items() if not (ROOT / path).is_file()}
    assert missing == {}, f"moved or removed; fix these mentions: {missing}"
