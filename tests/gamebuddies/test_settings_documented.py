"""Every environment variable the settings read is in README.md's configuration tables."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# env_bool("NAME", ...), env_int("NAME", ...), env_list("NAME", ...), os.environ.get("NAME", ...)
READ = re.compile(r"""(?:env_\w+|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]+)["']""")
# Read by settings.py but not meant for operators.
INTERNAL = {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}


def test_every_environment_variable_the_settings_read_is_documented_in_the_readme():
    read = set(READ.findall((ROOT / "gamebuddies" / "settings.py").read_text())) - INTERNAL
    assert len(read) > 40  # the pattern still finds the settings
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(name for name in read if f"`{name}`" not in readme)
    assert undocumented == []
