"""The coordinator's pages as a coordinator finds them: one link back to their cohorts, the co-coaching page's
summary, filters and pages, the move list, the trio wording, confirming everything in two steps, and figures that
say what they are out of."""

from __future__ import annotations

import re

import pytest
from conftest import sign_in_as

from diagnostic.services.cohorts import create_cohort


def links_to(page: str, href: str) -> int:
    return len(re.findall(f'href="{re.escape(href)}"', page))


# ---- item 14: one link to one's cohorts, and the way in for staff -----------------------------------------------

@pytest.mark.parametrize(("role", "home", "pages"), [
    ("coordinator", "/coordinator/", ["/coordinator/", "/coordinator/cohorts/{id}/partnerships/co-coaching",
                                      "/coordinator/cohorts/{id}/menu", "/coordinator/cohorts/{id}/expertise",
                                      "/coordinator/cohorts/{id}/specialists"]),
    ("specialist", "/specialist/", ["/specialist/", "/specialist/cohorts/{id}/"]),
])
def test_staff_see_exactly_one_link_to_their_cohorts_on_every_page(app, store, shipped, role, home, pages):
    cohort = create_cohort(store, shipped, "Nav network", ["Ashfield"])
    browser = app.test_client()
    sign_in_as(browser, app, role, [cohort["id"]])
    for path in pages:
        page = browser.get(path.format(id=cohort["id"]))
        assert page.status_code == 200, path
        assert links_to(page.text, home) == 1, f"{path} links to {home} {links_to(page.text, home)} times"


def test_the_cohort_list_marks_its_own_link_as_the_current_page(app, store):
    browser = app.test_client()
    sign_in_as(browser, app, "coordinator")
    page = browser.get("/coordinator/").text
    assert re.search(r'href="/coordinator/"[^>]*aria-current="page"', page)


def test_the_home_page_leads_staff_to_sign_in_and_signed_in_staff_to_their_cohorts(app):
    visitor = app.test_client()
    assert links_to(visitor.get("/").text, "/sign-in") == 1
    coordinator = app.test_client()
    sign_in_as(coordinator, app, "coordinator")
    page = coordinator.get("/").text
    assert links_to(page, "/sign-in") == 0 and links_to(page, "/coordinator/") >= 1


# ---- item 13: the co-coaching page at scale -----------------------------------------------------------------------

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PAGE = "/coordinator/cohorts/{id}/partnerships/co-coaching"


@pytest.fixture
def network(app, store, shipped):
    """A cohort of 90 planted teachers in three schools, proposed once, and a signed-in coordinator."""
    from diagnostic.services import partnerships
    from diagnostic.services.demo import planted_cohort

    cohort = create_cohort(store, shipped, "Big network", ["Ashfield", "Brook Lane", "Cedar Vale"])
    responses, _ = planted_cohort(cohort, shipped, 90, seed=3)
    store.add_responses(cohort["id"], responses)
    with app.app_context():
        proposal = partnerships.run(store, cohort, "co-coaching")
    browser = app.test_client()
    sign_in_as(browser, app, "coordinator", [cohort["id"]])
    return {"cohort": cohort, "proposal": proposal, "browser": browser, "url": PAGE.format(id=cohort["id"])}


def table_rows(page: str) -> list[str]:
    """The rows of the proposed partnerships table, as HTML."""
    found = re.search(r'<table class="data partnerships">(.*?)</table>', page, re.S)
    return re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)[1:] if found else []


def glance(page: str) -> str:
    """The summary's figures (without its confirm form, whose token changes every time)."""
    return page.split('id="summary"')[1].split("</section>")[0].split("<form")[0]


def test_the_page_opens_with_a_summary_of_the_whole_proposal_and_one_page_of_partnerships(network):
    proposal = network["proposal"]
    page = network["browser"].get(network["url"]).text
    pairs = sum(len(p["members"]) == 2 for p in proposal["pairs"])
    trios = sum(len(p["members"]) == 3 for p in proposal["pairs"])
    summary = re.sub(r"<[^>]+>", "", glance(page))
    assert f"{len(proposal['pairs'])} co-coaching partnerships proposed: {pairs} pairs and {trios} trio" in summary
    placed = sum(len(p["members"]) for p in proposal["pairs"])
    assert f"{placed} of the {placed + len(proposal['unpaired'])} teachers waiting are placed" in summary
    weak = sum(min(p["criteria"].values()) < 0.5 for p in proposal["pairs"])
    assert f"{weak} of the {len(proposal['pairs'])} partnerships have a weak point" in summary
    assert f"{len(proposal['unpaired'])} teachers are not placed" in summary or len(proposal["unpaired"]) == 1
    assert len(proposal["pairs"]) > 25 and len(table_rows(page)) == 25
    assert "Page 1 of 2" in page and "page=2" in page


