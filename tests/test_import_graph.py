"""The modules of bot/ import each other without a circle: every module can be read (and
imported) after the ones it needs. Imports inside functions count too — a lazy import
only hides a circle until the function runs.

Read with ast, nothing is imported. An edge runs to the deepest bot module an import
names: `from bot.store import open_store` is an edge to bot/store/__init__.py,
`from bot.cli.common import actor` one to bot/cli/common.py (a package's own __init__
importing its submodules is therefore no circle).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

BOT = Path(__file__).resolve().parents[1] / "bot"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in BOT.rglob("*.py"):
        parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        mods[".".join(parts)] = path
    return mods


def _deepest(name: str, mods) -> str | None:
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    mods = _modules()
    graph = {}
    for mod, path in mods.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                deps.update(_deepest(a.name, mods) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                for a in node.names:  # `from bot.cli import demo` names the module bot.cli.demo
                    deps.add(_deepest(f"{base}.{a.name}", mods) if f"{base}.{a.name}" in mods else _deepest(base, mods))
        deps.discard(None)
        deps.discard(mod)
        graph[mod] = deps
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        m = stack.pop()
                        on_stack.discard(m)
                        comp.append(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        found.append(sorted(comp))
    return found


def test_the_finder_sees_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_lazy_and_relative_imports():
    graph = import_graph()
    assert "bot.cli.common" in graph["bot.cli.fetch"]
    assert "bot.poll.poller" in graph["bot.cli.fetch"]  # inside cmd_fetch


def test_bot_has_no_import_circle():
    assert circles(import_graph()) == []


# ---- the store's boundary -------------------------------------------------------------------------
# Outside bot/store/, code imports the package `bot.store` only (its __init__ re-exports what
# callers need), so which module of the store holds a name can change without touching them.
# Tests may import a store module to test that module's own parts (copy's table list, the
# schema's migrations), but never a backend or the digest queries: those names come through
# `bot.store` too.
ROOT = BOT.parent
TESTS_MAY_NOT_IMPORT = {"bot.store.sqlite", "bot.store.postgres", "bot.store.digests"}
SQL_START = re.compile(
    r"^\s*(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|INDEX|VIRTUAL TABLE)|"
    r"DROP (TABLE|INDEX)|ALTER TABLE|PRAGMA|VACUUM|ANALYZE|TRUNCATE|BEGIN|COMMIT)\b"
)


def _store_modules() -> set[str]:
    return {m for m in _modules() if m.startswith("bot.store.")}


def _named_modules(path: Path) -> set[str]:
    """Every module name an import in `path` names, the `x` of `from pkg import x` as `pkg.x`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _outside_the_store(*folders: str) -> list[Path]:
    store = BOT / "store"
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))
            if store not in p.parents and ".venv" not in p.parts]


def store_submodule_imports() -> list[str]:
    store_mods = _store_modules()
    found = []
    for path in _outside_the_store("bot", "bench", "tests"):
        forbidden = TESTS_MAY_NOT_IMPORT if path.parts[len(ROOT.parts)] == "tests" else store_mods
        for name in sorted(_named_modules(path) & forbidden):
            found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def sql_outside_the_store() -> list[str]:
    """Statements run, backends told apart, or SQL written, anywhere in bot/ but bot/store/."""
    found = []
    for path in _outside_the_store("bot"):
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "execute", "executemany", "executescript", "_all", "_one",
            ):
                found.append(f"{where}:{node.lineno} calls .{node.func.attr}(")
            elif isinstance(node, ast.Compare) and any(_is_backend(n) for n in (node.left, *node.comparators)):
                found.append(f"{where}:{node.lineno} compares a store's backend")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
                found.append(f"{where}:{node.lineno} holds SQL: {node.value[:40]!r}")
    return found


def _is_backend(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr == "backend"
    return (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr"
            and len(node.args) >= 2 and getattr(node.args[1], "value", None) == "backend")


def test_the_boundary_checks_see_what_they_look_for(tmp_path, monkeypatch):
    assert "bot.store.postgres" in _store_modules() and "bot.store.copy" in _store_modules()
    probe = tmp_path / "probe.py"
    probe.write_text("from bot.store import copy, open_store\nimport bot.store.sqlite\n")
    assert {"bot.store.copy", "bot.store.sqlite", "bot.store.open_store"} <= _named_modules(probe)
    assert SQL_START.match("SELECT 1") and SQL_START.match("  UPDATE feeds SET x = 1")
    assert not SQL_START.match("Select a watchlist") and not SQL_START.match("update the feed")
    tree = ast.parse("store.backend == 'sqlite'\ngetattr(s, 'backend', '') != 'postgresql'\n")
    assert [_is_backend(n.value.left) for n in tree.body] == [True, True]


def test_nothing_outside_the_store_imports_its_modules():
    assert store_submodule_imports() == []


def test_no_sql_outside_the_store():
    assert sql_outside_the_store() == []
