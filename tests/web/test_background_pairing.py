"""A pairing run too big for one request goes to a background job: the page reports it, from any app server."""

from __future__ import annotations

import html
import threading
import time

import pytest

from diagnostic import create_app
from diagnostic.services import partnerships
from tests.conftest import sign_in_as
from tests.web.test_coordinator_pairing import Coordinator, planted  # noqa: F401 - the fixture is used below

pytestmark = pytest.mark.both_backends


@pytest.fixture
def coordinator(app, client, cohort):
    app.config["BACKGROUND_FROM"] = 1  # every run goes to the background here
    return Coordinator(client, cohort)


def finished(store, cohort, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = store.list_jobs(cohort["id"])[-1]
        if job["status"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError("the background run did not finish")


def test_a_big_run_goes_to_the_background_and_the_page_shows_the_proposal_when_it_is_done(
        coordinator, store, cohort, planted):  # noqa: F811
    answer = coordinator.post("/partnerships/co-coaching/run", school_rule="any")
    assert answer.status_code == 302
    job = finished(store, cohort)
    assert job["status"] == "done" and job["subject"] == "co-coaching"
    page = html.unescape(coordinator.get("/partnerships/co-coaching").text)
    pairs = len(store.pairing_state(cohort["id"], "co-coaching")["proposal"]["pairs"])
    assert pairs >= 1 and f"Proposed {pairs} co-coaching partnership" in page
    status = coordinator.get(f"/jobs/{job['id']}").get_json()
    assert status["state"] == "done" and status["outcome"].startswith(f"Proposed {pairs}")


def test_while_a_run_is_going_the_page_says_so_and_a_second_run_is_refused(coordinator, store, cohort, planted,  # noqa: F811
                                                                          monkeypatch):
    release, real = threading.Event(), partnerships.run_if_pairable
    monkeypatch.setattr(partnerships, "run_if_pairable", lambda *a, **k: release.wait(30) and real(*a, **k))
    try:
        assert coordinator.post("/partnerships/co-coaching/run", school_rule="any").status_code == 302
        page = coordinator.get("/partnerships/co-coaching")
        assert "in the background" in page.text and "jobs.js" in page.text  # the script that waits for it
        again = coordinator.post("/partnerships/co-coaching/run", school_rule="same")
        assert again.status_code == 409 and "already" in html.unescape(again.text)
        job = store.list_jobs(cohort["id"])[-1]
        assert coordinator.get(f"/jobs/{job['id']}").get_json()["state"] == "running"
        assert len(store.list_jobs(cohort["id"])) == 1 and not store.pairing_state(cohort["id"], "co-coaching").get(
            "proposal")
    finally:
        release.set()
    assert finished(store, cohort)["status"] == "done"
    assert store.pairing_state(cohort["id"], "co-coaching")["options"]["school_rule"] == "any"  # the first run's


def test_a_refused_run_says_why_on_the_page(coordinator, store, cohort):
    from tests.web.test_coordinator_pairing import add_teacher
    add_teacher(store, cohort, "Amira Patel", "questioning")  # one teacher: nobody to pair with
    assert coordinator.post("/partnerships/co-coaching/run", school_rule="any").status_code == 302
    assert finished(store, cohort)["status"] == "failed"
    page = html.unescape(coordinator.get("/partnerships/co-coaching").text)
    assert "could not finish" in page and "only one teacher" in page


def test_another_cohorts_job_is_not_found(coordinator, store, cohort, planted):  # noqa: F811
    store.add_job({"id": "elsewhere", "cohort": "other", "kind": "pairing", "subject": "co-coaching",
                   "actor": "x", "status": "done", "step": "done", "outcome": "secret", "started_at": "",
                   "heartbeat_at": "", "finished_at": ""})
    assert coordinator.get("/jobs/elsewhere").status_code == 404
    assert coordinator.get("/jobs/nothing-like-it").status_code == 404


def test_any_app_server_reports_a_run_another_started(app, backend, database_url, coordinator, store, cohort,
                                                      planted, tmp_path):  # noqa: F811
    if backend != "postgresql":
        pytest.skip("two app servers share one store only through a database")
    other = create_app({"TESTING": True, "DATA": str(tmp_path / "other"), "DATABASE_URL": database_url,
                        "SECRET_KEY": app.config["SECRET_KEY"]})
    try:
        elsewhere = other.test_client()
        sign_in_as(elsewhere, other, "coordinator", [cohort["id"]])
        assert coordinator.post("/partnerships/co-coaching/run", school_rule="any").status_code == 302
        job = finished(store, cohort)
        base = f"/coordinator/cohorts/{cohort['id']}"
        assert elsewhere.get(f"{base}/jobs/{job['id']}").get_json()["state"] == "done"
        assert job["outcome"] in html.unescape(elsewhere.get(f"{base}/partnerships/co-coaching").text)
    finally:
        other.extensions["store"].close()
