"""Read a YAML file as hostile input, keeping the line of every key for error messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import yaml

MAX_BYTES = 1_000_000
Path_ = tuple[Any, ...]


class Problem(NamedTuple):
    """One thing wrong with a file: where (a path into the data, or a line) and what."""

    where: Path_ | int
    message: str


class FileProblems(Exception):
    """A file could not be accepted; `lines()` gives one `PATH:LINE: message` per problem."""

    def __init__(self, path: Path | str, problems: list[tuple[int, str]]):
        self.path = str(path)
        # By line; on one line, in the order found (a heading such as 'menu ... cannot be used:' leads).
        self.problems = sorted(dict.fromkeys(problems), key=lambda problem: problem[0])
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        # One problem per line, always: YAML's own messages can span several.
        return [f"{self.path}:{line}: {' '.join(message.split())}" for line, message in self.problems]


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses anchors and aliases, so an alias bomb cannot expand."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (&name, *name) are not supported here; "
                "refer to shared scales and choice lists by id instead",
                problem_mark=mark,
            )
        return super().compose_node(parent, index)


def read_yaml(path: Path | str) -> tuple[Any, dict[Path_, int]]:
    """Parse a YAML file; return the data and a map from data path to line number.

    Raises `FileProblems` for anything that is not a readable, small, UTF-8 YAML document.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FileProblems(path, [(1, f"file is too large ({size} bytes; the limit is {MAX_BYTES})")])
        raw = path.read_bytes()
    except OSError as exc:
        raise FileProblems(path, [(0, f"cannot read the file: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileProblems(path, [(line, "not a UTF-8 text file")]) from None
    if "\x00" in text:
        raise FileProblems(path, [(text.split("\x00")[0].count("\n") + 1, "the file holds binary data")])
    if not text.strip():
        raise FileProblems(path, [(1, "the file is empty")])
    loader = None
    duplicates: list[tuple[int, str]] = []
    try:
        loader = _NoAliasLoader(text)  # its reader already refuses control characters
        node = loader.get_single_node()
        if node is None:
            raise FileProblems(path, [(1, "the file holds no YAML document")])
        data = loader.construct_document(node)
        lines: dict[Path_, int] = {}
        _record_lines(loader, node, (), lines, duplicates)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise FileProblems(path, [(line, f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise FileProblems(path, [(line, f"the control character U+{code:04X} is not allowed in YAML")]) from None
    except yaml.YAMLError as exc:
        raise FileProblems(path, [(1, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise FileProblems(path, [(1, "the YAML is nested too deeply")]) from None
    except (TypeError, ValueError) as exc:
        # e.g. a mapping used as a mapping key, or an out-of-range date
        raise FileProblems(path, [(1, f"not valid YAML: {exc}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if duplicates:
        raise FileProblems(path, duplicates)
    return data, lines


def _record_lines(loader: yaml.SafeLoader, node: yaml.Node, path: Path_, lines: dict,
                  duplicates: list[tuple[int, str]]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None or isinstance(key, list | dict):
                continue
            line = key_node.start_mark.line + 1
            if path + (key,) in lines:
                # YAML would silently keep the last value; say so instead.
                duplicates.append((line, f"duplicate key {key!r} (also on line {lines[path + (key,)]})"))
                continue
            lines[path + (key,)] = line
            _record_lines(loader, value_node, path + (key,), lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(loader, item, path + (index,), lines, duplicates)


def hashable(value: Any) -> bool:
    """Whether a raw YAML value can be a set member or mapping key (a list, mapping or !!set cannot)."""
    try:
        hash(value)
    except TypeError:
        return False
    return True


def listed(value: Any) -> list:
    """A raw YAML list's hashable entries; anything that is not a list gives none (the schema reports it)."""
    return [v for v in value if hashable(v)] if isinstance(value, list) else []


def line_of(lines: dict[Path_, int], where: Path_ | int) -> int:
    """The line of the deepest part of `where` that exists in the file."""
    if isinstance(where, int):
        return where
    for end in range(len(where), -1, -1):
        if where[:end] in lines:
            return lines[where[:end]]
    return 1
