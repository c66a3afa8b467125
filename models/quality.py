"""How far to trust a grouping, in words a specialist can act on.

Two figures are graded and the grouping gets the lower grade:
- the silhouette (how much closer teachers are to their own group than to the
  next): 0.5 or more is clear, 0.25 or more moderate, less is weak, following
  Kaufman and Rousseeuw's usual reading;
- the stability (mean adjusted Rand index between the groups and those found
  again on bootstrap resamples): 0.85 or more is clear, 0.6 or more moderate,
  less is weak.
"""

from __future__ import annotations

from typing import Any

GRADES = ("weak", "moderate", "clear")
SILHOUETTE_CUTS = (0.25, 0.5)
STABILITY_CUTS = (0.6, 0.85)

WORDS = {
    "clear": ("Clear groups",
              "Teachers in each group are much more like one another than like the other groups, and the same "
              "groups come back when the answers are resampled. Plan around them with confidence."),
    "moderate": ("Moderately clear groups",
                 "The groups are a useful guide for planning, but they overlap: teachers near the edge of a group "
                 "could as well sit in the next one, so check individual starting points before acting on them."),
    "weak": ("Weak groups — treat them as a rough guide",
             "The groups overlap a lot or change when the answers are resampled. Use them to start a conversation, "
             "not to decide who gets which support; look at each teacher's own starting point too."),
    "one_group": ("One group, as asked",
                  "Everyone is in one group. Plan from individual starting points, or choose the number of groups "
                  "for you to see whether the answers fall into groups."),
    "no_structure": ("No real groups",
                     "These teachers' answers do not fall into distinct groups: one group describes them as well as "
                     "any split, or the best split is no clearer than one found in shuffled answers. Treat the "
                     "cohort as one group and plan from individual starting points."),
    "too_few": ("Too few teachers to form groups",
                "Groups need at least {min_size} teachers each, so grouping needs at least {needed} submitted "
                "questionnaires; this cohort has {n}. Everyone is shown as one group for now."),
    "no_variance": ("Everyone answered alike",
                    "The answers used for grouping are the same for every teacher, so there is nothing to group "
                    "by. Everyone is shown as one group."),
    "groups_too_small": ("No grouping with large enough groups",
                         "Every way of splitting these teachers left a group smaller than {min_size} teachers, the "
                         "smallest group worth planning for. Everyone is shown as one group."),
}


def _grade(value: float | None, cuts: tuple[float, float]) -> int:
    if value is None:
        return 0
    return sum(value >= cut for cut in cuts)


def verdict(finding: str, silhouette: float | None, stability: float | None, n: int = 0,
            min_size: int = 0) -> dict[str, Any]:
    """The grouping's quality as a grade, a headline and an explanation.

    Parameters
    ----------
    finding : str
        The estimator's `finding_`.
    silhouette, stability : float or None
        The estimator's `silhouette_` and `stability_`.
    n, min_size : int
        Teachers grouped and the minimum group size, quoted in the explanation.

    Returns
    -------
    dict
        ``{"grade", "headline", "explanation"}``; grade is one of clear, moderate, weak,
        or the finding when there is only one group.
    """
    if finding == "requested" and silhouette is None:
        grade = "one_group"
    elif finding in ("groups", "requested"):
        grade = GRADES[min(_grade(silhouette, SILHOUETTE_CUTS),
                           _grade(stability, STABILITY_CUTS) if stability is not None else 2)]
    else:
        grade = finding
    headline, explanation = WORDS[grade]
    return {"grade": grade, "headline": headline,
            "explanation": explanation.format(n=n, min_size=min_size, needed=2 * min_size)}
