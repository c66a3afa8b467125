"""The grouping service: fit a cohort's groups, keep them, place later teachers, carry names, refuse bad input."""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime

import joblib
import pytest
import sklearn
from sklearn.metrics import adjusted_rand_score

from diagnostic.services.cohorts import create_cohort, published_definition
from diagnostic.services.demo import planted_cohort
from diagnostic.services.grouping import GroupingError, current, parse_k, refit, rename, respondent
from diagnostic.services.journey import new_response
from diagnostic.storage.interface import DamagedGrouping


# -- helpers ---------------------------------------------------------------------
@pytest.fixture
def definition(store, cohort):
    return published_definition(store, cohort["form_id"], cohort["form_version"])


def plant(store, cohort, definition, n, seed=1, **options):
    responses, truth = planted_cohort(cohort, definition, n, seed, **options)
    store.add_responses(cohort["id"], responses)
    return responses, truth


def late_teacher(store, cohort, definition, seed=99, name="late-1"):
    """One teacher who submits after the grouping (drawn from the first planted profile)."""
    (record,), _ = planted_cohort(cohort, definition, 1, seed)
    record["respondent"] = name
    store.add_responses(cohort["id"], [record])
    return record


def folder(store, cohort):
    return store.root / "cohorts" / cohort["id"]


def erase(store, cohort, response_id):
    """Remove one response from the store behind the grouping's back (only its record goes, nothing else)."""
    store.remove_response(cohort["id"], response_id)


def groups_of(record):
    """{response id: group key} from a fitted record."""
    return {rid: m["group"] for rid, m in record["members"].items()}


def members_by_key(record):
    found = {}
    for rid, m in record["members"].items():
        found.setdefault(m["group"], set()).add(rid)
    return found


def jaccard(a, b):
    return len(a & b) / len(a | b)


# -- fitting -----------------------------------------------------------------------
def test_refit_finds_the_four_planted_profiles(store, cohort, definition):
    responses, truth = plant(store, cohort, definition, 120)
    record = refit(store, cohort)
    assert record["k"] == 4 and record["finding"] == "groups"
    assert set(record["members"]) == {r["id"] for r in responses}
    found = [record["members"][r["id"]]["group"] for r in responses]
    assert adjusted_rand_score(truth, found) >= 0.9
    assert [g["key"] for g in record["groups"]] == ["A", "B", "C", "D"]
    assert sum(g["size"] for g in record["groups"]) == 120
    assert all(0.0 < m["confidence"] <= 1.0 for m in record["members"].values())
    assert record["quality"]["headline"] and record["quality"]["silhouette"] > record["quality"]["shuffled_silhouette"]


def test_the_record_says_what_made_it_and_the_model_is_kept(store, cohort, definition):
    plant(store, cohort, definition, 60)
    record = refit(store, cohort, 3, "ward")
    assert record["model"]["sklearn"] == sklearn.__version__
    assert (record["form_id"], record["form_version"]) == ("starting_point", "2")
    assert record["responses"] == 60 and record["cohort"] == cohort["id"]
    assert record["params"] == {"k": 3, "method": "ward"} and record["k"] == 3 and record["method"] == "ward"
    assert datetime.fromisoformat(record["fitted_at"]).tzinfo is not None
    assert hashlib.sha256(store.load_model(cohort["id"])).hexdigest() == record["model"]["sha256"]
    assert store.load_grouping(cohort["id"]) == record


def test_refitting_the_same_answers_gives_the_same_groups(store, cohort, definition):
    plant(store, cohort, definition, 80, seed=3)
    first = refit(store, cohort)
    second = refit(store, cohort)
    assert groups_of(first) == groups_of(second)
    assert [g["key"] for g in first["groups"]] == [g["key"] for g in second["groups"]]
    assert first["quality"] == second["quality"]


