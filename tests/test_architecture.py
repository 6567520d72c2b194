"""The import directions of docs/ARCHITECTURE.md, checked module by module (not by searching for words)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "core"

# Modules of core/ itself (not in a folder) that every concern may use: the trainer-type table, the run
# schema (core.config, a folder of three), errors, the model catalogue, prompts and where the studio runs.
# They import only each other.
SHARED = {
    "core.errors",
    "core.recipes",
    "core.config",
    "core.catalog",
    "core.environment",
    "core.prompts",
    "core.paths",
    "core.visitors",
}

# A module under a folder may import its own folder, SHARED, and what its folder's row names.
ALLOWED = {
    "core.config": set(),  # the run's schema, its text forms and its value checks: shared modules only
    "core.data": {"core.hub.access"},  # Hub datasets need the Hub's reachability check
    "core.runs": set(),  # files on disk only: never training, never inference
    "core.hub": {"core.runs", "core.inference", "core.export"},  # a run's model folder (with its ONNX export) to push
    "core.export": {"core.runs", "core.inference", "core.data", "core.training.evaluation"},  # the run's own texts and metric
    "core.inference": {"core.runs", "core.hub.access"},  # run names resolve to model folders
    "core.training": {"core.data", "core.runs", "core.inference"},
}
LEAVES = {"core.hub.access": set()}  # imported from other folders, so it imports nothing but SHARED


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names if node.module == "core" or node.module.count(".") == 1}
    return out


def _core_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(CORE.rglob("*.py"))}


def _within(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _violations(module: str, imported: set[str]) -> list[str]:
    folder = ".".join(module.split(".")[:2])
    if module in SHARED or module == "core":
        allowed = SHARED
    elif module in LEAVES:
        allowed = SHARED | LEAVES[module] | {module}
    else:
        allowed = SHARED | {folder} | ALLOWED[folder]
    core_imports = {i for i in imported if i.startswith("core.") and i in _core_modules()}
    return sorted(i for i in core_imports if not _within(i, allowed))


def test_every_core_folder_is_in_the_rules():
    folders = {".".join(m.split(".")[:2]) for m in _core_modules() if m.count(".") >= 2}
    assert folders == set(ALLOWED), "a new folder under core/ needs its row in ALLOWED (and in docs/ARCHITECTURE.md)"
    flat = {m for m, path in _core_modules().items() if path.parent == CORE and path.stem != "__init__"}
    shared_files = SHARED - {"core.config"}  # core.config is a folder of shared modules
    assert flat == shared_files, "a module directly in core/ is shared by every concern: name it in SHARED, or move it"


def test_core_imports_follow_the_allowed_directions():
    problems = {m: _violations(m, _imports(p)) for m, p in _core_modules().items()}
    assert {m: v for m, v in problems.items() if v} == {}


def test_core_never_imports_the_app_the_ui_the_console_script_or_gradio():
    for module, path in _core_modules().items():
        bad = {i for i in _imports(path) if _within(i, {"ui", "app", "cli", "gradio"})}
        assert not bad, f"{module} imports {sorted(bad)}"


def test_the_rules_catch_a_forbidden_import():
    """The checker itself: runs reaching into inference, and data into training, are refused."""
    assert _violations("core.runs.index", {"core.inference.cache"}) == ["core.inference.cache"]
    assert _violations("core.data.prepare", {"core.training.losses", "core.recipes"}) == ["core.training.losses"]
    assert _violations("core.hub.access", {"core.inference.models"}) == ["core.inference.models"]
    assert _violations("core.training.job", {"core.data.load", "core.runs.folder"}) == []


@pytest.mark.heavy
def test_importing_every_core_module_loads_no_gradio():
    modules = ",".join(m for m in _core_modules() if m != "core")
    code = f"import sys, importlib; [importlib.import_module(m) for m in '{modules}'.split(',')]; print('gradio' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _long_tuple_returns(source: str) -> list[int]:
    """Lines returning a tuple of more than three values (or one spliced together with *)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            elements = node.value.elts
            if len(elements) > 3 or any(isinstance(e, ast.Starred) for e in elements):
                lines.append(node.lineno)
    return lines


def test_no_ui_handler_returns_a_positional_tuple_of_more_than_three_values():
    """Events take named outputs (ui/outputs.py): adding an output must not shift the others."""
    found = {p.name: _long_tuple_returns(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "ui").glob("*.py"))}
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert _long_tuple_returns("def f():\n    return a, b, c, d\n") == [2]
    assert _long_tuple_returns("def f():\n    return (a, *rest)\n") == [2]
