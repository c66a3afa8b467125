"""The teacher's own progress from their starting point, once they have answered a later cycle's follow-up.

Registered on the teacher blueprint: `load_response` has put the teacher's first response in `g` (this is not
a questionnaire page), and the figures are read from their own two responses alone.
"""

from __future__ import annotations

from flask import g, render_template

from diagnostic.engines import charts
from diagnostic.services import peer_assessment, progress
from diagnostic.services.choice import goals_by_cycle
from diagnostic.web.pages import get_store
from diagnostic.web.teacher import bp


@bp.route("/questionnaire/progress")
def my_progress():  # noqa: ANN201
    """How my beliefs and my confidence in my own focus moved since my starting point, as a chart and in words."""
    try:
        found = progress.gather_one(get_store(), g.cohort, g.response)
    except progress.ProgressError:
        return render_template("teacher/progress.html", mine=None, cycle=None)
    mine = progress.of_teacher(found, g.response["id"])
    # On their own page the teacher reads their confidence in their own focus, named.
    rows = [{**r, "label": f"Your confidence in {mine['focus']}"} if r["id"] == progress.FOCUS and mine["focus"]
            else r for r in mine["measures"]]
    return render_template("teacher/progress.html", mine=mine, cycle=found.number, words=[
        progress.move_in_words(r) for r in rows], chart=charts.change_chart(rows),
        goals=goals_by_cycle(g.response, g.definition),
        partners_said=peer_assessment.about(get_store(), g.cohort, g.response["id"], found.number))
