"""A follow-up questionnaire: the shipped one, and broken ones checked against the questionnaire they follow.

`follows` and `matches` say which starting point a follow-up follows and which of its items and
constructs are the same, so change is measured on identical items and scales. The follow-up's own
side is checked with the other checkers (tests/forms/test_checks.py covers the seam); the comparison
with the followed questionnaire runs in forms.catalog.load_checked, tested here through files.
"""

from __future__ import annotations

import pytest

from forms.catalog import SHIPPED, find_definition, load_checked
from forms.conditions import visible
from forms.loader import load_definition
from forms.yamlfile import FileProblems

FOLLOW_UP = load_checked(SHIPPED / "follow-up.yaml", [SHIPPED])
STARTING_POINT = load_definition(SHIPPED / "starting-point.yaml")


# -- the shipped follow-up ----------------------------------------------------------------
def test_the_shipped_follow_up_follows_the_shipped_starting_point():
    assert (FOLLOW_UP.id, FOLLOW_UP.kind, FOLLOW_UP.respondent) == ("follow_up", "follow_up", "teacher")
    assert (FOLLOW_UP.follows.form, FOLLOW_UP.follows.version) == (STARTING_POINT.id, STARTING_POINT.version)
    # Found by id like any definition, and checked against the starting point on the way.
    assert find_definition("follow_up", None, [SHIPPED])[0] == FOLLOW_UP


def test_it_matches_every_belief_and_confidence_item_and_every_construct_of_the_starting_point():
    beliefs = [item for c in STARTING_POINT.constructs for item in c.items]
    confidence = STARTING_POINT.question("strategy_confidence").answer_ids()
    assert sorted(FOLLOW_UP.matches.item_pairs()) == sorted(beliefs + confidence)
    assert FOLLOW_UP.matches.construct_pairs() == {c.id: c.id for c in STARTING_POINT.constructs}


def test_its_matched_items_are_identical_to_the_starting_points():
    for mine, theirs in FOLLOW_UP.matches.item_pairs().items():
        ours, other = FOLLOW_UP.answer_question(mine), STARTING_POINT.answer_question(theirs)
        assert mine == theirs
        assert (ours.id, ours.type, ours.prompt, ours.scale) == (other.id, other.type, other.prompt, other.scale)
        assert [i.text for i in ours.items if i.id == mine] == [i.text for i in other.items if i.id == theirs]
    for mine, theirs in FOLLOW_UP.matches.construct_pairs().items():
        ours = next(c for c in FOLLOW_UP.constructs if c.id == mine)
        other = next(c for c in STARTING_POINT.constructs if c.id == theirs)
        assert ours == other  # the same items, keys, minimum answered and words


def test_it_asks_for_consent_first_as_the_starting_point_does():
    first, other = FOLLOW_UP.sections[0].questions[0], STARTING_POINT.sections[0].questions[0]
    assert (first.id, first.type, first.required, first.prompt) == ("consent", "consent", True, other.prompt)


def test_it_asks_about_progress_what_was_tried_pupils_barriers_and_the_next_step():
    kinds = {q.id: q.type for q in FOLLOW_UP.questions()}
    assert kinds["goal_progress"] == "likert" and kinds["goal_progress_notes"] == "long_text"
    assert kinds["tried"] == "long_text" and kinds["pupils_differently"] == "long_text"
    evidence = [c.id for c in FOLLOW_UP.question("pupil_evidence").options]
    assert {"work_samples", "pupil_talk", "assessment_results", "observation_notes", "pupil_voice"} <= set(evidence)
    # What got in the way is asked from the starting point's own list of barriers.
    assert FOLLOW_UP.question("obstacles").options == STARTING_POINT.question("barriers").options
    assert [c.id for c in FOLLOW_UP.question("next_step").options] == ["keep", "refine"]
    # The progress reports read the goal, the pupils' evidence and the new goal from these questions.
    assert (FOLLOW_UP.progress.goal, FOLLOW_UP.progress.pupil_evidence, FOLLOW_UP.progress.new_goal) == (
        "goal_progress", "pupil_evidence", "new_goal")


@pytest.mark.parametrize(("step", "shown"), [("refine", True), ("keep", False), (None, False)])
def test_a_new_goal_is_asked_for_only_when_refining(step, shown):
    answers = {"next_step": step} if step else {}
    assert visible(FOLLOW_UP.question("new_goal"), answers) is shown


