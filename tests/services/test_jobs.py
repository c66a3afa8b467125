"""Background jobs: stored, run in a thread, reported from the store, and a dead server's job seen as stopped."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from diagnostic.services import jobs

pytestmark = pytest.mark.both_backends  # a job started on one server is read on another: through the store


def wait_until_finished(store, job_id: str, seconds: float = 30) -> dict:
    """The job once its thread has stored how it ended."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = store.get_job(job_id)
        if job["status"] != "running":
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still running after {seconds} s")


def test_a_job_runs_in_the_background_and_stores_its_outcome_in_words(store, cohort):
    release = threading.Event()
    steps = []

    def work(report):
        report("matching teachers")
        steps.append(store.get_job(job["id"])["step"])
        release.wait(10)
        return {"pairs": 3}

    job = jobs.start(store, cohort["id"], "pairing", "co-coaching", "coordinator@example.org", work,
                     lambda result: f"Proposed {result['pairs']} partnerships")
    assert jobs.latest(store, cohort["id"], "pairing", "co-coaching")["state"] == "running"
    with pytest.raises(jobs.JobRunning, match="already"):
        jobs.start(store, cohort["id"], "pairing", "co-coaching", "other@example.org", work, str)
    release.set()
    done = wait_until_finished(store, job["id"])
    assert (done["status"], done["outcome"]) == ("done", "Proposed 3 partnerships") and done["finished_at"]
    assert steps == ["matching teachers"]
    assert jobs.latest(store, cohort["id"], "pairing", "co-coaching")["state"] == "done"
    assert jobs.latest(store, cohort["id"], "pairing", "mentoring") is None  # each mode has its own jobs


class Refused(Exception):
    pass


@pytest.mark.parametrize(("error", "shown"), [
    (Refused("only one teacher has submitted"), "only one teacher has submitted"),  # expected: said as it is
    (ZeroDivisionError("division by zero"), "unexpected error"),  # a bug: logged, and the page says it stopped
])
def test_a_failed_job_says_why_without_a_traceback(store, cohort, error, shown, caplog):
    def work(report):
        raise error

    job = jobs.start(store, cohort["id"], "pairing", "co-coaching", "c@example.org", work, str, expected=(Refused,))
    failed = wait_until_finished(store, job["id"])
    assert failed["status"] == "failed" and shown in failed["outcome"] and "Traceback" not in failed["outcome"]
    assert (isinstance(error, Refused)) != any("background job" in r.message for r in caplog.records)


def test_a_job_whose_server_stopped_beating_is_reported_stopped_and_can_be_started_again(store, cohort):
    stamp = "2026-12-01T10:00:00+00:00"
    store.add_job({"id": "gone", "cohort": cohort["id"], "kind": "pairing", "subject": "co-coaching",
                   "actor": "c@example.org", "status": "running", "step": "matching teachers",
                   "started_at": stamp, "heartbeat_at": stamp, "finished_at": None, "outcome": None})
    assert jobs.latest(store, cohort["id"], "pairing", "co-coaching")["state"] == "stopped"
    job = store.get_job("gone")
    from datetime import datetime
    beat = datetime.fromisoformat(stamp)
    assert jobs.state(job, beat + jobs.STOPPED_AFTER - timedelta(seconds=1)) == "running"
    again = jobs.start(store, cohort["id"], "pairing", "co-coaching", "c@example.org", lambda report: {}, str)
    assert wait_until_finished(store, again["id"])["status"] == "done"
