"""`diagnostic cluster`: re-group a cohort from the command line and print the groups, or them as JSON."""

from __future__ import annotations

import copy
import json
import re

import joblib
import pytest
from stored import replace_model, saved_grouping

from diagnostic.cli import cli
from diagnostic.services.cohorts import create_cohort, published_definition
from diagnostic.services.demo import DEMO_COHORT, planted_cohort
from diagnostic.services.grouping import rename
from diagnostic.services.journey import new_response

PROGRESS = re.compile(r"^\[\s*\d+\.\ds\] \S")
GROUP_LINE = re.compile(r"^  ([A-Z]+): (.+) \((\d+) teachers?\)$")


@pytest.fixture
def app(demo_app):
    """Every test here starts from its own copy of the seeded demo cohort."""
    return demo_app


@pytest.fixture
def cluster(runner):
    def run(*args):
        result = runner.invoke(cli, args=["cluster", *[str(a) for a in args]])
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        return result
    return run


def submitted_ids(store, cohort_id=DEMO_COHORT):
    return {r["id"]: r.get("respondent") for r in store.list_responses(cohort_id, status="submitted")}


def assignments(data):
    """{response id: group} from the JSON's memberships."""
    return {m["response_id"]: m["group"] for m in data["members"]}


def grouping_file(store, cohort_id=DEMO_COHORT):
    return store.root / "cohorts" / cohort_id / "grouping.json"


def assert_one_error_line(result, *fragments):
    """Exit code 1, nothing on stdout, and on stderr only progress lines and one line saying what is wrong."""
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    errors = [line for line in lines if not PROGRESS.match(line)]
    assert len(errors) == 1 and errors[0].startswith("Error: "), lines
    for fragment in fragments:
        assert fragment in errors[0]
    return errors[0]


def new_cohort(store, shipped, name):
    cohort = create_cohort(store, shipped, name, ["Ashfield"])
    return cohort, published_definition(store, cohort["form_id"], cohort["form_version"])


# -- the groups as text and JSON -------------------------------------------------------------------------
def test_cluster_prints_the_headline_and_a_line_per_group(cluster, store):
    result = cluster("--cohort", DEMO_COHORT)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"cohort demo: 61 teachers, (\d) groups? by kmeans", lines[0]), lines[0]
    k = int(re.search(r"(\d) group", lines[0]).group(1))
    saved = store.load_grouping(DEMO_COHORT)
    quality = saved["quality"]
    assert lines[1] == f"{quality['headline']}: silhouette {quality['silhouette']}, stability {quality['stability']}"
    assert lines[2] == quality["explanation"]
    groups = [GROUP_LINE.match(line) for line in lines[3:]]
    assert len(groups) == k == saved["k"] and all(groups)
    assert [g.group(1) for g in groups] == [g["key"] for g in saved["groups"]]
    assert sum(int(g.group(3)) for g in groups) == 61
    assert not any(PROGRESS.match(line) for line in lines)
    assert result.stderr and all(PROGRESS.match(line) for line in result.stderr.splitlines())


def test_cluster_json_has_groups_memberships_and_quality_and_progress_stays_on_stderr(cluster, store):
    result = cluster("--cohort", DEMO_COHORT, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"k", "method", "quality", "members", "profiles"} <= set(data)
    assert data["method"] == "kmeans" and data["cohort"] == DEMO_COHORT and data["responses"] == 61
    for figure in ("silhouette", "stability"):
        assert isinstance(data["quality"][figure], float) and -1.0 <= data["quality"][figure] <= 1.0
    assert {m["response_id"]: m["respondent"] for m in data["members"]} == submitted_ids(store)
    assert len(data["members"]) == 61
    assert all(isinstance(m["confidence"], float) and 0.0 <= m["confidence"] <= 1.0 for m in data["members"])
    assert len(data["profiles"]) == data["k"]
    assert set(assignments(data).values()) == {p["group"] for p in data["profiles"]}
    assert sum(p["size"] for p in data["profiles"]) == 61
    progress = result.stderr.splitlines()
    assert progress and all(PROGRESS.match(line) for line in progress)
    assert any("reading submitted questionnaires" in line for line in progress)
    assert any("trying 4 groups" in line for line in progress)


