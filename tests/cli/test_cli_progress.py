"""`diagnostic progress`: the paired figures from the starting point, as lines or JSON, and the impact report."""

from __future__ import annotations

import json

import pytest

from diagnostic.cli import cli
from diagnostic.services import progress


@pytest.fixture
def two_cycles(make_two_cycles, app_on_copy):
    return app_on_copy(make_two_cycles("later", 30, seed=6))


@pytest.fixture
def run(two_cycles):
    runner = two_cycles.test_cli_runner()

    def invoke(*args):
        result = runner.invoke(cli, args=["progress", *args])
        assert "Traceback" not in result.output
        return result
    return invoke


def test_json_holds_the_same_figures_as_the_service(two_cycles, run):
    result = run("--cohort", "later", "--json")
    assert result.exit_code == 0, result.output
    store = two_cycles.extensions["store"]
    with two_cycles.app_context():
        wanted = progress.figures(progress.gather(store, store.get_cohort("later")))
    assert json.loads(result.output) == json.loads(json.dumps(wanted))
    assert {m["id"] for m in wanted["measures"]} >= {"learner_centred", progress.FOCUS}


def test_lines_give_each_measure_in_words_with_its_range_and_what_it_cannot_show(run):
    result = run("--cohort", "later")
    assert result.exit_code == 0, result.output
    assert "teachers who answered the starting point answered the follow-up" in result.output
    assert "95% range" in result.output and "effect size" in result.output
    assert "comparison group" in result.output


def test_the_impact_report_leaves_beliefs_out(run):
    result = run("--cohort", "later", "--impact", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["schools"] and "learner_centred" not in result.output
    assert "Learner-centred" not in run("--cohort", "later", "--impact").output


@pytest.mark.parametrize(("args", "message"), [
    (("--cohort", "nowhere"), "nowhere"),
    (("--cohort", "later", "--cycle", "3"), "no cycle 3"),
    (("--cohort", "later", "--cycle", "1"), "1"),
])
def test_a_wrong_cohort_or_cycle_gets_a_clear_message(run, args, message):
    result = run(*args)
    assert result.exit_code != 0 and message in result.output


def test_a_cohort_still_at_its_starting_point_is_told_so(invoke, cohort):
    result = invoke("progress", "--cohort", cohort["id"])
    assert result.exit_code == 1 and "only its starting point" in result.output


def test_the_network_demo_can_run_into_a_second_cycle_for_the_reports_to_show(invoke):
    made = invoke("demo", "--cohort", "net", "--teachers", "40", "--schools", "2", "--second-cycle")
    assert made.exit_code == 0, made.output
    assert "co-coaching partnerships confirmed" in made.output
    result = invoke("progress", "--cohort", "net", "--json")
    found = json.loads(result.output)
    assert found["cycle"] == 2 and 0 < found["answered"] <= found["started"] == 40
    # The planted rise in confidence shows, and its range does not include no change.
    focus = next(m for m in found["measures"] if m["id"] == progress.FOCUS)
    assert focus["change"] > 0 and focus["ci"][0] > 0
