"""Layering rules of docs/ARCHITECTURE.md that code review alone would let slip."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "core"


def test_no_core_module_imports_gradio():
    for path in CORE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(n == "gradio" or n.startswith("gradio.") for n in names), f"{path.name} imports gradio"


def test_importing_every_core_module_loads_no_gradio():
    modules = ", ".join(f"core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__")
    code = (
        f"import sys, importlib; [importlib.import_module(m.strip()) for m in '{modules}'.split(',')]; "
        "print('gradio' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=CORE.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
