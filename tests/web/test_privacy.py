"""Coordinators see what pairing needs, never a teacher's beliefs or barriers: every coordinator page, checked."""

from __future__ import annotations

import shutil

import pytest
import servers

from diagnostic import create_app
from diagnostic.services import partnerships
from diagnostic.services.accounts import create_user, start_session
from diagnostic.services.cohorts import definition_dirs, published_definition
from diagnostic.services.demo import DEMO_COHORT
from diagnostic.services.demo_cycles import seed_second_cycle


@pytest.fixture(scope="module")
def template(tmp_path_factory, seeded_demo):
    data = tmp_path_factory.mktemp("privacy") / "data"
    shutil.copytree(seeded_demo.data, data)  # the demo cohort, seeded once per test process (tests/conftest.py)
    app = create_app({"TESTING": True, "DATA": str(data)})
    with app.app_context():
        store = app.extensions["store"]
        cohort = store.get_cohort(DEMO_COHORT)
        made = partnerships.run(store, cohort, "mentoring")
        partnerships.confirm(store, cohort, "mentoring", made["id"])  # so the confirmed list shows too
        for mode in ("co-coaching", "mentoring", "specialist"):
            partnerships.run(store, cohort, mode)
    return data


@pytest.fixture
def coordinator(tmp_path, template):
    shutil.copytree(template, tmp_path / "data")
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "data"),
                      "DATABASE_URL": servers.on_the_test_backend(tmp_path / "data", template)})
    store = app.extensions["store"]
    browser = app.test_client()
    with app.app_context():
        account = create_user(store, "coordinator@example.org", "coordinator", [DEMO_COHORT])
        token = start_session(store, account)
    with browser.session_transaction() as session:
        session["_user_id"] = f"{account['id']}:{token}"
    return app, browser


def private_words(definition) -> list[str]:
    """Text that would only appear if a teacher's beliefs or barriers were shown: items, construct names, barriers."""
    words = [c.label for c in definition.constructs]
    words += [item.text for q in definition.questions() if q.id.startswith("beliefs_") for item in q.items]
    words += [c.label for c in definition.question("barriers").options]
    return words


def test_no_coordinator_page_or_download_shows_beliefs_or_barriers(coordinator):
    app, browser = coordinator
    store = app.extensions["store"]
    # Into a second cycle, so the impact report and its CSV have figures (and the partnerships pages a log).
    with app.app_context():
        seed_second_cycle(store, definition_dirs(app.config["DATA"]), DEMO_COHORT)
    definition = published_definition(store, "starting_point", store.get_cohort(DEMO_COHORT)["form_version"])
    words = private_words(definition)
    assert "Worry about being judged" in words and "Learner-centred beliefs" in words
    values = {"cohort_id": DEMO_COHORT, "mode": "co-coaching"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("coordinator.") or "GET" not in rule.methods:
            continue
        for mode in (["co-coaching", "mentoring", "specialist"] if "<mode>" in rule.rule else [None]):
            url = rule.rule.replace("<cohort_id>", values["cohort_id"]).replace("<mode>", mode or "")
            if "<partnership_id>" in url:  # a page about one partnership: one of this mode's confirmed ones
                found = [p["id"] for p in partnerships.confirmed(store, store.get_cohort(DEMO_COHORT))
                         if p["mode"] == mode]
                if not found:
                    continue
                url = url.replace("<partnership_id>", found[0])
            if "<job_id>" in url:  # a background run's progress: the latest pairing run's, if there was one
                found = [j["id"] for j in store.list_jobs(DEMO_COHORT)]
                if not found:
                    continue
                url = url.replace("<job_id>", found[-1])
            query = {}
            if "move" in rule.rule:  # the move page needs a teacher in the mode's current proposal
                pairs = (store.pairing_state(DEMO_COHORT, mode).get("proposal") or {}).get("pairs")
                if not pairs:
                    continue
                query = {"teacher": pairs[0]["members"][-1]}
            page = browser.get(url, query_string=query)
            assert page.status_code == 200, url
            shown = [w for w in words if w in page.get_data(as_text=True)]
            assert shown == [], f"{url} shows {shown}"
            checked += 1
    assert checked >= 10  # menu, three partnerships pages, moves, specialists, expertise and its downloads
