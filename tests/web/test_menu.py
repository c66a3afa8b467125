"""The teacher's menu page and own choice, the specialist's and coordinator's menu pages, and `recommend`."""

from __future__ import annotations

import copy
import json
import re

import pytest

from diagnostic.cli import cli
from diagnostic.services import menu
from diagnostic.services.choice import BadChoice, ChoiceLocked, choose, current_choice

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app(app_on_copy, seeded_demo):
    """The app on this test's own copy of the demo cohort, seeded once per test process (tests/conftest.py)."""
    return app_on_copy(seeded_demo.data)


@pytest.fixture
def demo(app, seeded_demo):
    """What seeding the demo answered: its cohort, the web teacher's private link, the staff accounts."""
    return copy.deepcopy(seeded_demo.made)


@pytest.fixture
def teacher(client, demo):
    client.get(f"/resume/{demo['resume_token']}")
    return client


def web_teacher(store):
    return next(r for r in store.list_responses("demo") if r["source"] == "demo")


def post_choice(client, **data):
    token = CSRF.search(client.get("/questionnaire/menu").text).group(1)
    return client.post("/questionnaire/menu", data={"csrf_token": token, **data})


def cards_of(html: str) -> list[str]:
    return html.split('class="focus-card')[1:]


def test_each_ranked_focus_has_its_own_choose_button_in_ranked_order_the_top_three_open(teacher, store):
    page = teacher.get("/questionnaire/menu")
    assert page.status_code == 200
    cards = cards_of(page.text)
    assert len(cards) == 10
    assert all(1 <= card.split("</ul>")[0].count("<li>") <= 3 for card in cards)
    # Each card holds one small form with its own focus id and a CSRF token, in the ranked order.
    buttons = [re.findall(r'name="focus" value="([^"]+)"', card) for card in cards]
    ranked, _ = menu.for_teacher(store, store.get_cohort("demo"), web_teacher(store))
    assert buttons == [[item["focus"]] for item in ranked]
    assert all('name="csrf_token"' in card and 'name="part" value="focus"' in card for card in cards)
    assert [bool(re.search(r"<details open", card)) for card in cards] == [True] * 3 + [False] * 7
    # No single list of every focus in the menu's order any more.
    assert 'type="radio"' not in page.text and "<legend>" not in page.text
    assert all(card.count("A lighter way in") <= 1 for card in cards)


def test_choosing_with_a_focus_button_keeps_the_goal_then_the_pupils_and_goal_are_saved(teacher, store):
    goal = web_teacher(store)["answers"].get("focus_goal") or ""
    answer = post_choice(teacher, part="focus", focus="feedback")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/questionnaire/menu")
    saved = web_teacher(store)["choice"]
    assert saved["focuses"] == ["feedback"] and saved["goal"] == goal.strip()
    page = teacher.get("/questionnaire/menu").text
    assert "Your learning focus is saved" in page and 'id="your-choice"' in page
    feedback = next(card for card in cards_of(page) if "your choice</span>" in card)
    assert 'value="feedback"' not in feedback  # no button to choose what is already chosen
    answer = post_choice(teacher, part="details", pupil_group="eal", goal="Pupils act on feedback.")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/questionnaire/summary")
    saved = web_teacher(store)["choice"]
    assert saved == {**saved, "focuses": ["feedback"], "pupil_group": "eal", "goal": "Pupils act on feedback."}
    # Choosing another focus later keeps the pupils and the goal.
    post_choice(teacher, part="focus", focus="questioning")
    saved = web_teacher(store)["choice"]
    assert saved["focuses"] == ["questioning"] and saved["pupil_group"] == "eal"
    assert saved["goal"] == "Pupils act on feedback."


@pytest.mark.parametrize(("data", "says"), [
    ({"part": "focus", "focus": "nope"}, "not on your programme"),
    ({"part": "focus"}, "Choose a learning focus"),
    ({"part": "details", "goal": "A goal before any focus"}, "Choose a learning focus first"),
])
def test_a_bad_focus_button_or_details_post_is_refused_in_words_and_nothing_saved(teacher, store, data, says):
    answer = post_choice(teacher, **data)
    assert answer.status_code == 422
    assert 'class="error-summary"' in answer.text and says in answer.text
    assert "choice" not in web_teacher(store)


