"""The import rule of docs/architecture.md, read from the source with `ast` (nothing is imported).

    adapters (views, API views, consumers, admin, management commands, URL/socket/ASGI wiring)
        -> services / selectors (every other module of an app)
            -> models

- nothing imports an adapter, except the wiring that mounts it (urls.py, routing.py, asgi.py)
  and the other modules of its own adapter package (gameapi/views/ is one adapter);
- models import no services, selectors or adapters (only models and project infrastructure);
- project infrastructure (`gamebuddies/`) imports no app, except the wiring (urls.py, asgi.py);
- another app is used through a package's public surface: `rooms.services` (what its `__init__`
  lists in `__all__`), never one of the package's modules (`rooms.services.status`); the wiring
  may mount a package's adapters.

Beside the imports, adapters may name model classes (the admin registers them, a view reads an
enum) but write rows only through services: `direct_writes` finds `Model.objects.create(...)`,
`...objects.filter(...).update(...)` and the like in an adapter.

Imports inside functions and under `if TYPE_CHECKING:` count like any other: they are the same
dependency, only deferred. Tests, benchmarks, scripts and the SDK are not part of the layered
application and are not walked.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

APPS = ("rooms", "players", "gameapi", "demo")
INFRASTRUCTURE = "gamebuddies"
PACKAGES = (*APPS, INFRASTRUCTURE)

ADAPTER_MODULES = {"admin", "views", "consumers", "urls", "routing", "asgi", "pages"}
ADAPTER_PACKAGES = ("views", "management.commands")
# The lean ASGI layer is a transport in front of Django (docs/architecture.md, "The hot path").
ADAPTER_EXTRA = {"gameapi.lean.app"}
WIRING_MODULES = {"urls", "routing", "asgi"}

ADAPTER, SERVICE, MODEL, INFRA = "adapter", "service/selector", "model", "infrastructure"


@dataclass(frozen=True, order=True)
class Edge:
    importer: str
    imported: str
    rule: str
    line: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.importer, self.imported)

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (line {self.line}): {self.rule}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path) -> dict[str, Path]:
    """Every module of the apps and the infrastructure package, migrations left out (generated)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.relative_to(root).parts:
                modules[module_name(path, root)] = path
    return modules


def _adapter_package(module: str) -> str | None:
    """The adapter package `module` belongs to (`gameapi.views`), if it is inside one."""
    for package in ADAPTER_PACKAGES:
        marker = f".{package}"
        if marker + "." in module + ".":
            return module[: module.index(marker) + len(marker)]
    return None


def layer(module: str) -> str:
    top, _, rest = module.partition(".")
    last = module.rsplit(".", 1)[-1]
    if module in ADAPTER_EXTRA or last in ADAPTER_MODULES or _adapter_package(module):
        return ADAPTER
    if top == INFRASTRUCTURE:
        return INFRA
    if last == "models" or ".models." in f".{rest}.":
        return MODEL
    return SERVICE


def is_wiring(module: str) -> bool:
    return module.rsplit(".", 1)[-1] in WIRING_MODULES


def imports_of(module: str, path: Path, known: set[str]) -> list[tuple[str, int]]:
    """(imported project module, line) for every import in the file, lazy ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                # `from rooms import services` imports the module rooms.services;
                # `from rooms.services import lock_room` imports rooms.services.
                child = f"{source}.{alias.name}"
                found.append((child if child in known else source, node.lineno))
    return [(name, line) for name, line in found if name.split(".")[0] in PACKAGES]


def _nearest_known(name: str, known: set[str]) -> str:
    while name not in known and "." in name:
        name = name.rpartition(".")[0]
    return name


def violation(importer: str, imported: str) -> str | None:
    """Which rule the edge importer -> imported breaks, or None."""
    if importer == imported:
        return None
    source, target = layer(importer), layer(imported)
    if target == ADAPTER and not is_wiring(importer):
        same_package = _adapter_package(importer) and _adapter_package(importer) == _adapter_package(imported)
        if not same_package:
            return "nothing imports an adapter"
    if source == MODEL and target in (SERVICE, ADAPTER):
        return "models import no services, selectors or adapters"
    if source == INFRA and imported.split(".")[0] in APPS and not is_wiring(importer):
        return "project infrastructure imports no app"
    return None


PRIVATE = "another app is used through a package's public surface"


def _public_names(init: Path) -> set[str]:
    """The names a package's `__init__` lists in `__all__` (a literal list or tuple)."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return {elt.value for elt in getattr(node.value, "elts", []) if isinstance(elt, ast.Constant)}
    return set()


def private_imports(importer: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, int]]:
    """(module, line) for every import of another app's module inside one of its packages (an
    app's own top level is its surface): `rooms.services.status`, or `from rooms.services import
    status` unless `status` is in `rooms.services.__all__`. Relative imports stay in their app."""
    if is_wiring(importer):
        return []
    app = importer.split(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            named = [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            named = [(node.module, alias.name) for alias in node.names]
        else:
            continue
        for module, name in named:
            parts = module.split(".")
            if parts[0] not in APPS or parts[0] == app:
                continue
            for depth in range(2, len(parts) + 1):
                package = ".".join(parts[:depth])
                if modules.get(package, Path()).name != "__init__.py":
                    continue
                if depth < len(parts):  # a module inside the package, named in the statement
                    found.append((".".join(parts[: depth + 1]), node.lineno))
                    break
                child = f"{package}.{name}"
                if child in modules and name not in _public_names(modules[package]):
                    found.append((child, node.lineno))
    return found


def bad_edges(root: Path) -> list[Edge]:
    modules = project_modules(root)
    known = set(modules)
    edges = set()
    for importer, path in modules.items():
        for name, line in imports_of(importer, path, known):
            imported = _nearest_known(name, known)
            rule = violation(importer, imported)
            if rule:
                edges.add(Edge(importer, imported, rule, line))
        for imported, line in private_imports(importer, path, modules):
            edges.add(Edge(importer, imported, PRIVATE, line))
    # One entry per (importer, imported): the first line that makes the edge.
    first = {}
    for edge in sorted(edges, key=lambda e: (e.key, e.line)):
        first.setdefault(edge.key, edge)
    return sorted(first.values())


WRITE_METHODS = {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create", "update", "delete"}


def _through_manager(node: ast.AST) -> bool:
    """Whether an attribute/call chain passes through `.objects` (a model's default manager)."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        node = node.func if isinstance(node, ast.Call) else node.value
    return False


def direct_writes(root: Path) -> list[str]:
    """`module:line method` for every ORM write an adapter makes itself instead of calling a service."""
    found = []
    for module, path in project_modules(root).items():
        if layer(module) != ADAPTER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS and _through_manager(func.value):
                found.append(f"{module}:{node.lineno} {func.attr}")
    return sorted(found)


def _is_test_or_conftest(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def imports_of_test_modules(tests_root: Path) -> list[str]:
    """`file:line module` for every import, under tests/, of a test module or a conftest: shared
    helpers live in plain modules (tests/<area>/<name>.py), and fixtures reach tests through
    pytest's conftest lookup or an import from a plain module, never from another test file."""
    root = tests_root.parent
    found = []
    for path in sorted(tests_root.rglob("*.py")):
        module = module_name(path, root)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)] if node.level else []
                source = ".".join(base + ([node.module] if node.module else []))
                names = [source, *(f"{source}.{alias.name}" for alias in node.names)]
            else:
                continue
            for name in names:
                is_file = root.joinpath(*name.split(".")).with_suffix(".py").is_file()
                if name.split(".")[0] == tests_root.name and _is_test_or_conftest(name) and is_file:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {name}")
    return found
