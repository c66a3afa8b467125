"""Group profiles (sizes, what stands out, generated names and descriptions, answer mixes) and matching groups."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest

from models.profiles import NOTABLE, match_groups, profile_groups

BARRIER = {"high": "held back by {item}", "low": "rarely held back by {item}"}
CAREER = {"high": "later in their career", "low": "earlier in their career"}


def column(name: str, block: str, kind: str, item: str, label: str | None = None,
           templates: dict[str, str] | None = None) -> dict:
    """A feature column as `forms.grouping.feature_spec` makes it (with its range: scores 1-5, barriers 0-5)."""
    templates = templates or {"high": "higher {item}", "low": "lower {item}"}
    low, high = {"score": (1, 5), "strength": (0, 5), "indicator": (0, 1)}.get(kind, (0, 2))
    return {"name": name, "block": block, "label": label or item[0].upper() + item[1:], "kind": kind, "item": item,
            "high": templates["high"].replace("{item}", item), "low": templates["low"].replace("{item}", item),
            "templates": templates, "min": low, "max": high}


COLUMNS = [
    column("efficacy", "beliefs", "score", "confidence to make a difference"),
    column("barriers:time", "barriers", "strength", "not enough time", templates=BARRIER),
    column("barriers:workload", "barriers", "strength", "workload", templates=BARRIER),
    column("career_stage", "career", "ordinal", "career stage", templates=CAREER),
    column("subjects:maths", "subjects", "indicator", "maths"),
]
DESCRIBE = [
    {"question": "career_stage", "options": {"new": "New to teaching", "mid": "Mid-career", "late": "Experienced"}},
    {"question": "barriers", "options": {"time": "Not enough time", "workload": "Workload", "behaviour": "Behaviour"}},
    {"question": "priorities", "options": {"reading": "Reading", "talk": "Talk", "maths": "Maths"}},
]


def spec_for(columns: list[dict], describe: list[dict] | None = None) -> dict:
    blocks: dict[str, list[str]] = {}
    for c in columns:
        blocks.setdefault(c["block"], []).append(c["name"])
    return {"columns": columns, "describe": describe or [],
            "blocks": [{"id": b, "label": b.capitalize(), "weight": 1.0, "columns": names}
                       for b, names in blocks.items()]}


def z_scores(table: pd.DataFrame, members: np.ndarray) -> pd.Series:
    """The oracle: group mean minus cohort mean, over the cohort's (population) standard deviation."""
    return (table[members].mean() - table.mean()) / table.std(ddof=0)


# Four teachers who are held back by time and later in their career; two who are not.
TABLE = pd.DataFrame({
    "efficacy": [3.0, 3.0, 3.0, 3.5, 3.0, 3.5],
    "barriers:time": [5.0, 5.0, 5.0, 5.0, 0.0, 0.0],
    "barriers:workload": [4.0, 5.0, 3.0, 4.0, 1.0, 2.0],
    "career_stage": [2.0, 2.0, 1.0, 2.0, 0.0, 0.0],
    "subjects:maths": [1.0, 1.0, 1.0, 0.0, 0.0, np.nan],
})
LABELS = np.array([0, 0, 0, 0, 1, 1])


@pytest.fixture
def profiles() -> dict:
    return profile_groups(TABLE, LABELS, spec_for(COLUMNS, DESCRIBE), {})


# -- sizes and means --------------------------------------------------------------------------------


def test_each_group_has_its_size_share_and_means_in_label_order(profiles):
    assert profiles["cohort"]["size"] == 6
    assert profiles["cohort"]["means"] == {"efficacy": 3.17, "barriers:time": 3.33, "barriers:workload": 3.17,
                                           "career_stage": 1.17, "subjects:maths": 0.6}
    first, second = profiles["groups"]
    assert (first["group"], first["size"], first["share"]) == (0, 4, 0.667)
    assert (second["group"], second["size"], second["share"]) == (1, 2, 0.333)
    assert first["means"] == {"efficacy": 3.12, "barriers:time": 5.0, "barriers:workload": 4.0,
                              "career_stage": 1.75, "subjects:maths": 0.75}
    assert second["means"]["subjects:maths"] == 0.0  # the unknown answer is left out, not counted as 0


