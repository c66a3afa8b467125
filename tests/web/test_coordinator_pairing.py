"""The coordinator's partnerships and specialists pages through the real app (CSRF on): run, lock, rule out,
move, confirm, undo, specialists, and bad input."""

from __future__ import annotations

import html
import re

import pytest

from diagnostic.services.cohorts import create_cohort, published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.demo import planted_cohort

pytestmark = pytest.mark.both_backends  # on the TinyDB store and on PostgreSQL (tests/conftest.py)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BASE = {"consent": "yes", "availability": ["lunchtime"], "observation_comfort": 4, "coaching_role": "both",
        "career_stage": "established", **{f"confidence_{f}": 3 for f in ("questioning", "feedback")}}
# Two who chose questioning, two who chose feedback: co-coaching pairs them by focus.
NAMES = {"Amira Patel": "questioning", "Ben Jones": "questioning", "Chloe Fraser": "feedback", "Dev Singh": "feedback"}


def add_teacher(store, cohort, name, focus, school="Ashfield", **answers):
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    record = submitted_response(cohort, definition, {**BASE, "teacher_name": name, "focus_choice": [focus],
                                                     **answers}, name.split()[0].lower(), school)
    store.add_responses(cohort["id"], [record])
    return record["id"]


@pytest.fixture
def four(store, cohort):
    """Four named teachers in the test cohort, by name: id."""
    return {name: add_teacher(store, cohort, name, focus) for name, focus in NAMES.items()}


@pytest.fixture
def planted(store, cohort, shipped):
    """Twenty-four synthetic submitted teachers drawn from the demo's profiles."""
    responses, _ = planted_cohort(cohort, shipped, 24, seed=1)
    store.add_responses(cohort["id"], responses)
    return responses


class Coordinator:
    """The test client, posting with the session's CSRF token, as the page's forms do."""

    def __init__(self, client, cohort):
        self.client, self.base = client, f"/coordinator/cohorts/{cohort['id']}"
        self.token = TOKEN.search(client.get(f"{self.base}/partnerships/co-coaching").text).group(1)

    def get(self, path):
        return self.client.get(self.base + path)

    def post(self, path, **data):
        return self.client.post(self.base + path, data={"csrf_token": self.token, **data})

    def act(self, mode, action, people=(), **data):
        return self.post(f"/partnerships/{mode}/{action}", people=list(people), **data)


@pytest.fixture
def coordinator(client, cohort):
    return Coordinator(client, cohort)


def shown(answer):
    """The page's text as a reader sees it (apostrophes are escaped in the HTML)."""
    return html.unescape(answer.text)


def proposal(store, cohort, mode="co-coaching"):
    return store.pairing_state(cohort["id"], mode).get("proposal")


def together(store, cohort, mode="co-coaching"):
    return {frozenset(p["members"]): p for p in proposal(store, cohort, mode)["pairs"]}


def add_specialist(coordinator, name="Dr Rosa Lewis", expertise=("questioning", "feedback"), capacity="3"):
    return coordinator.post("/specialists", name=name, kind="specialist", expertise=list(expertise), capacity=capacity)


# -- running each mode -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("mode", "options", "shown"), [
    ("co-coaching", {"school_rule": "cross_preferred", "relax_focus": "y"}, "Shared learning focus"),
    ("mentoring", {"school_rule": "any", "capacity": "3"}, "Mentor strong in the focus"),
    ("specialist", {"by": "teacher"}, "Expertise covers the focus"),
])
def test_each_mode_runs_from_the_page_and_shows_the_table(coordinator, store, cohort, planted, mode, options, shown):
    if mode == "specialist":
        assert add_specialist(coordinator).status_code == 302
    answer = coordinator.post(f"/partnerships/{mode}/run", **options)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/partnerships/{mode}")
    made = proposal(store, cohort, mode)
    assert made["pairs"] and made["options"]["school_rule" if mode != "specialist" else "by"] == (
        options.get("school_rule") or options.get("by"))
    page = coordinator.get(f"/partnerships/{mode}").text
    assert "<caption>" in page and shown in page and made["id"] in page
    first = made["pairs"][0]
    assert all(name in page for name in first["names"]) and first["reasons"][0].split(" ")[0] in page
    assert f"Lock {first['names'][0]}" in page and "Not placed yet" in page
    legend = "Allocate specialists" if mode == "specialist" else "Schools"
    assert f"<legend>{legend}</legend>" in page


