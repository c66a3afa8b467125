"""Hypothesis strategies shared by the fuzz tests (tests/*/test_fuzz_*.py): hostile values, paths, snapshots.

Nothing here knows about one input format: the loader tests turn these values into YAML, the importer tests
into CSV cells, and the view tests into form posts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

# Text a person (or an attacker) might type: every plane of unicode except lone surrogates, which no
# UTF-8 file or form post can carry.
ANY_CHARS = st.characters(exclude_categories=("Cs",))
UNICODE = st.text(ANY_CHARS, max_size=30)
# Words the app itself uses, so a fuzzed value is often "nearly right" (a real id in the wrong place).
WORDS = st.sampled_from([
    "", " ", "yes", "no", "y", "true", "false", "0", "1", "-1", "3", "5", "7", "3.0", " 4 ", "1e3", "٣", "nan",
    "inf", "-inf", "other", "menu", "likert", "ranking", "multi_choice", "single_choice", "consent", "teacher",
    "questioning", "feedback", "class_teacher", "english;maths", "maths;maths", "a;b;c;d;e;f", ";;", "{focus}",
    "value_{focus}", "+", "-", "soft", "auto", "kmeans", "admin", "coordinator", "None", "null", "~",
])
FORMULAS = st.builds(lambda start, rest: start + rest, st.sampled_from(["=", "+", "-", "@", "|", "%", "\t", "\r",
                                                                     "\uff1d", "\u200b=", "\ufeff+"]),
                     st.sampled_from(["SUM(A1:A9)", "cmd|' /C calc'!A0", "1+1", "HYPERLINK(\"x\")"]))
HUGE_INTS = st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**100, 10**1000, -(10**4000)])
HUGE_TEXT = st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "é", "😀", " ", "9", ";", "\n"]),
                      st.sampled_from([255, 256, 601, 4_301, 70_000]))
TEXT = st.one_of(WORDS, UNICODE, FORMULAS, HUGE_TEXT)

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), HUGE_INTS, st.floats(), TEXT,
)


def nested(depth: int) -> Any:
    """A list `depth` levels deep, alternating with one-key mappings, ending in a word."""
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


DEEP = st.integers(1, 200).map(nested)
KEYS = st.one_of(WORDS, UNICODE, st.integers(-3, 3), st.none(), st.booleans())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
) | DEEP


def paths(node: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path into a parsed YAML/JSON structure (mapping keys and list indexes), parents first."""
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, prefix + (index,))


def parent_of(data: Any, where: tuple) -> Any:
    node = data
    for part in where[:-1]:
        node = node[part]
    return node


MUTATIONS = ("replace", "delete", "wrap", "stringify", "add_key", "duplicate", "empty")


def mutate(data: Any, where: tuple, how: str, value: Any) -> None:
    """Change `data` in place at `where`: replace, delete, wrap in a list, ... (see MUTATIONS)."""
    parent, last = parent_of(data, where), where[-1]
    if how == "replace":  # also adds a key the file does not have yet
        parent[last] = value
        return
    old = parent[last]
    if how == "delete":
        del parent[last]
    elif how == "wrap":
        parent[last] = [old]
    elif how == "stringify":
        parent[last] = str(old)
    elif how == "add_key":
        if isinstance(old, dict):
            old[value if isinstance(value, str | int | bool | None) else "extra"] = value
        else:
            parent[last] = {"value": old, "extra": value}
    elif how == "duplicate":
        if isinstance(parent, list):
            parent.insert(last, old)
        else:
            parent[last] = [old, old]
    elif how == "empty":
        parent[last] = type(old)() if isinstance(old, list | dict | str) else None


class World(dict):
    """What a fixture set up, by name; shown briefly (its keys) when Hypothesis reports a failing example."""

    def __repr__(self) -> str:
        return f"<{', '.join(self)}>"


def file_snapshot(root: Path) -> dict[str, str]:
    """The content of every file under `root` (by relative path, as a hash); lock files are left out."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".lock")}
