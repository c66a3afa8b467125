"""Downloads of a cohort's groups: members.csv, profiles.csv and grouping.json, from the pages and as plain data."""

from __future__ import annotations

import csv
import io
import json

import pytest

from diagnostic.services.group_exports import members_csv, profiles, profiles_csv, summary
from diagnostic.services.grouping import current, rename

COHORT = "exports"
TEACHERS = 60
MEMBERS_HEADER = ["response_id", "respondent", "school", "group", "group_name", "confidence", "fits_poorly",
                  "placed_after_grouping"]
RISKY_RESPONDENT = "=cmd|' /C calc'!A0"
RISKY_SCHOOL = "@SUM(1+1)*cmd"


def risky_first_teacher(cohort, definition, responses):
    """One teacher's reference and school look like spreadsheet formulas."""
    responses[0]["respondent"], responses[0]["school"] = RISKY_RESPONDENT, RISKY_SCHOOL


@pytest.fixture(scope="module")
def template(make_grouped):
    return make_grouped(COHORT, TEACHERS, 6, name="Export network", prepare=risky_first_teacher)


@pytest.fixture
def app(app_on_copy, template):
    return app_on_copy(template)


@pytest.fixture
def record(store):
    return current(store, store.get_cohort(COHORT))


def download(client, name, cohort_id=COHORT):
    response = client.get(f"/specialist/cohorts/{cohort_id}/export/{name}")
    assert response.status_code == 200, response.text[:1000]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{cohort_id}-{name}"'
    return response


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# -- through the pages ----------------------------------------------------------------------------
def test_members_csv_has_one_row_per_teacher_with_their_group(client, record):
    response = download(client, "members.csv")
    assert response.mimetype == "text/csv"
    header, *body = rows(response.text)
    assert header == MEMBERS_HEADER
    assert len(body) == TEACHERS
    by_id = {m["id"]: (g["key"], g["name"], m) for g in record["groups"] for m in g["members"]}
    assert len({r[0] for r in body}) == TEACHERS
    for response_id, respondent, school, key, name, confidence, poorly, placed in body:
        if respondent == "'" + RISKY_RESPONDENT:
            respondent, school = RISKY_RESPONDENT, school[1:]
        expected_key, expected_name, member = by_id[response_id]
        assert (respondent, school) == (member["reference"], member["school"])
        assert (key, name) == (expected_key, expected_name)
        assert 0.0 < float(confidence) <= 1.0 and float(confidence) == member["confidence"]
        assert poorly == ("yes" if member["outlier"] else "no") and placed == "no"
    assert sorted(r[3] for r in body) == sorted(m["group"] for m in record["members"].values())


def test_profiles_csv_has_a_row_per_group_then_the_cohort(client, record):
    response = download(client, "profiles.csv")
    assert response.mimetype == "text/csv"
    header, *body = rows(response.text)
    # In the grouping's own column order (a server database need not keep the order of cohort_means' keys).
    listed = [c["name"] for c in record["columns"] if c["name"] in record["cohort_means"]]
    features = listed + [f for f in record["cohort_means"] if f not in listed]
    assert sorted(features) == sorted(record["cohort_means"])
    assert header == ["group", "name", "note", "size", "share", "description", *features]
    *groups, cohort_row = body
    assert [r[0] for r in groups] == [g["key"] for g in record["groups"]]
    assert sum(int(r[3]) for r in groups) == TEACHERS
    assert cohort_row[:6] == ["cohort", "Whole cohort", "", str(TEACHERS), "1.0", ""]
    means = dict(zip(features, cohort_row[6:], strict=True))
    assert float(means["learner_centred"]) == record["cohort_means"]["learner_centred"]
    first = dict(zip(header, groups[0], strict=True))
    assert float(first["efficacy"]) == record["groups"][0]["means"]["efficacy"]
    assert first["description"] == record["groups"][0]["generated_description"]


def test_grouping_json_has_the_groups_memberships_and_quality(client, record):
    response = download(client, "grouping.json")
    assert response.mimetype == "application/json"
    data = json.loads(response.text)
    assert {"k", "method", "quality", "members", "profiles"} <= set(data)
    assert data["k"] == record["k"] and data["method"] == "kmeans" and data["cohort"] == COHORT
    assert set(data["quality"]) == {"silhouette", "stability", "grade", "headline"}
    assert len({m["response_id"] for m in data["members"]}) == TEACHERS
    assert {m["group"] for m in data["members"]} == {g["key"] for g in record["groups"]}
    assert all(0.0 < m["confidence"] <= 1.0 for m in data["members"])
    assert [p["group"] for p in data["profiles"]] == [g["key"] for g in record["groups"]]
    assert sum(len(p["members"]) for p in data["profiles"]) == TEACHERS
    assert any(m["respondent"] == RISKY_RESPONDENT for m in data["members"])  # JSON is not a spreadsheet


def test_formula_like_names_notes_teachers_and_schools_are_neutralised_in_csv(client, store):
    cohort = store.get_cohort(COHORT)
    rename(store, cohort, "A", '=HYPERLINK("http://evil.example","click")', "+SUM(A1:A9)")
    members = rows(download(client, "members.csv").text)
    risky = next(r for r in members if r[1].startswith("'="))
    assert risky[1] == "'" + RISKY_RESPONDENT and risky[2] == "'" + RISKY_SCHOOL
    in_a = [r for r in members[1:] if r[3] == "A"]
    assert in_a and all(r[4] == "'" + '=HYPERLINK("http://evil.example","click")' for r in in_a)
    assert not any(cell.startswith(("=", "+", "@", "-")) for row in members for cell in row)
    group_a = next(r for r in rows(download(client, "profiles.csv").text) if r[0] == "A")
    assert group_a[1] == "'" + '=HYPERLINK("http://evil.example","click")' and group_a[2] == "'+SUM(A1:A9)"
    data = json.loads(download(client, "grouping.json").text)
    assert data["profiles"][0]["name"] == '=HYPERLINK("http://evil.example","click")'