# -- broken follow-ups ----------------------------------------------------------------------
# A small follow-up of the shipped starting point; each case changes one piece of it.
TINY = """\
id: tiny_follow_up
version: "1"
title: A small follow-up
kind: follow_up
follows: {form: starting_point, version: "2"}
matches:
  constructs: [openness]
  items: [op1, op2, op3, op4, observation_comfort]
progress: {goal: how_far}
scales:
  agree5:
    min: 1
    max: 5
    labels: {1: Strongly disagree, 2: Disagree, 3: Neither agree nor disagree, 4: Agree, 5: Strongly agree}
  comfort5:
    min: 1
    max: 5
    labels: {1: Very uncomfortable, 2: Uncomfortable, 3: Not sure, 4: Comfortable, 5: Very comfortable}
sections:
  - id: only
    title: Only page
    questions:
      - id: beliefs_openness
        type: likert
        prompt: "How much do you agree with each of these about working with colleagues?"
        scale: agree5
        items:
          - {id: op1, text: "I would welcome a colleague watching me teach, to help me improve."}
          - {id: op2, text: I prefer to work on my teaching on my own.}
          - {id: op3, text: I learn a lot from talking about lessons with colleagues.}
          - {id: op4, text: "I would share a lesson that went badly, to learn from it."}
      - id: observation_comfort
        type: likert
        prompt: "How comfortable would you feel with a partner watching part of a lesson?"
        scale: comfort5
      - id: how_far
        type: likert
        prompt: "How far have you got towards your goal?"
        scale: comfort5
constructs:
  - id: openness
    label: Openness
    items: {op1: "+", op2: "-", op3: "+", op4: "+"}
"""
THERE = "starting_point version 2"

# (case, text replaced, its replacement, a piece of the line reported, the one message)
BROKEN = [
    pytest.param("3: Not sure,", "3: Unsure,", "  items: [op1", "matches: item 'observation_comfort' is on a "
                 f"different scale in {THERE}: point 3 is 'Unsure' here, 'Not sure' there", id="other-label"),
    pytest.param("  comfort5:\n    min: 1", "  comfort5:\n    min: 0", "  items: [op1", "matches: item "
                 f"'observation_comfort' is on a different scale in {THERE}: it runs from 0 to 5 here, from 1 to 5 "
                 "there", id="other-range"),
    pytest.param("op4, observation_comfort]", "op4, observation_comfort, op5]", "  items: [op1",
                 "matches: item 'op5' is not an answer in this definition", id="missing-here"),
    pytest.param("items: [op1, op2, op3, op4, observation_comfort]",
                 "items: {op1: op1, op2: op2, op3: op3, op4: op4, observation_comfort: comfort}", "  items: {op1",
                 "matches: item 'observation_comfort' (matched to 'comfort'): there is no answer 'comfort' in "
                 f"{THERE}", id="missing-there"),
    pytest.param('op2: "-", op3', 'op2: "+", op3', "  constructs: [openness]", "matches: construct 'openness' is "
                 f"not scored as in {THERE}: item 'op2' is keyed '+' here but '-' (reverse scored) there",
                 id="other-key"),
    pytest.param(', op4: "+"}', "}", "  constructs: [openness]", f"matches: construct 'openness' is not scored as "
                 f"in {THERE}: item 'op4' is only in {THERE}'s", id="fewer-items"),
    pytest.param("constructs: [openness]", "constructs: {openness: efficacy}", "  constructs: {openness",
                 "matches: construct 'openness' (matched to 'efficacy') is not scored as in starting_point "
                 f"version 2: item 'ef1' is only in {THERE}'s; item 'ef2' is only in {THERE}'s; item 'ef3' is only "
                 f"in {THERE}'s; item 'ef4' is only in {THERE}'s; item 'op1' is only in this one; item 'op2' is "
                 "only in this one; item 'op3' is only in this one; item 'op4' is only in this one",
                 id="other-construct"),
    pytest.param("constructs: [openness]", "constructs: [openness, momentum]", "  constructs: [openness",
                 "matches: construct 'momentum' is not a construct in this definition", id="construct-missing-here"),
    pytest.param("constructs: [openness]", "constructs: {openness: momentum}", "  constructs: {openness",
                 f"matches: construct 'openness' (matched to 'momentum'): there is no construct 'momentum' in {THERE}",
                 id="construct-missing-there"),
    pytest.param("items: [op1, op2, ", "items: [op1, ", "  constructs: [openness]", "matches: construct 'openness' "
                 "has items that are not matched: op2; list them under matches: items too, so their scales are "
                 "compared", id="construct-item-unmatched"),
    pytest.param("observation_comfort\n        type: likert\n        prompt: \"How comfortable would you feel with "
                 "a partner watching part of a lesson?\"\n        scale: comfort5",
                 "observation_comfort\n        type: single_choice\n        prompt: \"How comfortable?\"\n"
                 "        choices: [{id: fine, label: Fine}]", "  items: [op1",
                 f"matches: item 'observation_comfort' is a single_choice question here but a likert question in "
                 f"{THERE}", id="other-kind-of-question"),
    pytest.param("items: [op1, op2, op3, op4, observation_comfort]",
                 "items: {op1: op1, op2: op2, op3: op3, op4: op4, observation_comfort: op1}", "  items: {op1",
                 "matches: items 'op1' and 'observation_comfort' both match 'op1'; each of the starting point's "
                 "items can be matched once", id="matched-twice"),
    pytest.param("observation_comfort]", "observation_comfort, beliefs_openness]", "  items: [op1",
                 "matches: 'beliefs_openness' is a whole grid; list the grid's items instead", id="whole-grid"),
    pytest.param('version: "2"}', 'version: "9"}', "follows:", "follows: there is no starting_point version 9 "
                 "among the definitions in the data directory or shipped with the app; versions of starting_point "
                 "found: 2", id="unknown-version"),
    pytest.param("{form: starting_point,", "{form: starting_points,", "follows:", "follows: there is no "
                 "starting_points version 2 among the definitions in the data directory or shipped with the app; "
                 "definitions found: follow_up (version 1), learning_agreement (version 1), starting_point "
                 "(version 2)", id="unknown-form"),
    pytest.param('{form: starting_point, version: "2"}', '{form: follow_up, version: "1"}', "follows:",
                 "follows: follow_up version 1 is itself a follow-up; follow the starting-point questionnaire that "
                 "change is measured from", id="follows-a-follow-up"),
    pytest.param('{form: starting_point, version: "2"}', '{form: learning_agreement, version: "1"}', "follows:",
                 "follows: learning_agreement version 1 is filled in by 'pair', not by each teacher, so there is no "
                 "starting point to follow", id="follows-an-agreement"),
    pytest.param('follows: {form: starting_point, version: "2"}\n', "", "kind:", "a follow_up questionnaire needs "
                 'follows: the starting-point questionnaire it follows, e.g. follows: {form: starting_point, '
                 'version: "2"}', id="follows-nothing"),
    pytest.param("progress: {goal: how_far}", "progress: {goal: beliefs_openness}", "progress:",
                 "progress: goal 'beliefs_openness' must name a likert question with a single answer",
                 id="progress-goal-a-grid"),
    pytest.param("progress: {goal: how_far}", "progress: {goal: nowhere}", "progress:",
                 "progress: goal 'nowhere' must name a likert question with a single answer",
                 id="progress-goal-missing"),
    pytest.param("progress: {goal: how_far}", "progress: {goal: how_far, new_goal: op1}",
                 "progress:", "progress: new_goal 'op1' must name a long_text or short_text question",
                 id="progress-new-goal-not-text"),
    pytest.param("kind: follow_up\nfollows: {form: starting_point, version: \"2\"}\nmatches:\n  constructs: "
                 "[openness]\n  items: [op1, op2, op3, op4, observation_comfort]\nprogress: {goal: how_far}\n",
                 "kind: check_in\nfollows: {form: starting_point, version: \"2\"}\n", "follows:",
                 "follows: only a follow-up questionnaire follows another and matches its answers; add kind: follow_up",
                 id="not-a-follow-up"),
]