@pytest.mark.parametrize("method", ["kmeans", "gmm", "ward"])
def test_each_method_makes_the_number_of_groups_asked_for(store, cohort, definition, method):
    plant(store, cohort, definition, 60, seed=5)
    record = refit(store, cohort, "2", method)
    assert record["k"] == 2 and record["finding"] == "requested" and record["method"] == method
    assert {m["group"] for m in record["members"].values()} == {"A", "B"}


def test_unknown_method_is_refused_and_nothing_is_saved(store, cohort, definition):
    plant(store, cohort, definition, 20)
    with pytest.raises(GroupingError, match="method must be one of kmeans, gmm, ward"):
        refit(store, cohort, "auto", "dbscan")
    assert store.load_grouping(cohort["id"]) is None


# -- placing later teachers, dropping erased ones --------------------------------------

def test_a_later_teacher_is_placed_without_changing_the_saved_groups(store, cohort, definition):
    responses, truth = plant(store, cohort, definition, 80, seed=3)
    fitted = refit(store, cohort)
    saved = store.load_grouping(cohort["id"]), store.load_model(cohort["id"])
    late = late_teacher(store, cohort, definition)

    now = current(store, cohort)
    assert now["problem"] is None and now["unplaced"] == []
    rows = {m["id"]: m for g in now["groups"] for m in g["members"]}
    placed = rows[late["id"]]
    assert placed["placed"] is True and placed["respondent"] == "late-1"
    assert 0.0 < placed["confidence"] <= 1.0
    # The late teacher was drawn from the first profile, so they land in the group holding most of its teachers.
    first_profile = [fitted["members"][r["id"]]["group"] for r, t in zip(responses, truth, strict=True) if t == 0]
    assert placed["group"] == max(set(first_profile), key=first_profile.count)
    assert sum(g["placed_since"] for g in now["groups"]) == 1
    assert sum(not m["placed"] for m in rows.values()) == 80
    # The fitted profiles and the saved file are untouched.
    assert (store.load_grouping(cohort["id"]), store.load_model(cohort["id"])) == saved
    for before, after in zip(fitted["groups"], now["groups"], strict=True):
        assert (after["size"], after["means"], after["centre"]) == (before["size"], before["means"], before["centre"])
    assert late["id"] not in store.load_grouping(cohort["id"])["members"]


def test_an_erased_teacher_drops_out_of_the_groups(store, cohort, definition):
    responses, _ = plant(store, cohort, definition, 60, seed=3)
    refit(store, cohort)
    gone = responses[7]["id"]
    erase(store, cohort, gone)
    now = current(store, cohort)
    shown = [m["id"] for g in now["groups"] for m in g["members"]]
    assert gone not in shown
    assert sorted(shown) == sorted(r["id"] for r in responses if r["id"] != gone)


def test_drafts_are_neither_grouped_nor_placed(store, cohort, definition):
    plant(store, cohort, definition, 30, seed=3)
    draft, _ = new_response(cohort, school="Ashfield")
    store.add_responses(cohort["id"], [draft])
    record = refit(store, cohort)
    assert record["responses"] == 30 and draft["id"] not in record["members"]
    assert draft["id"] not in [m["id"] for g in current(store, cohort)["groups"] for m in g["members"]]


def test_current_is_none_before_any_grouping(store, cohort):
    assert current(store, cohort) is None


# -- names and notes, group keys ---------------------------------------------------------
def test_name_and_note_survive_a_refit_of_the_same_answers(store, cohort, definition):
    plant(store, cohort, definition, 80, seed=3)
    before = refit(store, cohort)
    rename(store, cohort, "B", "  Keen   beginners ", "Start with modelling.\n")
    refit(store, cohort)
    now = current(store, cohort)
    named = next(g for g in now["groups"] if g["key"] == "B")
    assert named["name"] == "Keen beginners" and named["note"] == "Start with modelling."
    assert named["renamed"] is True
    assert {m["id"] for m in named["members"]} == members_by_key(before)["B"]
    others = [g for g in now["groups"] if g["key"] != "B"]
    assert all(g["name"] == g["generated_name"] and g["note"] == "" and not g["renamed"] for g in others)


