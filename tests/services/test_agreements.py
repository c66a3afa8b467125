"""The learning agreement: the shipped definition, pre-filling, and saving under the partnership's lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnostic.cli import cli
from diagnostic.services import agreements
from diagnostic.services.cohorts import definition_dirs, publish, published_definition
from diagnostic.services.csvio import submitted_response
from forms.catalog import find_definition
from forms.loader import load_definition

AGREEMENT = Path(__file__).resolve().parents[2] / "forms" / "definitions" / "learning-agreement.yaml"
BASE = {"consent": "yes", "focus_choice": ["questioning"], "coaching_role": "both", "career_stage": "established"}


@pytest.fixture
def agreement_form(app, store):
    """The shipped learning agreement, published as `partnerships.confirm` would publish it."""
    definition, _ = find_definition("learning_agreement", None, definition_dirs(app.config["DATA"]))
    publish(store, definition)
    return definition


@pytest.fixture
def people(store, cohort):
    """Three submitted teachers: Amy and Bea (with goals) will be partners; Cal is not in their partnership."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    made = {}
    for name, goal in (("Amy", "More pupils explain their thinking."), ("Bea", "Fewer hands-up questions."),
                       ("Cal", "")):
        answers = {**BASE, "teacher_name": name, **({"focus_goal": goal} if goal else {})}
        made[name] = submitted_response(cohort, definition, answers, name.lower(), "Ashfield")
    store.add_responses(cohort["id"], list(made.values()))
    return {name: r["id"] for name, r in made.items()}


def partnership(store, cohort, agreement_form, members, mode="co-coaching", names=("Amy", "Bea"), **extra):
    """Store a confirmed partnership shaped as `partnerships.confirm` stores it."""
    record = {"id": f"p{len(store.list_partnerships(cohort['id']))}", "mode": mode, "status": "confirmed",
              "confirmed_at": "2026-01-05T09:00:00+00:00", "members": list(members), "names": list(names),
              "schools": ["Ashfield"] * len(members), "focus": "questioning", "focus_title": "Questioning",
              "reasons": ["Both chose questioning as their learning focus."],
              "agreement": {"form": [agreement_form.id, agreement_form.version], "answers": {}, "revision": 0,
                            "updated_at": None}, **extra}
    store.add_partnerships(cohort["id"], [record])
    return record


@pytest.fixture
def pair(store, cohort, agreement_form, people):
    return partnership(store, cohort, agreement_form, [people["Amy"], people["Bea"]])


