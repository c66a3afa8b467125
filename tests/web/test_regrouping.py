"""Re-grouping safely (issue 13, item 10): too-small groups are refused unless accepted, and earlier groupings are
kept and can be gone back to, with their names and notes, through the real pages and the CLI."""

from __future__ import annotations

import html
import json
import re
import threading

import pytest
from conftest import sign_in_as
from stored import places_holding, saved_grouping

from diagnostic.cli import cli
from diagnostic.services import audit, grouping
from diagnostic.services.csvio import submitted_response
from diagnostic.services.erasure import erase
from diagnostic.services.grouping import MAX_GROUPS, current, refit

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
TEACHERS = 20  # with MAX_GROUPS groups, some group must have at most 2 teachers: under the minimum of 3
OVERVIEW = "/specialist/cohorts/north/"


@pytest.fixture(scope="module")
def template(make_grouped):
    """The planted cohort "north" in three groups, with one named teacher, Zofia; returns (data, Zofia's id)."""
    zofia = {}

    def add_zofia(cohort, definition, responses):
        zofia.update(submitted_response(cohort, definition, {"consent": "yes", "teacher_name": "Zofia Quill",
                                                             "barriers": ["time"], "barrier_time": 4},
                                        "ref-zofia", "Ashfield"))
        responses.append(zofia)
    return make_grouped("north", TEACHERS - 1, 7, name="North", prepare=add_zofia, k=3), zofia["id"]


@pytest.fixture
def app(app_on_copy, template):
    return app_on_copy(template[0])


@pytest.fixture
def specialist(app):
    browser = app.test_client()
    sign_in_as(browser, app, "specialist", ["north"], email="sam@example.org")
    return browser


def saved(store) -> bytes:
    return saved_grouping(store, "north")


def regroup(browser, **fields):
    token = CSRF.search(browser.get(OVERVIEW).text).group(1)
    return browser.post("/specialist/cohorts/north/regroup", data={"csrf_token": token, **fields})


def restore(browser, earlier_id: str, token: str | None = None):
    token = token if token is not None else CSRF.search(browser.get(OVERVIEW).text).group(1)
    return browser.post(f"/specialist/cohorts/north/earlier/{earlier_id}/restore", data={"csrf_token": token})


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# -- too-small groups -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_a_grouping_with_a_group_under_the_minimum_is_refused_and_nothing_changes(specialist, store, method):
    before, earlier = saved(store), store.earlier_groupings("north")
    response = regroup(specialist, k=str(MAX_GROUPS), method=method)
    assert response.status_code == 409
    page = text_of(response.text)
    assert re.search(rf"{MAX_GROUPS} groups by [\w'-]+( method)? would leave a group of [12] teachers?", page)
    assert "each group needs at least 3 teachers" in page and "Nothing was changed" in page
    assert "Keep the new groups even if one is smaller" in page  # what to tick to keep it anyway
    assert saved(store) == before and store.earlier_groupings("north") == earlier
    assert [e for e in audit.entries(store, action="regroup") if e["actor"] == "sam@example.org"] == []


def test_an_accepted_small_grouping_is_kept_and_the_page_says_so(specialist, store):
    response = regroup(specialist, k=str(MAX_GROUPS), method="kmeans", accept_small="y")
    assert response.status_code == 302
    record = store.load_grouping("north")
    assert record["k"] == MAX_GROUPS and record["small_groups_accepted"]
    page = text_of(specialist.get(OVERVIEW).text)
    assert f"Re-grouped {TEACHERS} teachers: {MAX_GROUPS} groups." in page
    assert "has a group smaller than 3 teachers, kept because it was asked for" in page


def test_one_group_and_automatic_groupings_are_never_refused_and_say_1_group(specialist, store):
    assert regroup(specialist, k="1", method="kmeans").status_code == 302
    assert f"Re-grouped {TEACHERS} teachers: 1 group." in text_of(specialist.get(OVERVIEW).text)
    assert regroup(specialist, k="auto", method="gmm").status_code == 302


def test_the_cli_refuses_the_same_way_and_accepts_with_a_flag(app, store):
    runner = app.test_cli_runner()
    before = saved(store)
    result = runner.invoke(cli, args=["cluster", "--cohort", "north", "--k", str(MAX_GROUPS)])
    assert result.exit_code == 1
    assert "would leave a group of" in result.output and "--accept-small-groups" in result.output
    assert saved(store) == before
    result = runner.invoke(cli, args=["cluster", "--cohort", "north", "--k", str(MAX_GROUPS), "--accept-small-groups"])
    assert result.exit_code == 0, result.output
    assert f"{TEACHERS} teachers, {MAX_GROUPS} groups by kmeans" in result.output
    assert re.search(r"\(1 teacher\)|\(\d+ teachers\)", result.output) and "teacher(s)" not in result.output


