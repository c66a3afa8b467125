"""Chart geometry for the specialist's pages: heatmap shading, the map's scaling and cap, group colours and shapes."""

from __future__ import annotations

import re

import pytest

from diagnostic.engines import charts
from diagnostic.engines.charts import BAND_WORDS, BANDS, MAX_POINTS, group_styles, heatmap, scatter

COLUMNS = [
    {"name": "learner_centred", "label": "Learner-centred beliefs", "block": "beliefs", "kind": "score"},
    {"name": "confidence_questioning", "label": "Questioning", "block": "confidence", "kind": "scale"},
    {"name": "barriers:time", "label": "Not enough time", "block": "barriers", "kind": "strength"},
    {"name": "career_stage", "label": "Career stage", "block": "career", "kind": "ordinal"},
    {"name": "phase:primary", "label": "Primary", "block": "phase", "kind": "indicator"},
    {"name": "never_kept", "label": "Not in the cohort means", "block": "beliefs", "kind": "score"},
]


def record_with(groups, columns=COLUMNS):
    means = {c["name"]: 3.0 for c in columns if c["name"] != "never_kept"}
    return {"columns": columns, "cohort_means": means, "groups": groups, "map_explained": [0.4, 0.2]}


def group(key, centre=None, means=None, members=()):
    return {"key": key, "name": f"Group {key}", "centre": centre or {}, "means": means or {}, "members": list(members)}


def member(x, y, outlier=False):
    return {"map": [x, y], "outlier": outlier}


# -- heatmap ------------------------------------------------------------------------------------------
def test_heatmap_has_a_row_per_rated_feature_and_a_cell_per_group():
    record = record_with([group("A", {"learner_centred": 1.2}, {"learner_centred": 4.4}),
                          group("C", {"learner_centred": -0.3}, {"learner_centred": 2.6})])
    heat = heatmap(record)
    assert heat["groups"] == ["A", "C"]
    assert [r["name"] for r in heat["rows"]] == ["learner_centred", "confidence_questioning", "barriers:time"]
    first = heat["rows"][0]
    assert (first["label"], first["block"], first["cohort"]) == ("Learner-centred beliefs", "beliefs", 3.0)
    assert [(c["key"], c["mean"], c["z"]) for c in first["cells"]] == [("A", 4.4, 1.2), ("C", 2.6, -0.3)]
    assert [c["words"] for c in first["cells"]] == ["well above", "a little below"]
    missing = heat["rows"][1]["cells"][0]  # no centre or mean recorded for this feature
    assert (missing["mean"], missing["z"], missing["words"]) == (None, 0.0, "close to")
    assert [b["words"] for b in heat["legend"]] == BAND_WORDS and len(heat["legend"]) == len(BANDS) == 7


def test_heatmap_can_show_other_kinds():
    heat = heatmap(record_with([group("A")]), kinds=("indicator",))
    assert [r["name"] for r in heat["rows"]] == ["phase:primary"]


@pytest.mark.parametrize(("z", "fill", "ink", "words"), [
    (-2.5, "#2166ac", "#fff", "well below"),
    (-1.01, "#2166ac", "#fff", "well below"),
    (-0.7, "#67a9cf", "#000", "below"),
    (-0.3, "#d1e5f0", "#000", "a little below"),
    (-0.1, "#f7f7f7", "#000", "close to"),
    (0.0, "#f7f7f7", "#000", "close to"),
    (0.15, "#f7f7f7", "#000", "close to"),
    (0.3, "#fddbc7", "#000", "a little above"),
    (0.7, "#ef8a62", "#000", "above"),
    (1.01, "#b2182b", "#fff", "well above"),
    (4.0, "#b2182b", "#fff", "well above"),
])
def test_heatmap_shades_each_cell_by_how_far_the_group_is_from_the_cohort(z, fill, ink, words):
    (cell,) = heatmap(record_with([group("A", {"learner_centred": z})]))["rows"][0]["cells"]
    assert (cell["fill"], cell["ink"], cell["words"]) == (fill, ink, words)


MIRROR = dict(zip(BAND_WORDS, reversed(BAND_WORDS), strict=True))


