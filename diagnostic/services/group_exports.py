"""A cohort's grouping as plain data for the CLI and as CSV and JSON downloads for specialists.

Each teacher is named by `response_id` (the app's own id) and `respondent` (the id given at import, empty
or None for a teacher who came through the web), as in `diagnostic export`, so the outputs can be joined.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from diagnostic.services.csvio import neutralise

Record = dict[str, Any]


def profiles(record: Record) -> list[Record]:
    """Each group's profile with its current name and note, and who is in it."""
    return [{
        "group": g["key"], "name": g["name"], "generated_name": g["generated_name"], "note": g["note"],
        "description": g["generated_description"], "size": g["size"], "share": g["share"],
        "placed_since": g["placed_since"], "means": g["means"], "distinctive": g["distinctive"], "mix": g["mix"],
        "members": [_ids(m) for m in g["members"]],
    } for g in record["groups"]]


def _ids(member: Record) -> Record:
    """A member's two ids: the response id, and the id given at import (None for a web teacher)."""
    return {"response_id": member["id"], "respondent": member["reference"]}


def summary(record: Record) -> Record:
    """The grouping as the CLI prints it with --json."""
    return {
        "cohort": record["cohort"], "fitted_at": record["fitted_at"], "responses": record["responses"],
        "k": record["k"], "method": record["method"], "finding": record["finding"],
        "quality": {"silhouette": record["quality"]["silhouette"], "stability": record["quality"]["stability"],
                    "grade": record["quality"]["grade"], "headline": record["quality"]["headline"]},
        "members": [{**_ids(m), "group": g["key"], "confidence": m["confidence"], "fits_poorly": m["outlier"],
                     "placed_after_grouping": m["placed"]} for g in record["groups"] for m in g["members"]],
        "profiles": profiles(record),
        "dropped_features": record["dropped"], "other_versions": record["other_versions"],
    }


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    """CSV text with every cell, the header's too, neutralised (the expertise map uses it as well)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    writer.writerows([[neutralise(cell) for cell in row] for row in rows])
    return out.getvalue()


def members_csv(record: Record) -> str:
    """One row per teacher: their group, how clearly they belong, and whether they fit it poorly."""
    rows = [[m["id"], m["reference"], m["school"], g["key"], g["name"], m["confidence"],
             "yes" if m["outlier"] else "no", "yes" if m["placed"] else "no"]
            for g in record["groups"] for m in g["members"]]
    return csv_text(["response_id", "respondent", "school", "group", "group_name", "confidence", "fits_poorly",
                 "placed_after_grouping"], rows)


def profiles_csv(record: Record) -> str:
    """One row per group: name, note, size and its mean on every feature, then the cohort's means."""
    # The columns in the grouping's own list order: a server database need not keep the order of the keys of
    # `cohort_means` (PostgreSQL's JSONB does not), and a spreadsheet reading these columns must find them in place.
    listed = [c["name"] for c in record.get("columns", []) if c["name"] in record["cohort_means"]]
    features = listed + [f for f in record["cohort_means"] if f not in listed]
    rows = [[g["key"], g["name"], g["note"], g["size"], g["share"], g["generated_description"],
             *[g["means"].get(f) for f in features]] for g in record["groups"]]
    rows.append(["cohort", "Whole cohort", "", record["responses"], 1.0, "",
                 *[record["cohort_means"][f] for f in features]])
    return csv_text(["group", "name", "note", "size", "share", "description", *features], rows)
