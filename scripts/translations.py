# ruff: noqa: S603  (runs manage.py makemessages from this venv)
"""The translation catalogues: extract (makemessages) and compile (.po -> .mo).

`make run` and `make test` call `prepare()` first. locale/<lang>/LC_MESSAGES/django.po is the
source and is committed; the .mo files are build output (git-ignored), compiled here with
polib (pure Python, pinned in requirements.txt) so a fresh machine needs no GNU gettext to
run the app. Extraction needs GNU xgettext: when it is installed, new strings in the sources
are merged into the .po first (Django keeps the file byte-identical when nothing changed), and
tests/party/test_translations.py fails until they are translated. Without xgettext the
committed .po is compiled as it is, and this says so.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ("de",)  # English is the source language: no catalogue
# Not player-facing, or not ours: never scanned for strings.
IGNORED = (".venv", ".tmp", "bench", "tests", "sdk", "node_modules", "deploy", "demo")


def extract() -> bool:
    """Merge new source strings into each .po; False when xgettext is missing."""
    if shutil.which("xgettext") is None:
        return False
    ignores = [f"--ignore={pattern}" for pattern in IGNORED]
    # --no-location: the .po changes only when the strings do, not whenever a source line moves.
    command = [sys.executable, str(ROOT / "manage.py"), "makemessages", "--verbosity", "0", "--no-location", *ignores]
    for language in LANGUAGES:
        subprocess.run([*command, "--locale", language], cwd=ROOT, check=True)
    return True


def compile_catalogues() -> list[Path]:
    """Compile every locale/*/LC_MESSAGES/*.po to its .mo; returns the .mo files written."""
    import polib

    written = []
    for po_path in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        catalogue = polib.pofile(str(po_path))
        # Fuzzy entries are guesses: like msgfmt, leave them out (the catalogue test refuses them).
        for entry in catalogue.fuzzy_entries():
            catalogue.remove(entry)
        catalogue.save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def prepare(say=print) -> None:
    if extract():
        say("translations: catalogues updated from the sources (makemessages)")
    else:
        say("translations: xgettext not installed, so new strings are not extracted (apt-get install -y gettext)")
    compiled = compile_catalogues()
    say(f"translations: compiled {len(compiled)} catalogue(s)")


if __name__ == "__main__":
    prepare()
