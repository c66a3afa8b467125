"""Progress for long commands, on standard error and only when a person is watching it.

Shown when standard error is a terminal; a pipe, a file or a cron log gets none,
so scripts read only what the command prints on standard output (its --json
included), and logs stay free of bars. Steps are lines with the time since the
command began (`[  4.2s] grouping the teachers`); work counted row by row gets
Click's progress bar.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


def showing() -> bool:
    """Whether progress is shown: standard error is a terminal."""
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None)) and stream.isatty()


def steps() -> Callable[[str], None]:
    """A function that reports one step of the work, with the seconds since it was made."""
    started = time.monotonic()
    show = showing()

    def say(message: str) -> None:
        if show:
            click.echo(f"[{time.monotonic() - started:5.1f}s] {message}", err=True)

    return say


@contextmanager
def counted(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar over `total` units; yields a function setting how many are done."""
    if not showing() or total <= 0:
        yield lambda done: None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        def done_so_far(done: int) -> None:
            bar.update(max(0, min(done, total) - bar.pos))

        yield done_so_far
        done_so_far(total)
