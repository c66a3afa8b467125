"""Feature encoding and scaling, the feature spec built from a definition, and bad `grouping:` configuration."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostic.services.demo import planted_cohort
from forms.grouping import feature_spec, grouping_of
from forms.loader import DefinitionError, load_definition, load_menu
from forms.schema import Definition
from models.clustering import StartingPointGroups
from models.features import encode, make_grouping_pipeline, make_preprocessor, uninformative

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"
SHIPPED = DEFINITIONS / "starting-point.yaml"
SHIPPED_MENU = DEFINITIONS / "learning-focuses.yaml"
NAN = math.nan

# One column of each kind, as `forms.grouping.feature_spec` makes them (only what encoding reads).
COLUMNS = [
    {"name": "efficacy", "kind": "score", "key": "efficacy"},
    {"name": "mood", "kind": "scale", "key": "mood"},
    {"name": "stage", "kind": "ordinal", "key": "stage", "order": ["new", "mid", "late"]},
    {"name": "colours:red", "kind": "indicator", "key": "colours", "option": "red"},
    {"name": "barriers:time", "kind": "strength", "key": "barriers", "option": "time", "strength": "barrier_time"},
]
SPEC = {"columns": COLUMNS, "blocks": [{"id": "all", "label": "All", "weight": 1.0,
                                        "columns": [c["name"] for c in COLUMNS]}]}


@pytest.fixture(scope="module")
def starting_point() -> Definition:
    return load_definition(SHIPPED)


@pytest.fixture(scope="module")
def spec(starting_point) -> dict:
    return feature_spec(starting_point)


def cell(column: str, answers: dict | None = None, scores: dict | None = None) -> float:
    table = encode([{"answers": answers or {}, "scores": scores or {}}], SPEC)
    return float(table.loc[0, column])


# -- encoding ------------------------------------------------------------------------------------

# (case, column, answers, scores, expected value; NaN means unknown and so imputed later)
CELLS = [
    ("score given", "efficacy", {}, {"efficacy": 3.5}, 3.5),
    ("score missing", "efficacy", {}, {}, NAN),
    ("score not computed", "efficacy", {}, {"efficacy": None}, NAN),
    ("score that is a boolean", "efficacy", {}, {"efficacy": True}, NAN),
    ("scale given", "mood", {"mood": 4}, {}, 4.0),
    ("scale given as a float", "mood", {"mood": 2.5}, {}, 2.5),
    ("scale of zero", "mood", {"mood": 0}, {}, 0.0),
    ("scale missing", "mood", {}, {}, NAN),
    ("scale as text", "mood", {"mood": "4"}, {}, NAN),
    ("scale as a boolean true", "mood", {"mood": True}, {}, NAN),
    ("scale as a boolean false", "mood", {"mood": False}, {}, NAN),
    ("ordinal first choice", "stage", {"stage": "new"}, {}, 0.0),
    ("ordinal last choice", "stage", {"stage": "late"}, {}, 2.0),
    ("ordinal unknown choice", "stage", {"stage": "retired"}, {}, NAN),
    ("ordinal missing", "stage", {}, {}, NAN),
    ("ordinal given a list", "stage", {"stage": ["mid"]}, {}, NAN),
    ("indicator chosen", "colours:red", {"colours": ["blue", "red"]}, {}, 1.0),
    ("indicator not chosen", "colours:red", {"colours": ["blue"]}, {}, 0.0),
    ("indicator with nothing chosen", "colours:red", {"colours": []}, {}, 0.0),
    ("indicator answer not a list", "colours:red", {"colours": "red"}, {}, NAN),
    ("indicator answer a boolean", "colours:red", {"colours": True}, {}, NAN),
    ("strength when chosen and given", "barriers:time", {"barriers": ["time"], "barrier_time": 4}, {}, 4.0),
    ("strength when chosen but not given", "barriers:time", {"barriers": ["time", "workload"]}, {}, NAN),
    ("strength when not chosen", "barriers:time", {"barriers": ["workload"], "barrier_time": 5}, {}, 0.0),
    ("strength with nothing chosen", "barriers:time", {"barriers": []}, {}, 0.0),
    ("strength given as a boolean", "barriers:time", {"barriers": ["time"], "barrier_time": True}, {}, NAN),
    ("strength answer not a list", "barriers:time", {"barriers": "time", "barrier_time": 4}, {}, NAN),
]


@pytest.mark.parametrize(("case", "column", "answers", "scores", "expected"), CELLS, ids=[c[0] for c in CELLS])
def test_encode_reads_each_kind_of_column(case, column, answers, scores, expected):
    value = cell(column, answers, scores)
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == expected


def test_encode_gives_one_row_per_response_and_one_column_per_feature_in_spec_order():
    responses = [
        {"answers": {"mood": 2, "stage": "mid", "colours": ["red"], "barriers": ["time"], "barrier_time": 3},
         "scores": {"efficacy": 4.0}},
        {"answers": {"mood": 5}},  # no scores at all
        {"scores": {"efficacy": 2.0}},  # no answers at all
    ]
    table = encode(responses, SPEC, index=["r1", "r2", "r3"])
    assert list(table.columns) == [c["name"] for c in COLUMNS]
    assert list(table.index) == ["r1", "r2", "r3"]
    assert table.loc["r1"].tolist() == [4.0, 2.0, 1.0, 1.0, 3.0]
    assert table.loc["r2", "mood"] == 5.0 and math.isnan(table.loc["r2", "efficacy"])
    assert table.loc["r3", "efficacy"] == 2.0 and math.isnan(table.loc["r3", "mood"])
    assert table.dtypes.eq(float).all()


def test_encode_of_no_responses_is_an_empty_table_with_the_columns():
    table = encode([], SPEC)
    assert table.shape == (0, len(COLUMNS))
    assert list(table.columns) == [c["name"] for c in COLUMNS]


def test_every_shipped_feature_lies_within_its_declared_range(starting_point, spec):
    cohort = {"id": "x", "form_id": "starting_point", "form_version": "1", "schools": ["A", "B"]}
    responses, _ = planted_cohort(cohort, starting_point, 80, seed=5)
    table = encode(responses, spec)
    for column in spec["columns"]:
        values = table[column["name"]].dropna()
        assert not values.empty, column["name"]
        assert values.between(column["min"], column["max"]).all(), column["name"]
    # A barrier not chosen counts 0; one chosen counts its strength (1 to 5).
    for response, (_, row) in zip(responses, table.iterrows(), strict=True):
        chosen = response["answers"].get("barriers") or []
        for choice in ("time", "workload", "being_judged"):
            value = row[f"barriers:{choice}"]
            strength = response["answers"].get(f"barrier_{choice}")
            if choice not in chosen:
                assert value == 0.0
            elif strength is None:
                assert math.isnan(value)
            else:
                assert value == strength


# -- columns that cannot help ---------------------------------------------------------------------


def test_uninformative_names_each_useless_column_with_its_reason():
    table = pd.DataFrame({
        "blank": [NAN, NAN, NAN, NAN],
        "same": [3.0, NAN, 3.0, 3.0],
        "lonely": [NAN, 2.0, NAN, NAN],
        "useful": [1.0, 2.0, NAN, 1.0],
        "zeros_and_ones": [0.0, 1.0, 0.0, 0.0],
    })
    assert uninformative(table) == {
        "blank": "nobody answered it",
        "same": "every teacher gave the same answer",
        "lonely": "every teacher gave the same answer",
    }


def test_uninformative_of_a_table_without_rows_says_nobody_answered():
    assert uninformative(pd.DataFrame({"a": [], "b": []}, dtype=float)) == {
        "a": "nobody answered it", "b": "nobody answered it"}


# -- imputing, scaling and weighting ----------------------------------------------------------------


def block_spec(*blocks: tuple[str, list[str], float]) -> dict:
    return {"columns": [{"name": c} for _, cols, _ in blocks for c in cols],
            "blocks": [{"id": b, "label": b, "weight": w, "columns": cols} for b, cols, w in blocks]}


def test_preprocessor_imputes_the_median_and_leaves_no_gaps():
    table = pd.DataFrame({"a": [1.0, NAN, 3.0, 100.0], "b": [NAN, 2.0, 4.0, 4.0]})
    out = make_preprocessor(block_spec(("x", ["a", "b"], 1.0)), ["a", "b"]).fit_transform(table)
    assert not np.isnan(out).any()
    assert out[1, 0] == pytest.approx(out[2, 0])  # a's median is 3
    assert out[0, 1] == pytest.approx(out[2, 1])  # b's median is 4


def test_preprocessor_standardises_each_column():
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.normal(50, 10, 200), "b": rng.normal(-3, 0.1, 200)})
    out = make_preprocessor(block_spec(("x", ["a"], 1.0), ("y", ["b"], 1.0)), ["a", "b"]).fit_transform(table)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(out.std(axis=0), 1.0)


@pytest.mark.parametrize(("small", "large"), [(1, 4), (1, 10), (3, 5)])
def test_each_block_contributes_equally_whatever_its_number_of_columns(small, large):
    rng = np.random.default_rng(small * 100 + large)
    names_a = [f"a{i}" for i in range(small)]
    names_b = [f"b{i}" for i in range(large)]
    table = pd.DataFrame(rng.normal(size=(150, small + large)) * rng.uniform(0.5, 20, small + large),
                         columns=names_a + names_b)
    pre = make_preprocessor(block_spec(("a", names_a, 1.0), ("b", names_b, 1.0)), names_a + names_b)
    out = pre.fit_transform(table)
    a, b = out[:, :small], out[:, small:]
    assert (a ** 2).sum() == pytest.approx((b ** 2).sum())
    assert (a ** 2).sum() == pytest.approx(len(table))  # one unit of variance per teacher per block


def test_a_block_weight_scales_its_contribution():
    rng = np.random.default_rng(3)
    table = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "b1", "b2"])
    out = make_preprocessor(block_spec(("a", ["a"], 0.5), ("b", ["b1", "b2"], 1.0)), ["a", "b1", "b2"]) \
        .fit_transform(table)
    assert (out[:, 0] ** 2).sum() == pytest.approx(0.25 * (out[:, 1:] ** 2).sum())


def test_preprocessor_uses_only_the_columns_it_is_given():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [5.0, 5.0, 5.0], "c": [0.0, 1.0, 0.0]})
    pre = make_preprocessor(block_spec(("x", ["a", "b"], 1.0), ("y", ["c"], 1.0)), ["a", "c"]).fit(table)
    assert list(pre.get_feature_names_out()) == ["a", "c"]
    # Dropped from a block, b no longer dilutes it: a alone carries block x's full weight.
    assert pre.transform(table)[:, 0].std() == pytest.approx(1.0)


@pytest.mark.parametrize("columns", [[], ["not_in_any_block"]], ids=["no columns", "unknown columns"])
def test_preprocessor_refuses_when_no_column_is_usable(columns):
    with pytest.raises(ValueError, match="no feature is left to group on"):
        make_preprocessor(block_spec(("x", ["a"], 1.0)), columns)


def test_grouping_pipeline_scales_then_groups():
    rng = np.random.default_rng(0)
    table = pd.DataFrame(np.vstack([rng.normal(1, 0.2, (30, 2)), rng.normal(4, 0.2, (30, 2))]), columns=["a", "b"])
    table.iloc[5, 0] = NAN  # a gap is imputed, not refused
    pipeline = make_grouping_pipeline(block_spec(("x", ["a", "b"], 1.0)), ["a", "b"],
                                      StartingPointGroups(n_resamples=0)).fit(table)
    assert pipeline[-1].n_clusters_ == 2
    assert set(pipeline[-1].labels_[:30]) != set(pipeline[-1].labels_[30:])
    np.testing.assert_array_equal(pipeline.predict(table), pipeline[-1].labels_)


# -- the shipped definition's feature spec -----------------------------------------------------------


def test_shipped_spec_has_the_four_blocks_with_their_weights(spec):
    assert [b["id"] for b in spec["blocks"]] == ["beliefs", "confidence", "barriers", "career"]
    assert [b["weight"] for b in spec["blocks"]] == [1.0, 1.0, 1.0, 0.5]
    named = [c for b in spec["blocks"] for c in b["columns"]]
    assert named == [c["name"] for c in spec["columns"]]
    assert len(set(named)) == len(named)
    assert json.loads(json.dumps(spec)) == spec  # plain, JSON-ready data


def test_shipped_spec_scores_the_three_constructs(spec):
    beliefs = [c for c in spec["columns"] if c["block"] == "beliefs"]
    assert [(c["name"], c["kind"], c["key"], c["min"], c["max"]) for c in beliefs] == [
        ("learner_centred", "score", "learner_centred", 1, 5),
        ("efficacy", "score", "efficacy", 1, 5),
        ("openness", "score", "openness", 1, 5),
    ]
    assert beliefs[0]["label"] == "Learner-centred beliefs"
    assert beliefs[0]["high"] == "higher learner-centred beliefs"
    assert beliefs[1]["low"] == "lower confidence to make a difference"


def test_shipped_spec_has_one_confidence_column_per_menu_focus(spec):
    focuses = load_menu(SHIPPED_MENU).focuses
    confidence = [c for c in spec["columns"] if c["block"] == "confidence"]
    assert len(confidence) == len(focuses) == 10
    assert [c["name"] for c in confidence] == [f"confidence_{f.id}" for f in focuses]
    assert [c["label"] for c in confidence] == [f.title for f in focuses]
    assert all((c["kind"], c["min"], c["max"]) == ("scale", 1, 5) for c in confidence)
    questioning = next(c for c in confidence if c["name"] == "confidence_questioning")
    assert questioning["high"] == "more confident with questioning"
    assert questioning["low"] == "less confident with questioning"


def test_shipped_spec_has_a_strength_column_per_barrier(spec, starting_point):
    choices = [c.id for c in starting_point.question("barriers").options]
    barriers = [c for c in spec["columns"] if c["block"] == "barriers"]
    assert len(barriers) == 10
    assert [c["name"] for c in barriers] == [f"barriers:{choice}" for choice in choices]
    assert all(c["kind"] == "strength" and c["key"] == "barriers" for c in barriers)
    assert [(c["option"], c["strength"]) for c in barriers] == [(ch, f"barrier_{ch}") for ch in choices]
    assert all((c["min"], c["max"]) == (0, 5) for c in barriers)
    time = barriers[0]
    assert (time["name"], time["label"]) == ("barriers:time", "Not enough time")
    assert time["high"] == "held back by not enough time"
    assert time["low"] == "rarely held back by not enough time"
    assert time["templates"] == {"high": "held back by {item}", "low": "rarely held back by {item}"}


def test_shipped_spec_reads_career_stage_as_an_ordinal_in_choice_order(spec, starting_point):
    career = [c for c in spec["columns"] if c["block"] == "career"]
    assert len(career) == 1
    column = career[0]
    order = [c.id for c in starting_point.question("career_stage").options]
    assert order == ["trainee", "early_career", "developing", "established", "experienced"]
    assert (column["name"], column["kind"], column["order"]) == ("career_stage", "ordinal", order)
    assert (column["min"], column["max"]) == (0, 4)
    assert (column["high"], column["low"]) == ("later in their career", "earlier in their career")
    assert cell_on(spec, "career_stage", {"career_stage": "established"}) == 3.0


def cell_on(spec: dict, column: str, answers: dict) -> float:
    return float(encode([{"answers": answers, "scores": {}}], spec).loc[0, column])


def test_shipped_spec_describes_groups_by_the_listed_choice_questions(spec, starting_point):
    assert [d["question"] for d in spec["describe"]] == [
        "career_stage", "barriers", "pupil_priorities", "phase", "coaching_role"]
    barriers = spec["describe"][1]
    assert barriers["type"] == "multi_choice"
    assert barriers["options"]["time"] == "Not enough time"
    assert list(barriers["options"]) == [c.id for c in starting_point.question("barriers").options]


# -- the default grouping ----------------------------------------------------------------------------


def test_without_a_grouping_section_constructs_and_other_ratings_make_two_blocks(starting_point):
    plain = starting_point.model_copy(update={"grouping": None})
    spec = feature_spec(plain)
    in_constructs = {item for c in plain.constructs for item in c.items}
    ratings = [a for q in plain.questions() if q.type == "likert" for a in q.answer_ids() if a not in in_constructs]
    assert [(b["id"], b["label"]) for b in spec["blocks"]] == [("constructs", "Beliefs"), ("scales", "Other ratings")]
    assert spec["blocks"][0]["columns"] == ["learner_centred", "efficacy", "openness"]
    assert spec["blocks"][1]["columns"] == ratings
    assert len(ratings) == 31  # ten values, ten confidences, ten barrier strengths, observation comfort
    assert spec["describe"] == []
    assert all(c["kind"] == "scale" for c in spec["columns"][3:])
    assert grouping_of(starting_point) is starting_point.grouping


MINI = """\
id: mini
version: "1"
title: A small form
scales:
  agree5: {min: 1, max: 5}
