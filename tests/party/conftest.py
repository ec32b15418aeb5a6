"""Every module here reads German strings: the catalogue is compiled from what is committed (the
.mo is build output) once per module, and catalogues Django loaded before are forgotten."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.utils import translation

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import translations  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def compiled():
    translations.compile_catalogues()
    translation.trans_real._translations = {}
    translation.trans_real._active = translation.trans_real.Local()