def test_a_group_with_no_answer_to_a_feature_has_no_mean_for_it():
    table = pd.DataFrame({"efficacy": [2.0, 4.0, np.nan, np.nan]})
    result = profile_groups(table, np.array([0, 0, 1, 1]), spec_for(COLUMNS[:1]), {})
    assert result["groups"][1]["means"] == {"efficacy": None}
    assert result["groups"][1]["centre"] == {"efficacy": 0.0}
    assert result["groups"][1]["distinctive"] == []


def test_centres_are_the_groups_z_scores_on_every_feature(profiles):
    for group in profiles["groups"]:
        expected = z_scores(TABLE, group["group"] == LABELS)
        assert group["centre"] == pytest.approx({c: round(float(v), 3) for c, v in expected.items()})


# -- what stands out ---------------------------------------------------------------------------------


def test_distinctive_features_are_the_notable_ones_ordered_by_size_of_z(profiles):
    for group in profiles["groups"]:
        z = z_scores(TABLE, group["group"] == LABELS)
        expected = [name for name in z.abs().sort_values(ascending=False).index if abs(z[name]) >= NOTABLE][:5]
        assert [d["feature"] for d in group["distinctive"]] == expected
        sizes = [abs(d["z"]) for d in group["distinctive"]]
        assert sizes == sorted(sizes, reverse=True)
    assert [d["feature"] for d in profiles["groups"][0]["distinctive"]] == [
        "barriers:time", "career_stage", "barriers:workload", "subjects:maths"]


def test_the_phrase_follows_the_sign_of_z(profiles):
    first, second = profiles["groups"]
    time_high = first["distinctive"][0]
    assert (time_high["feature"], time_high["direction"], time_high["phrase"]) == (
        "barriers:time", "high", "held back by not enough time")
    assert time_high["z"] > 0
    time_low = second["distinctive"][0]
    assert (time_low["feature"], time_low["direction"], time_low["phrase"]) == (
        "barriers:time", "low", "rarely held back by not enough time")
    assert time_low["z"] < 0
    for group in profiles["groups"]:
        for d in group["distinctive"]:
            assert d["direction"] == ("high" if d["z"] > 0 else "low")
            assert d["phrase"] == next(c for c in COLUMNS if c["name"] == d["feature"])[d["direction"]]


def test_figures_are_shown_out_of_their_scale_as_percentages_or_not_at_all(profiles):
    found = {d["feature"]: d for d in profiles["groups"][0]["distinctive"]}
    assert (found["barriers:time"]["mean"], found["barriers:time"]["cohort_mean"]) == ("5.0 out of 5",
                                                                                         "3.3 out of 5")
    assert (found["subjects:maths"]["mean"], found["subjects:maths"]["cohort_mean"]) == ("75%", "60%")
    assert (found["career_stage"]["mean"], found["career_stage"]["cohort_mean"]) == ("", "")


def test_at_most_five_features_stand_out_and_small_differences_never_do():
    names = [f"r{i}" for i in range(8)]
    columns = [column(n, "ratings", "scale", f"rating {i}") for i, n in enumerate(names)]
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(40, 8)), columns=names)
    labels = np.repeat([0, 1], 20)
    table.loc[labels == 0, names[:6]] += 3  # six clear differences
    table.loc[:, "r7"] = np.tile([1.0, 2.0], 20)  # identical spread in both groups
    result = profile_groups(table, labels, spec_for(columns), {})
    for group in result["groups"]:
        assert len(group["distinctive"]) == 5
        assert {d["feature"] for d in group["distinctive"]} <= set(names[:6]) | {"ratings:overall"}
        assert "r7" not in [d["feature"] for d in group["distinctive"]]