sections:
  - id: first
    title: First page
    questions:
      - id: grid
        type: likert
        prompt: Rate these.
        scale: agree5
        items:
          - {id: g1, text: First statement.}
          - {id: g2, text: Second statement.}
      - id: mood
        type: likert
        prompt: Your mood.
        scale: agree5
constructs:
  - id: outlook
    label: Outlook
    items: {g1: "+"}
"""


def test_default_grouping_uses_every_rating_no_construct_uses(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    spec = feature_spec(load_definition(path))
    assert spec["blocks"][0]["columns"] == ["outlook"]
    assert sorted(spec["blocks"][1]["columns"]) == ["g2", "mood"]


def test_default_grouping_without_constructs_is_one_block_of_ratings(tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI.split("constructs:")[0], encoding="utf-8")
    spec = feature_spec(load_definition(path))
    assert [(b["id"], b["columns"]) for b in spec["blocks"]] == [("scales", ["g1", "g2", "mood"])]


# -- bad grouping configuration is reported at its line ---------------------------------------------

# (case, old text of the shipped file, new text, text on the line reported, fragment of every message)
GROUPING_PROBLEMS = [
    ("unknown construct", "constructs: [learner_centred, efficacy, openness]",
     "constructs: [learner_centred, curiosity, openness]", "curiosity",
     "grouping block 'beliefs': unknown construct 'curiosity'"),
    ("unknown question", "questions: [strategy_confidence]", "questions: [strategy_confidense]",
     "strategy_confidense", "grouping block 'confidence': unknown question 'strategy_confidense'"),
    ("long_text question", "questions: [strategy_confidence]", "questions: [focus_goal]", "[focus_goal]",
     "grouping block 'confidence': 'focus_goal' is long_text; only likert, number, single_choice, multi_choice "
     "questions can feed the grouping"),
    ("ranking question", "questions: [strategy_confidence]", "questions: [focus_choice]", "[focus_choice]",
     "grouping block 'confidence': 'focus_choice' is ranking; only likert"),
    ("strength naming missing questions", 'strength: "barrier_{choice}"', 'strength: "obstacle_{choice}"',
     "obstacle_", "grouping block 'barriers': strength names 'obstacle_"),
    ("strength without {choice}", 'strength: "barrier_{choice}"', 'strength: "barrier_time"', "strength:",
     "grouping.blocks.2.strength: String should match pattern"),
    ("describe naming a number question", "describe: [career_stage, barriers, pupil_priorities, phase, coaching_role]",
     "describe: [career_stage, barriers, years_teaching]", "describe:",
     "grouping describe: 'years_teaching' must name a single_choice, multi_choice, ranking question"),
    ("describe naming a likert question", "describe: [career_stage, barriers, pupil_priorities, phase, coaching_role]",
     "describe: [observation_comfort]", "describe:", "grouping describe: 'observation_comfort' must name a"),
    ("describe naming an unknown question",
     "describe: [career_stage, barriers, pupil_priorities, phase, coaching_role]",
     "describe: [career_stage, nowhere]", "describe:", "grouping describe: 'nowhere' must name a"),
    ("block with neither constructs nor questions",
     "    - id: career\n      label: Career stage\n      questions: [career_stage]\n",
     "    - id: career\n      label: Career stage\n", "- id: career",
     "a grouping block needs constructs, questions or answers"),
    ("duplicate block id", "    - id: career\n", "    - id: barriers  # HERE\n", "# HERE",
     "grouping block 'barriers': duplicate block id"),
    ("zero weight", "weight: 0.5", "weight: 0", "weight: 0", "weight: Input should be greater than 0"),
    pytest.param(
        "question in two blocks", "questions: [career_stage]", "questions: [career_stage, strategy_confidence]",
        "[career_stage, strategy_confidence]", "strategy_confidence",
        id="question in two blocks"),
    pytest.param(
        "construct in two blocks", "questions: [career_stage]",
        "questions: [career_stage]\n      constructs: [efficacy]", "constructs: [efficacy]", "efficacy",
        id="construct in two blocks"),
]


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    """A copy of the shipped definition with its menu beside it, as the definition names that menu."""
    shutil.copy(SHIPPED_MENU, tmp_path / SHIPPED_MENU.name)
    return tmp_path / SHIPPED.name


@pytest.mark.parametrize(("case", "old", "new", "on_line", "fragment"), GROUPING_PROBLEMS,
                         ids=[row[0] if isinstance(row, tuple) else row.id for row in GROUPING_PROBLEMS])
def test_bad_grouping_configuration_is_reported_with_its_line(shipped_copy, case, old, new, on_line, fragment):
    text = SHIPPED.read_text(encoding="utf-8")
    start = text.index("\ngrouping:\n")
    assert old in text[start:], f"fixture text not found in the grouping section: {old!r}"
    shipped_copy.write_text(text[:start] + text[start:].replace(old, new, 1), encoding="utf-8")
    lines = shipped_copy.read_text(encoding="utf-8").splitlines()
    line = next(n for n, content in enumerate(lines, start=1) if n > text[:start].count("\n") and on_line in content)
    with pytest.raises(DefinitionError) as caught:
        load_definition(shipped_copy)
    reported = caught.value.lines()
    assert reported, "no problem reported"
    prefix = f"{shipped_copy}:{line}: "
    assert all(entry.startswith(prefix) for entry in reported), reported
    assert all(fragment in entry for entry in reported), reported


def test_a_strength_pattern_reports_every_choice_without_a_question(shipped_copy):
    text = SHIPPED.read_text(encoding="utf-8")
    shipped_copy.write_text(text.replace('      strength: "barrier_{choice}"', '      strength: "obstacle_{choice}"'),
                            encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(shipped_copy)
    messages = caught.value.lines()
    assert len(messages) == 10
    assert any(m.endswith("grouping block 'barriers': strength names 'obstacle_time' for choice 'time' of "
                          "'barriers', but there is no such question") for m in messages)


def test_a_strength_pattern_is_reported_only_for_the_choices_it_misses(shipped_copy):
    text = SHIPPED.read_text(encoding="utf-8")
    assert "      - id: barrier_time\n" in text
    shipped_copy.write_text(text.replace("      - id: barrier_time\n", "      - id: barrier_lack_of_time\n"),
                            encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(shipped_copy)
    messages = [m for m in caught.value.lines() if "grouping block" in m]
    assert len(messages) == 1
    assert "strength names 'barrier_time' for choice 'time' of 'barriers'" in messages[0]
    # The recommendation settings use the same pattern, and are told of the same missing question.
    assert any(m.endswith("recommend: no 'barrier_{choice}' answer for barrier 'time'") for m in caught.value.lines())
