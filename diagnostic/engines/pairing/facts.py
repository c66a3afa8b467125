"""The teachers of a cohort as arrays, so each criterion is worked out for many pairs at once.

The engine takes teachers as plain dicts (built from responses by
`diagnostic.services.partnerships`), with these keys, any of which may be missing or None:

- ``id``, ``name``, ``school``, ``group``
- ``focus``: the learning focus they chose
- ``confidence``: ``{focus id: level}`` from 0 (not yet confident) to 1 (top of the scale)
- ``confidence_shown``: ``{focus id: "3 of 5"}``, for reasons
- ``availability``: the times they could meet or observe (ids); ``times``: the same as labels
- ``observation``: how comfortable they are being observed, 0 to 1
- ``wish``: ``"same"`` or ``"other"``, the school they would like a partner from
- ``coach``, ``coached``: whether they are willing to coach, and would like to be coached
- ``stage``: ``"mentee"``, ``"mentor"`` or None; ``experience``: 0 (newest) to 1 (most experienced)
- ``places_used``: for a mentor, how many mentees they already have in confirmed partnerships
"""

from __future__ import annotations

from typing import Any

import numpy as np

UNKNOWN = 0.5  # a criterion that cannot be judged counts as half met, for everyone alike


class Cohort:
    """Teachers' facts as arrays indexed like `teachers`; `focuses` lists every focus id named."""

    def __init__(self, teachers: list[dict[str, Any]], focuses: list[str]):
        self.teachers = teachers
        self.index = {t["id"]: i for i, t in enumerate(teachers)}
        self.focuses = list(dict.fromkeys([*focuses, *(t["focus"] for t in teachers if t.get("focus"))]))
        focus_at = {f: k for k, f in enumerate(self.focuses)}
        schools = {s: k for k, s in enumerate(sorted({t["school"] for t in teachers if t.get("school")}))}
        times = sorted({x for t in teachers for x in t.get("availability") or []})
        n = len(teachers)
        self.school = np.array([schools.get(t.get("school"), -1) for t in teachers], dtype=int)
        self.focus = np.array([focus_at.get(t.get("focus"), -1) for t in teachers], dtype=int)
        self.confidence = np.full((n, len(self.focuses)), np.nan)
        for i, t in enumerate(teachers):
            for f, level in (t.get("confidence") or {}).items():
                if f in focus_at and level is not None:
                    self.confidence[i, focus_at[f]] = level
        # Confidence in their own chosen focus (NaN if no focus or not answered). Indexed only where there is a
        # focus: when nobody has chosen one, the confidence table has no columns to look in.
        self.own = np.full(n, np.nan)
        chose = np.flatnonzero(self.focus >= 0)
        self.own[chose] = self.confidence[chose, self.focus[chose]]
        self.available = np.array([[x in (t.get("availability") or ()) for x in times] for t in teachers],
                                  dtype=float).reshape(n, len(times))
        # The same times as bits, 64 to a word, so the times two teachers share are counted for many pairs at once
        # without a teachers x teachers x times array.
        words = np.zeros((n, max(1, -(-len(times) // 64))), dtype=np.uint64)
        for i, k in zip(*np.nonzero(self.available), strict=True):
            words[i, k // 64] |= np.uint64(1) << np.uint64(k % 64)
        self.time_bits = words
        self.time_count = self.available.sum(1)
        self.knows_times = np.array([bool(t.get("availability")) for t in teachers], dtype=bool)
        self.observation = _numbers(teachers, "observation")
        self.experience = _numbers(teachers, "experience")
        self.wish = np.array([{"same": 1, "other": 2}.get(t.get("wish"), 0) for t in teachers], dtype=int)
        self.coach = _flags(teachers, "coach")
        self.coached = _flags(teachers, "coached")
        self.stage = [t.get("stage") for t in teachers]


def _numbers(teachers: list[dict], key: str) -> np.ndarray:
    return np.array([t[key] if isinstance(t.get(key), int | float) else np.nan for t in teachers], dtype=float)


def _flags(teachers: list[dict], key: str) -> np.ndarray:
    return np.array([UNKNOWN if t.get(key) is None else float(bool(t[key])) for t in teachers], dtype=float)


def common_times(c: Cohort, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of times in common (of the shorter list), and where both gave times but none match."""
    return shared_times(c, rows[:, None], cols[None, :])


def shared_times(c: Cohort, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`common_times` for the pairs (a, b), index arrays broadcast against each other (rows by columns, or one
    pair per place)."""
    both = c.knows_times[a] & c.knows_times[b]
    overlap = np.bitwise_count(c.time_bits[a] & c.time_bits[b]).sum(axis=-1).astype(float)
    shorter = np.minimum(c.time_count[a], c.time_count[b])
    share = np.divide(overlap, shorter, out=np.zeros_like(overlap), where=shorter > 0)
    return np.where(both, share, UNKNOWN), both & (overlap == 0)


def schools(c: Cohort, rows: np.ndarray, cols: np.ndarray, rule: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the programme's school preference met, each one's own wish met, pairs the programme's rule forbids)."""
    return school_facts(c, rows[:, None], cols[None, :], rule)


def school_facts(c: Cohort, rows: np.ndarray, cols: np.ndarray, rule: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`schools` for the pairs (rows, cols), index arrays broadcast against each other."""
    a, b = c.school[rows], c.school[cols]
    known = (a >= 0) & (b >= 0)
    same = known & (a == b)
    other = known & (a != b)
    programme = np.where(known, other.astype(float), UNKNOWN) if rule == "cross_preferred" else np.ones(same.shape)
    forbidden = (rule == "same") & other | (rule == "cross_required") & same
    wish_a, wish_b = c.wish[rows], c.wish[cols]

    def met(wish: np.ndarray) -> np.ndarray:
        return np.where(wish == 0, 1.0, np.where(known, np.where(wish == 1, same, other).astype(float), UNKNOWN))

    return programme, (met(wish_a) + met(wish_b)) / 2, forbidden


def comfort(values: np.ndarray) -> np.ndarray:
    """Comfort being observed, with the unknown counted as half."""
    return np.where(np.isnan(values), UNKNOWN, values)