def test_a_block_of_ratings_also_stands_out_as_a_whole():
    names = ["c1", "c2", "c3"]
    columns = [column(n, "confidence", "scale", f"strategy {n}") for n in names]
    spec = spec_for(columns)
    spec["blocks"][0]["label"] = "Confidence with each strategy"
    table = pd.DataFrame({"c1": [5.0, 4.0, 5.0, 2.0, 1.0, 2.0], "c2": [4.0, 5.0, 5.0, 1.0, 2.0, 2.0],
                          "c3": [5.0, 5.0, 4.0, 2.0, 2.0, 1.0]})
    result = profile_groups(table, np.array([0, 0, 0, 1, 1, 1]), spec, {})
    top = result["groups"][0]["distinctive"][0]
    assert top["feature"] == "confidence:overall"
    assert top["phrase"] == "higher confidence with each strategy overall"
    assert result["groups"][1]["distinctive"][0]["phrase"] == "lower confidence with each strategy overall"
    assert "confidence:overall" not in result["groups"][0]["means"]  # reported, never a feature of the model


# -- generated names ----------------------------------------------------------------------------------

# (case, table of (time, workload, efficacy, career) for four teachers in group 0 and four in group 1, names)
NAMES = [
    ("two from one block join into one phrase",
     {"barriers:time": [5, 5, 5, 5, 1, 1, 1, 2], "barriers:workload": [5, 4, 5, 4, 1, 2, 1, 2],
      "efficacy": [3, 3, 3, 3, 3, 3, 3, 3], "career_stage": [2, 2, 2, 2, 2, 2, 2, 2]},
     ["Held back by not enough time and workload", "Rarely held back by not enough time and workload"]),
    ("two from different blocks are listed",
     {"barriers:time": [5, 5, 5, 5, 0, 0, 0, 1], "barriers:workload": [3, 3, 3, 3, 3, 3, 3, 3],
      "efficacy": [3, 3, 3, 3, 3, 3, 3, 3], "career_stage": [4, 4, 4, 3, 0, 0, 1, 2]},
     ["Held back by not enough time, later in their career",
      "Rarely held back by not enough time, earlier in their career"]),
    ("one block in opposite directions is listed",
     {"barriers:time": [5, 5, 5, 5, 0, 0, 0, 1], "barriers:workload": [0, 0, 1, 2, 5, 5, 4, 5],
      "efficacy": [3, 3, 3, 3, 3, 3, 3, 3], "career_stage": [2, 2, 2, 2, 2, 2, 2, 2]},
     ["Held back by not enough time, rarely held back by workload",
      "Rarely held back by not enough time, held back by workload"]),
    ("a default phrase is capitalised",
     {"barriers:time": [3, 3, 3, 3, 3, 3, 3, 3], "barriers:workload": [3, 3, 3, 3, 3, 3, 3, 3],
      "efficacy": [5, 5, 5, 4, 1, 2, 1, 1], "career_stage": [2, 2, 2, 2, 2, 2, 2, 2]},
     ["Higher confidence to make a difference", "Lower confidence to make a difference"]),
    ("nothing stands out",
     {"barriers:time": [3, 3, 3, 3, 3, 3, 3, 3], "barriers:workload": [3, 3, 3, 3, 3, 3, 3, 3],
      "efficacy": [3, 4, 3, 4, 3, 4, 3, 4], "career_stage": [2, 2, 2, 2, 2, 2, 2, 2]},
     ["Close to the cohort average", "Close to the cohort average (2)"]),
]


@pytest.mark.parametrize(("case", "values", "names"), NAMES, ids=[row[0] for row in NAMES])
def test_generated_names(case, values, names):
    table = pd.DataFrame(values, dtype=float)
    result = profile_groups(table, np.repeat([0, 1], 4), spec_for(COLUMNS[:4]), {})
    assert [g["generated_name"] for g in result["groups"]] == names