def test_an_unknown_part_of_the_page_is_a_bad_request(teacher, store):
    assert post_choice(teacher, part="everything", focus="feedback").status_code == 400
    assert "choice" not in web_teacher(store)


def test_a_programme_with_several_focuses_adds_and_takes_out_with_each_button(teacher, store, monkeypatch):
    plan = menu.plan_for(store, store.get_cohort("demo"))
    monkeypatch.setattr(menu, "plan_for", lambda *_: {**plan, "choices": 2})  # as a definition with `choices: 2`
    post_choice(teacher, part="focus", focus="feedback", change="add")
    post_choice(teacher, part="focus", focus="questioning", change="add")
    assert web_teacher(store)["choice"]["focuses"] == ["feedback", "questioning"]
    refused = post_choice(teacher, part="focus", focus="metacognition", change="add")
    assert refused.status_code == 422 and "at most 2" in refused.text
    post_choice(teacher, part="focus", focus="feedback", change="remove")
    assert web_teacher(store)["choice"]["focuses"] == ["questioning"]
    assert "Take Questioning out of my choice" in teacher.get("/questionnaire/menu").text


def test_choosing_saves_and_the_summary_shows_it_escaped(teacher, store):
    answer = post_choice(teacher, focus="questioning", pupil_group="eal", goal="<script>alert(1)</script> talk")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/questionnaire/summary")
    summary = teacher.get("/questionnaire/summary").text
    assert "Your learning focus is saved" in summary and "You chose:" in summary
    assert "&lt;script&gt;" in summary and "<script>alert" not in summary
    saved = web_teacher(store)["choice"]
    assert saved["focuses"] == ["questioning"] and saved["pupil_group"] == "eal" and saved["chosen_at"]


@pytest.mark.parametrize("data", [{"focus": "nope", "goal": "x"}, {"focus": "questioning", "goal": "x" * 700},
                                  {"focus": "questioning", "pupil_group": "martians"}, {"goal": "no focus"}])
def test_a_bad_choice_is_refused_with_a_linked_error_and_nothing_saved(teacher, store, data):
    answer = post_choice(teacher, **data)
    assert answer.status_code == 422
    assert 'class="error-summary"' in answer.text
    assert "choice" not in web_teacher(store)


def test_a_choice_without_a_csrf_token_is_refused(teacher, store):
    assert teacher.post("/questionnaire/menu", data={"focus": "questioning"}).status_code == 400
    assert "choice" not in web_teacher(store)


def test_a_confirmed_pair_settles_the_choice(teacher, store):
    post_choice(teacher, focus="feedback", goal="")
    record = web_teacher(store)
    store.update_response("demo", record["id"], lambda r: {**r, "pair": {"status": "confirmed"}})
    page = teacher.get("/questionnaire/menu")
    assert "settled" in page.text and 'name="focus"' not in page.text
    token = CSRF.search(teacher.get("/questionnaire/summary").text)
    teacher.post("/questionnaire/menu", data={"csrf_token": token.group(1) if token else "", "focus": "questioning"})
    assert web_teacher(store)["choice"]["focuses"] == ["feedback"]


def test_choose_rules(shipped):
    record = {"status": "submitted", "answers": {"focus_choice": ["feedback", "questioning"], "focus_goal": "Mine"}}
    assert current_choice(record, shipped)["focuses"] == ["feedback"]
    assert current_choice(record, shipped)["goal"] == "Mine"
    rules = {"offered": {"feedback", "questioning"}, "limit": 1, "pupil_groups": {"eal"}}
    choose(record, ["feedback"], "eal", " Goal ", **rules)
    assert record["choice"]["goal"] == "Goal"
    choose(record, ["questioning"], None, "", **rules)
    assert record["choice_history"][0]["focuses"] == ["feedback"]
    # A focus no longer offered can be kept by a teacher who already chose it.
    choose(record, ["questioning"], None, "", **{**rules, "offered": {"feedback"}})
    with pytest.raises(BadChoice):
        choose(record, ["feedback", "questioning"], None, "", **rules)
    record["pair"] = {"status": "confirmed"}
    with pytest.raises(ChoiceLocked):
        choose(record, ["feedback"], None, "", **rules)
    assert record["choice"]["focuses"] == ["questioning"]


def test_specialist_sees_fitting_focuses_per_group_with_input(client, demo):
    page = client.get("/specialist/cohorts/demo/focuses")
    assert page.status_code == 200
    assert page.text.count("<h2 id=\"group-") == 4
    assert "Specialist input:" in page.text and "Workshop:" in page.text


