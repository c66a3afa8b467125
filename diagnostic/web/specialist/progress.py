"""Specialist pages for progress: each starting-point group's paired change, and who moved between groups.

Registered on the specialist blueprint (its `before_request` has checked the account and put the cohort in
`g`). Change is paired: a teacher counts only when they answered both the starting point and the follow-up.
"""

from __future__ import annotations

from flask import g, render_template

from diagnostic.services import grouping, progress
from diagnostic.storage.interface import DamagedGrouping
from diagnostic.web.pages import get_store
from diagnostic.web.specialist import bp


@bp.get("/cohorts/<cohort_id>/progress")
def group_progress(cohort_id: str):  # noqa: ANN201
    """The cohort's change since the starting point, per group, and a table of moves between groups."""
    store = get_store()
    try:
        found = progress.gather(store, g.cohort)
    except progress.ProgressError as exc:
        return render_template("specialist/progress.html", cohort=g.cohort, problem=str(exc), figures=None)
    try:
        record = grouping.current(store, g.cohort)
    except DamagedGrouping as exc:
        record, damaged = None, str(exc)
    else:
        damaged = None
    starting = grouping.starting_grouping(store, g.cohort) if record else None
    groups = progress.by_group(found, starting or record) if record else []
    moves = progress.transitions(found, record, lambda now: grouping.place(store, g.cohort, record, now),
                                 starting) if record else None
    figures = progress.figures(found)
    return render_template("specialist/progress.html", cohort=g.cohort, problem=damaged, figures=figures,
                           words=[progress.in_words(m) for m in figures["measures"]], groups=groups, moves=moves,
                           record=record)