def test_repeated_names_are_numbered_in_group_order():
    table = pd.DataFrame({"efficacy": [5.0, 5.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]})
    result = profile_groups(table, np.array([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]), spec_for(COLUMNS[:1]), {})
    assert [g["generated_name"] for g in result["groups"]] == [
        "Higher confidence to make a difference", "Lower confidence to make a difference",
        "Close to the cohort average", "Close to the cohort average (2)", "Close to the cohort average (3)"]


# -- descriptions and answer mixes ---------------------------------------------------------------------

CONTEXT = {
    "career_stage": ["late", None, "late", "mid", "new", ""],
    "barriers": [["time", "workload"], ["time"], [], ["time", "behaviour"], ["behaviour"], ["workload"]],
    "priorities": [["reading", "talk", "maths"], ["talk", "reading", "maths"], ["reading", "maths", "talk"],
                   ["maths", "reading", "talk"], ["talk", "maths", "reading"], ["talk", "reading", "maths"]],
    "school": ["Ashfield", "Ashfield", "Brook Lane", "Ashfield", "Brook Lane", "Brook Lane"],
}


@pytest.fixture
def described() -> dict:
    return profile_groups(TABLE, LABELS, spec_for(COLUMNS, DESCRIBE), CONTEXT)


def test_mix_counts_single_choice_answers_over_those_who_answered(described):
    mix = described["groups"][0]["mix"]["career_stage"]
    assert mix == [{"option": "late", "label": "Experienced", "count": 2, "share": 0.667},
                   {"option": "mid", "label": "Mid-career", "count": 1, "share": 0.333}]
    # One answered "new"; the other's empty answer does not count.
    assert described["groups"][1]["mix"]["career_stage"] == [
        {"option": "new", "label": "New to teaching", "count": 1, "share": 1.0}]


def test_mix_counts_each_choice_of_multi_choice_answers(described):
    mix = described["groups"][0]["mix"]["barriers"]
    # Three of the four chose something (an empty list is no answer); all three chose time.
    assert [(m["option"], m["count"], m["share"]) for m in mix] == [
        ("time", 3, 1.0), ("workload", 1, 0.333), ("behaviour", 1, 0.333)]
    assert mix[0]["label"] == "Not enough time"


def test_mix_counts_every_ranked_choice_and_shows_the_top_three():
    context = {**CONTEXT, "priorities": [["reading", "talk"], ["reading", "zoology"], ["reading"], ["maths"],
                                         [], []]}
    result = profile_groups(TABLE, LABELS, spec_for(COLUMNS, DESCRIBE), context)
    mix = result["groups"][0]["mix"]["priorities"]
    assert [(m["option"], m["label"], m["count"], m["share"]) for m in mix] == [
        ("reading", "Reading", 3, 0.75), ("talk", "Talk", 1, 0.25), ("zoology", "zoology", 1, 0.25)]
    assert result["groups"][1]["mix"]["priorities"] == []


def test_mix_always_shows_the_school(described):
    assert described["groups"][0]["mix"]["school"] == [
        {"option": "Ashfield", "label": "Ashfield", "count": 3, "share": 0.75},
        {"option": "Brook Lane", "label": "Brook Lane", "count": 1, "share": 0.25}]
    assert described["groups"][1]["mix"]["school"] == [
        {"option": "Brook Lane", "label": "Brook Lane", "count": 2, "share": 1.0}]


def test_description_is_two_sentences_with_size_share_standouts_and_common_answers(described):
    text = described["groups"][0]["generated_description"]
    sentences = re.split(r"(?<=\.) (?=[A-Z])", text)
    assert len(sentences) == 2, text
    assert sentences[0] == ("What sets these 4 teachers (67% of the cohort) apart: held back by not enough time "
                            "(5.0 out of 5 against 3.3 out of 5 across the cohort) and later in their career.")
    assert sentences[1] == "Most common among them: Experienced (67%), Not enough time (100%), Reading (100%)."
    assert "Ashfield" not in text  # the school mix is shown on its own, not in the description


