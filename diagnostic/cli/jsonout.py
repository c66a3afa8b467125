"""JSON for the terminal, written as it is made: the same text as `json.dumps(..., indent=2, ensure_ascii=False)`.

Python 3.11's json module encodes indented JSON in pure Python, one generator
per value, which was most of the time a national cohort's menus took to print;
and `json.dumps` of the whole list holds every teacher's menu and its text in
memory at once. `echo_list` writes a few items at a time with orjson, which
writes the same indented text as json for the values menus hold, ten times
faster; `dumps` (and `echo_list`, for items orjson refuses) writes any value
plainly: the built-in types by exact type, each dict shape's keys and
indentation worked out once, each repeated string encoded once.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from typing import Any

import click

INDENT = "  "


def echo_list(items: Iterable[Any]) -> None:
    """Print `items` as one indented JSON list (and a newline, as click.echo does), a few items at a time.

    The text is json.dumps's for every value but a float below 1e-4 in size (orjson writes 1e-05 as 0.00001,
    and 1e-07 as 1e-7: the same numbers), NaN and the infinities (not JSON: null here). A menu's scores,
    rounded to thousandths, are never such floats.
    """
    import orjson

    write = _Writer()
    # Dates and dataclasses, which json refuses, are handed to the slower writer, which refuses them too.
    option = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
    items = iter(items)
    first = True
    while chunk := list(itertools.islice(items, CHUNK)):
        try:
            # A list of the chunk's items, without its brackets, is the chunk's part of the whole list.
            click.echo((b"[\n" if first else b",\n") + orjson.dumps(chunk, option=option)[2:-2], nl=False)
        except orjson.JSONEncodeError:  # a key not a string, an int beyond 64 bits, a lone surrogate, a date...
            for n, item in enumerate(chunk):
                click.echo(("[\n  " if first and not n else ",\n  ") + write(item, 1), nl=False)
        first = False
    click.echo("[]" if first else "\n]")


CHUNK = 100  # items written at once: enough for orjson's calls to pay, few enough to print as they come


def dumps(value: Any) -> str:
    """`value` as `json.dumps(value, indent=2, ensure_ascii=False)` writes it."""
    return _Writer()(value, 0)


class _Writer:
    """Encodes values as indented JSON, remembering the strings and the dict keys it has encoded."""

    def __init__(self) -> None:
        self.strings: dict[str, str] = {}
        self.heads: dict[tuple, list[str]] = {}
        self.floats: dict[float, str] = {}  # a cohort's scores, rounded, repeat: most are written already

    def __call__(self, value: Any, level: int) -> str:
        parts: list[str] = []
        self._encode(value, level, parts.append)
        return "".join(parts)

    def _string(self, text: str) -> str:
        found = self.strings.get(text)
        if found is None:
            found = self.strings[text] = json.encoder.encode_basestring(text)
        return found

    def _key(self, key: Any) -> str:
        # json.dumps turns these keys into strings the same way; any other key is refused as it refuses it.
        if isinstance(key, str):
            return self._string(key)
        if isinstance(key, float):
            return self._string(_float(key))
        if key is True or key is False or key is None:
            return self._string(json.dumps(key))
        if isinstance(key, int):
            return self._string(int.__repr__(key))
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")

    def _plain(self, value: Any) -> str | None:
        """A plain value of an exact built-in type as JSON, or None for anything else."""
        kind = type(value)
        if kind is str:
            found = self.strings.get(value)
            return self._string(value) if found is None else found
        if kind is float:
            found = self.floats.get(value)
            if found is None:
                found = _float(value)
                if value and found[-1].isdigit():  # not 0.0 and -0.0 (equal keys), NaN or the infinities
                    self.floats[value] = found
            return found
        if kind is int:
            return int.__repr__(value)
        if value is None:
            return "null"
        if kind is bool:
            return "true" if value else "false"
        return None

    def _encode(self, value: Any, level: int, out: Callable[[str], Any]) -> None:
        plain = self._plain(value)
        if plain is not None:
            out(plain)
        elif isinstance(value, dict):
            if not value:
                out("{}")
                return
            keys = tuple(value)
            heads = self.heads.get((keys, level))
            if heads is None:  # one dict shape (a menu item, a teacher) is written thousands of times
                inner = "\n" + INDENT * (level + 1)
                heads = self.heads[(keys, level)] = [("{" if n == 0 else ",") + inner + self._key(k) + ": "
                                                     for n, k in enumerate(keys)]
            for head, item in zip(heads, value.values(), strict=True):
                out(head)
                plain = self._plain(item)
                if plain is None:
                    self._encode(item, level + 1, out)
                else:
                    out(plain)
            out("\n" + INDENT * level + "}")
        elif isinstance(value, list | tuple):
            if not value:
                out("[]")
                return
            inner = "\n" + INDENT * (level + 1)
            separator = "," + inner
            out("[" + inner)
            for n, item in enumerate(value):
                if n:
                    out(separator)
                plain = self._plain(item)
                if plain is None:
                    self._encode(item, level + 1, out)
                else:
                    out(plain)
            out("\n" + INDENT * level + "]")
        else:
            self._subclass(value, level, out)

    def _subclass(self, value: Any, level: int, out: Callable[[str], Any]) -> None:
        """A subclass of str, int or float (an enum, numpy's float64) is written as json writes it."""
        if isinstance(value, str):
            out(self._string(str.__str__(value)))
        elif isinstance(value, int):
            out(int.__repr__(value))
        elif isinstance(value, float):
            out(_float(value))
        else:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_INFINITY = float("inf")


def _float(value: float) -> str:
    """A float as json writes it (NaN and the infinities as JavaScript names them)."""
    if -_INFINITY < value < _INFINITY:
        return float.__repr__(value)
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"
