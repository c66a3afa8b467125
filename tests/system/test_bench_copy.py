"""bench/copy_from_tinydb.py runs on a small cohort, copies every kind of record into its own database and checks
each (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import servers

BENCH = Path(__file__).resolve().parents[2] / "bench" / "copy_from_tinydb.py"


def test_a_small_run_prints_json_and_every_kind_arrives():
    servers.require_postgres()
    done = subprocess.run([sys.executable, str(BENCH), "--teachers", "60", "--repeats", "1",
                           "--postgres", servers.ADMIN_URL], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["every_kind_verified"] is True
    assert all(found["records"].values()), found["records"]  # every kind was there to copy
    assert found["records"]["partnerships"] == 30 and found["records"]["coaching log"] == 150
    assert {"copy", "read_source", "pg_copy"} <= set(found["seconds"]) and "ratio_copy_over_plain" in found
