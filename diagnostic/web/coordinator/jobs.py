"""How far a background job has got (a long pairing run), as JSON for the page that shows it."""

from __future__ import annotations

from flask import abort, g

from diagnostic.services import jobs
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import get_store


@bp.get("/cohorts/<cohort_id>/jobs/<job_id>")
def job_status(cohort_id: str, job_id: str):  # noqa: ANN201
    """A job's state, step and outcome in words; 404 for a job of another cohort. Any app server can answer."""
    job = get_store().get_job(job_id)
    if job is None or job["cohort"] != g.cohort["id"]:
        abort(404, "There is no such background job in this cohort.")
    return {"state": jobs.state(job), "step": job["step"], "outcome": job["outcome"],
            "started_at": job["started_at"], "finished_at": job["finished_at"]}
