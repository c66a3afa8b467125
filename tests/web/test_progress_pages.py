"""The teacher's progress page: after their follow-up, how their answers moved since their starting point."""
# ruff: noqa: F811 - the cycle-journey fixtures are imported by name and then asked for as arguments

from __future__ import annotations

import random

import pytest

from diagnostic.services.cycles import close_current, open_next
from diagnostic.services.demo import PROFILES, teacher_row
from tests.pages import visible_text
from tests.web.test_cycle_journey import first_cycle, follow_up  # noqa: F401 - fixtures
from tests.web.test_journey import answer_all, csrf, revision


@pytest.fixture
def second_cycle(app, store, cohort, follow_up, first_cycle):
    close_current(store, cohort)
    open_next(store, cohort, follow_up)
    teacher = app.test_client()
    teacher.get(first_cycle["link"])
    return teacher


def follow_up_row(follow_up, first):
    """The follow-up's answers: the teacher's confidence in their focus two points up, the rest drawn."""
    row = teacher_row(follow_up, PROFILES[0], random.Random(3))
    focus = first["answers"]["focus_choice"][0]
    before = first["answers"][f"confidence_{focus}"]
    row[f"confidence_{focus}"] = str(min(5, before + 2))
    row["goal_progress"] = "4"
    return row, focus, before


def test_submitting_the_follow_up_leads_to_the_teachers_progress(store, cohort, follow_up, first_cycle,
                                                                 second_cycle):
    row, focus, before = follow_up_row(follow_up, first_cycle["first"])
    answer_all(second_cycle, follow_up, row)
    review = second_cycle.get("/questionnaire/review").text
    done = second_cycle.post("/questionnaire/submit", data={"csrf_token": csrf(review), "revision": revision(review)})
    assert done.status_code == 302 and done.location.endswith("/questionnaire/progress")
    page = second_cycle.get(done.location)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Most of the way" in text or "most of the way" in text
    after = min(5, before + 2)
    title = next(f.title for f in follow_up.learning_focuses.focuses if f.id == focus)
    assert f"Your confidence in {title}: {before} at your starting point and {after} now, out of 5" in text
    assert 'role="img"' in page.text  # the chart, with its words beside it
    # Coming back with the link again also lands here, not on the finished questionnaire.
    assert second_cycle.get("/questionnaire/").location.endswith("/questionnaire/progress")
    assert second_cycle.get("/questionnaire/review").location.endswith("/questionnaire/progress")
    # The starting-point summary links here once there is a later cycle.
    assert "/questionnaire/progress" in second_cycle.get("/questionnaire/summary").text


def test_before_the_follow_up_is_answered_the_page_points_to_it(second_cycle):
    page = second_cycle.get("/questionnaire/progress")
    assert page.status_code == 200 and "/questionnaire/" in page.text
    assert "follow-up questionnaire" in visible_text(page.text)


def test_at_the_starting_point_the_page_says_when_progress_will_show(app, first_cycle):
    teacher = app.test_client()
    teacher.get(first_cycle["link"])
    page = teacher.get("/questionnaire/progress")
    assert page.status_code == 200 and "next round" in visible_text(page.text)
    assert "/questionnaire/progress" not in teacher.get("/questionnaire/summary").text


def test_a_teacher_who_sharpens_their_goal_keeps_the_goals_of_both_rounds(store, cohort, follow_up,
                                                                          first_cycle, second_cycle):
    row, _, _ = follow_up_row(follow_up, first_cycle["first"])
    row.update(next_step="refine", new_goal="<b>Every</b> pupil explains their thinking to a partner")
    answer_all(second_cycle, follow_up, row)
    review = second_cycle.get("/questionnaire/review").text
    second_cycle.post("/questionnaire/submit", data={"csrf_token": csrf(review), "revision": revision(review)})
    first = store.get_response(cohort["id"], first_cycle["first"]["id"])
    assert first["choice"]["goal"] == row["new_goal"] and first["choice"]["cycle"] == 2
    before = first_cycle["first"]["answers"]["focus_goal"]
    assert [h["goal"] for h in first["choice_history"]] == [before]
    page = second_cycle.get("/questionnaire/progress")
    assert "&lt;b&gt;Every&lt;/b&gt;" in page.text and "<b>Every</b>" not in page.text  # escaped
    text = visible_text(page.text)
    assert f"): {before}" in text.split("At the start", 1)[1].split("From round 2", 1)[0]
    assert f"): {row['new_goal']}" in text.split("From round 2", 1)[1]
    # Their summary and menu now carry the new goal: it is their goal from this round on.
    assert "Every</b> pupil explains" in visible_text(second_cycle.get("/questionnaire/summary").text)
