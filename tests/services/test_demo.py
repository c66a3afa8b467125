"""The demo cohort: deterministic, realistic in size, valid by the importer's rules, and with real profiles."""

from __future__ import annotations

from collections import Counter
from statistics import mean

import pytest

from diagnostic import create_app
from diagnostic.services.cohorts import definition_dirs, published_definition
from diagnostic.services.csvio import validate_row
from diagnostic.services.demo import DEMO_COHORT, DEMO_SCHOOLS, seed_demo
from diagnostic.services.journey import missing_required
from forms.scoring import score


def seed(app) -> dict:
    with app.app_context():
        return seed_demo(app.extensions["store"], definition_dirs(app.config["DATA"]))


@pytest.fixture
def demo(app, store):
    """The seeded demo cohort's submitted responses and the definition they answer."""
    result = seed(app)
    assert result["created"] is True
    definition = published_definition(store, result["cohort"]["form_id"], result["cohort"]["form_version"])
    return store.list_responses(DEMO_COHORT, status="submitted"), definition


def as_cells(answers: dict) -> dict[str, str]:
    """Typed answers turned back into CSV cells, as an operator would write them."""
    def cell(value):
        if isinstance(value, list):
            return ";".join(value)
        if value is True:
            return "yes"
        return str(value)
    return {k: cell(v) for k, v in answers.items()}


def test_seeding_is_deterministic(tmp_path):
    runs = []
    for name in ("one", "two"):
        app = create_app({"TESTING": True, "DATA": str(tmp_path / name)})
        seed(app)
        responses = app.extensions["store"].list_responses(DEMO_COHORT)
        runs.append({r["respondent"]: (r["id"], r["school"], r["answers"], r["scores"])
                     for r in responses if r["respondent"]})
    assert len(runs[0]) == 60
    assert runs[0] == runs[1]


def test_sixty_teachers_across_four_schools(demo, store):
    responses, _ = demo
    cohort = store.get_cohort(DEMO_COHORT)
    assert cohort["schools"] == DEMO_SCHOOLS and len(DEMO_SCHOOLS) == 4
    assert store.count_responses(DEMO_COHORT) == {"submitted": 61}
    named = [r for r in responses if r["respondent"]]
    assert sorted(r["respondent"] for r in named) == [f"demo-{n:03d}" for n in range(1, 61)]
    assert len({r["id"] for r in responses}) == len(responses)
    per_school = Counter(r["school"] for r in responses)
    assert set(per_school) == set(DEMO_SCHOOLS)
    assert all(count >= 10 for count in per_school.values()), per_school
    assert {(r["form_id"], r["form_version"]) for r in responses} == {("starting_point", "2")}


def test_seeding_twice_adds_nothing(app, store, demo):
    again = seed(app)
    assert again["created"] is False and again["submitted"] == 61
    assert store.count_responses(DEMO_COHORT) == {"submitted": 61}


def test_every_demo_response_passes_the_importers_checks(app, demo):
    responses, definition = demo
    with app.app_context():
        for record in responses:
            answers, problems = validate_row(definition, as_cells(record["answers"]))
            assert problems == [], (record["respondent"], problems)
            assert answers == record["answers"], record["respondent"]
            assert missing_required(definition, record["answers"]) == []
            assert record["scores"] == score(definition, record["answers"])
            assert all(v is not None for v in record["scores"].values())
            assert record["answers"]["consent"] is True


def test_demo_profiles_are_distinguishable(demo):
    """Cautious teachers (worried about being judged, not co-coaching) are less open than collaborators."""
    responses, _ = demo
    cautious = [r["scores"]["openness"] for r in responses
                if "being_judged" in r["answers"].get("barriers", []) and r["answers"]["coaching_role"] != "both"]
    collaborators = [r["scores"]["openness"] for r in responses
                     if r["answers"]["coaching_role"] == "both"
                     and "being_judged" not in r["answers"].get("barriers", [])]
    assert len(cautious) >= 3 and len(collaborators) >= 3, (len(cautious), len(collaborators))
    assert mean(cautious) + 1.0 < mean(collaborators), (mean(cautious), mean(collaborators))
    comfort = {r["answers"]["observation_comfort"] for r in responses}
    assert len(comfort) >= 3  # answers vary: not one teacher copied sixty times


def test_demo_answers_vary_between_teachers(demo):
    responses, _ = demo
    assert len({tuple(sorted(r["scores"].items())) for r in responses}) > 30
    assert len({r["answers"]["focus_goal"] for r in responses}) > 1
    for construct in ("learner_centred", "efficacy", "openness"):
        values = [r["scores"][construct] for r in responses]
        assert max(values) - min(values) >= 1.0, construct