def test_the_summary_counts_the_whole_cohort_whatever_the_filters_and_page(network):
    browser, url = network["browser"], network["url"]
    whole = glance(browser.get(url).text)
    for query in ("?school=Ashfield", "?flag=weak&sort=weakest", "?page=2", "?name=zzzz"):
        assert glance(browser.get(url + query).text) == whole, query


@pytest.mark.parametrize(("query", "keep"), [
    ("?school=Brook+Lane", lambda p: "Brook Lane" in p["schools"]),
    ("?focus={focus}", lambda p, focus=None: True),
    ("?flag=weak", lambda p: min(p["criteria"].values()) < 0.5),
    ("?flag=trio", lambda p: len(p["members"]) >= 3),
    ("?name={name}", None),
])
def test_each_filter_shows_exactly_the_partnerships_that_fit_it(network, query, keep):
    pairs = network["proposal"]["pairs"]
    focus, name = pairs[0]["focus"], pairs[0]["names"][0].split()[0]
    if "{focus}" in query:
        keep = lambda p: p["focus"] == focus  # noqa: E731
    if "{name}" in query:
        keep = lambda p: any(name.lower() in n.lower() for n in p["names"])  # noqa: E731
    page = network["browser"].get(network["url"] + query.format(focus=focus, name=name.lower()) + "&sort=name").text
    expected = sorted((p for p in pairs if keep(p)), key=lambda p: [n.casefold() for n in p["names"]])
    rows = table_rows(page)
    assert len(rows) == min(25, len(expected))
    for row, pair in zip(rows, expected, strict=False):
        assert all(n in row for n in pair["names"])
    if not expected:
        assert "No proposed partnership fits these filters" in page


def test_weakest_first_puts_the_lowest_fit_at_the_top(network):
    page = network["browser"].get(network["url"] + "?sort=weakest").text
    fits = [int(m) for m in re.findall(r'<td class="num">(\d+)%</td>', page)]
    assert fits == sorted(fits) and len(fits) == 25


@pytest.mark.parametrize(("query", "note"), [
    ("?school=Nowhere+High", "The school “Nowhere High” is not one this page offers"),
    ("?focus=juggling", "The learning focus “juggling” is not one this page offers"),
    ("?flag=<b>odd</b>", "The flag “&lt;b&gt;odd&lt;/b&gt;” is not one this page offers"),
    ("?sort=random", "The order “random” is not one this page offers"),
    ("?page=abc", "“abc” is not a page number"),
    ("?page=0", "“0” is not a page number"),
    ("?page=99", "There are only 2 pages of partnerships"),
    ("?name=" + "x" * 200, "Only the first 80 characters"),
])
def test_a_bad_filter_is_ignored_with_a_note_never_an_error(network, query, note):
    answer = network["browser"].get(network["url"] + query)
    assert answer.status_code == 200 and note in answer.text
    last = len(network["proposal"]["pairs"]) - 25
    assert len(table_rows(answer.text)) == (last if "page=99" in query else 0 if "name=" in query else 25)


def test_page_two_continues_where_page_one_stops_and_keeps_the_filters(network):
    browser, url = network["browser"], network["url"]
    first, second = (browser.get(f"{url}?sort=name&page={n}").text for n in (1, 2))
    assert not set(table_rows(first)) & set(table_rows(second))
    pages = re.findall(r'href="([^"]*page=\d[^"]*)"', first)
    assert pages and all("sort=name" in p for p in pages)


# ---- confirming everything: shown first, then asked again ------------------------------------------------------------