def test_cluster_with_three_groups_by_ward(cluster, store):
    result = cluster("--cohort", DEMO_COHORT, "--k", "3", "--method", "ward", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["k"] == 3 and data["method"] == "ward" and data["finding"] == "requested"
    assert len(data["profiles"]) == 3 and len(set(assignments(data).values())) == 3
    assert store.load_grouping(DEMO_COHORT)["params"] == {"k": 3, "method": "ward"}
    text = cluster("--cohort", DEMO_COHORT, "--k", "3", "--method", "ward")
    assert "3 groups by ward" in text.stdout.splitlines()[0]
    assert len([line for line in text.stdout.splitlines() if GROUP_LINE.match(line)]) == 3


def test_names_given_on_the_pages_carry_over_when_clustering_again(cluster, store):
    rename(store, store.get_cohort(DEMO_COHORT), "A", "Short of time", "Protect planning time")
    result = cluster("--cohort", DEMO_COHORT, "--json")
    profile = next(p for p in json.loads(result.stdout)["profiles"] if p["group"] == "A")
    assert (profile["name"], profile["note"]) == ("Short of time", "Protect planning time")
    assert "  A: Short of time (" in cluster("--cohort", DEMO_COHORT).stdout


# -- bad input: a clear line, never a traceback -------------------------------------------------------------
@pytest.mark.parametrize(("k", "says"), [("0", "(got 0)"), ("12", "(got 12)"), ("9", "(got 9)"),
                                         ("many", "(got 'many')"), ("-1", "(got '-1')"), ("2.5", "(got '2.5')")])
def test_a_bad_number_of_groups_is_one_clear_line_and_changes_nothing(cluster, store, k, says):
    before = saved_grouping(store, DEMO_COHORT)
    result = cluster("--cohort", DEMO_COHORT, "--k", k)
    assert_one_error_line(result, "the number of groups must be", says)
    assert result.stderr.splitlines() == [result.stderr.strip()]  # refused before any work started
    assert saved_grouping(store, DEMO_COHORT) == before


def test_an_unknown_method_is_refused_by_the_option(cluster, store):
    result = cluster("--cohort", DEMO_COHORT, "--method", "bogus")
    assert result.exit_code == 2
    assert "Invalid value for '--method'" in result.stderr and "kmeans" in result.stderr


def test_an_unknown_cohort_is_one_clear_line(cluster):
    line = assert_one_error_line(cluster("--cohort", "nope"), "no cohort 'nope'", "(cohorts: demo)")
    assert line.startswith("Error: no cohort 'nope' in ")


def test_the_cohort_is_required(cluster):
    result = cluster()
    assert result.exit_code == 2 and "Missing option '--cohort'" in result.stderr


def test_a_cohort_without_submissions_is_one_clear_line(cluster, store, shipped):
    cohort, _ = new_cohort(store, shipped, "Empty")
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    assert_one_error_line(cluster("--cohort", cohort["id"]), f"cohort {cohort['id']!r} has no submitted questionnaires")
    assert store.load_grouping(cohort["id"]) is None


def test_a_tiny_cohort_is_one_group_with_too_few_teachers(cluster, store, shipped):
    cohort, definition = new_cohort(store, shipped, "Tiny")
    store.add_responses(cohort["id"], planted_cohort(cohort, definition, 4, 1)[0])
    result = cluster("--cohort", cohort["id"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"cohort {cohort['id']}: 4 teachers, 1 group by kmeans"
    assert lines[1] == "Too few teachers to form groups"
    assert len([line for line in lines if GROUP_LINE.match(line)]) == 1
    assert_one_error_line(cluster("--cohort", cohort["id"], "--k", "5"),
                          "5 groups cannot be made from 4 submitted questionnaires")


def test_identical_answers_are_one_group_everyone_answered_alike(cluster, store, shipped):
    cohort, definition = new_cohort(store, shipped, "Alike")
    responses, _ = planted_cohort(cohort, definition, 10, 3, missing=0)
    for r in responses[1:]:
        r["answers"], r["scores"] = copy.deepcopy(responses[0]["answers"]), dict(responses[0]["scores"])
    store.add_responses(cohort["id"], responses)
    data = json.loads(cluster("--cohort", cohort["id"], "--json").stdout)
    assert data["k"] == 1 and data["quality"]["headline"] == "Everyone answered alike"
    assert set(assignments(data).values()) == {"A"} and len(data["members"]) == 10


def test_other_versions_and_dropped_answers_are_reported_in_the_json(cluster, store, shipped):
    cohort, definition = new_cohort(store, shipped, "Mixed")
    responses, _ = planted_cohort(cohort, definition, 40, 4)
    for r in responses:
        r["answers"]["confidence_questioning"] = 4
    others, _ = planted_cohort(cohort, definition, 3, 8)
    for r in others:
        r["form_version"] = "0"
    store.add_responses(cohort["id"], responses + others)
    data = json.loads(cluster("--cohort", cohort["id"], "--json").stdout)
    assert data["responses"] == 40 and len(data["members"]) == 40
    assert data["other_versions"] == {"starting_point version 0": 3}
    assert data["dropped_features"] == {"confidence_questioning": "every teacher gave the same answer"}


@pytest.mark.tinydb_only
def test_a_damaged_grouping_file_is_replaced_by_clustering(cluster, store):
    grouping_file(store).write_bytes(b'{"groups": [')
    result = cluster("--cohort", DEMO_COHORT, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["k"] >= 1
    assert store.load_grouping(DEMO_COHORT)["responses"] == 61


def test_a_foreign_model_file_is_replaced_without_being_unpickled(cluster, store, monkeypatch, tmp_path):
    joblib.dump({"pipeline": "someone else's"}, tmp_path / "foreign.joblib")
    replace_model(store, DEMO_COHORT, (tmp_path / "foreign.joblib").read_bytes())

    def refuse(*args, **kwargs):
        raise AssertionError("the foreign model file was unpickled")

    monkeypatch.setattr(joblib, "load", refuse)
    result = cluster("--cohort", DEMO_COHORT)
    assert result.exit_code == 0, result.output
    assert store.load_model(DEMO_COHORT) != (tmp_path / "foreign.joblib").read_bytes()
