"""The shape of the code: the layers import-linter checks, and no private name imported from another module."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("diagnostic", "forms", "models")


def private_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Each `from <project module> import _name` in a file, as `path:line: module._name`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PROJECT:
            found += [f"{path.relative_to(root)}:{node.lineno}: {node.module}.{alias.name}"
                      for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_module_imports_a_private_name_from_another_module():
    files = [p for top in (*PROJECT, "tests", "bench") for p in sorted((ROOT / top).rglob("*.py"))]
    assert [line for path in files for line in private_imports(path)] == []


def test_the_private_name_check_finds_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from diagnostic.cli.common import _hidden\nfrom forms import loader\nfrom __future__ import x\n")
    assert private_imports(sample, tmp_path) == ["sample.py:1: diagnostic.cli.common._hidden"]


def test_the_layers_hold():
    """import-linter's contracts in pyproject.toml: layers, no cycles, pure engines, tinydb in one module."""
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if linter is None:
        pytest.fail("lint-imports is missing: install the test extra (pip install -e '.[test]')")
    run = subprocess.run([linter, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
