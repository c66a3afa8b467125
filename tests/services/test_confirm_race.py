"""Two confirms of one proposal at once: exactly one stores the partnerships, the other is told they are confirmed."""

from __future__ import annotations

import multiprocessing
import re
import threading
from collections import Counter

import pytest

from diagnostic.services import partnerships
from diagnostic.services.demo import DEMO_COHORT
from diagnostic.services.partnerships import AlreadyConfirmed, StaleProposal
from diagnostic.storage.backends import open_store
from tests.conftest import sign_in_as

pytestmark = pytest.mark.both_backends  # two servers confirming at once must not double-book on either store
MODE = "co-coaching"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@pytest.fixture
def app(demo_app):
    return demo_app


@pytest.fixture
def proposal(store):
    made = partnerships.run(store, store.get_cohort(DEMO_COHORT), MODE)
    assert len(made["pairs"]) >= 10
    return made


def assert_booked_once(store, proposal) -> None:
    """Exactly the proposal's partnerships are stored, and no teacher is in two of them."""
    stored = [p for p in store.list_partnerships(DEMO_COHORT) if p["mode"] == MODE]
    assert len(stored) == len(proposal["pairs"])
    seats = Counter(m for p in stored for m in p["members"])
    assert max(seats.values()) == 1, [m for m, n in seats.items() if n > 1]


def _confirm_in_process(data_dir: str, database_url: str | None, proposal_id: str, start, results) -> None:
    store = open_store(data_dir, database_url)
    start.wait(60)
    try:
        made = partnerships.confirm(store, store.get_cohort(DEMO_COHORT), MODE, proposal_id)
    except AlreadyConfirmed:
        results.put("already confirmed")
    except StaleProposal as exc:
        results.put(f"stale: {exc}")
    else:
        results.put(f"confirmed {len(made)}")


def test_two_threads_confirming_one_proposal_store_it_once(store, proposal):
    start = threading.Barrier(2)
    outcomes = []

    def confirm() -> None:
        start.wait(30)
        try:
            outcomes.append(len(partnerships.confirm(store, store.get_cohort(DEMO_COHORT), MODE, proposal["id"])))
        except AlreadyConfirmed:
            outcomes.append("already confirmed")

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(outcomes, key=str) == sorted([len(proposal["pairs"]), "already confirmed"], key=str)
    assert_booked_once(store, proposal)


def test_two_processes_confirming_one_proposal_store_it_once(app, store, proposal):
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    args = (app.config["DATA"], app.config["DATABASE_URL"], proposal["id"], start, results)
    workers = [ctx.Process(target=_confirm_in_process, args=args) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    outcomes = sorted(results.get(timeout=10) for _ in workers)
    assert outcomes == ["already confirmed", f"confirmed {len(proposal['pairs'])}"]
    assert_booked_once(store, proposal)


def test_two_coordinators_pressing_confirm_at_once_get_one_partnership_each_and_a_clear_answer(app, store, proposal):
    url = f"/coordinator/cohorts/{DEMO_COHORT}/partnerships/{MODE}"
    browsers = []
    for _ in range(2):
        browser = app.test_client()
        sign_in_as(browser, app, "coordinator", [DEMO_COHORT])
        token = CSRF.search(browser.get(url).text).group(1)
        browsers.append((browser, token))
    start = threading.Barrier(2)
    answers = []

    def press(browser, token) -> None:
        start.wait(30)
        form = {"csrf_token": token, "proposal": proposal["id"], "sure": "yes"}
        answers.append(browser.post(f"{url}/confirm", data=form))

    threads = [threading.Thread(target=press, args=pair) for pair in browsers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(a.status_code for a in answers) == [302, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "already confirmed" in refused.text
    assert_booked_once(store, proposal)


def test_a_proposal_naming_someone_confirmed_since_is_refused_and_nothing_is_stored(store, proposal):
    cohort = store.get_cohort(DEMO_COHORT)
    first = proposal["pairs"][0]["members"]
    # Another proposal made at the same time confirms the first pair's teachers first.
    partnerships.lock(store, cohort, MODE, first)
    partnerships.confirm(store, cohort, MODE, partnerships.run(store, cohort, MODE)["id"])
    before = store.list_partnerships(DEMO_COHORT)
    # The old proposal is put back as if a stale copy had been stored (what a lost race would leave).
    store.update_pairing_state(DEMO_COHORT, MODE, lambda s: {**s, "proposal": proposal})
    with pytest.raises(StaleProposal, match="already in a confirmed partnership"):
        partnerships.confirm(store, cohort, MODE, proposal["id"])
    assert store.list_partnerships(DEMO_COHORT) == before