def test_names_follow_continuing_groups_when_the_number_of_groups_changes(store, cohort, definition):
    plant(store, cohort, definition, 120)
    four = refit(store, cohort)
    assert four["k"] == 4
    for g in four["groups"]:
        rename(store, cohort, g["key"], f"Named {g['key']}", f"Note for {g['key']}")
    five = refit(store, cohort, 5)
    old, new = members_by_key(four), members_by_key(five)
    continuing = set(old) & set(new)
    assert len(continuing) >= 3
    for key in continuing:  # a carried key is the same teachers, for the most part
        assert jaccard(old[key], new[key]) >= 0.6, key
    fresh = set(new) - set(old)
    assert fresh and all(key not in old for key in fresh)
    assert sorted(fresh)[0] == "E"  # the next letter, never one in use
    now = current(store, cohort)
    for g in now["groups"]:
        if g["key"] in continuing:
            assert (g["name"], g["note"]) == (f"Named {g['key']}", f"Note for {g['key']}")
        else:
            assert (g["name"], g["note"], g["renamed"]) == (g["generated_name"], "", False)


def test_a_named_group_that_disappears_keeps_its_letter(store, cohort, definition):
    plant(store, cohort, definition, 120)
    refit(store, cohort)
    rename(store, cohort, "D", "Cautious observers", "")
    three = refit(store, cohort, 3)
    assert "D" not in members_by_key(three)
    six = refit(store, cohort, 6)
    fresh = [g["key"] for g in six["groups"] if g["key"] not in members_by_key(three)]
    assert fresh and "D" not in fresh
    assert all(g["name"] != "Cautious observers" for g in current(store, cohort)["groups"])


def test_a_genuinely_new_group_never_gets_a_letter_used_before(store, cohort, definition):
    plant(store, cohort, definition, 120)
    history = [refit(store, cohort), refit(store, cohort, 3)]  # auto finds A-D; three groups drop D
    last = refit(store, cohort, 6)
    previous = set(members_by_key(history[-1]))
    fresh = [g["key"] for g in last["groups"] if g["key"] not in previous]
    ever = set().union(*(members_by_key(r) for r in history))
    assert fresh and not set(fresh) & ever, (fresh, sorted(ever))


def test_rename_refuses_unknown_groups_and_over_long_text(store, cohort, definition):
    with pytest.raises(GroupingError, match="no group 'A'"):
        rename(store, cohort, "A", "Too early", "")
    plant(store, cohort, definition, 40)
    refit(store, cohort)
    with pytest.raises(GroupingError, match="no group 'Z'"):
        rename(store, cohort, "Z", "Nobody", "")
    with pytest.raises(GroupingError, match="at most 80 characters"):
        rename(store, cohort, "A", "x" * 81, "")
    with pytest.raises(GroupingError, match="a note at most 2000"):
        rename(store, cohort, "A", "ok", "n" * 2001)
    assert store.group_labels(cohort["id"]) == {}
    rename(store, cohort, "A", "y" * 80, "n" * 2000)
    assert current(store, cohort)["groups"][0]["name"] == "y" * 80


def test_an_empty_name_goes_back_to_the_generated_one(store, cohort, definition):
    plant(store, cohort, definition, 40)
    refit(store, cohort)
    rename(store, cohort, "A", "Mine", "keep this")
    rename(store, cohort, "A", "   ", "keep this")
    group = current(store, cohort)["groups"][0]
    assert group["name"] == group["generated_name"] and group["renamed"] is False and group["note"] == "keep this"


@pytest.mark.parametrize(("given", "expected"), [
    ("auto", "auto"), (" AUTO ", "auto"), ("3", 3), (" 3 ", 3), (3, 3), ("1", 1), (8, 8),
])
def test_parse_k_accepts_auto_and_one_to_eight(given, expected):
    assert parse_k(given) == expected


