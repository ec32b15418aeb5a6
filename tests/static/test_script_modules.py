"""The shape of the browser scripts (issue 24), read from the files: the public SDK imports
only public modules, the lobby and the demo games take their shared helpers from one module,
the socket address is built in one place, and every import and script tag finds its file.

No browser here: the browser tests (tests/browser/) show the pages work; these fail when a
change brings back a private import into the SDK or a second copy of a shared helper.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest

from gamebuddies.ui_strings import SCRIPT_STRINGS

ROOT = Path(__file__).resolve().parents[2]
# Both are served under /static/ (STATICFILES_DIRS and the demo app's static folder).
STATIC_ROOTS = (ROOT / "static", ROOT / "demo" / "static")
IMPORT = re.compile(r"""(?:\bimport|\bexport)\b[^"';]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(?\s*["']([^"']+)["']""")
TEMPLATE_SCRIPT = re.compile(r"""<script type="module" src="\{% static '([^']+)' %\}">""")

PUBLIC = "/static/gamebuddies/"
SDK = "/static/gamebuddies/sdk.js"
UI = "/static/gamebuddies/ui.js"
SOCKET = "/static/gamebuddies/room-socket.js"


def _scripts() -> dict[str, Path]:
    """Every script by the URL it is served at."""
    found = {}
    for root in STATIC_ROOTS:
        for path in root.rglob("*.js"):
            found["/static/" + path.relative_to(root).as_posix()] = path
    return found


SCRIPTS = _scripts()


def _code(url: str) -> str:
    """A script without its comment lines (examples there are not imports or definitions)."""
    lines = SCRIPTS[url].read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("//", "/*", "*")))


def _imports(url: str) -> list[str]:
    """The URLs a script imports (static and dynamic), resolved against its own URL."""
    targets = []
    for match in IMPORT.finditer(_code(url)):
        target = match.group(1) or match.group(2)
        if target.startswith("."):
            parts: list[str] = []
            for part in (PurePosixPath(url).parent / target).parts:
                if part == "..":
                    parts.pop()
                else:
                    parts.append(part)
            target = "/".join(parts).replace("//", "/")
        targets.append(target)
    return targets


def _reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        todo.extend(target for target in _imports(url) if target in SCRIPTS)
    return seen


def test_every_import_between_scripts_finds_a_served_file():
    missing = [(url, target) for url in SCRIPTS for target in _imports(url) if target not in SCRIPTS]
    assert missing == []


def test_every_module_script_tag_in_the_templates_finds_a_served_file():
    tags = {
        src
        for template in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
        for src in TEMPLATE_SCRIPT.findall(template.read_text())
    }
    assert "js/lobby-page.js" in tags
    assert sorted(src for src in tags if f"/static/{src}" not in SCRIPTS) == []


def test_the_sdk_and_everything_it_imports_are_public_modules():
    # Games on other origins load these (docs/integration.md): nothing from /static/js/.
    reachable = _reachable(SDK)
    assert {SDK, SOCKET, UI} <= reachable
    assert sorted(url for url in reachable if not url.startswith(PUBLIC)) == []


def test_the_lobby_and_the_demo_shell_share_the_socket_and_ui_modules():
    lobby = _reachable("/static/js/lobby-page.js")
    demo = _reachable("/static/demo/reaction.js") & _reachable("/static/demo/quiz.js")
    assert {SOCKET, UI} <= lobby & demo
    assert "/static/js/lobby.js" in lobby


@pytest.mark.parametrize(
    ("what", "pattern"),
    [
        ("the DOM builder", r"function el\("),
        ("the connection labels", r"Syncing…"),
        ("number formatting", r"toLocaleString\("),
        ("retry timing", r"2 \*\* attempt"),
        ("the ranking row", r"rank__place"),
        ("the refusal error", r"\.error\)\s*\|\|"),
    ],
)
def test_each_shared_helper_is_written_only_in_the_ui_module(what, pattern):
    homes = sorted(url for url in SCRIPTS if re.search(pattern, _code(url)))
    assert homes == [UI], f"{what} is written in {homes}"


def test_the_room_socket_address_is_built_in_the_socket_module_only():
    homes = sorted(url for url in SCRIPTS if "/ws/rooms/" in _code(url))
    assert homes == [SOCKET]


def test_the_old_socket_path_only_re_exports_the_public_module():
    # Kept for pages (and cached sdk.js copies) that load it; it must not grow a second copy.
    assert _code("/static/js/room-socket.js") == 'export * from "../gamebuddies/room-socket.js";'


def test_the_lobby_module_starts_nothing_by_itself():
    lobby = _code("/static/js/lobby.js")
    assert "export function startLobby(" in lobby
    assert not re.search(r"^startLobby\(", lobby, re.MULTILINE)
    assert re.search(r"^startLobby\(", _code("/static/js/lobby-page.js"), re.MULTILINE)


def test_the_connection_labels_the_lobby_translates_are_in_the_translated_table():
    # The lobby passes them through t() from ui.js, where the t("...") scan of static/js/ cannot see them.
    block = re.search(r"CONNECTION_LABELS = \{(.*?)\};", _code(UI), re.DOTALL).group(1)
    labels = re.findall(r':\s*"([^"]+)"', block)
    assert len(labels) == 4
    assert sorted(set(labels) - set(SCRIPT_STRINGS)) == []
