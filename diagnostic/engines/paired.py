"""Paired change: how the same people moved between two measurements, and how far to trust the average.

Each teacher is compared with themselves (later minus starting point), so the figures describe change, not
the difference between two crowds who happened to answer. The interval is Student's t on the paired
differences; the effect size is the mean change divided by the standard deviation of the changes (Cohen's
d_z, the usual standardised effect for paired data). With fewer than two teachers there is no spread, so no
interval and no effect size; when every teacher changed by exactly the same amount the interval is that
amount and the effect size is undefined.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

CONFIDENCE = 0.95


def paired_change(before: Sequence[float | None], after: Sequence[float | None],
                  confidence: float = CONFIDENCE) -> dict[str, Any]:
    """n, mean before and after, mean change, its interval and the paired effect size, over complete pairs."""
    # Loaded here, not at the top: commands that never compute a change (`diagnostic --help`) stay quick.
    import numpy as np
    from scipy import stats

    b = np.array([math.nan if v is None else v for v in before], dtype=float)
    a = np.array([math.nan if v is None else v for v in after], dtype=float)
    keep = ~(np.isnan(b) | np.isnan(a))
    b, a = b[keep], a[keep]
    change = a - b
    n = int(change.size)
    found: dict[str, Any] = {"n": n, "before": _mean(b), "after": _mean(a), "change": _mean(change),
                             "sd": None, "ci": None, "effect_size": None, "confidence": confidence}
    if n < 2:
        return found
    mean, sd = float(change.mean()), float(change.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    found.update(sd=_round(sd), ci=[_round(mean - half), _round(mean + half)],
                 effect_size=_round(mean / sd) if sd > 0 else None)
    return found


def _mean(values: Any) -> float | None:
    return _round(float(values.mean())) if values.size else None


def _round(value: float) -> float:
    return round(value, 3)