# -- the shipped definition ------------------------------------------------------------
def test_the_shipped_agreement_passes_forms_check(runner):
    result = runner.invoke(cli, args=["forms", "check", str(AGREEMENT)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{AGREEMENT}: ok: learning_agreement version 1")


def test_the_shipped_agreement_loads_with_the_pre_filled_questions_and_is_short():
    definition = load_definition(AGREEMENT)
    assert (definition.id, definition.version, definition.kind, definition.respondent) == (
        "learning_agreement", "1", "learning_agreement", "pair")
    assert definition.question("focus").type == "short_text" and definition.question("goals").type == "long_text"
    assert 1 <= len(definition.sections) <= 2
    assert all(len(q.prompt) <= 80 for q in definition.questions())


def test_the_starting_point_questionnaire_names_the_agreement(shipped):
    assert shipped.pairing.agreement == "learning_agreement"


# -- what partners see -------------------------------------------------------------------
def test_a_new_agreement_is_pre_filled_with_the_focus_and_each_named_goal(store, cohort, agreement_form, pair):
    shown = agreements.answers_to_show(store, cohort, pair, agreement_form)
    assert shown == {"focus": "Questioning",
                     "goals": "Amy: More pupils explain their thinking.\nBea: Fewer hands-up questions."}


def test_a_member_without_a_goal_is_left_out_of_the_pre_filled_goals(store, cohort, agreement_form, people):
    with_cal = partnership(store, cohort, agreement_form, [people["Amy"], people["Cal"]], names=("Amy", "Cal"))
    assert agreements.answers_to_show(store, cohort, with_cal, agreement_form)["goals"] == (
        "Amy: More pupils explain their thinking.")


def test_saved_answers_replace_the_pre_fill_even_when_a_partner_cleared_the_goals(store, cohort, agreement_form,
                                                                                pair, people):
    agreements.save(store, cohort, pair["id"], people["Amy"], {"focus": "Open questions"}, 0)
    latest = store.get_partnership(cohort["id"], pair["id"])
    assert agreements.answers_to_show(store, cohort, latest, agreement_form) == {"focus": "Open questions"}


@pytest.mark.parametrize("mode, roles", [("co-coaching", ["co-coach", "co-coach"]),
                                         ("mentoring", ["mentor", "mentee"])])
def test_members_carry_their_role_goal_and_which_one_is_you(store, cohort, agreement_form, people, mode, roles):
    record = partnership(store, cohort, agreement_form, [people["Amy"], people["Bea"]], mode=mode)
    found = agreements.members(store, cohort, record, people["Bea"])
    assert [m["role"] for m in found] == roles and [m["you"] for m in found] == [False, True]
    assert found[1]["goal"] == "Fewer hands-up questions." and all(m["teacher"] for m in found)


def test_in_specialist_coaching_the_specialist_is_not_a_teacher_and_has_no_goal(store, cohort, agreement_form,
                                                                               people):
    record = partnership(store, cohort, agreement_form, ["spec-1", people["Amy"]], mode="specialist",
                         names=("Dr Shah", "Amy"), agreement=None)
    specialist, teacher = agreements.members(store, cohort, record, people["Amy"])
    assert (specialist["role"], specialist["teacher"], specialist["goal"]) == ("specialist", False, "")
    assert teacher["role"] == "teacher" and teacher["you"]
    assert agreements.teachers_in(record) == [people["Amy"]]


# -- saving ----------------------------------------------------------------------------------
def test_saving_stores_the_answers_bumps_the_revision_and_says_who_saved(store, cohort, pair, people):
    saved = agreements.save(store, cohort, pair["id"], people["Bea"],
                            {"focus": "Questioning", "keep_track": ["log", "pupils_work"], "unknown": "dropped"}, 0)
    agreement = store.get_partnership(cohort["id"], pair["id"])["agreement"]
    assert agreement == saved["agreement"]
    assert agreement["answers"] == {"focus": "Questioning", "keep_track": ["log", "pupils_work"]}
    assert agreement["revision"] == 1 and agreement["updated_by"] == "Bea" and agreement["updated_at"]
    assert agreements.last_saved(saved).startswith("Bea, on ")
    again = agreements.save(store, cohort, pair["id"], people["Amy"], {"focus": "Wait time"}, 1)
    assert again["agreement"]["revision"] == 2 and again["agreement"]["updated_by"] == "Amy"


def test_a_stale_save_is_refused_and_keeps_the_partners_newer_answers(store, cohort, pair, people):
    agreements.save(store, cohort, pair["id"], people["Amy"], {"focus": "Amy's words"}, 0)
    with pytest.raises(agreements.StaleAgreement) as refused:
        agreements.save(store, cohort, pair["id"], people["Bea"], {"focus": "Bea's older copy"}, 0)
    assert refused.value.status == 409
    assert refused.value.latest["agreement"]["answers"] == {"focus": "Amy's words"}
    assert store.get_partnership(cohort["id"], pair["id"])["agreement"]["revision"] == 1


def dissolve(record):
    return {**record, "status": "dissolved"}


def without_agreement(record):
    return {**record, "agreement": None}


@pytest.mark.parametrize("change, who, partnership_id, error, status", [
    (None, "Cal", None, agreements.NotYours, 404),           # a teacher outside the partnership
    (None, "Amy", "no-such-id", agreements.NotYours, 404),   # the same answer for an id that does not exist
    (dissolve, "Amy", None, agreements.Dissolved, 409),
    (without_agreement, "Amy", None, agreements.NoAgreement, 409),
])
def test_saving_is_refused_without_changing_anything(store, cohort, pair, people, change, who, partnership_id, error,
                                                     status):
    if change:
        store.update_partnership(cohort["id"], pair["id"], change)
    before = store.get_partnership(cohort["id"], pair["id"])
    with pytest.raises(error) as refused:
        agreements.save(store, cohort, partnership_id or pair["id"], people[who], {"focus": "Changed"}, 0)
    assert refused.value.status == status
    assert store.get_partnership(cohort["id"], pair["id"]) == before


def test_not_yours_says_the_same_for_a_missing_and_a_foreign_partnership(store, cohort, pair, people):
    with pytest.raises(agreements.NotYours) as foreign:
        agreements.find(store, cohort, pair["id"], people["Cal"])
    with pytest.raises(agreements.NotYours) as missing:
        agreements.find(store, cohort, "no-such-id", people["Cal"])
    assert str(foreign.value) == str(missing.value)


def test_one_page_holds_every_question_in_order(agreement_form):
    page = agreements.one_page(agreement_form)
    assert [q.id for q in page.questions] == [q.id for q in agreement_form.questions()]
