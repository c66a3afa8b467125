"""Coordinator pages: the network's expertise map, on the page and as CSV and JSON downloads."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, abort, g, render_template

from diagnostic.engines.expertise import CSV_HEADER, NO_SCHOOL, csv_rows, expertise_map
from diagnostic.services.cohorts import published_definition
from diagnostic.services.group_exports import csv_text
from diagnostic.services.partnerships import cohort_facts
from diagnostic.web.coordinator import bp
from diagnostic.web.pages import get_store

# Cells shaded by how many teachers are confident and willing to coach there (the CSS classes are band-0..3).
BANDS = ["no one", "1 teacher", "2 teachers", "3 or more teachers"]


def _map() -> dict[str, Any]:
    store = get_store()
    definition = published_definition(store, g.cohort["form_id"], g.cohort["form_version"])
    if definition.learning_focuses is None:
        abort(409, "This cohort's questionnaire has no menu of learning focuses, so there is no expertise to map.")
    focuses = {f.id: f.title for f in definition.learning_focuses.focuses}
    return expertise_map(cohort_facts(store, g.cohort, with_groups=False), focuses, g.cohort["schools"])


def _download(body: str, mimetype: str, cohort_id: str, extension: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{cohort_id}-expertise.{extension}"'})


@bp.get("/cohorts/<cohort_id>/expertise")
def expertise(cohort_id: str):  # noqa: ANN201
    """Where in the network teachers can coach each learning focus, who they are, and where the gaps are."""
    return render_template("coordinator/expertise.html", cohort=g.cohort, found=_map(), bands=BANDS,
                           no_school=NO_SCHOOL)


@bp.get("/cohorts/<cohort_id>/expertise.csv")
def expertise_csv(cohort_id: str):  # noqa: ANN201
    """The expertise map as CSV: one row per focus and school, text that looks like a formula neutralised."""
    return _download(csv_text(CSV_HEADER, csv_rows(_map())), "text/csv", cohort_id, "csv")


@bp.get("/cohorts/<cohort_id>/expertise.json")
def expertise_json(cohort_id: str):  # noqa: ANN201
    """The expertise map as JSON (names as typed: JSON is not run by spreadsheets)."""
    return _download(json.dumps(_map(), indent=2, ensure_ascii=False), "application/json", cohort_id, "json")