def problems_of(path) -> list[str]:
    with pytest.raises(FileProblems) as caught:
        load_checked(path, [SHIPPED])
    return caught.value.lines()


def test_the_small_follow_up_is_fine_as_written(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    assert load_checked(tmp_path / "tiny.yaml", [SHIPPED]).matches.item_pairs()["observation_comfort"] == \
        "observation_comfort"


@pytest.mark.parametrize(("old", "new", "at", "message"), BROKEN)
def test_a_broken_follow_up_gets_its_own_precise_problem_at_its_line(tmp_path, old, new, at, message):
    assert TINY.count(old) == 1
    text = TINY.replace(old, new)
    path = tmp_path / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(n for n, written in enumerate(text.splitlines(), start=1) if written.startswith(at))
    expected = [f"{path}:{line}: {message}"]
    assert problems_of(path) == expected


def test_a_wrong_shared_scale_is_reported_for_every_item_on_it(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.replace("5: Strongly agree}", "5: Totally agree}"), encoding="utf-8")
    found = problems_of(path)
    assert [line.split("matches: item ", 1)[1].split(" ", 1)[0] for line in found] == \
        ["'op1'", "'op2'", "'op3'", "'op4'"]
    assert all(line.endswith("point 5 is 'Totally agree' here, 'Strongly agree' there") for line in found)


def test_a_followed_file_with_problems_is_named_without_its_folder(tmp_path):
    (tmp_path / "starting-point.yaml").write_text("id: starting_point\nversion: '7'\nsections: nope\n",
                                                  encoding="utf-8")
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY.replace('version: "2"}', 'version: "7"}'), encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_checked(path, [tmp_path, SHIPPED])
    assert caught.value.lines() == [f"{path}:5: follows: starting_point version 7 cannot be used: its file "
                                    "starting-point.yaml has problems (run diagnostic forms check on it)"]


def test_ids_that_differ_on_the_two_sides_are_matched_by_mapping(tmp_path):
    renamed = TINY.replace("op1", "open1").replace(
        "items: [open1, op2, op3, op4, observation_comfort]",
        "items: {open1: op1, op2: op2, op3: op3, op4: op4, observation_comfort: observation_comfort}")
    path = tmp_path / "tiny.yaml"
    path.write_text(renamed, encoding="utf-8")
    assert load_checked(path, [SHIPPED]).matches.item_pairs()["open1"] == "op1"