def test_confirm_all_first_shows_what_will_be_confirmed_and_stores_nothing(network, store):
    browser, url, proposal = network["browser"], network["url"], network["proposal"]
    token = TOKEN.search(browser.get(url).text).group(1)
    review = browser.post(f"{url}/confirm", data={"csrf_token": token, "proposal": proposal["id"]})
    assert review.status_code == 200
    assert f"Confirm {len(proposal['pairs'])} co-coaching partnerships?" in review.text
    assert review.text.count("<li>", review.text.index('class="confirm-list"')) >= len(proposal["pairs"])
    assert all(p["names"][0] in review.text for p in proposal["pairs"])
    assert 'name="sure" value="yes"' in review.text
    assert store.list_partnerships(network["cohort"]["id"]) == []
    done = browser.post(f"{url}/confirm", data={"csrf_token": token, "proposal": proposal["id"], "sure": "yes"})
    assert done.status_code == 302
    assert len(store.list_partnerships(network["cohort"]["id"])) == len(proposal["pairs"])


def test_the_review_refuses_a_proposal_that_changed_or_was_confirmed(network, store, app):
    from diagnostic.services import partnerships

    browser, url, proposal = network["browser"], network["url"], network["proposal"]
    token = TOKEN.search(browser.get(url).text).group(1)
    with app.app_context():
        newer = partnerships.run(store, network["cohort"], "co-coaching", {"school_rule": "cross_preferred"})
    stale = browser.post(f"{url}/confirm", data={"csrf_token": token, "proposal": proposal["id"]})
    assert stale.status_code == 409 and "have changed since this page was opened" in stale.text
    browser.post(f"{url}/confirm", data={"csrf_token": token, "proposal": newer["id"], "sure": "yes"})
    again = browser.post(f"{url}/confirm", data={"csrf_token": token, "proposal": newer["id"]})
    assert again.status_code == 409 and "already confirmed" in again.text


def test_a_large_confirmed_list_is_paged_too(network, store):
    browser, url, proposal = network["browser"], network["url"], network["proposal"]
    token = TOKEN.search(browser.get(url).text).group(1)
    browser.post(f"{url}/confirm", data={"csrf_token": token, "proposal": proposal["id"], "sure": "yes"})
    page = browser.get(url).text
    assert page.count("Undo confirmation of") == 25 and "confirmed_page=2" in page
    assert f"1 to 25 of {len(proposal['pairs'])} confirmed co-coaching partnerships" in page


# ---- moving a teacher: an empty start, and same-named teachers told apart ----------------------------------------

def test_the_move_list_starts_with_no_one_chosen_and_tells_same_named_teachers_apart(app, store, shipped):
    from test_coordinator_pairing import add_teacher

    cohort = create_cohort(store, shipped, "Namesakes", ["Ashfield Primary", "Brook Lane"])
    mover = add_teacher(store, cohort, "Amy Brennan", "questioning", school="Brook Lane")
    add_teacher(store, cohort, "Grace Iqbal", "questioning", school="Ashfield Primary")
    add_teacher(store, cohort, "Grace Iqbal", "feedback", school="Ashfield Primary")
    add_teacher(store, cohort, "Grace Iqbal", "feedback", school="Ashfield Primary")
    browser = app.test_client()
    sign_in_as(browser, app, "coordinator", [cohort["id"]])
    page = browser.get(f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching/move?teacher={mover}").text
    options = re.findall(r'<option([^>]*)>([^<]*)</option>', page)
    assert options[0][1] == "Choose a partner" and 'value=""' in options[0][0]
    assert not any("selected" in attrs for attrs, _ in options)
    graces = [label for _, label in options if label.startswith("Grace Iqbal")]
    assert len(graces) == 3 and len(set(graces)) == 3
    assert "Grace Iqbal (Ashfield Primary), Questioning" in graces
    token = TOKEN.search(page).group(1)
    empty = browser.post(f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching/move?teacher={mover}",
                         data={"csrf_token": token, "teacher": mover, "to": ""})
    assert empty.status_code == 422 and "Choose who to put them with." in empty.text


def test_finding_someone_to_move_a_teacher_to_narrows_the_list(network):
    pairs = network["proposal"]["pairs"]
    mover, other = pairs[0]["members"][0], pairs[1]["names"][0]
    base = f"/coordinator/cohorts/{network['cohort']['id']}/partnerships/co-coaching/move?teacher={mover}"
    everyone = re.findall(r"<option[^>]*>", network["browser"].get(base).text)
    found = network["browser"].get(f"{base}&find={other.split()[0]}").text
    narrowed = re.findall(r"<option[^>]*>([^<]*)</option>", found)
    assert 1 < len(narrowed) < len(everyone) and all(other.split()[0] in n for n in narrowed[1:])
    nobody = network["browser"].get(f"{base}&find=Zebedee").text
    assert "No one waiting matches “Zebedee”" in nobody
    assert len(re.findall(r"<option[^>]*>", nobody)) == len(everyone)


# ---- item 12: every figure says what it is out of -------------------------------------------------------------------

BARE_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.%])")  # "248.92" or "9.00": a figure with no scale


