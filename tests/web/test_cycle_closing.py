"""When a learning cycle closes, its questionnaire takes no more answers or choices; what was submitted is kept."""

from __future__ import annotations

from diagnostic.services.cycles import close_current
from tests.web.test_closing import submit
from tests.web.test_journey import answer_all, csrf, start


def test_after_the_starting_point_closes_no_one_new_joins(client, anonymous, store, cohort):
    close_current(store, cohort)
    page = anonymous.get(f"/join/{cohort['invite']}")
    assert page.status_code == 410 and "has closed" in page.text
    assert store.list_responses(cohort["id"]) == []


def test_after_its_cycle_closes_a_submitted_teacher_keeps_their_summary_but_cannot_change_their_focus(
        client, store, shipped, cohort, row):
    start(client, cohort)
    answer_all(client, shipped, row)
    submit(client)
    menu = client.get("/questionnaire/menu").text
    close_current(store, cohort)
    before = store.list_responses(cohort["id"])
    chosen = client.post("/questionnaire/menu", data={"csrf_token": csrf(menu), "focus": "questioning",
                                                      "goal": "A goal written after the cycle closed"})
    assert chosen.status_code == 410 and "has closed" in chosen.text
    assert store.list_responses(cohort["id"]) == before
    assert client.get("/questionnaire/summary").status_code == 200
    shown = client.get("/questionnaire/menu")
    assert shown.status_code == 200 and "Save my learning focus" not in shown.text and "has closed" in shown.text
