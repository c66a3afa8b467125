"""`diagnostic pair`, `diagnostic specialists` and `diagnostic demo`: partnerships from the command line."""

from __future__ import annotations

import json
import re

import pytest

from diagnostic.services import menu
from diagnostic.services.cohorts import published_definition
from diagnostic.services.demo import DEMO_COHORT
from diagnostic.services.partnerships import display_name


@pytest.fixture
def app(demo_app):
    """Every test here starts from its own copy of the seeded demo cohort."""
    return demo_app


def everyone(store, cohort_id=DEMO_COHORT):
    return {r["id"] for r in store.list_responses(cohort_id, status="submitted")}


@pytest.mark.parametrize("mode", ["co-coaching", "mentoring", "specialist"])
def test_pair_json_lists_every_partnership_and_every_teacher_left_out(invoke, store, mode):
    result = invoke("pair", "--cohort", DEMO_COHORT, "--mode", mode, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["mode"] == mode and data["pairs"]
    for p in data["pairs"]:
        assert {"members", "focus", "score", "criteria", "reasons"} <= set(p)
        assert 1 <= len(p["reasons"]) <= 4 and all(0 <= v <= 1 for v in p["criteria"].values())
    assert data["total_score"] == pytest.approx(sum(p["score"] for p in data["pairs"]), abs=0.01)
    assert all(set(u) >= {"response_id", "respondent", "reason"} and u["reason"] for u in data["unpaired"])
    if mode == "co-coaching":  # every teacher is either paired or listed, exactly once
        placed = [m["response_id"] for p in data["pairs"] for m in p["members"]]
        assert sorted(placed + [u["response_id"] for u in data["unpaired"]]) == sorted(everyone(store))


def test_pair_prints_partnerships_with_reasons_and_a_total(invoke):
    result = invoke("pair", "--cohort", DEMO_COHORT, "--mode", "co-coaching", "--school-rule", "cross_required")
    assert result.exit_code == 0
    assert "    Both chose " in result.output
    assert result.output.strip().splitlines()[-1].startswith(tuple("0123456789"))
    assert "partnerships," in result.output.splitlines()[-1]


def test_pair_confirm_settles_the_partnerships(invoke, store):
    result = invoke("pair", "--cohort", DEMO_COHORT, "--mode", "mentoring", "--capacity", "1", "--confirm", "--json")
    confirmed = json.loads(result.output)["confirmed"]
    assert confirmed and len(store.list_partnerships(DEMO_COHORT)) == len(confirmed)
    mentors = [p["members"][0] for p in store.list_partnerships(DEMO_COHORT)]
    assert len(mentors) == len(set(mentors))  # capacity 1: one mentee each


@pytest.mark.parametrize(("args", "message"), [
    (["pair", "--cohort", "nope", "--mode", "co-coaching"], "no cohort 'nope'"),
    (["pair", "--cohort", DEMO_COHORT, "--mode", "pairs"], "Invalid value for '--mode'"),
    (["pair", "--cohort", DEMO_COHORT, "--mode", "mentoring", "--capacity", "0"], "from 1 to 20 (got 0)"),
    (["specialists", "add", "--cohort", DEMO_COHORT, "--name", "X", "--focus", "juggling"],
     "not on this cohort's menu: juggling"),
    (["specialists", "add", "--cohort", DEMO_COHORT, "--name", " ", "--focus", "feedback"],
     "give the specialist a name"),
    (["specialists", "remove", "--cohort", DEMO_COHORT, "s-none"], "no specialist 's-none' in this cohort"),
])
def test_bad_requests_get_one_clear_line(invoke, store, args, message):
    before = store.get_cohort(DEMO_COHORT)
    result = invoke(*args)
    assert result.exit_code != 0 and message in result.output
    assert store.get_cohort(DEMO_COHORT) == before and store.list_partnerships(DEMO_COHORT) == []


def test_specialists_can_be_added_listed_and_removed(invoke, store):
    added = invoke("specialists", "add", "--cohort", DEMO_COHORT, "--name", "Dr Talk", "--focus", "classroom_talk",
                   "--focus", "questioning", "--capacity", "5", "--internal").output.strip()
    listed = invoke("specialists", "list", "--cohort", DEMO_COHORT).output
    assert f"{added}  Dr Talk  (internal, takes 5)  classroom_talk, questioning" in listed
    invoke("specialists", "remove", "--cohort", DEMO_COHORT, added)
    assert added not in invoke("specialists", "list", "--cohort", DEMO_COHORT).output


def test_specialist_mode_without_specialists_says_what_to_do(invoke, store):
    store.update_cohort(DEMO_COHORT, lambda c: {**c, "specialists": []})
    result = invoke("pair", "--cohort", DEMO_COHORT, "--mode", "specialist")
    assert result.exit_code == 1 and "no specialists are listed" in result.output


def test_demo_makes_a_network_every_mode_can_pair(invoke, store):
    assert invoke("demo", "--cohort", "net", "--teachers", "150", "--schools", "5").exit_code == 0
    assert len(everyone(store, "net")) == 150
    for mode in ("co-coaching", "mentoring", "specialist"):
        data = json.loads(invoke("pair", "--cohort", "net", "--mode", mode, "--json").output)
        assert data["pairs"], mode
    again = invoke("demo", "--cohort", "net", "--teachers", "10")
    assert again.exit_code == 1 and "already exists" in again.output


# -- human output in words (issue 13, item 17): who coaches whom, focuses by title; --json keeps the ids ----------
@pytest.mark.parametrize(("mode", "options", "says"), [
    ("mentoring", [], "{0} mentors {1}"),
    ("co-coaching", [], "{0} and {1} coach each other"),
    ("specialist", [], "{0} coaches {1}"),
])
def test_pair_says_who_coaches_whom_by_name(invoke, mode, options, says):
    text = invoke("pair", "--cohort", DEMO_COHORT, "--mode", mode, *options).output
    data = json.loads(invoke("pair", "--cohort", DEMO_COHORT, "--mode", mode, *options, "--json").output)
    pairs = [p for p in data["pairs"] if len(p["members"]) == 2]
    assert pairs
    for p in pairs:
        lead, other = (m["name"] for m in p["members"])
        assert says.format(lead, other) + ":" in text, (says, lead, other)
    assert all("response_id" in m or "specialist_id" in m for p in data["pairs"] for m in p["members"])
    assert " + " not in text and re.search(r"score \d+\.\d\d of \d", text)


def test_recommend_names_teachers_groups_and_focuses_in_words(invoke, app, store):
    text = invoke("recommend", "--cohort", DEMO_COHORT).output
    data = json.loads(invoke("recommend", "--cohort", DEMO_COHORT, "--json").output)
    with app.app_context():
        record = store.get_cohort(DEMO_COHORT)
        plan = menu.plan_for(store, record)
        definition = published_definition(store, record["form_id"], record["form_version"])
        names = {r["id"]: display_name(definition, r) for r in store.list_responses(DEMO_COHORT)}
    titles = {f["id"]: f["title"] for f in plan["focuses"]}
    first = data[0]
    top = first["recommendations"][0]
    heading = next(line for line in text.splitlines() if line.startswith(names[first["response_id"]]))
    assert f"group {first['group']}: " in heading  # the key, then the group's name
    assert f"  1. {titles[top['focus']]}, fit {top['score']:.2f} of {sum(plan['weights'].values()):g}: " in text
    ids = [f for f in titles if "_" in f]  # a one-word id (metacognition) reads as the word itself in reasons
    assert not re.search(r"\b(" + "|".join(ids) + r")\b", text), "a focus id in the human output"
    assert {item["focus"] for item in first["recommendations"]} <= set(titles)  # --json keeps the ids