def test_the_page_offers_only_the_options_of_its_mode(coordinator, four):
    co, mentoring, specialist = (coordinator.get(f"/partnerships/{m}").text
                                 for m in ("co-coaching", "mentoring", "specialist"))
    assert 'name="relax_focus"' in co and 'name="capacity"' not in co and 'name="by"' not in co
    assert 'name="capacity"' in mentoring and 'name="relax_focus"' not in mentoring
    assert 'name="by"' in specialist and 'name="school_rule"' not in specialist
    assert "Nothing is proposed yet" in co


# -- locks, rules and moves ---------------------------------------------------------------------------------
def test_a_locked_pair_is_still_there_after_running_again(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    pair = [four["Amira Patel"], four["Ben Jones"]]
    answer = coordinator.act("co-coaching", "lock", pair)
    assert answer.status_code == 302
    assert "Locked Amira Patel and Ben Jones together" in coordinator.get("/partnerships/co-coaching").text
    coordinator.post("/partnerships/co-coaching/run", school_rule="same")
    kept = together(store, cohort)[frozenset(pair)]
    assert kept["locked"] and kept["reasons"][0] == "Locked by the coordinator."
    page = coordinator.get("/partnerships/co-coaching").text
    assert "Unlock Amira Patel and Ben Jones" in page
    coordinator.act("co-coaching", "unlock", pair)
    assert store.pairing_state(cohort["id"], "co-coaching")["locked"] == []
    assert not together(store, cohort)[frozenset(pair)]["locked"]


def test_a_ruled_out_pair_is_gone_after_running_again_and_listed(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    pair = [four["Chloe Fraser"], four["Dev Singh"]]
    assert frozenset(pair) in together(store, cohort)
    assert coordinator.act("co-coaching", "forbid", pair).status_code == 302
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    assert frozenset(pair) not in together(store, cohort)
    assert {u["name"] for u in proposal(store, cohort)["unpaired"]} == {"Chloe Fraser", "Dev Singh"}
    page = coordinator.get("/partnerships/co-coaching").text
    assert "Pairs you ruled out" in page and "Allow Chloe Fraser and Dev Singh to be paired again" in page
    coordinator.act("co-coaching", "allow", pair)
    assert store.pairing_state(cohort["id"], "all")["forbidden"] == []
    assert frozenset(pair) in together(store, cohort)


def test_a_trio_lets_the_coordinator_pick_which_two_to_rule_out(coordinator, store, cohort, four):
    add_teacher(store, cohort, "Ella Evans", "questioning")
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    page = coordinator.get("/partnerships/co-coaching").text
    assert "<legend>Rule out two of them as partners</legend>" in page and 'type="checkbox" name="people"' in page
    trio = next(p for p in proposal(store, cohort)["pairs"] if len(p["members"]) == 3)
    assert coordinator.act("co-coaching", "forbid", trio["members"]).status_code == 422
    assert coordinator.act("co-coaching", "forbid", trio["members"][:2]).status_code == 302
    assert sorted(trio["members"][:2]) in store.pairing_state(cohort["id"], "all")["forbidden"]


def test_ruling_out_a_locked_pair_says_the_lock_was_removed(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    pair = [four["Amira Patel"], four["Ben Jones"]]
    coordinator.act("co-coaching", "lock", pair)
    coordinator.act("co-coaching", "forbid", pair)
    page = coordinator.get("/partnerships/co-coaching").text
    assert "They were locked together, so that lock was removed." in page
    assert store.pairing_state(cohort["id"], "co-coaching")["locked"] == []


def test_locking_a_ruled_out_pair_is_refused_and_changes_nothing(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    pair = [four["Amira Patel"], four["Ben Jones"]]
    coordinator.act("co-coaching", "forbid", pair)
    before = store.pairing_state(cohort["id"], "co-coaching")
    answer = coordinator.act("co-coaching", "lock", pair)
    assert answer.status_code == 409 and "allow it again before locking it" in answer.text
    assert 'class="error-summary"' in answer.text
    assert store.pairing_state(cohort["id"], "co-coaching") == before


def test_moving_a_teacher_locks_them_with_the_new_partner(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    amira, chloe = four["Amira Patel"], four["Chloe Fraser"]
    page = coordinator.get("/partnerships/co-coaching").text
    assert "Move Amira Patel to another partner" in page
    form = coordinator.get(f"/partnerships/co-coaching/move?teacher={amira}")
    assert form.status_code == 200 and '<optgroup label="Also chose questioning">' in form.text
    assert "This proposal puts them with Ben Jones" in form.text
    answer = coordinator.post(f"/partnerships/co-coaching/move?teacher={amira}", teacher=amira, to=chloe)
    assert answer.status_code == 302
    assert store.pairing_state(cohort["id"], "co-coaching")["locked"] == [[chloe, amira]]
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    moved = together(store, cohort)[frozenset((amira, chloe))]
    assert moved["locked"]
    assert {u["name"] for u in proposal(store, cohort)["unpaired"]} == {"Ben Jones", "Dev Singh"}


def test_an_unpaired_teacher_can_be_put_with_a_mentor(coordinator, store, cohort):
    mentee = add_teacher(store, cohort, "Femi Okafor", "questioning", career_stage="early_career",
                         availability=["before_school"])
    mentor = add_teacher(store, cohort, "Grace Hughes", "feedback", confidence_questioning=5)
    coordinator.post("/partnerships/mentoring/run", school_rule="any", capacity="2")
    assert [u["name"] for u in proposal(store, cohort, "mentoring")["unpaired"]] == ["Femi Okafor"]
    page = coordinator.get("/partnerships/mentoring").text
    assert "Put Femi Okafor with a mentor" in page
    answer = coordinator.post(f"/partnerships/mentoring/move?teacher={mentee}", teacher=mentee, to=mentor)
    assert answer.status_code == 302
    pair = proposal(store, cohort, "mentoring")["pairs"][0]
    assert pair["members"] == [mentor, mentee] and pair["locked"]


# -- confirming and undoing -------------------------------------------------------------------------------------
def test_confirming_lists_the_partnerships_and_marks_the_teachers(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    made = proposal(store, cohort)
    answer = coordinator.post("/partnerships/co-coaching/confirm", proposal=made["id"], sure="yes")
    assert answer.status_code == 302
    page = coordinator.get("/partnerships/co-coaching").text
    assert "Confirmed 2 co-coaching partnerships" in page and "2 confirmed co-coaching partnerships" in page
    made = store.list_partnerships(cohort["id"])
    assert all(f"Undo confirmation of {' and '.join(p['names'])}" in page for p in made)
    assert "Nothing is proposed yet" in page
    assert all(store.get_response(cohort["id"], t)["pair"]["status"] == "confirmed" for t in four.values())
    assert len(store.list_partnerships(cohort["id"])) == 2 and proposal(store, cohort) is None


def test_a_stale_confirm_gets_409_and_stores_nothing(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    first = proposal(store, cohort)["id"]
    coordinator.post("/partnerships/co-coaching/run", school_rule="same")
    answer = coordinator.post("/partnerships/co-coaching/confirm", proposal=first, sure="yes")
    assert answer.status_code == 409 and "have changed since this page was opened" in answer.text
    assert store.list_partnerships(cohort["id"]) == []
    assert all("pair" not in store.get_response(cohort["id"], t) for t in four.values())
    assert proposal(store, cohort)["id"] != first


def test_a_proposal_that_breaks_a_rule_made_since_cannot_be_confirmed(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    made = proposal(store, cohort)
    # Ruled out from the mentoring page: the co-coaching proposal still holds the pair until it runs again.
    coordinator.act("mentoring", "forbid", [four["Amira Patel"], four["Ben Jones"]])
    page = coordinator.get("/partnerships/co-coaching").text
    assert "This proposal no longer fits your rules" in page and "Confirm all" not in page
    answer = coordinator.post("/partnerships/co-coaching/confirm", proposal=made["id"], sure="yes")
    assert answer.status_code == 409 and "Amira Patel and Ben Jones were ruled out as partners" in answer.text
    assert store.list_partnerships(cohort["id"]) == []


def test_undoing_a_confirmation_frees_the_teachers(coordinator, store, cohort, four):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    coordinator.post("/partnerships/co-coaching/confirm", proposal=proposal(store, cohort)["id"], sure="yes")
    target = next(p for p in store.list_partnerships(cohort["id"]) if four["Amira Patel"] in p["members"])
    answer = coordinator.post("/partnerships/co-coaching/dissolve", partnership=target["id"])
    assert answer.status_code == 302
    page = coordinator.get("/partnerships/co-coaching").text
    assert f"Undid the confirmed partnership of {' and '.join(target['names'])}" in page
    assert page.count("Undo confirmation of") == 1 and "Amira Patel" not in page.split('id="confirmed"')[1]
    assert store.get_response(cohort["id"], four["Amira Patel"])["pair"]["status"] == "open"
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    assert set(together(store, cohort)) == {frozenset((four["Amira Patel"], four["Ben Jones"]))}
    again = coordinator.post("/partnerships/co-coaching/dissolve", partnership=target["id"])
    assert again.status_code == 404 and "may have been undone already" in again.text


# -- bad input: a precise message, a 4xx, nothing changed ---------------------------------------------------------
@pytest.mark.parametrize(("path", "data", "status", "message"), [
    ("lock", {"people": ["nobody-here", "{amira}"]}, 422, "No one with the id “nobody-here”"),
    ("lock", {"people": ["{amira}"]}, 422, "Choose at least two different people."),
    ("lock", {}, 422, "Choose who this is about."),
    ("unlock", {"people": ["{amira}", "{ben}"]}, 409, "That partnership is not locked"),
    ("forbid", {"people": ["{amira}", "{amira}"]}, 422, "Choose exactly two people to rule out."),
    ("allow", {"people": ["{amira}", "{ben}"]}, 409, "Those two are not ruled out"),
    ("run", {"school_rule": "everywhere"}, 422, "Not a valid choice"),
    ("move?teacher=nobody", {"teacher": "nobody", "to": "{ben}"}, 404, "That teacher is not waiting"),
    ("move?teacher={amira}", {"teacher": "{amira}", "to": "{amira}"}, 422, "Choose someone other than the teacher"),
    ("move?teacher={amira}", {"teacher": "{amira}", "to": "nobody"}, 422, "Choose someone from the list."),
    ("confirm", {}, 422, "The proposal to confirm is missing."),
    ("dissolve", {"partnership": "nope"}, 404, "There is no confirmed co-coaching partnership with that id"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(coordinator, store, cohort, four, path, data,
                                                                 status, message):
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    before = [store.pairing_state(cohort["id"], m) for m in ("co-coaching", "all")]
    ids = {"{amira}": four["Amira Patel"], "{ben}": four["Ben Jones"]}
    fill = {k: [ids.get(x, x) for x in v] if isinstance(v, list) else ids.get(v, v) for k, v in data.items()}
    for placeholder, value in ids.items():
        path = path.replace(placeholder, value)
    answer = coordinator.post(f"/partnerships/co-coaching/{path}", **fill)
    assert answer.status_code == status and message in answer.text
    assert [store.pairing_state(cohort["id"], m) for m in ("co-coaching", "all")] == before
    assert store.list_partnerships(cohort["id"]) == []


@pytest.mark.parametrize("capacity", ["0", "21"])
def test_capacity_out_of_range_is_refused(coordinator, store, cohort, four, capacity):
    answer = coordinator.post("/partnerships/mentoring/run", school_rule="any", capacity=capacity)
    assert answer.status_code == 422 and "A mentor can take from 1 to 20 mentees." in answer.text
    assert proposal(store, cohort, "mentoring") is None


def test_specialist_coaching_with_no_specialists_links_to_the_specialists_page(coordinator, store, cohort, four):
    page = coordinator.get("/partnerships/specialist").text
    assert "No specialists are listed for this cohort yet." in page
    answer = coordinator.post("/partnerships/specialist/run", by="teacher")
    assert answer.status_code == 409 and "no specialists are listed for this cohort" in answer.text.lower()
    assert f'href="/coordinator/cohorts/{cohort["id"]}/specialists"' in answer.text
    assert proposal(store, cohort, "specialist") is None


def test_specialists_by_group_need_a_grouping(coordinator, store, cohort, four):
    add_specialist(coordinator)
    answer = coordinator.post("/partnerships/specialist/run", by="group")
    assert answer.status_code == 409 and "has not been grouped by starting point yet" in answer.text


def test_a_cohort_with_one_teacher_has_no_one_to_pair(coordinator, store, cohort):
    add_teacher(store, cohort, "Amira Patel", "questioning")
    answer = coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    assert answer.status_code == 409 and "Only one teacher in this cohort has submitted" in answer.text
    assert proposal(store, cohort) is None


def test_a_cohort_with_nobody_submitted_has_no_one_to_pair(coordinator, store, cohort):
    answer = coordinator.post("/partnerships/mentoring/run", school_rule="any", capacity="2")
    assert answer.status_code == 409 and "No submitted teachers are waiting" in answer.text


def test_a_removed_specialist_stops_their_proposal_being_confirmed(coordinator, store, cohort, four):
    add_specialist(coordinator)
    coordinator.post("/partnerships/specialist/run", by="teacher")
    made = proposal(store, cohort, "specialist")
    specialist = made["pairs"][0]["members"][0]
    coordinator.post("/specialists/remove", specialist=specialist)
    answer = coordinator.post("/partnerships/specialist/confirm", proposal=made["id"], sure="yes")
    assert answer.status_code == 409 and "Dr Rosa Lewis is no longer on this cohort's list" in shown(answer)
    assert store.list_partnerships(cohort["id"]) == []


# -- the specialists page --------------------------------------------------------------------------------------------
def test_a_specialist_is_added_listed_and_removed(coordinator, store, cohort, four):
    answer = coordinator.post("/specialists", name="Priya Gill", kind="internal", expertise=["feedback"],
                              capacity="2", respondent=four["Chloe Fraser"])
    assert answer.status_code == 302
    [added] = store.get_cohort(cohort["id"])["specialists"]
    assert re.fullmatch(r"s-[0-9a-f]{8}", added["id"])
    assert {k: added[k] for k in ("name", "kind", "expertise", "capacity", "respondent")} == {
        "name": "Priya Gill", "kind": "internal", "expertise": ["feedback"], "capacity": 2,
        "respondent": four["Chloe Fraser"]}
    page = coordinator.get("/specialists").text
    assert "Internal expert (Chloe Fraser)" in page and "Remove Priya Gill" in page and "<legend>Kind</legend>" in page
    assert coordinator.post("/specialists/remove", specialist=added["id"]).status_code == 302
    assert store.get_cohort(cohort["id"])["specialists"] == []
    again = coordinator.post("/specialists/remove", specialist=added["id"])
    assert again.status_code == 404 and "may have been removed already" in again.text


GOOD = {"name": "Dr Rosa Lewis", "kind": "specialist", "expertise": ["questioning"], "capacity": "3"}


@pytest.mark.parametrize(("change", "message"), [
    ({"name": ""}, "Give their name."),
    ({"name": "x" * 81}, "Keep the name to 80 characters."),
    ({"kind": ""}, "Choose a specialist or an internal expert."),
    ({"kind": "wizard"}, "Not a valid choice"),
    ({"expertise": []}, "Choose at least one learning focus they can coach."),
    ({"expertise": ["juggling"]}, "not a valid choice"),
    ({"capacity": "0"}, "Capacity is a whole number from 1 to 50."),
    ({"capacity": "51"}, "Capacity is a whole number from 1 to 50."),
    ({"capacity": "lots"}, "Capacity is a whole number from 1 to 50."),
    ({"capacity": ""}, "Capacity is a whole number from 1 to 50."),
    ({"respondent": "{chloe}"}, "Only an internal expert is one of the cohort's teachers"),
    ({"kind": "internal", "respondent": "nobody"}, "Not a valid choice"),
])
def test_a_bad_specialist_is_refused_with_a_linked_error(coordinator, store, cohort, four, change, message):
    data = {**GOOD, **change}
    if data.get("respondent") == "{chloe}":
        data["respondent"] = four["Chloe Fraser"]
    answer = coordinator.post("/specialists", **data)
    assert answer.status_code == 422 and 'class="error-summary"' in answer.text
    assert message in shown(answer)
    assert not store.get_cohort(cohort["id"]).get("specialists")


def test_the_same_teacher_cannot_be_listed_twice_as_an_internal_expert(coordinator, store, cohort, four):
    data = {**GOOD, "kind": "internal", "respondent": four["Ben Jones"]}
    assert coordinator.post("/specialists", **data).status_code == 302
    answer = coordinator.post("/specialists", **data)
    assert answer.status_code == 422 and "already listed as an internal expert" in answer.text
    assert len(store.get_cohort(cohort["id"])["specialists"]) == 1


# -- escaping, unknown pages, CSRF ------------------------------------------------------------------------------------
def test_names_with_markup_are_escaped_on_every_page(coordinator, store, cohort, four):
    script = "<script>alert(1)</script>"
    sneaky = add_teacher(store, cohort, f"Ella {script}", "questioning")
    add_specialist(coordinator, name=f"Dr {script}")
    coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    coordinator.post("/partnerships/specialist/run", by="teacher")
    pages = [coordinator.get(path).text for path in (
        "/partnerships/co-coaching", "/partnerships/specialist", "/specialists",
        f"/partnerships/co-coaching/move?teacher={sneaky}")]
    for page in pages:
        assert script not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("path", ["/coordinator/cohorts/nope/partnerships/co-coaching",
                                  "/coordinator/cohorts/nope/specialists"])
def test_an_unknown_cohort_is_not_found(client, path):
    answer = client.get(path)
    assert answer.status_code == 404 and "There is no cohort with that id" in answer.text


@pytest.mark.parametrize("path", ["/partnerships/buddying", "/partnerships/co_coaching",
                                  "/partnerships/buddying/move?teacher=x"])
def test_an_unknown_kind_of_partnership_is_not_found(coordinator, path):
    answer = coordinator.get(path)
    assert answer.status_code == 404 and "Partnerships come in three kinds" in answer.text


def test_an_unknown_kind_of_partnership_cannot_be_posted_to(coordinator, store, cohort, four):
    answer = coordinator.post("/partnerships/buddying/run", school_rule="any")
    assert answer.status_code == 404 and store.pairing_state(cohort["id"], "buddying") == {"mode": "buddying"}


def test_a_post_without_the_csrf_token_is_refused(coordinator, client, store, cohort, four):
    assert client.post(f"{coordinator.base}/partnerships/co-coaching/run", data={"school_rule": "any"}
                       ).status_code == 400
    answer = client.post(f"{coordinator.base}/specialists", data=GOOD)
    assert answer.status_code == 400 and "nothing was saved" in answer.text
    assert proposal(store, cohort) is None and not store.get_cohort(cohort["id"]).get("specialists")


@pytest.mark.parametrize("path", ["partnerships/mentoring", "specialists"])
def test_a_cohort_without_schools_or_teachers_shows_empty_pages(client, store, shipped, path):
    other = create_cohort(store, shipped, "Second network")
    answer = client.get(f"/coordinator/cohorts/{other['id']}/{path}")
    assert answer.status_code == 200 and "Second network" in answer.text


@pytest.mark.parametrize(("smallest", "withheld"), [(5, False), (50, True)])
def test_group_allocations_speak_of_the_group_and_withhold_figures_for_small_groups(app, coordinator, store, cohort,
                                                                                  planted, smallest, withheld):
    from diagnostic.services.grouping import refit

    refit(store, cohort, 2)
    app.config["MIN_GROUP_SIZE"] = smallest
    add_specialist(coordinator, expertise=("questioning", "feedback", "metacognition", "classroom_talk"))
    assert coordinator.post("/partnerships/specialist/run", by="group").status_code == 302
    page = shown(coordinator.get("/partnerships/specialist"))
    assert "teachers in the group" in page
    assert " of 5)" not in page  # no one's own rating appears in a group's reasons
    assert ("Figures withheld: a group of fewer than 50 teachers." in page) is withheld
