"""The test suite's own settings: the files started first still exist, and every test file has its own name."""

from __future__ import annotations

from pathlib import Path

from conftest import LONGEST_FIRST

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_started_first_still_exists():
    assert LONGEST_FIRST, "tests/conftest.py names the slowest files, to start them first"
    missing = [path for path in LONGEST_FIRST if not (ROOT / path).is_file()]
    assert not missing, f"LONGEST_FIRST in tests/conftest.py names files that are gone: {missing}"
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST), "a file is named twice in LONGEST_FIRST"


def test_every_test_file_has_a_name_of_its_own():
    # The test folders are not packages, so pytest imports each file by its name alone: two files called
    # test_x.py in different folders cannot both be collected.
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not twice, f"test files share a name; rename one of each: {twice}"