# -- earlier groupings ------------------------------------------------------------------------------------------
def test_re_grouping_keeps_the_groups_before_and_going_back_brings_their_names_and_notes(specialist, store):
    north = store.get_cohort("north")
    first = current(store, north)
    key = first["groups"][0]["key"]
    grouping.rename(store, north, key, "Short of time", "Start with retrieval practice")
    named = {g["key"]: len(g["members"]) for g in current(store, north)["groups"]}
    assert regroup(specialist, k="2", method="kmeans").status_code == 302
    # A name given after the re-grouping does not leak back into the one being gone back to.
    for group in current(store, north)["groups"]:
        grouping.rename(store, north, group["key"], f"Later {group['key']}", "")

    page = specialist.get(OVERVIEW).text
    assert "Earlier groupings" in page and "Short of time" in page and "Start with retrieval practice" in page
    earlier_id = store.earlier_groupings("north")[0]["id"]
    response = restore(specialist, earlier_id)
    assert response.status_code == 302

    back = current(store, north)
    assert {g["key"]: len(g["members"]) for g in back["groups"]} == named
    assert next(g for g in back["groups"] if g["key"] == key)["name"] == "Short of time"
    assert next(g for g in back["groups"] if g["key"] == key)["note"] == "Start with retrieval practice"
    assert all(not g["name"].startswith("Later") for g in back["groups"])
    page = text_of(specialist.get(OVERVIEW).text)
    assert "Went back to the grouping of" in page and ": 3 groups." in page
    # The two groups replaced are kept in turn, so going back can be undone.
    assert [e["k"] for e in grouping.earlier(store, north)][:1] == [2]
    logged = audit.entries(store, action="restore grouping")
    assert len(logged) == 1 and logged[0]["actor"] == "sam@example.org" and logged[0]["cohort"] == "north"


def test_a_new_group_after_going_back_never_reuses_a_letter(specialist, store):
    north = store.get_cohort("north")
    assert regroup(specialist, k="6", method="kmeans", accept_small="y").status_code == 302
    letters_seen = {g["key"] for g in store.load_grouping("north")["groups"]}
    assert restore(specialist, store.earlier_groupings("north")[-1]["id"]).status_code == 302
    letters_seen |= {g["key"] for g in store.load_grouping("north")["groups"]}
    refit(store, north, 5, "ward", accept_small=True)
    fresh = [g["key"] for g in store.load_grouping("north")["groups"] if g["key"] not in letters_seen]
    issued = max(grouping._key_number(k) for k in letters_seen)
    assert all(grouping._key_number(k) > issued for k in fresh)


def test_going_back_waits_for_the_cohort_lock_like_re_grouping(specialist, store):
    assert regroup(specialist, k="2", method="kmeans").status_code == 302
    earlier_id = store.earlier_groupings("north")[0]["id"]
    done = threading.Event()

    def go_back():
        grouping.restore(store, store.get_cohort("north"), earlier_id, actor="sam@example.org")
        done.set()

    with store.cohort_lock("north"):  # as a re-grouping, an erasure or a confirmation would hold it
        worker = threading.Thread(target=go_back)
        worker.start()
        assert not done.wait(1.5), "going back did not wait for the cohort's lock"
    worker.join(60)
    assert done.is_set() and store.load_grouping("north")["k"] == 3


@pytest.mark.parametrize(("earlier_id", "status"), [("999", 404), ("not-a-number", 404), ("..", 404)])
def test_going_back_to_an_unknown_grouping_is_refused_and_changes_nothing(specialist, store, earlier_id, status):
    before = saved(store)
    assert restore(specialist, earlier_id).status_code == status
    assert saved(store) == before


def test_going_back_without_the_form_token_is_refused(specialist, store):
    regroup(specialist, k="2", method="kmeans")
    before = saved(store)
    assert restore(specialist, store.earlier_groupings("north")[0]["id"], token="").status_code == 400
    assert saved(store) == before


def test_only_the_newest_earlier_groupings_are_kept(specialist, store, monkeypatch):
    monkeypatch.setattr(grouping, "EARLIER_KEPT", 2)
    for k in ("2", "3", "4"):
        assert regroup(specialist, k=k, method="kmeans", accept_small="y").status_code == 302
    kept = grouping.earlier(store, store.get_cohort("north"))
    assert [e["k"] for e in kept] == [3, 2]


def test_an_erased_teacher_vanishes_from_every_earlier_grouping(app, specialist, store, template):
    zofia = template[1]
    assert regroup(specialist, k="2", method="kmeans").status_code == 302
    assert regroup(specialist, k="4", method="kmeans", accept_small="y").status_code == 302
    assert [e for e in store.earlier_groupings("north") if zofia in json.dumps(e)], \
        "the teacher was in the earlier groupings before erasure"
    with app.app_context():
        erase(store, "north", zofia, actor="admin@example.org")
    for needle in (zofia, "Zofia", "ref-zofia"):
        holding = places_holding(store, needle)
        assert holding == [], f"{needle!r} is still in {holding}"
    for kept in store.earlier_groupings("north"):
        assert zofia not in kept["record"]["members"]
    # Going back to an earlier grouping still works without them.
    assert restore(specialist, store.earlier_groupings("north")[-1]["id"]).status_code == 302
    assert zofia not in store.load_grouping("north")["members"]
