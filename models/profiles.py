"""Group profiles: what distinguishes each group, a generated name and description, and stable keys.

Everything is measured against the cohort: a group's mean on a feature is
turned into a z-score (group mean minus cohort mean, over the cohort's
standard deviation), and the largest z-scores name and describe the group.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

# A feature must differ from the cohort by at least this many standard deviations to be named.
NOTABLE = 0.3


def _candidates(table: pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Feature columns plus the mean of each block of plain ratings, with how to phrase each."""
    columns = {c["name"]: c for c in spec["columns"] if c["name"] in table.columns}
    extra = {}
    for block in spec["blocks"]:
        used = [c for c in block["columns"] if c in columns]
        if len(used) >= 3 and all(columns[c]["kind"] == "scale" for c in used):
            name = f"{block['id']}:overall"
            label = block["label"][0].lower() + block["label"][1:]
            extra[name] = table[used].mean(axis=1)
            columns[name] = {"name": name, "label": block["label"], "kind": "scale", "block": block["id"],
                             "high": f"higher {label} overall", "low": f"lower {label} overall",
                             "max": max((columns[c].get("max") for c in used if columns[c].get("max") is not None),
                                        default=None)}
    wide = pd.concat([table[[c for c in table.columns if c in columns]], pd.DataFrame(extra)], axis=1)
    return wide, columns


def _value(column: dict[str, Any], mean: float) -> str:
    if column["kind"] == "indicator":
        return f"{mean:.0%}"
    if column["kind"] == "ordinal":
        return ""
    # A figure a person reads says what it is out of.
    top = column.get("max")
    return f"{mean:.1f}" + (f" out of {top:g}" if top is not None else "")


def _mix(values: list[Any], options: dict[str, str], top: int = 3) -> list[dict[str, Any]]:
    counts: Counter = Counter()
    answered = 0
    for value in values:
        chosen = value if isinstance(value, list) else [value] if value not in (None, "") else []
        answered += bool(chosen)
        counts.update(chosen)
    return [{"option": option, "label": options.get(option, option), "count": count,
             "share": round(count / answered, 3) if answered else 0.0}
            for option, count in counts.most_common(top)]


def profile_groups(table: pd.DataFrame, labels: np.ndarray, spec: dict[str, Any],
                   context: dict[str, list[Any]]) -> dict[str, Any]:
    """Each group's size, means against the cohort, most common answers, name and description.

    Parameters
    ----------
    table : DataFrame
        The raw (unscaled, NaN where unknown) feature table, one row per teacher.
    labels : ndarray of int
        Each teacher's group.
    spec : dict
        The feature spec (columns with labels and phrases, blocks, describe questions).
    context : dict
        Per describe question id (and "school"), each teacher's answer.

    Returns
    -------
    dict
        ``{"cohort": {"size", "means"}, "groups": [...]}``, groups in label order.
    """
    wide, columns = _candidates(table, spec)
    means, spread = wide.mean(), wide.std(ddof=0)
    describe = [*spec["describe"], {"question": "school", "options": {}}]
    groups = []
    for g in range(int(labels.max()) + 1 if len(labels) else 0):
        members = labels == g
        group_means = wide[members].mean()
        z = ((group_means - means) / spread.replace(0, np.nan)).fillna(0.0)
        ranked = z.abs().sort_values(ascending=False, kind="stable").index
        distinctive = [{"feature": name, "label": columns[name]["label"], "z": round(float(z[name]), 2),
                        "block": columns[name]["block"], "direction": "high" if z[name] > 0 else "low",
                        "item": columns[name].get("item"),
                        "template": columns[name].get("templates", {}).get("high" if z[name] > 0 else "low"),
                        "phrase": columns[name]["high" if z[name] > 0 else "low"],
                        "mean": _value(columns[name], group_means[name]),
                        "cohort_mean": _value(columns[name], means[name])}
                       for name in ranked[:5] if abs(z[name]) >= NOTABLE]
        mix = {d["question"]: _mix([v for v, m in zip(context.get(d["question"], []), members, strict=False) if m],
                                   d["options"]) for d in describe}
        groups.append({
            "group": g, "size": int(members.sum()), "share": round(float(members.mean()), 3),
            "means": {c: _round(group_means[c]) for c in table.columns},
            "distinctive": distinctive, "mix": mix,
            "centre": {c: round(float(z[c]), 3) for c in table.columns},
        })
    names = Counter()
    for group in groups:
        group["generated_name"] = _name(group["distinctive"])
        names[group["generated_name"]] += 1
        if names[group["generated_name"]] > 1:
            group["generated_name"] += f" ({names[group['generated_name']]})"
        group["generated_description"] = _description(group, describe)
    return {"cohort": {"size": int(len(labels)), "means": {c: _round(means[c]) for c in table.columns}},
            "groups": groups}


def _round(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 2)


def _name(distinctive: list[dict[str, Any]]) -> str:
    if not distinctive:
        return "Close to the cohort average"
    first, *rest = distinctive[:2]
    if rest and _same_phrasing(first, rest[0]):
        # "held back by time" and "held back by workload" read better as one phrase.
        text = first["template"].replace("{item}", f"{first['item']} and {rest[0]['item']}")
    else:
        text = ", ".join(d["phrase"] for d in distinctive[:2])
    return text[0].upper() + text[1:]


def _same_phrasing(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (a["block"], a["direction"], a["template"]) == (b["block"], b["direction"], b["template"]) \
        and "{item}" in (a["template"] or "")


def _description(group: dict[str, Any], describe: list[dict[str, Any]]) -> str:
    size = f"{group['size']} teacher{'s' if group['size'] != 1 else ''} ({group['share']:.0%} of the cohort)"
    parts = []
    for d in group["distinctive"][:2]:
        figures = f" ({d['mean']} against {d['cohort_mean']} across the cohort)" if d["mean"] else ""
        parts.append(d["phrase"] + figures)
    first = (f"What sets these {size} apart: {' and '.join(parts)}." if parts
             else f"These {size} are close to the cohort average on everything used for grouping.")
    common = [f"{m[0]['label']} ({m[0]['share']:.0%})" for q, m in group["mix"].items() if m and q != "school"][:3]
    second = ("Most common among them: " + ", ".join(common) + "." if common
              else "Their other answers are too varied to summarise.")
    return first[0].upper() + first[1:] + " " + second


def match_groups(old: dict[str, dict[str, float]], new: list[dict[str, float]]) -> dict[int, str]:
    """Which new groups continue which old ones: {new group index: old key}.

    Groups are compared by their centres (z-scores on the features both fits
    share). A new group continues an old one when the best one-to-one matching
    pairs them and each is the other's nearest, so names and notes follow the
    group they were written for and never jump to a different one.
    """
    if not old or not new:
        return {}
    features = sorted(set.intersection(*(set(c) for c in [*old.values(), *new])))
    if not features:
        return {}
    keys = list(old)
    a = np.array([[old[k][f] for f in features] for k in keys])
    b = np.array([[c[f] for f in features] for c in new])
    cost = np.linalg.norm(b[:, None, :] - a[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    return {int(r): keys[c] for r, c in zip(rows, cols, strict=True)
            if cost[r].argmin() == c and cost[:, c].argmin() == r}
