"""bench/progress.py runs, and the product's paired means agree with the plain pandas computation (no timings)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "progress.py"


def test_a_small_run_prints_json_whose_means_agree_with_pandas():
    done = subprocess.run([sys.executable, str(BENCH), "--teachers", "120", "--repeats", "1"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["same_means"] is True
    assert found["partnerships"] == 60 and found["log_entries"] == 300
    assert 0 < found["answered_follow_up"] < 120
    assert {"reports", "pandas"} <= set(found["seconds"]) and "ratio_reports_over_pandas" in found
