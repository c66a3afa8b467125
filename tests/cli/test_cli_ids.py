"""How machine outputs name a teacher: `respondent` is the id given at import (null for a teacher who came
through the web) and `response_id` the app's own id, in `export`, `cluster --json`, `recommend --json`,
`pair --json` and the specialist's members.csv, so an analyst can join them with each other and their data."""

from __future__ import annotations

import csv
import io
import json
import random

import pytest

from diagnostic.cli import cli
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import validate_row
from diagnostic.services.demo import PROFILES, teacher_row
from diagnostic.services.journey import new_response, submit

IMPORTED = "T-imported"
MODES = ("co-coaching", "mentoring", "specialist")


@pytest.fixture
def invoke(runner):
    def run(*args):
        result = runner.invoke(cli, args=[str(a) for a in args])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code == 0, result.output
        return result
    return run


def answers_row(definition, seed: int, **changes: str) -> dict[str, str]:
    """A synthetic teacher's answers as CSV cells, choosing questioning and free at lunchtime, so they can pair."""
    return {**teacher_row(definition, PROFILES[0], random.Random(seed)), "focus_choice": "questioning",
            "coaching_role": "both", "availability": "lunchtime", **changes}


@pytest.fixture
def two(invoke, app, store, cohort, tmp_path):
    """A teacher imported from CSV (with their own id) and an experienced one who answered on the web.

    Returns {response id: respondent}.
    """
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    row = {"respondent": IMPORTED, "school": "Ashfield", **answers_row(definition, 1, career_stage="early_career")}
    path = tmp_path / "answers.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    invoke("import-responses", "--cohort", cohort["id"], path)
    with app.app_context():  # the rows are checked with the web's own forms
        answers, problems = validate_row(definition, answers_row(definition, 2, career_stage="experienced",
                                                                confidence_questioning="5"))
    assert problems == []
    web, _ = new_response(cohort, school="Brook Lane")
    web["answers"] = answers
    store.add_responses(cohort["id"], [submit(web, definition, web["revision"])])
    invoke("specialists", "add", "--cohort", cohort["id"], "--name", "Dr Quest", "--focus", "questioning",
           "--capacity", "5")
    ids = {r["id"]: r.get("respondent") for r in store.list_responses(cohort["id"], status="submitted")}
    assert sorted(ids.values(), key=str) == [None, IMPORTED] and ids[web["id"]] is None
    return ids


def ids_of(people) -> dict:
    """{response_id: respondent} from a list of objects that carry both (and never only one)."""
    found = {}
    for p in people:
        assert {"response_id", "respondent"} <= set(p), p
        assert p["response_id"] not in found
        found[p["response_id"]] = p["respondent"]
    return found


def test_export_names_each_teacher_by_both_ids(invoke, cohort, two):
    data = json.loads(invoke("export", "--cohort", cohort["id"], "--format", "json").output)
    assert ids_of(data["responses"]) == two
    table = list(csv.DictReader(io.StringIO(invoke("export", "--cohort", cohort["id"]).output, newline="")))
    # In CSV a teacher who came through the web has an empty respondent cell.
    assert {r["response_id"]: r["respondent"] or None for r in table} == two


def test_cluster_json_lists_memberships_and_profile_members_with_both_ids(invoke, cohort, two):
    data = json.loads(invoke("cluster", "--cohort", cohort["id"], "--json").stdout)
    assert ids_of(data["members"]) == two
    groups = {p["group"] for p in data["profiles"]}
    assert all(m["group"] in groups and 0 <= m["confidence"] <= 1 and isinstance(m["fits_poorly"], bool)
               for m in data["members"])
    assert ids_of(m for p in data["profiles"] for m in p["members"]) == two


def test_members_csv_has_both_ids(invoke, client, cohort, two):
    invoke("cluster", "--cohort", cohort["id"])
    answer = client.get(f"/specialist/cohorts/{cohort['id']}/export/members.csv")
    assert answer.status_code == 200
    table = list(csv.DictReader(io.StringIO(answer.text, newline="")))
    assert {r["response_id"]: r["respondent"] or None for r in table} == two


def test_recommend_json_has_both_ids_and_finds_a_teacher_by_either(invoke, cohort, two):
    data = json.loads(invoke("recommend", "--cohort", cohort["id"], "--json").output)
    assert ids_of(data) == two
    imported = next(i for i, r in two.items() if r == IMPORTED)
    web = next(i for i, r in two.items() if r is None)
    for given, expected in ((IMPORTED, imported), (imported, imported), (web, web)):
        found = json.loads(invoke("recommend", "--cohort", cohort["id"], "--respondent", given, "--json").output)
        assert [t["response_id"] for t in found] == [expected]
    text = invoke("recommend", "--cohort", cohort["id"]).output
    headings = [line for line in text.splitlines() if not line.startswith(" ")]  # one per teacher
    assert [sum(ref in line for line in headings) for ref in (web, IMPORTED)] == [1, 1] and "None" not in text


@pytest.mark.parametrize("mode", MODES)
def test_pair_json_names_teachers_by_both_ids_and_specialists_by_their_own(invoke, store, cohort, two, mode):
    data = json.loads(invoke("pair", "--cohort", cohort["id"], "--mode", mode, "--json").output)
    specialist = cohort_specialist(store, cohort)
    teachers = []
    for p in data["pairs"]:
        people = p["members"]
        if mode == "specialist":
            lead, *people = people
            assert lead["specialist_id"] == specialist and "response_id" not in lead and "respondent" not in lead
        teachers += people
    teachers += data["unpaired"]
    # The web teacher mentors the imported one; in the other modes each is paired or listed as not paired.
    assert ids_of(teachers) == two and data["pairs"], data
    # What is stored keeps bare ids: the proposal's members and its unpaired list use response ids.
    stored = store.pairing_state(cohort["id"], mode)["proposal"]
    assert all(isinstance(m, str) for p in stored["pairs"] for m in p["members"])
    assert {u["respondent"] for u in stored["unpaired"]} <= set(two)


def cohort_specialist(store, cohort) -> str:
    (listed,) = store.get_cohort(cohort["id"])["specialists"]
    return listed["id"]


def test_the_ids_join_across_every_output(invoke, cohort, two):
    exported = ids_of(json.loads(invoke("export", "--cohort", cohort["id"], "--format", "json").output)["responses"])
    grouped = ids_of(json.loads(invoke("cluster", "--cohort", cohort["id"], "--json").stdout)["members"])
    ranked = ids_of(json.loads(invoke("recommend", "--cohort", cohort["id"], "--json").output))
    paired = json.loads(invoke("pair", "--cohort", cohort["id"], "--mode", "co-coaching", "--json").output)
    people = ids_of([*(m for p in paired["pairs"] for m in p["members"]), *paired["unpaired"]])
    assert exported == grouped == ranked == people == two
