"""The coaching log through the teacher's pages: partners write and read it together; outsiders get 404."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from conftest import sign_in_as
from pages import visible_text

from tests.web.test_partner import SCRIPT, as_teacher, build, csrf

TODAY = date.today().isoformat()


@pytest.fixture
def paired(app, store, cohort):
    """Amy and Bea, then Cal and Dan, confirmed as co-coaching pairs, each with their private link."""
    return build(app, store, cohort)


def log_url(pid: str, entry: str = "") -> str:
    return f"/questionnaire/log/{pid}" + (f"/{entry}" if entry else "")


def write(client, pid, **fields):
    page = client.get(log_url(pid)).text
    return client.post(log_url(pid), data={"csrf_token": csrf(page), "on": TODAY, **fields})


def test_partners_write_in_one_log_and_each_reads_the_others_entries(app, store, cohort, paired):
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    assert "Open your coaching log" in visible_text(amy.get("/questionnaire/partner").text)
    saved = write(amy, paired["pair"], kind="observation", strategy="Wait time of five seconds",
                  pupils="More hands, longer answers", prior_knowledge=f"Asked what they knew {SCRIPT}")
    assert saved.status_code == 302
    seen = bea.get(log_url(paired["pair"]))
    assert seen.status_code == 200
    text = visible_text(seen.text)
    assert "Classroom observation" in text and "Wait time of five seconds" in text and "Written by Amy" in text
    assert SCRIPT not in seen.text and "&lt;script&gt;" in seen.text  # what a teacher typed is escaped
    (entry,) = store.log_entries(cohort["id"])
    assert entry["author"]["id"] == paired["ids"]["Amy"] and entry["partnership"] == paired["pair"]


def test_a_teacher_outside_the_partnership_gets_404_for_its_log(app, store, cohort, paired):
    cal = as_teacher(app, paired, "Cal")
    assert cal.get(log_url(paired["pair"])).status_code == 404
    assert cal.post(log_url(paired["pair"]), data={"kind": "planning", "on": TODAY, "notes": "x"}).status_code in (
        400, 404)
    assert store.log_entries(cohort["id"]) == []


@pytest.mark.parametrize(("fields", "status"), [
    ({"kind": "planning", "notes": "x" * 2001}, 422),
    ({"kind": "planning", "notes": "  "}, 422),
    ({"kind": "gossip", "notes": "x"}, 422),
    ({"kind": "planning", "notes": "x", "on": (date.today() + timedelta(days=3)).isoformat()}, 422),
    ({"kind": "planning", "notes": "x", "on": "not a date"}, 422),
])
def test_bad_entries_are_refused_with_a_message_and_nothing_is_saved(app, store, cohort, paired, fields, status):
    amy = as_teacher(app, paired, "Amy")
    refused = write(amy, paired["pair"], **fields)
    assert refused.status_code == status and "There is a problem" in refused.text
    assert store.log_entries(cohort["id"]) == []


def test_only_the_author_changes_an_entry_and_a_stale_tab_gets_409(app, store, cohort, paired):
    amy, bea = as_teacher(app, paired, "Amy"), as_teacher(app, paired, "Bea")
    write(amy, paired["pair"], kind="planning", notes="Observe on Tuesday")
    (entry,) = store.log_entries(cohort["id"])
    url = log_url(paired["pair"], entry["id"])
    assert bea.get(url).status_code == 404  # Bea reads it in the log but cannot change Amy's entry
    first_tab, second_tab = amy.get(url).text, amy.get(url).text
    fields = {"kind": "planning", "on": TODAY, "revision": re.search(r'name="revision" value="(\d+)"',
                                                                     first_tab).group(1)}
    assert amy.post(url, data={"csrf_token": csrf(first_tab), **fields, "notes": "Observe on Wednesday"}
                    ).status_code == 302
    stale = amy.post(url, data={"csrf_token": csrf(second_tab), **fields, "notes": "Observe on Friday"})
    assert stale.status_code == 409 and "Observe on Wednesday" in stale.text
    assert store.log_entries(cohort["id"])[0]["text"]["notes"] == "Observe on Wednesday"


def test_a_post_without_its_token_saves_nothing(app, store, cohort, paired):
    amy = as_teacher(app, paired, "Amy")
    assert amy.post(log_url(paired["pair"]), data={"kind": "planning", "on": TODAY, "notes": "x"}).status_code == 400
    assert store.log_entries(cohort["id"]) == []


def test_a_coordinator_sees_that_a_log_is_alive_but_never_what_it_says(app, store, cohort, paired):
    amy = as_teacher(app, paired, "Amy")
    write(amy, paired["pair"], kind="observation", strategy="Secret strategy words", pupils="Quiet pupils spoke",
          prior_knowledge="")
    coordinator = app.test_client()
    sign_in_as(coordinator, app, "coordinator", [cohort["id"]])
    page = coordinator.get(f"/coordinator/cohorts/{cohort['id']}/partnerships/co-coaching")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert f"1 entry (1 observation), the last on {TODAY}" in text and "No entries yet" in text  # the other pair
    assert "Secret strategy words" not in page.text and "Quiet pupils spoke" not in page.text
