"""The quality verdict: grading silhouette and stability, the lower grade winning, and one-group findings."""

from __future__ import annotations

import pytest

from models.quality import WORDS, verdict

# (silhouette, stability, grade): silhouette clear from 0.5, moderate from 0.25; stability clear from 0.85,
# moderate from 0.6; the grouping gets the lower of the two grades.
GRADES = [
    (0.70, 0.95, "clear"),
    (0.50, 0.85, "clear"),  # both cut points are inclusive
    (0.499, 0.95, "moderate"),
    (0.25, 0.95, "moderate"),
    (0.249, 0.95, "weak"),
    (0.70, 0.849, "moderate"),
    (0.70, 0.60, "moderate"),
    (0.70, 0.599, "weak"),
    (0.30, 0.70, "moderate"),
    (0.30, 0.50, "weak"),  # a moderate silhouette cannot lift weak stability
    (0.10, 0.99, "weak"),  # nor can perfect stability lift a weak silhouette
    (0.60, 0.70, "moderate"),
    (0.35, 0.95, "moderate"),
    (-0.20, 0.95, "weak"),
    (0.70, None, "clear"),  # no resamples: the silhouette alone decides
    (0.30, None, "moderate"),
    (0.10, None, "weak"),
]


@pytest.mark.parametrize("finding", ["groups", "requested"])
@pytest.mark.parametrize(("silhouette", "stability", "grade"), GRADES)
def test_groups_are_graded_by_the_lower_of_silhouette_and_stability(finding, silhouette, stability, grade):
    result = verdict(finding, silhouette, stability, n=120, min_size=6)
    assert result["grade"] == grade
    assert (result["headline"], result["explanation"]) == WORDS[grade]


def test_each_grade_has_its_own_headline():
    headlines = {grade: verdict("groups", s, t)["headline"] for s, t, grade in GRADES}
    assert headlines == {"clear": "Clear groups", "moderate": "Moderately clear groups",
                         "weak": "Weak groups — treat them as a rough guide"}


ONE_GROUP = [
    ("no_structure", "No real groups", "do not fall into distinct groups"),
    ("too_few", "Too few teachers to form groups", "Groups need at least 5 teachers each, so grouping needs at "
     "least 10 submitted questionnaires; this cohort has 7."),
    ("no_variance", "Everyone answered alike", "the same for every teacher"),
    ("groups_too_small", "No grouping with large enough groups", "left a group smaller than 5 teachers"),
]


@pytest.mark.parametrize(("finding", "headline", "quoted"), ONE_GROUP, ids=[row[0] for row in ONE_GROUP])
def test_one_group_findings_are_their_own_grade_whatever_the_figures(finding, headline, quoted):
    for silhouette, stability in [(None, None), (0.9, 0.99), (0.05, 0.1)]:
        result = verdict(finding, silhouette, stability, n=7, min_size=5)
        assert result["grade"] == finding
        assert result["headline"] == headline
        assert quoted in result["explanation"]
        assert "{" not in result["explanation"]


@pytest.mark.parametrize(("n", "min_size"), [(0, 3), (5, 3), (19, 10)])
def test_too_few_quotes_the_cohort_the_group_size_and_twice_it(n, min_size):
    explanation = verdict("too_few", None, None, n=n, min_size=min_size)["explanation"]
    assert f"at least {min_size} teachers each" in explanation
    assert f"at least {2 * min_size} submitted questionnaires" in explanation
    assert f"this cohort has {n}." in explanation


def test_one_group_asked_for_is_not_called_weak():
    found = verdict("requested", None, None, n=40, min_size=3)
    assert found["grade"] == "one_group"
    assert found["headline"] == "One group, as asked"
