"""Coordinator page: the impact report, what a network leader shows their schools of the difference it makes.

Participation per school, the share of teachers reporting progress towards their goal, the evidence of pupils'
learning they named, and the change in confidence per learning focus: no beliefs or barriers, and no figure
about fewer than MIN_GROUP_SIZE teachers (`services.progress.impact`).
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, current_app, g, render_template

from diagnostic.services import progress
from diagnostic.services.csvio import neutralise
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import get_store


def _report() -> dict | None:
    try:
        return progress.impact(get_store(), g.cohort, current_app.config["MIN_GROUP_SIZE"])
    except progress.ProgressError:
        return None


@bp.get("/cohorts/<cohort_id>/impact")
def impact_report(cohort_id: str):  # noqa: ANN201, ARG001 - the cohort is loaded by the blueprint's guard
    """The impact report for the cohort's latest cycle, or what it needs before it can be shown."""
    report = _report()
    words = progress.in_words(report["confidence"]) if report and report["confidence"] else None
    return render_template("coordinator/impact.html", cohort=g.cohort, report=report, confidence_words=words)


@bp.get("/cohorts/<cohort_id>/impact.csv")
def impact_csv(cohort_id: str):  # noqa: ANN201
    """Participation per school and the change in confidence per focus, as CSV (cells formula-neutralised)."""
    report = _report()
    if report is None:
        abort(409, "There is no later learning cycle yet, so there is no impact to report.")
    out = io.StringIO()
    writer = csv.writer(out)
    columns = ["school", "joined", "started", "answered", "partnerships", "with_log", "observations"]
    writer.writerow(["part", *columns])
    for row in report["schools"]:
        writer.writerow(["participation", *(neutralise(row[c]) for c in columns)])
    writer.writerow([])
    writer.writerow(["part", "focus", "teachers", "change", "ci_low", "ci_high", "effect_size"])
    for f in report["focuses"]:
        shown = f["shown"]
        writer.writerow(["confidence per focus", neutralise(f["title"]), f["n"] if shown else "",
                         f["change"] if shown else "", *(f["ci"] or ["", ""] if shown else ["", ""]),
                         f["effect_size"] if shown and f["effect_size"] is not None else ""])
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{g.cohort["id"]}-impact-cycle-{report["cycle"]}.csv"'})