@pytest.mark.parametrize("z", [0.0, 0.1, 0.3, 0.7, 1.5])
def test_groups_equally_far_below_and_above_are_described_alike(z):
    cells = heatmap(record_with([group("A", {"learner_centred": z}), group("B", {"learner_centred": -z})]))
    above, below = cells["rows"][0]["cells"]
    assert below["words"] == MIRROR[above["words"]]


@pytest.mark.parametrize("z", [0.2, 0.5, 1.0])
def test_groups_exactly_on_a_band_edge_are_described_alike_above_and_below(z):
    cells = heatmap(record_with([group("A", {"learner_centred": z}), group("B", {"learner_centred": -z})]))
    above, below = cells["rows"][0]["cells"]
    assert below["words"] == MIRROR[above["words"]]


# -- the map --------------------------------------------------------------------------------------------
def test_scatter_scales_teachers_into_the_drawing():
    record = record_with([group("A", members=[member(-3.0, 0.5), member(1.0, 2.0, outlier=True)]),
                          group("B", members=[member(5.0, -1.0)])])
    chart = scatter(record, width=560, height=400, pad=16)
    assert (chart["width"], chart["height"], chart["drawn"], chart["total"]) == (560, 400, 3, 3)
    points = chart["points"]
    assert [(p["x"], p["y"]) for p in points] == [(16.0, 200.0), (280.0, 16.0), (544.0, 384.0)]
    assert all(16 <= p["x"] <= 544 and 16 <= p["y"] <= 384 for p in points)
    assert [p["outlier"] for p in points] == [False, True, False]
    styles = group_styles(record["groups"])
    assert [(p["colour"], p["shape"]) for p in points] == [tuple(styles[k].values()) for k in "AAB"]
    assert chart["explained"] == [0.4, 0.2]


def test_scatter_of_teachers_all_in_one_place_stays_inside_the_drawing():
    chart = scatter(record_with([group("A", members=[member(0.0, 0.0)] * 5)]))
    assert {(p["x"], p["y"]) for p in chart["points"]} == {(16.0, 384.0)}
    assert scatter(record_with([group("A")]))["points"] == []


@pytest.mark.parametrize("teachers", [MAX_POINTS, MAX_POINTS + 1, 4000, 10_000])
def test_scatter_draws_at_most_max_points_and_says_how_many(app, teachers):
    per_group = teachers // 4
    groups = [group(k, members=[member(i * 0.01, (i % 7) * 0.1 + n) for i in range(per_group)])
              for n, k in enumerate("ABCD")]
    chart = scatter(record_with(groups))
    assert chart["total"] == 4 * per_group
    assert chart["drawn"] == len(chart["points"]) <= MAX_POINTS
    assert chart["drawn"] >= MAX_POINTS // 2  # thinned, not emptied
    assert {p["colour"] for p in chart["points"]} == {s["colour"] for s in chart["styles"].values()}
    with app.test_request_context():
        sentence = app.jinja_env.get_template("specialist/_charts.html").module.map_sentence(chart)
    sentence = " ".join(str(sentence).split())
    if chart["drawn"] < chart["total"]:
        assert f"To keep the page light, {chart['drawn']} of {chart['total']} teachers are drawn." in sentence
    else:
        assert "To keep the page light" not in sentence
    assert "keeping 60% of the differences" in sentence


# -- colours and shapes -------------------------------------------------------------------------------------
def test_eight_groups_get_eight_distinct_colours_and_shapes(app):
    styles = group_styles([group(k) for k in "ABCDEFGH"])
    assert list(styles) == list("ABCDEFGH")
    assert len({s["colour"] for s in styles.values()}) == 8
    assert len({s["shape"] for s in styles.values()}) == 8
    assert all(re.fullmatch(r"#[0-9A-F]{6}", s["colour"]) for s in styles.values())
    with app.test_request_context():
        module = app.jinja_env.get_template("specialist/_charts.html").module
        marks = [" ".join(str(module.marker(s, 8, 8, 6)).split()) for s in styles.values()]
    assert len(set(marks)) == 8  # each group's mark is drawn differently
    assert sum('fill="none"' in m for m in marks) == 4  # the hollow half are told apart by shape, not only colour


def test_styles_follow_group_order_not_group_letter():
    first = group_styles([group("C"), group("A")])
    assert first["C"] == {"colour": charts.COLOURS[0], "shape": charts.SHAPES[0]}
    assert first["A"] == {"colour": charts.COLOURS[1], "shape": charts.SHAPES[1]}
