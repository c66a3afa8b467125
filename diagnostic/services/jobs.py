"""Background jobs: a long run started from a page goes on after the page has answered, and any server reports it.

A coordinator's pairing run for a national cohort, or a specialist's re-grouping, can take longer than an app
server lets a request run. Such a run is stored as a job (what to do, who asked, how far it has got), run in a
thread of the server that took the request, and read back from the store by whichever server the next page
load reaches. While it runs, the thread stamps a heartbeat; a job whose heartbeat stops (its server was
killed or restarted) is reported as stopped, so the coordinator can start it again rather than wait forever.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from diagnostic.storage.interface import Record, Store

HEARTBEAT_SECONDS = 5
STOPPED_AFTER = timedelta(seconds=60)  # twelve missed heartbeats: that server is gone
log = logging.getLogger(__name__)


class JobRunning(Exception):
    """The same run for this cohort is already going; its page reports it."""


def _now() -> datetime:
    return datetime.now(UTC)


def state(job: Record, now: datetime | None = None) -> str:
    """"running", "done", "failed", or "stopped" (running, but its server stopped reporting)."""
    if job["status"] != "running":
        return job["status"]
    beat = datetime.fromisoformat(job["heartbeat_at"])
    return "stopped" if (now or _now()) - beat > STOPPED_AFTER else "running"


def latest(store: Store, cohort_id: str, kind: str, subject: str = "") -> Record | None:
    """The newest job of this kind (and subject, such as a pairing mode) for the cohort, with its `state`."""
    found = [j for j in store.list_jobs(cohort_id) if j["kind"] == kind and j.get("subject", "") == subject]
    return {**found[-1], "state": state(found[-1])} if found else None


def start(store: Store, cohort_id: str, kind: str, subject: str, actor: str,
          work: Callable[[Callable[[str], None]], Record], describe: Callable[[Record], str],
          expected: tuple[type[Exception], ...] = ()) -> Record:
    """Store a job and run `work(report)` in a thread; `describe(result)` says in words what it made.

    `work` calls `report(step)` to say what it is doing; an `expected` error (the run refused, with its reason)
    is shown as it is. Refuses (`JobRunning`) while the same job is running.
    """
    running = latest(store, cohort_id, kind, subject)
    if running and running["state"] == "running":
        raise JobRunning(f"this is already being done (started by {running['actor']} at "
                         f"{running['started_at'][11:16]} UTC): its progress is shown on the page")
    stamp = _now().isoformat()
    job = store.add_job({"id": secrets.token_hex(8), "cohort": cohort_id, "kind": kind, "subject": subject,
                         "actor": actor, "status": "running", "step": "starting", "started_at": stamp,
                         "heartbeat_at": stamp, "finished_at": None, "outcome": None})
    threading.Thread(target=_run, args=(store, job["id"], work, describe, expected), daemon=True,
                     name=f"job-{kind}-{job['id']}").start()
    return job


def _run(store: Store, job_id: str, work: Callable[[Callable[[str], None]], Record],
         describe: Callable[[Record], str], expected: tuple[type[Exception], ...]) -> None:
    finished = threading.Event()

    def beat() -> None:
        while not finished.wait(HEARTBEAT_SECONDS):
            store.update_job(job_id, lambda j: {**j, "heartbeat_at": _now().isoformat()})

    def report(step: str) -> None:
        store.update_job(job_id, lambda j: {**j, "step": step, "heartbeat_at": _now().isoformat()})

    threading.Thread(target=beat, daemon=True, name=f"heartbeat-{job_id}").start()
    outcome: dict[str, Any]
    try:
        outcome = {"status": "done", "outcome": describe(work(report))}
    except expected as exc:
        outcome = {"status": "failed", "outcome": str(exc)}
    except Exception:  # a thread has no caller to raise to: log it whole, and tell the page it stopped
        log.exception("background job %s failed", job_id)
        outcome = {"status": "failed", "outcome": "an unexpected error stopped it; the server's log says more"}
    finally:
        finished.set()
    store.update_job(job_id, lambda j: {**j, **outcome, "finished_at": _now().isoformat()})
