"""Quick commands start without loading the statistics libraries (scikit-learn, pandas, scipy, numpy...).

Each command runs in a fresh interpreter, exactly as the console script calls it, and the
interpreter reports which of those libraries it had imported when it exited. A timing test would be
flaky on a shared machine; what makes start-up slow is these imports, so that is what is checked.
`bench/startup.py` measures the times themselves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "pandas", "numpy", "rustworkx", "joblib")
RUN = ("import atexit, json, sys\n"
       f"atexit.register(lambda: print('@@' + json.dumps([m for m in {HEAVY!r} if m in sys.modules]), "
       "file=sys.stderr))\n"
       "from diagnostic.cli import main\n"
       "main()\n")


def loaded_by(*args: str) -> tuple[list[str], subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", RUN, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert "@@" in done.stderr, done.stderr
    return json.loads(done.stderr.rpartition("@@")[2]), done


@pytest.mark.parametrize("command", [
    ["--help"],
    ["cohort", "list"],
    ["forms", "check", str(ROOT / "forms" / "definitions" / "starting-point.yaml")],
    ["forms", "list"],
    ["cluster", "--help"],
])
def test_quick_commands_do_not_load_the_statistics_libraries(tmp_path, command):
    loaded, done = loaded_by("--data", str(tmp_path), *command)
    assert done.returncode == 0, done.stderr
    assert loaded == [], f"`diagnostic {' '.join(command)}` imported {loaded}"


def test_the_help_still_lists_every_command(tmp_path):
    _, done = loaded_by("--data", str(tmp_path), "--help")
    for name in ("cluster", "recommend", "pair", "demo", "import-responses", "export", "serve", "cohort", "forms"):
        assert name in done.stdout


def test_a_command_that_groups_still_loads_them_when_it_needs_them(tmp_path):
    """The imports moved into the functions, they did not disappear: grouping the demo still works."""
    loaded, done = loaded_by("--data", str(tmp_path), "demo", "--teachers", "24")
    assert done.returncode == 0, done.stderr
    assert "sklearn" in loaded