def test_description_of_an_average_group_with_varied_answers():
    table = pd.DataFrame({"efficacy": [3.0, 4.0, 3.0, 4.0]})
    result = profile_groups(table, np.array([0, 0, 1, 1]), spec_for(COLUMNS[:1], DESCRIBE[:1]),
                            {"career_stage": [None, None, None, None], "school": ["A", "B", "A", "B"]})
    text = result["groups"][0]["generated_description"]
    assert text == ("These 2 teachers (50% of the cohort) are close to the cohort average on everything used for "
                    "grouping. Their other answers are too varied to summarise.")


def test_description_of_a_group_of_one_is_singular():
    table = pd.DataFrame({"efficacy": [1.0, 5.0, 5.0, 5.0]})
    result = profile_groups(table, np.array([1, 0, 0, 0]), spec_for(COLUMNS[:1]), {})
    assert result["groups"][1]["generated_description"].startswith("What sets these 1 teacher (25% of the cohort)")


def test_no_teachers_means_no_groups():
    result = profile_groups(TABLE.iloc[:0], np.array([], dtype=int), spec_for(COLUMNS, DESCRIBE), {})
    assert result["groups"] == []
    assert result["cohort"]["size"] == 0


# -- matching new groups to old ones --------------------------------------------------------------------

OLD = {"A": {"x": 1.0, "y": 0.0}, "B": {"x": -1.0, "y": 1.0}, "C": {"x": 0.0, "y": -1.5}}


@pytest.mark.parametrize("order", list(itertools.permutations("ABC")), ids="".join)
def test_identical_centres_keep_their_keys_in_any_order(order):
    new = [dict(OLD[key]) for key in order]
    assert match_groups(OLD, new) == dict(enumerate(order))


def test_slightly_moved_centres_keep_their_keys():
    new = [{"x": -0.9, "y": 1.1}, {"x": 1.1, "y": 0.1}, {"x": 0.1, "y": -1.4}]
    assert match_groups(OLD, new) == {0: "B", 1: "A", 2: "C"}


def test_a_new_extra_group_gets_no_key():
    new = [dict(OLD["A"]), {"x": 6.0, "y": 6.0}, dict(OLD["C"]), dict(OLD["B"])]
    assert match_groups(OLD, new) == {0: "A", 2: "C", 3: "B"}


def test_fewer_new_groups_keep_the_keys_of_those_they_continue():
    assert match_groups(OLD, [dict(OLD["C"])]) == {0: "C"}


def test_a_group_that_is_nobodys_nearest_is_not_matched():
    old = {"A": {"x": 0.0}, "B": {"x": 10.0}}
    # Both new groups are nearest to A; pairing the second with B would move B's name onto a different group.
    assert match_groups(old, [{"x": 0.1}, {"x": 0.2}]) == {0: "A"}
    assert match_groups(old, [{"x": 0.2}, {"x": 0.1}]) == {1: "A"}


def test_groups_are_compared_on_the_features_both_fits_share():
    old = {"A": {"x": 1.0, "gone": 50.0}, "B": {"x": -1.0, "gone": -50.0}}
    new = [{"x": -1.0, "added": 9.0}, {"x": 1.0, "added": -9.0}]
    assert match_groups(old, new) == {0: "B", 1: "A"}


@pytest.mark.parametrize(("old", "new"), [({}, [{"x": 1.0}]), ({"A": {"x": 1.0}}, []), ({}, []),
                                          ({"A": {"x": 1.0}}, [{"y": 1.0}])],
                         ids=["no old groups", "no new groups", "neither", "no shared feature"])
def test_nothing_to_match_gives_no_keys(old, new):
    assert match_groups(old, new) == {}
