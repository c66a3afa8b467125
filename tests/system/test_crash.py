"""Crash safety, end to end: the production server is SIGKILLed twice under load and nothing acknowledged is lost.

A small run of bench/crash.py (see bench/README.md): 10 simulated teachers answer the whole questionnaire over
HTTP against `diagnostic serve --production --workers 2` while the whole process group (gunicorn's master and
its workers) is killed with SIGKILL and started again. Teachers whose request fails come back through their
private link, which must lead them to the right page.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from benches import bench_module, without_server_settings


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill_of_the_whole_server(tmp_path, monkeypatch):
    without_server_settings(monkeypatch)
    crash = bench_module("crash")
    # In a thread of its own: the run uses asyncio.run, and the browser tests' Playwright may already have an
    # event loop running in this thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Each teacher's start, 8 pages and submission are 10 acknowledged writes, 100 in all: killing after the
        # 30th and the 70th comes while teachers are still answering, however fast or slow the machine is.
        result = pool.submit(crash.crash_run, tmp_path, teachers=10, workers=2, think=(0.1, 0.3), ramp=0.5,
                             timeout=120, seed=7, kill_after=(30, 70)).result()
    report = json.dumps({k: result[k] for k in ("checks", "kills", "store", "files", "resumes_during_load",
                                                "resume_links_after", "errors", "failures")}, indent=1)
    assert len(result["kills"]) == 2, report  # both kills came while teachers were still answering
    first, second = result["kills"]
    assert first["acknowledged_writes_before"] >= 30 and second["acknowledged_writes_before"] >= 70, report
    assert result["teachers_completed"] == 10, report
    store = result["store"]
    assert store["lost_saves"] == 0 and store["lost_submissions"] == 0 and store["duplicated"] == 0, report
    assert store["acknowledged_submissions"] == 10 and store["submitted_stored"] == 10, report
    assert store["responses_with_answers_never_sent"] == 0 and store["ok"], report
    assert result["files"]["ok"] and not result["files"]["damaged"], report
    resumes = result["resumes_during_load"]
    assert resumes["count"] >= 1 and resumes["to_the_right_page"] == resumes["count"], report
    assert result["resume_links_after"]["ok"] and result["resume_links_after"]["links_opened"] == 10, report
    assert result["all_ok"], report


def test_the_store_check_notices_a_lost_save_a_lost_submission_and_a_stranger(tmp_path):
    crash = bench_module("crash")
    traffic = crash.traffic
    from diagnostic.services.journey import new_response
    from diagnostic.storage.backends import open_store

    data = tmp_path / "data"
    cohort_id, _ = traffic.create_cohort(data, "Check the checker")
    store = open_store(data, None)
    definition = traffic.load_definition(store, cohort_id)
    plan = traffic.make_plans(definition, 1, seed=1)[0]
    record, token = new_response(store.get_cohort(cohort_id))
    stranger, _ = new_response(store.get_cohort(cohort_id))
    store.add_responses(cohort_id, [record, stranger])
    first = plan.path[0].rsplit("/", 1)[1]
    told = traffic.Outcome(plan, response_id=record["id"], token=token, joins_sent=1, submitted=True,
                           saves=[(int(first), plan.page_answers[int(first)])])
    found = traffic.check_store(store, cohort_id, definition, [told], exact=True)
    assert found["lost_saves"] == 1 and found["lost_submissions"] == 1
    assert found["stored_without_acknowledgement"] == 1 and not found["ok"]
    assert traffic.check_store(store, cohort_id, definition, [traffic.Outcome(plan, response_id=record["id"],
                                                                             joins_sent=2)], exact=False)["ok"]