def main_text(page: str) -> str:
    """What a reader sees in the page's main content: no markup, no hidden form values."""
    body = page.split('<main', 1)[1].split("</main>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.mark.parametrize("mode", ["co-coaching", "mentoring"])
def test_the_partnerships_page_shows_fits_and_criteria_as_shares_never_bare_scores(network, mode):
    browser, base = network["browser"], f"/coordinator/cohorts/{network['cohort']['id']}/partnerships/{mode}"
    token = TOKEN.search(browser.get(base).text).group(1)
    browser.post(f"{base}/run", data={"csrf_token": token, "school_rule": "any", "capacity": "2"})
    page = browser.get(base).text
    text = main_text(page)
    assert "Total score" not in text and not BARE_DECIMAL.findall(text), BARE_DECIMAL.findall(text)[:5]
    fits = re.findall(r'<td class="num">(\d+)%</td>', page)
    assert fits and all(0 <= int(f) <= 100 for f in fits)
    assert "of the best possible" in text and re.search(r"[A-Z][a-z' ]+: \d+%", text)


def test_the_fit_is_the_score_as_a_share_of_the_best_possible_partnership(network):
    from diagnostic.services.cohorts import published_definition
    from diagnostic.services.partnerships import engine_config

    store = network["browser"].application.extensions["store"]
    cohort = network["cohort"]
    weights = engine_config(published_definition(store, cohort["form_id"], cohort["form_version"]))["weights"]
    best = sum(weights["co_coaching"].values())
    page = network["browser"].get(network["url"]).text
    first = network["proposal"]["pairs"][0]
    assert f'<td class="num">{round(100 * first["score"] / best)}%</td>' in table_rows(page)[0]


def test_the_expertise_map_and_specialists_say_what_their_counts_are_out_of(app, store, shipped):
    from test_coordinator_pairing import add_teacher

    cohort = create_cohort(store, shipped, "Counted", ["Ashfield", "Brook Lane"])
    for name, school in (("Amy Brennan", "Ashfield"), ("Ben Jones", "Ashfield"), ("Cal Singh", "Brook Lane")):
        add_teacher(store, cohort, name, "questioning", school=school)
    browser = app.test_client()
    sign_in_as(browser, app, "coordinator", [cohort["id"]])
    page = main_text(browser.get(f"/coordinator/cohorts/{cohort['id']}/expertise").text)
    assert "Ashfield (of 2 teachers)" in page and "Brook Lane (of 1 teacher)" in page
    assert "Whole network (of 3 teachers)" in page
    token = TOKEN.search(browser.get(f"/coordinator/cohorts/{cohort['id']}/specialists").text).group(1)
    browser.post(f"/coordinator/cohorts/{cohort['id']}/specialists",
                 data={"csrf_token": token, "name": "Dr Rosa Lewis", "kind": "specialist",
                       "expertise": ["questioning"], "capacity": "3"})
    listed = main_text(browser.get(f"/coordinator/cohorts/{cohort['id']}/specialists").text)
    assert "3 teachers or groups" in listed


# ---- confirming at scale: one write per shard, not one per teacher ------------------------------------------------

@pytest.mark.tinydb_only
def test_settling_many_teachers_writes_each_shard_of_responses_once(store, shipped, monkeypatch):
    from diagnostic.services.demo import planted_cohort
    from diagnostic.storage import tinydb_store as storage

    cohort = create_cohort(store, shipped, "Many", ["Ashfield"])
    responses, _ = planted_cohort(cohort, shipped, 120, seed=5)
    store.add_responses(cohort["id"], responses)
    writes = []
    real = storage.write_atomic
    monkeypatch.setattr(storage, "write_atomic", lambda path, content: (writes.append(path), real(path, content)))
    store.update_responses(cohort["id"], {r["id"]: (lambda rec: {**rec, "pair": {"status": "confirmed"}})
                                          for r in responses})
    shards = {store._shard(cohort["id"], r["id"]) for r in responses}
    assert len(writes) == len(shards) < len(responses)
    assert all(store.get_response(cohort["id"], r["id"])["pair"] == {"status": "confirmed"} for r in responses)