@pytest.mark.parametrize(("given", "message"), [
    (0, "from 1 to 8, or auto (got 0)"), ("0", "got 0"), (9, "got 9"), ("12", "got 12"),
    ("many", "'auto' or a whole number from 1 to 8 (got 'many')"), ("-1", "got '-1'"), ("", "got ''"),
    ("2.5", "got '2.5'"),
])
def test_parse_k_refuses_anything_else_with_a_clear_message(given, message):
    with pytest.raises(GroupingError, match="the number of groups must be") as caught:
        parse_k(given)
    assert message in str(caught.value)


def test_respondent_is_the_import_reference_else_the_response_id():
    assert respondent({"id": "abc", "respondent": "T-17"}) == "T-17"
    assert respondent({"id": "abc", "respondent": None}) == "abc"
    assert respondent({"id": "abc"}) == "abc"


# -- bad input ------------------------------------------------------------------------------
def test_a_cohort_with_no_submitted_questionnaires_cannot_be_grouped(store, cohort):
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    with pytest.raises(GroupingError, match="has no submitted questionnaires") as caught:
        refit(store, cohort)
    assert caught.value.status == 409
    assert "once teachers have submitted" in str(caught.value)
    assert store.load_grouping(cohort["id"]) is None


def test_identical_answers_make_one_group_everyone_answered_alike(store, cohort, definition):
    responses, _ = planted_cohort(cohort, definition, 12, 3, missing=0)
    for r in responses[1:]:
        r["answers"], r["scores"] = copy.deepcopy(responses[0]["answers"]), dict(responses[0]["scores"])
    store.add_responses(cohort["id"], responses)
    record = refit(store, cohort)
    assert record["k"] == 1 and record["finding"] == "no_variance"
    assert record["quality"]["headline"] == "Everyone answered alike"
    assert set(groups_of(record).values()) == {"A"}
    assert set(record["dropped"].values()) == {"every teacher gave the same answer"}


def test_a_column_without_variance_is_left_out_and_listed_with_its_reason(store, cohort, definition):
    responses, truth = planted_cohort(cohort, definition, 80, 4)
    for r in responses:
        r["answers"]["confidence_questioning"] = 4
        r["answers"].pop("confidence_feedback", None)
    store.add_responses(cohort["id"], responses)
    record = refit(store, cohort)
    assert record["dropped"] == {"confidence_questioning": "every teacher gave the same answer",
                                 "confidence_feedback": "nobody answered it"}
    assert "confidence_questioning" not in record["features"] and "confidence_feedback" not in record["features"]
    assert record["k"] >= 2
    assert adjusted_rand_score(truth, [record["members"][r["id"]]["group"] for r in responses]) >= 0.8


@pytest.mark.parametrize("teachers", [1, 2, 4])
def test_a_tiny_cohort_is_one_group_with_too_few_teachers(store, cohort, definition, teachers):
    plant(store, cohort, definition, teachers)
    record = refit(store, cohort)
    assert record["k"] == 1 and record["finding"] == "too_few"
    assert record["quality"]["headline"] == "Too few teachers to form groups"
    assert f"this cohort has {teachers}" in record["quality"]["explanation"]
    assert len(record["members"]) == teachers


def test_a_tiny_cohort_cannot_have_more_groups_than_teachers(store, cohort, definition):
    plant(store, cohort, definition, 4)
    with pytest.raises(GroupingError, match="5 groups cannot be made from 4 submitted questionnaires"):
        refit(store, cohort, 5)
    assert refit(store, cohort, 3)["quality"]["headline"] == "Too few teachers to form groups"


