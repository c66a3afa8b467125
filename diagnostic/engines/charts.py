"""Chart geometry for the specialist's pages: plain numbers the templates draw as SVG.

Charts are drawn on the server (no script, nothing to build) and every chart
has a table or a sentence carrying the same information as text. Groups are
told apart by shape as well as colour, and colours are from a palette that
stays distinct for the common kinds of colour blindness.
"""

from __future__ import annotations

from typing import Any

# Okabe and Ito's palette (yellow darkened for contrast on white).
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#8C7A00"]
SHAPES = ["circle", "square", "triangle", "diamond", "ring", "hollow-square", "hollow-triangle", "hollow-diamond"]
# Heatmap shades from "well below the cohort" (blue) to "well above" (orange), by z-score band.
BANDS = [(-1.0, "#2166ac", "#fff"), (-0.5, "#67a9cf", "#000"), (-0.2, "#d1e5f0", "#000"), (0.2, "#f7f7f7", "#000"),
         (0.5, "#fddbc7", "#000"), (1.0, "#ef8a62", "#000"), (float("inf"), "#b2182b", "#fff")]
EDGES = (0.2, 0.5, 1.0)
BAND_WORDS = ["well below", "below", "a little below", "close to", "a little above", "above", "well above"]
MAX_POINTS = 1500


def group_styles(groups: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """A colour and a shape for each group key, in group order."""
    return {g["key"]: {"colour": COLOURS[i % len(COLOURS)], "shape": SHAPES[i % len(SHAPES)]}
            for i, g in enumerate(groups)}


def _band(z: float) -> int:
    # Symmetric about the cohort: a z-score on an edge goes to the band further from the cohort on either side.
    steps = sum(abs(z) >= edge for edge in EDGES)
    return 3 + steps if z > 0 else 3 - steps


def heatmap(record: dict[str, Any], kinds: tuple[str, ...] = ("score", "scale", "strength"),
            scales: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """Rows of features (constructs, strategies, barriers) by columns of groups, shaded against the cohort.

    `scales` gives each feature's (lowest, highest) possible value, so every average can say what it is out of.
    """
    scales = scales or {}
    columns = [c for c in record["columns"] if c["kind"] in kinds and c["name"] in record["cohort_means"]]
    rows = []
    for c in columns:
        cells = []
        for g in record["groups"]:
            z = g["centre"].get(c["name"], 0.0)
            band = _band(z)
            cells.append({"key": g["key"], "mean": g["means"].get(c["name"]), "z": z, "fill": BANDS[band][1],
                          "ink": BANDS[band][2], "words": BAND_WORDS[band]})
        low, high = scales.get(c["name"], (None, None))
        rows.append({"name": c["name"], "label": c["label"], "block": c["block"], "min": low, "max": high,
                     "cohort": record["cohort_means"].get(c["name"]), "cells": cells})
    return {"rows": rows, "groups": [g["key"] for g in record["groups"]],
            "legend": [{"fill": fill, "words": words} for (_, fill, _), words in zip(BANDS, BAND_WORDS, strict=True)]}


def scatter(record: dict[str, Any], width: int = 560, height: int = 400, pad: int = 16) -> dict[str, Any]:
    """Teachers placed on the 2-D map, scaled to the drawing, at most MAX_POINTS drawn."""
    styles = group_styles(record["groups"])
    members = [(g["key"], m) for g in record["groups"] for m in g["members"]]
    step = max(1, -(-len(members) // MAX_POINTS))  # every n-th teacher, so the drawing stays light
    shown = members[::step]
    xs = [m["map"][0] for _, m in members] or [0.0]
    ys = [m["map"][1] for _, m in members] or [0.0]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    points = [{"x": round(pad + (m["map"][0] - min(xs)) / span_x * (width - 2 * pad), 1),
               "y": round(height - pad - (m["map"][1] - min(ys)) / span_y * (height - 2 * pad), 1),
               "outlier": m["outlier"], **styles[key]} for key, m in shown]
    return {"width": width, "height": height, "points": points, "drawn": len(shown), "total": len(members),
            "styles": styles, "explained": record.get("map_explained")}


def change_chart(rows: list[dict[str, Any]], width: int = 520, label_w: int = 0, pad: int = 14) -> dict[str, Any]:
    """Before-and-after marks for each measure on its own scale: where the starting point and the later answer sit.

    Each row needs `label`, `low`, `high`, `before` and `after` (either may be None); every row shares one axis
    from the lowest to the highest point of the scales, so a longer arrow is a bigger move.
    """
    low = min((r["low"] for r in rows), default=1)
    high = max((r["high"] for r in rows), default=5)
    span = (high - low) or 1
    left, right = label_w + pad, width - pad

    def x(value: float | None) -> float | None:
        return None if value is None else round(left + (value - low) / span * (right - left), 1)

    drawn = [{**r, "x_before": x(r["before"]), "x_after": x(r["after"])} for r in rows]
    ticks = [{"value": v, "x": x(v)} for v in range(int(low), int(high) + 1)]
    return {"width": width, "rows": drawn, "ticks": ticks, "low": low, "high": high, "left": left, "right": right}
