"""The import rule of docs/architecture.md holds for every module of the apps and `gamebuddies/`:
adapters -> services / selectors -> models, nothing imports an adapter (but the URL, socket and
ASGI wiring), project infrastructure imports no app, another app is used through a package's
public surface (`rooms.services`, not `rooms.services.status`), adapters write rows only through
services.

The checker (tests/import_rules.py) reads the source with `ast`; the tests at the end run it on
small projects written to a temporary directory, so a new bad edge is shown to fail it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.import_rules import PRIVATE, bad_edges, direct_writes, imports_of_test_modules

ROOT = Path(__file__).resolve().parent.parent

# Edges known to break the rule, each with why it is still here. The goal is an empty dict:
# remove an entry in the change that removes its edge (the stale-entry test below insists).
KNOWN_BAD: dict[tuple[str, str], str] = {}


def test_no_module_of_the_project_imports_against_the_rule():
    unexpected = [str(edge) for edge in bad_edges(ROOT) if edge.key not in KNOWN_BAD]
    assert not unexpected, "imports against docs/architecture.md's rule:\n" + "\n".join(unexpected)


def test_every_allowlisted_edge_still_exists_so_the_list_only_shrinks():
    stale = set(KNOWN_BAD) - {edge.key for edge in bad_edges(ROOT)}
    assert not stale, f"fixed, so remove from KNOWN_BAD: {sorted(stale)}"


def test_no_adapter_writes_rows_itself():
    assert direct_writes(ROOT) == []


def test_no_test_file_imports_from_a_test_module_or_a_conftest():
    # Shared helpers live in plain modules (tests/gameapi/client.py, tests/rooms/sockets.py ...).
    assert imports_of_test_modules(ROOT / "tests") == []


# -- the checker, on small projects ---------------------------------------------------------


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return tmp_path


GOOD = {
    "rooms/__init__.py": "",
    "rooms/models.py": "from gamebuddies.errors import GameBuddiesError\n",
    "rooms/selectors.py": "from .models import Room\n",
    "rooms/services/__init__.py": "from .lifecycle import room_create\n",
    "rooms/services/lifecycle.py": "from ..models import Room\nfrom players.services import player_create\n",
    "rooms/views.py": "from . import services\nfrom .models import Location\nfrom .selectors import room_get\n",
    "rooms/consumers.py": "from rooms.services import room_create\n",
    "rooms/admin.py": "from gamebuddies.admin_base import ServiceOnlyAdminMixin\nfrom .models import Room\n",
    "rooms/urls.py": "from . import views\n",
    "rooms/routing.py": "from .consumers import RoomConsumer\n",
    "rooms/management/commands/load.py": "from rooms.services.catalog import games_load\n",
    "players/__init__.py": "",
    "players/models.py": "",
    "players/services.py": "from .models import Player\n",
    "players/admin.py": "from gamebuddies.admin_base import ServiceOnlyAdminMixin\nfrom .models import Player\n",
    "gameapi/__init__.py": "",
    "gameapi/views/__init__.py": "from .rooms import RoomView\n",
    "gameapi/views/rooms.py": "from .base import helper\nfrom rooms.services import room_create\n",
    "gameapi/views/base.py": "",
    "gamebuddies/__init__.py": "",
    "gamebuddies/errors.py": "",
    "gamebuddies/admin_base.py": "from .errors import GameBuddiesError\n",
    "gamebuddies/urls.py": "from rooms import views\n",
    "gamebuddies/asgi.py": "from rooms.routing import websocket_urlpatterns\n",
}


def edges(root: Path) -> list[tuple[str, str, str]]:
    return [(edge.importer, edge.imported, edge.rule) for edge in bad_edges(root)]


def test_a_project_that_keeps_the_rule_has_no_bad_edge_and_no_direct_write(tmp_path):
    root = project(tmp_path, GOOD)
    assert edges(root) == []
    assert direct_writes(root) == []


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        # a service reaching up into an adapter (lazily, inside a function: still an edge)
        (
            "rooms/selectors.py",
            "def f():\n    from rooms.views import lobby\n",
            ("rooms.selectors", "rooms.views", "nothing imports an adapter"),
        ),
        # one app's admin importing another's (the players -> rooms cycle issue 24 removed)
        (
            "players/admin.py",
            "from rooms.admin import RoomAdmin\n",
            ("players.admin", "rooms.admin", "nothing imports an adapter"),
        ),
        # a relative import of an adapter module, from a package's services
        (
            "rooms/services/lifecycle.py",
            "from .. import consumers\n",
            ("rooms.services.lifecycle", "rooms.consumers", "nothing imports an adapter"),
        ),
        # a management command is an adapter too
        (
            "players/services.py",
            "from rooms.management.commands.load import Command\n",
            ("players.services", "rooms.management.commands.load", "nothing imports an adapter"),
        ),
        # models below services and selectors
        (
            "rooms/models.py",
            "from .selectors import room_get\n",
            ("rooms.models", "rooms.selectors", "models import no services, selectors or adapters"),
        ),
        # infrastructure knowing an app (what gamebuddies/ws_security.py still does)
        (
            "gamebuddies/admin_base.py",
            "from rooms.models import Game\n",
            ("gamebuddies.admin_base", "rooms.models", "project infrastructure imports no app"),
        ),
        (
            "gamebuddies/errors.py",
            "import players.services\n",
            ("gamebuddies.errors", "players.services", "project infrastructure imports no app"),
        ),
        # another app reaching inside a package, by its module path or by name from the package
        (
            "gameapi/operations.py",
            "from rooms.services.lifecycle import room_create\n",
            ("gameapi.operations", "rooms.services.lifecycle", PRIVATE),
        ),
        (
            "gameapi/operations.py",
            "import rooms.services.lifecycle\n",
            ("gameapi.operations", "rooms.services.lifecycle", PRIVATE),
        ),
        (
            "gameapi/operations.py",
            "from rooms.services import lifecycle\n",
            ("gameapi.operations", "rooms.services.lifecycle", PRIVATE),
        ),
    ],
)
def test_a_new_edge_against_the_rule_is_reported(tmp_path, name, source, expected):
    root = project(tmp_path, {**GOOD, name: source})
    assert edges(root) == [expected]


def test_a_module_a_package_exports_may_be_imported_from_it_by_another_app(tmp_path):
    exported = "from . import lifecycle\nfrom .lifecycle import room_create\n__all__ = ['lifecycle', 'room_create']\n"
    root = project(
        tmp_path,
        {
            **GOOD,
            "rooms/services/__init__.py": exported,
            "gameapi/operations.py": "from rooms.services import lifecycle, room_create\n",
        },
    )
    assert edges(root) == []


def test_an_adapter_that_writes_rows_itself_is_reported(tmp_path):
    command = """
        from rooms.models import Game

        def handle():
            Game.objects.update_or_create(slug="quiz", defaults={})
            Game.objects.filter(slug="old").delete()
            Game.objects.filter(is_active=True).count()
    """
    root = project(tmp_path, {**GOOD, "rooms/management/commands/load.py": command})
    assert direct_writes(root) == [
        "rooms.management.commands.load:5 update_or_create",
        "rooms.management.commands.load:6 delete",
    ]


def test_a_test_file_importing_another_test_module_or_a_conftest_is_reported(tmp_path):
    root = project(
        tmp_path,
        {
            "tests/__init__.py": "",
            "tests/client.py": "",
            "tests/area/__init__.py": "",
            "tests/area/conftest.py": "from tests.client import make_key\n",
            "tests/area/test_a.py": "from tests.client import make_key\nfrom .conftest import helper\n",
            "tests/area/test_b.py": "from tests.area.test_a import thing\nfrom tests.area import conftest\n",
        },
    )
    assert imports_of_test_modules(root / "tests") == [
        "tests/area/test_a.py:2 tests.area.conftest",
        "tests/area/test_b.py:1 tests.area.test_a",
        "tests/area/test_b.py:2 tests.area.conftest",
    ]