def test_answers_to_another_form_version_are_counted_not_grouped(store, cohort, definition):
    responses, _ = plant(store, cohort, definition, 40)
    others, _ = planted_cohort(cohort, definition, 5, seed=8)
    for r in others:
        r["form_version"] = "0"
    store.add_responses(cohort["id"], others)
    record = refit(store, cohort)
    assert record["responses"] == 40
    assert record["other_versions"] == {"starting_point version 0": 5}
    assert not {r["id"] for r in others} & set(record["members"])
    now = current(store, cohort)
    assert now["other_versions"] == {"starting_point version 0": 5} and now["unplaced"] == []
    assert len([m for g in now["groups"] for m in g["members"]]) == 40


def test_only_other_versions_is_like_no_submissions(store, cohort, definition):
    others, _ = planted_cohort(cohort, definition, 10, seed=8)
    for r in others:
        r["form_version"] = "0.9"
    store.add_responses(cohort["id"], others)
    with pytest.raises(GroupingError, match="no submitted questionnaires for form starting_point version 2"):
        refit(store, cohort)


@pytest.mark.tinydb_only
@pytest.mark.parametrize("damage", [b'{"groups": [', b"\xff\xfe not json", b"[]", b'{"groups": "A"}'])
def test_a_damaged_grouping_file_says_to_regroup_and_regrouping_repairs_it(store, cohort, definition, damage):
    plant(store, cohort, definition, 40)
    refit(store, cohort)
    (folder(store, cohort) / "grouping.json").write_bytes(damage)
    with pytest.raises(DamagedGrouping, match="re-run the grouping"):
        current(store, cohort)
    repaired = refit(store, cohort)
    assert repaired["groups"][0]["key"] == "A"
    assert current(store, cohort)["groups"]


def foreign_pickle(tmp_path) -> bytes:
    path = tmp_path / "foreign.joblib"
    joblib.dump({"pipeline": "not yours"}, path)
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["foreign", "garbage", "empty", "missing"])
def test_a_replaced_model_file_is_never_unpickled_and_later_teachers_wait(store, cohort, definition, monkeypatch,
                                                                          tmp_path, kind):
    responses, _ = plant(store, cohort, definition, 40)
    fitted = refit(store, cohort)
    replaced = None if kind == "missing" else \
        {"foreign": foreign_pickle(tmp_path), "garbage": b"\x80\x04junk", "empty": b""}[kind]
    store.update_grouping(cohort["id"], lambda record, model: (record, replaced))
    late = late_teacher(store, cohort, definition)

    def refuse(*args, **kwargs):
        raise AssertionError("a model file that does not match its record was unpickled")

    monkeypatch.setattr(joblib, "load", refuse)
    now = current(store, cohort)
    assert "re-run the grouping" in now["problem"] and "1 teacher(s) submitted since" in now["problem"]
    assert [(u["id"], u["placed"], u["group"]) for u in now["unplaced"]] == [(late["id"], False, None)]
    shown = {m["id"]: m["group"] for g in now["groups"] for m in g["members"]}
    assert shown == groups_of(fitted)


def test_a_model_from_another_scikit_learn_is_refused(store, cohort, definition):
    plant(store, cohort, definition, 40)
    record = refit(store, cohort)
    record["model"]["sklearn"] = "0.24.2"
    store.save_grouping(cohort["id"], record, store.load_model(cohort["id"]))
    late = late_teacher(store, cohort, definition)
    now = current(store, cohort)
    assert "scikit-learn 0.24.2" in now["problem"] and sklearn.__version__ in now["problem"]
    assert "re-run the grouping" in now["problem"]
    assert [u["id"] for u in now["unplaced"]] == [late["id"]]
    regrouped = refit(store, cohort)
    assert late["id"] in regrouped["members"] and current(store, cohort)["problem"] is None


def test_groups_of_another_cohort_are_kept_apart(store, shipped, cohort, definition):
    other = create_cohort(store, shipped, "Other network", ["Castleton"])
    plant(store, cohort, definition, 30)
    plant(store, other, definition, 30, seed=2)
    mine, theirs = refit(store, cohort), refit(store, other)
    assert not set(mine["members"]) & set(theirs["members"])
    assert current(store, cohort)["responses"] == 30
