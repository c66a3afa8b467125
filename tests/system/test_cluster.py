"""Two app servers on one PostgreSQL and one Redis: one is SIGKILLed twice under load, the other carries on.

A small run of bench/cluster_crash.py (see bench/README.md): 16 simulated teachers answer the whole questionnaire
over HTTP, each request going to either of two `diagnostic serve --production --workers 2` at random (own data
directories; the same secret key, a fresh database, and Redis under a key prefix of the run's own). Each server
in turn loses its whole process group to SIGKILL and is started again.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import servers
from benches import bench_module, without_server_settings


@pytest.mark.slow
def test_two_servers_share_one_database_and_survive_sigkills_in_turn(tmp_path, monkeypatch):
    servers.require_postgres()
    servers.require_redis()
    without_server_settings(monkeypatch)
    bench = bench_module("cluster_crash")
    # Each teacher's start, 8 pages and submission are 10 acknowledged writes, 160 in all; thinking 1 to 2.5 s a
    # page keeps them busy for 17 s or more, so both kills (after the 16th and the 40th write) come mid-load, and the
    # killer itself waits (boundedly) for the live server to carry on and for the restarted one to answer again.
    with servers.fresh_database() as url, ThreadPoolExecutor(max_workers=1) as pool:
        # In a thread of its own: the run uses asyncio.run, and the browser tests' Playwright may have a loop here.
        result = pool.submit(bench.cluster_crash_run, tmp_path, url, servers.REDIS_URL, teachers=16, workers=2,
                             think=(1.0, 2.5), hold=3, ramp=1.0, timeout=240, seed=11,
                             kill_after=(16, 40)).result()
    report = json.dumps({k: result[k] for k in ("checks", "kills", "store", "resumes_during_load",
                                                "resume_links_after", "errors", "failures")}, indent=1)
    kills = result["kills"]
    assert [k["server"] for k in kills] == [0, 1], report  # each server was killed once, both mid-load
    assert kills[0]["acknowledged_writes_before"] >= 16 and kills[1]["acknowledged_writes_before"] >= 40, report
    for kill in kills:
        assert kill["held_down_until_the_other_carried_on"], report
        assert kill["while_down"]["writes_acknowledged_by_the_other"] >= 3, report
        assert kill["while_down"]["resumes_on_the_other"] >= 1, report  # teachers came back on the live one
    assert result["teachers_completed"] == 16, report
    store = result["store"]
    assert store["lost_saves"] == 0 and store["lost_submissions"] == 0 and store["duplicated"] == 0, report
    assert store["acknowledged_submissions"] == 16 and store["submitted_stored"] == 16, report
    assert store["responses_with_answers_never_sent"] == 0 and store["ok"], report
    resumes = result["resumes_during_load"]
    assert resumes["count"] >= 2 and resumes["to_the_right_page"] == resumes["count"], report
    links = result["resume_links_after"]
    assert links["ok"] and links["links_opened"] == 16, report
    assert sorted(links["opened_on"].values()) == [8, 8], report  # both, each restarted, lead teachers back
    assert not any(f.startswith("store/") for files in result["data_dir_files"] for f in files), report
