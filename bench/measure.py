"""Time and peak memory of one call, each in a fresh child process, for the benchmarks that need both.

`in_child("module:function", *args, argv=[...])` runs the function in a new
Python (its standard output thrown away, `sys.argv` set to `argv` if given,
a SystemExit of 0 taken as success) and returns ``{"seconds", "peak_rss_mb"}``: the
seconds the call took inside the child, and the child's peak resident memory
(Linux's VmHWM, else `resource.getrusage`; imports included, so two calls
measured this way compare fairly). A child of its own per call means one call's peak
never hides another's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUNNER = """
import importlib, json, resource, sys, time
sys.path[:0] = [{root!r}, {bench!r}]
module, function = {target!r}.split(":")
sys.argv = {argv!r} or sys.argv
start = time.perf_counter()
try:
    getattr(importlib.import_module(module), function)(*{args!r})
except SystemExit as done:
    if done.code:
        raise
seconds = time.perf_counter() - start
# Linux's VmHWM is this program's own peak; ru_maxrss there also counts the parent's memory the child was forked
# with. Elsewhere ru_maxrss (bytes on macOS).
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
with open({report!r}, "w") as report:
    json.dump({{"seconds": round(seconds, 3), "peak_rss_mb": round(peak, 1)}}, report)
"""


def in_child(target: str, *args: object, argv: list[str] | None = None) -> dict:
    """Run `target` ("module:function") with `args` in a child process; its seconds and peak RSS in MB.

    The seconds include importing the target's module, as a command's start-up would."""
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        report = os.path.join(tmp, "report.json")
        code = RUNNER.format(root=str(ROOT), bench=str(ROOT / "bench"), target=target, args=list(args),
                             argv=argv, report=report)
        subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)
        with open(report) as found:
            return json.load(found)
