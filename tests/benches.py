"""Benchmarks in bench/ loaded as modules, for the tests that run a small, untimed run of one in-process."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench_module(name: str) -> ModuleType:
    """bench/NAME.py as a module of its own (bench/ is not a package; its files import each other by name)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def without_server_settings(monkeypatch) -> None:  # noqa: ANN001
    """Drop this process's DIAGNOSTIC_* settings, so the servers a bench starts take only what it gives them."""
    for name in [n for n in os.environ if n.startswith("DIAGNOSTIC_")]:
        monkeypatch.delenv(name)
