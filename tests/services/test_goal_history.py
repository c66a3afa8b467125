"""A teacher's focus and goal, cycle by cycle: a goal sharpened in a follow-up is added, never replacing the past."""

from __future__ import annotations

from diagnostic.services.choice import current_choice, goals_by_cycle, refine_goal


def test_a_sharpened_goal_becomes_the_current_one_and_the_earlier_goal_is_kept(shipped):
    record = {"status": "submitted", "answers": {"focus_choice": ["questioning"], "focus_goal": "Ask better questions"}}
    refine_goal(record, current_choice(record, shipped), "  Every pupil answers a hinge question  ", 2)
    assert current_choice(record, shipped)["goal"] == "Every pupil answers a hinge question"
    assert [(step["cycle"], step["goal"], step["focuses"]) for step in goals_by_cycle(record, shipped)] == [
        (1, "Ask better questions", ["Questioning"]), (2, "Every pupil answers a hinge question", ["Questioning"])]
    again = {**record, "choice_history": list(record["choice_history"])}
    refine_goal(again, current_choice(again, shipped), "Every pupil answers a hinge question", 2)
    assert again["choice_history"] == record["choice_history"]  # the same goal sent twice is kept once


def test_a_teacher_who_keeps_their_goal_has_one_step_in_their_history(shipped):
    record = {"status": "submitted", "answers": {"focus_choice": ["feedback"], "focus_goal": "Feedback pupils use"}}
    assert goals_by_cycle(record, shipped) == [{"cycle": 1, "focuses": ["Feedback"], "goal": "Feedback pupils use"}]