def test_coordinator_restricts_and_weights_the_menu(client, staff, demo, store, teacher):
    post_choice(client, focus="metacognition", goal="")
    page = staff.get("/coordinator/cohorts/demo/menu")
    token = CSRF.search(page.text).group(1)
    data = {"csrf_token": token, "offered_questioning": "y", "offered_feedback": "y", "weight_feedback": "2"}
    assert staff.post("/coordinator/cohorts/demo/menu", data=data).status_code == 302
    settings = store.get_cohort("demo")["menu_settings"]
    assert settings["offered"] == ["questioning", "feedback"] and settings["weights"]["feedback"] == 2.0
    assert "Metacognition: 1 teacher" in staff.get("/coordinator/cohorts/demo/menu").text
    menu = client.get("/questionnaire/menu").text
    assert menu.count('class="focus-card"') == 2 and "no longer offers Metacognition" in menu


@pytest.mark.parametrize("data", [{"offered_questioning": "y", "weight_questioning": "lots"},
                                  {"offered_questioning": "y", "weight_questioning": "7"}, {}])
def test_bad_menu_settings_are_refused_and_nothing_changes(client, demo, store, data):
    token = CSRF.search(client.get("/coordinator/cohorts/demo/menu").text).group(1)
    answer = client.post("/coordinator/cohorts/demo/menu", data={"csrf_token": token, **data})
    assert answer.status_code == 422 and 'class="error-summary"' in answer.text
    assert "menu_settings" not in store.get_cohort("demo")


def test_cli_recommend_json_and_errors(runner, demo):
    result = runner.invoke(cli, args=["recommend", "--cohort", "demo", "--json"])
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert len(found) == 61
    first = found[0]["recommendations"]
    assert set(first[0]["components"]) == {"gap", "beliefs", "pupils", "time", "programme", "own_choice", "group"}
    assert [i["score"] for i in first] == sorted((i["score"] for i in first), reverse=True)
    one = runner.invoke(cli, args=["recommend", "--cohort", "demo", "--respondent", "demo-002", "--json"])
    assert [t["respondent"] for t in json.loads(one.stdout)] == ["demo-002"]
    text = runner.invoke(cli, args=["recommend", "--cohort", "demo", "--respondent", "demo-002"])
    # In words: the teacher's name with their reference, their group's key and name, three ranked focuses.
    assert re.match(r"[^\n]+ \(demo-002\), group [A-Z]: ", text.stdout) and text.stdout.count("\n  ") == 3
    for args in (["--respondent", "nobody"], ["--cohort", "nowhere"]):
        bad = runner.invoke(cli, args=["recommend", "--cohort", "demo", *args])
        assert bad.exit_code == 1 and bad.stderr.startswith("Error: ")


def test_a_refused_goal_comes_back_to_the_teacher_as_they_typed_it(teacher, store):
    answer = post_choice(teacher, focus="questioning", goal="Mine & more " + "x" * 700)
    assert answer.status_code == 422 and 'href="#goal"' in answer.text
    assert "Mine &amp; more xxx" in answer.text  # in the goal box again, escaped
    assert "choice" not in web_teacher(store)


def test_saving_menu_settings_is_a_service_that_refuses_an_empty_menu(store, cohort, shipped):
    every = [f.id for f in shipped.learning_focuses.focuses]
    with pytest.raises(menu.NothingOffered):
        menu.save_settings(store, cohort, {"offered": [], "weights": {}, "schools": {}}, actor="c@example.org")
    assert "menu_settings" not in store.get_cohort(cohort["id"])
    assert not [e for e in store.audit_log() if e["action"] == "menu settings"]
    # Ticking every focus is kept as "every focus", so one a later menu adds is offered too.
    saved = menu.save_settings(store, cohort, {"offered": every, "weights": {every[0]: 2.0}, "schools": {}},
                               actor="c@example.org")
    assert saved["menu_settings"] == {"offered": None, "weights": {every[0]: 2.0}, "schools": {}}
    some = menu.save_settings(store, cohort, {"offered": every[:1], "weights": {}, "schools": {}})
    assert some["menu_settings"]["offered"] == every[:1]
    assert [e["action"] for e in store.audit_log()].count("menu settings") == 2
