"""The test suite's own settings: the files tests/conftest.py starts first must still exist."""

from __future__ import annotations

from pathlib import Path

from conftest import LONGEST_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_started_first_still_exists():
    assert LONGEST_FIRST, "tests/conftest.py names the slowest files, to start them first"
    missing = [path for path in LONGEST_FIRST if not (ROOT / path).is_file()]
    assert not missing, f"LONGEST_FIRST in tests/conftest.py names files that are gone: {missing}"
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST), "a file is named twice in LONGEST_FIRST"