def test_names_and_notes_are_in_the_downloads(client, store):
    rename(store, store.get_cohort(COHORT), "B", "Keen beginners", "Start with modelling")
    group_b = next(r for r in rows(download(client, "profiles.csv").text) if r[0] == "B")
    assert group_b[1:3] == ["Keen beginners", "Start with modelling"]
    assert {r[4] for r in rows(download(client, "members.csv").text) if r[3] == "B"} == {"Keen beginners"}
    profile = next(p for p in json.loads(download(client, "grouping.json").text)["profiles"] if p["group"] == "B")
    assert (profile["name"], profile["note"]) == ("Keen beginners", "Start with modelling")
    assert profile["generated_name"] != "Keen beginners"


def test_an_ungrouped_cohort_has_nothing_to_export(client, cohort):
    for name in ("members.csv", "profiles.csv", "grouping.json"):
        response = client.get(f"/specialist/cohorts/{cohort['id']}/export/{name}")
        assert response.status_code == 409
        assert "has not been grouped yet" in response.text and "Content-Disposition" not in response.headers


def test_an_unknown_export_name_is_404(client):
    response = client.get(f"/specialist/cohorts/{COHORT}/export/members.xlsx")
    assert response.status_code == 404
    assert "members.csv, profiles.csv and grouping.json" in response.text


# -- as plain data ----------------------------------------------------------------------------------
def made_up_record() -> dict:
    """A grouping as `current` returns it, small enough to check every cell."""
    def member(rid, ref, conf, outlier=False, placed=False, school="Ashfield", group="A"):
        return {"id": rid, "respondent": ref or rid, "reference": ref, "school": school, "confidence": conf,
                "outlier": outlier, "placed": placed, "map": [0.0, 0.0], "group": group}
    group = {"key": "A", "name": "Keen", "generated_name": "Higher openness", "note": "", "size": 2, "share": 0.667,
             "generated_description": "What sets these apart", "placed_since": 1, "means": {"openness": 4.5},
             "distinctive": [], "mix": {}, "members": [member("r1", "t1", 0.9), member("r3", "t3", 0.55, placed=True)]}
    other = {**group, "key": "B", "name": "-2 is a risky name", "note": "@note", "size": 1, "share": 0.333,
             "placed_since": 0, "means": {"openness": None},
             "members": [member("r2", None, 1.0, outlier=True, school="", group="B")]}  # came through the web
    return {"cohort": "c1", "fitted_at": "2026-01-01T00:00:00+00:00", "responses": 3, "k": 2, "method": "ward",
            "finding": "requested", "quality": {"silhouette": 0.4, "stability": 0.9, "grade": "moderate",
                                                "headline": "Moderately clear groups", "explanation": "x"},
            "groups": [group, other], "cohort_means": {"openness": 3.9}, "dropped": {"x": "nobody answered it"},
            "other_versions": {"starting_point version 2": 1}}


def test_members_csv_marks_poor_fits_and_later_placements():
    assert rows(members_csv(made_up_record())) == [
        MEMBERS_HEADER,
        ["r1", "t1", "Ashfield", "A", "Keen", "0.9", "no", "no"],
        ["r3", "t3", "Ashfield", "A", "Keen", "0.55", "no", "yes"],
        ["r2", "", "", "B", "'-2 is a risky name", "1.0", "yes", "no"],
    ]


def test_profiles_csv_leaves_unknown_means_empty():
    assert rows(profiles_csv(made_up_record())) == [
        ["group", "name", "note", "size", "share", "description", "openness"],
        ["A", "Keen", "", "2", "0.667", "What sets these apart", "4.5"],
        ["B", "'-2 is a risky name", "'@note", "1", "0.333", "What sets these apart", ""],
        ["cohort", "Whole cohort", "", "3", "1.0", "", "3.9"],
    ]


def test_summary_lists_memberships_quality_and_profiles_with_both_ids():
    data = summary(made_up_record())
    assert data["members"] == [
        {"response_id": "r1", "respondent": "t1", "group": "A", "confidence": 0.9, "fits_poorly": False,
         "placed_after_grouping": False},
        {"response_id": "r3", "respondent": "t3", "group": "A", "confidence": 0.55, "fits_poorly": False,
         "placed_after_grouping": True},
        {"response_id": "r2", "respondent": None, "group": "B", "confidence": 1.0, "fits_poorly": True,
         "placed_after_grouping": False}]
    assert data["quality"] == {"silhouette": 0.4, "stability": 0.9, "grade": "moderate",
                               "headline": "Moderately clear groups"}
    assert data["dropped_features"] == {"x": "nobody answered it"}
    assert data["other_versions"] == {"starting_point version 2": 1}
    assert [p["members"] for p in profiles(made_up_record())] == [
        [{"response_id": "r1", "respondent": "t1"}, {"response_id": "r3", "respondent": "t3"}],
        [{"response_id": "r2", "respondent": None}]]
    json.dumps(data)  # plain data throughout
