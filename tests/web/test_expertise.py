"""The expertise map: `expertise_map` on constructed teachers, and the coordinator's page and downloads."""

from __future__ import annotations

import csv
import io
import json
import random
import re

import pytest
from markupsafe import escape

from diagnostic.engines.expertise import CSV_HEADER, NO_SCHOOL, csv_rows, expertise_map, gap_sentence
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.services.demo import planted_cohort
from forms.catalog import find_definition

FOCUSES = {"questioning": "Questioning", "feedback": "Feedback"}
SCHOOLS = ["Ashfield", "Brook Lane"]


def teacher(name, school="Ashfield", focus=None, confidence=None, coach=None):
    return {"id": name, "ref": name, "name": name, "school": school, "focus": focus,
            "confidence": confidence or {}, "coach": coach}


def cell(found, focus, school):
    row = next(r for r in found["rows"] if r["focus"] == focus)
    return row["cells"][found["schools"].index(school)]


# -- expertise_map on constructed teachers ----------------------------------------------------------
@pytest.mark.parametrize(("confidence", "coach", "confident", "coaches"), [
    (1.0, True, 1, 1),    # confident and willing: a coach
    (1.0, False, 1, 0),   # confident but unwilling: not a coach
    (1.0, None, 1, 0),    # confident, coaching question unanswered: not a coach
    (0.75, True, 0, 0),   # willing but one step below the top: not confident
    (None, True, 0, 0),   # no confidence answer at all
])
def test_who_counts_as_confident_and_as_a_coach(confidence, coach, confident, coaches):
    levels = {} if confidence is None else {"questioning": confidence}
    found = expertise_map([teacher("Ann", confidence=levels, coach=coach)], FOCUSES, SCHOOLS)
    here = cell(found, "questioning", "Ashfield")
    assert (here["confident"], here["coaches"]) == (confident, coaches)
    assert here["coach_names"] == (["Ann"] if coaches else [])
    assert here["confident_names"] == (["Ann"] if confident and not coaches else [])
    assert cell(found, "feedback", "Ashfield")["confident"] == 0


@pytest.mark.parametrize(("teachers", "gap", "cover", "cover_names"), [
    # Demand and a coach in the same school: no gap.
    ([teacher("Ann", focus="questioning"), teacher("Bo", confidence={"questioning": 1.0}, coach=True)],
     False, 0, []),
    # Demand, no one confident anywhere: a gap no one can cover.
    ([teacher("Ann", focus="questioning"), teacher("Bo", "Brook Lane", confidence={"questioning": 0.5}, coach=True)],
     True, 0, []),
    # Demand, a confident colleague who did not offer to coach: still a gap.
    ([teacher("Ann", focus="questioning"), teacher("Bo", confidence={"questioning": 1.0}, coach=False)],
     True, 0, []),
    # Demand, covered from another school.
    ([teacher("Ann", focus="questioning"), teacher("Bo", "Brook Lane", confidence={"questioning": 1.0}, coach=True)],
     True, 1, ["Bo (Brook Lane)"]),
    # No one chose it: no gap, even with no coach in the school.
    ([teacher("Ann"), teacher("Bo", "Brook Lane", confidence={"questioning": 1.0}, coach=True)], False, 0, []),
])
def test_gaps_and_cover_from_other_schools(teachers, gap, cover, cover_names):
    found = expertise_map(teachers, FOCUSES, SCHOOLS)
    here = cell(found, "questioning", "Ashfield")
    assert (here["gap"], here["cover"], here["cover_names"]) == (gap, cover, cover_names)
    assert [(g["focus"], g["school"]) for g in found["gaps"]] == ([("questioning", "Ashfield")] if gap else [])


def test_a_gap_counts_its_demand_and_says_so_in_words():
    teachers = [teacher("Ann", focus="questioning"), teacher("Cy", focus="questioning"),
                teacher("Bo", "Brook Lane", confidence={"questioning": 1.0}, coach=True),
                teacher("Di", "Brook Lane", confidence={"questioning": 1.0}, coach=True)]
    [gap] = expertise_map(teachers, FOCUSES, SCHOOLS)["gaps"]
    assert gap["demand"] == 2 and gap["cover"] == 2
    assert gap["sentence"] == ("Ashfield: 2 teachers chose Questioning, no one there is confident and willing to "
                               "coach it; 2 in other schools could.")


@pytest.mark.parametrize(("school", "demand", "cover", "sentence"), [
    ("Ashfield", 1, 1, "Ashfield: 1 teacher chose Questioning, no one there is confident and willing to coach it; "
                       "1 in another school could."),
    ("Ashfield", 3, 0, "Ashfield: 3 teachers chose Questioning, no one there is confident and willing to coach it; "
                       "no one elsewhere in the network could either."),
    (NO_SCHOOL, 2, 4, "2 teachers who gave no school chose Questioning, and none of them is confident and willing "
                      "to coach it; 4 in other schools could."),
])
def test_gap_sentences(school, demand, cover, sentence):
    assert gap_sentence("Questioning", school, demand, cover) == sentence


def test_teachers_without_a_school_have_their_own_column_last():
    teachers = [teacher("Ann", school=None, focus="questioning"), teacher("Eve", school="", focus="feedback"),
                teacher("Bo", confidence={"questioning": 1.0}, coach=True)]
    found = expertise_map(teachers, FOCUSES, SCHOOLS)
    assert found["schools"] == [*SCHOOLS, NO_SCHOOL]
    nowhere = cell(found, "questioning", NO_SCHOOL)
    assert (nowhere["demand"], nowhere["gap"], nowhere["cover_names"]) == (1, True, ["Bo (Ashfield)"])
    assert cell(found, "feedback", NO_SCHOOL)["demand"] == 1
    assert not cell(found, "questioning", "Ashfield")["gap"]


def test_no_school_column_only_when_someone_gave_none_and_other_schools_follow_sorted():
    found = expertise_map([teacher("Ann", "Zeta"), teacher("Bo", "Alpha")], FOCUSES, SCHOOLS)
    assert found["schools"] == [*SCHOOLS, "Alpha", "Zeta"]


def test_network_totals_add_up_and_focuses_off_the_menu_are_left_out():
    teachers = [teacher("Ann", focus="questioning", confidence={"questioning": 1.0}, coach=True),
                teacher("Bo", "Brook Lane", focus="questioning", confidence={"questioning": 1.0}),
                teacher("Cy", "Brook Lane", focus="retired_focus")]
    found = expertise_map(teachers, FOCUSES, SCHOOLS)
    assert [r["focus"] for r in found["rows"]] == list(FOCUSES)
    assert found["rows"][0]["total"] == {"demand": 2, "confident": 2, "coaches": 1, "gaps": 1}
    assert found["rows"][1]["total"] == {"demand": 0, "confident": 0, "coaches": 0, "gaps": 0}
    assert found["teachers"] == 3


def test_the_same_teachers_in_any_order_give_the_same_map():
    rng = random.Random(7)
    teachers = [teacher(f"Teacher {n:02d}", rng.choice([*SCHOOLS, None]), focus=rng.choice([*FOCUSES, None]),
                        confidence={"questioning": rng.choice([0.5, 1.0])}, coach=rng.choice([True, False, None]))
                for n in range(30)]
    first = expertise_map(teachers, FOCUSES, SCHOOLS)
    rng.shuffle(teachers)
    assert expertise_map(teachers, FOCUSES, SCHOOLS) == first
    names = [n for c in first["rows"][0]["cells"] for n in c["coach_names"]]
    assert names and all(c["coach_names"] == sorted(c["coach_names"]) for c in first["rows"][0]["cells"])


def test_csv_rows_one_per_focus_and_school():
    found = expertise_map([teacher("Ann", focus="questioning")], FOCUSES, SCHOOLS)
    rows = csv_rows(found)
    assert len(rows) == len(FOCUSES) * len(SCHOOLS) and all(len(r) == len(CSV_HEADER) for r in rows)
    assert rows[0][:8] == ["questioning", "Questioning", "Ashfield", 1, 0, 0, "yes", 0]
    assert rows[1][6:8] == ["no", ""]


# -- the coordinator's page and downloads --------------------------------------------------------------
COHORT = "network"
SCRIPT_NAME = "<script>alert(1)</script>"
FORMULA_NAME = '=HYPERLINK("x")'
GOAL = "A private goal the coordinator must not see"
# name, school index, chosen focus, top-of-scale focuses, coaching role (coach and both offer to coach)
PLAN = [
    (SCRIPT_NAME, 0, "questioning", ["questioning"], "coach"),
    (FORMULA_NAME, 1, None, ["questioning", "feedback"], "both"),
    ("Cara Ash", 0, "feedback", [], "be_coached"),
    ("Dev Brook", 1, None, ["questioning"], "be_coached"),
    ("Ede Ash", 0, "feedback", [], "coach"),
    ("Fin Brook", 1, "questioning", [], "both"),
]


@pytest.fixture
def network(store, app):
    """Six submitted teachers in two schools, with planned names, focuses, confidence and offers to coach."""
    shipped, _ = find_definition("starting_point", None, definition_dirs(app.config["DATA"]))
    cohort = create_cohort(store, shipped, "North network", SCHOOLS, cohort_id=COHORT)
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    responses, _ = planted_cohort(cohort, definition, len(PLAN), 3)
    focuses = [f.id for f in definition.learning_focuses.focuses]
    for record, (name, school, focus, top, role) in zip(responses, PLAN, strict=True):
        answers = {**record["answers"], "teacher_name": name, "coaching_role": role,
                   **{f"confidence_{f}": 5 if f in top else 3 for f in focuses}}
        record.update(answers=answers, school=SCHOOLS[school],
                      choice={"focuses": [focus] if focus else [], "pupil_group": None, "goal": GOAL,
                              "chosen_at": None})
    store.add_responses(COHORT, responses)
    return cohort


def page_cells(text):
    """(can coach, confident, chose it) for every cell of the table, row by row, the network total last."""
    found = re.findall(r'<strong class="expertise-count">(\d+)</strong> can coach\s*'
                       r'<span class="expertise-detail">(\d+) confident · (\d+) chose it</span>', text)
    return [tuple(int(n) for n in f) for f in found]


def page_rows(text):
    """The table's cells by focus title: each school, then the whole network."""
    return {chunk.split("</th>")[0]: page_cells(chunk) for chunk in text.split('<th scope="row">')[1:]}


def download(client, extension, cohort_id=COHORT):
    response = client.get(f"/coordinator/cohorts/{cohort_id}/expertise.{extension}")
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Disposition"] == f'attachment; filename="{cohort_id}-expertise.{extension}"'
    return response


def test_the_page_shows_counts_gaps_and_names_escaped(client, network):
    page = client.get(f"/coordinator/cohorts/{COHORT}/expertise")
    assert page.status_code == 200
    text = page.text
    rows = page_rows(text)
    assert len(rows) == 10 and all(len(cells) == 3 for cells in rows.values())  # Ashfield, Brook Lane, network
    assert rows["Questioning"] == [(1, 1, 1), (1, 2, 1), (2, 3, 2)]
    assert rows["Feedback"] == [(0, 0, 2), (1, 1, 0), (1, 1, 2)]
    assert rows["Metacognition"] == [(0, 0, 0)] * 3
    assert "Ashfield: 2 teachers chose Feedback, no one there is confident and willing to coach it; 1 in another " \
           "school could." in text
    assert text.count('class="expertise-gap-mark">Gap<') == 1
    assert SCRIPT_NAME not in text and escape(SCRIPT_NAME) in text
    assert escape(FORMULA_NAME) + " (Brook Lane)" in text
    assert "Confident, did not offer to coach: Dev Brook" in text
    assert re.search(r'<th scope="col">Ashfield <span class="muted">\(of \d+ teachers?\)</span></th>', text)
    assert '<th scope="row">Questioning</th>' in text
    assert "<caption" in text
    assert GOAL not in text and "Not enough time" not in text  # no goals, no barriers


def test_csv_neutralises_formulas_and_matches_the_page(client, network):
    response = download(client, "csv")
    assert response.mimetype == "text/csv"
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert header == CSV_HEADER
    assert len(rows) == 10 * 2
    cells = page_cells(client.get(f"/coordinator/cohorts/{COHORT}/expertise").text)
    per_school = [c for n, c in enumerate(cells) if n % 3 != 2]
    assert [(int(r[5]), int(r[4]), int(r[3])) for r in rows] == per_school
    by_key = {(r[0], r[2]): r for r in rows}
    assert by_key["feedback", "Ashfield"][6:8] == ["yes", "1"]
    assert by_key["feedback", "Ashfield"][10] == "'" + FORMULA_NAME + " (Brook Lane)"
    assert by_key["questioning", "Brook Lane"][8] == "'" + FORMULA_NAME
    assert by_key["questioning", "Ashfield"][8] == SCRIPT_NAME
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_json_holds_the_same_map(client, network):
    response = download(client, "json")
    assert response.mimetype == "application/json"
    found = json.loads(response.text)
    assert found["schools"] == SCHOOLS and found["teachers"] == len(PLAN)
    assert [(g["focus"], g["school"], g["cover_names"]) for g in found["gaps"]] == [
        ("feedback", "Ashfield", [f"{FORMULA_NAME} (Brook Lane)"])]
    questioning = next(r for r in found["rows"] if r["focus"] == "questioning")
    assert questioning["cells"][1]["coach_names"] == [FORMULA_NAME]
    assert GOAL not in response.text


@pytest.mark.parametrize("path", ["expertise", "expertise.csv", "expertise.json"])
def test_an_unknown_cohort_is_404(client, path):
    response = client.get(f"/coordinator/cohorts/nope/{path}")
    assert response.status_code == 404
    assert "no cohort with that id" in response.text


def test_an_empty_cohort_says_so(client, cohort):
    page = client.get(f"/coordinator/cohorts/{cohort['id']}/expertise")
    assert page.status_code == 200
    assert "No teachers in this cohort have submitted their starting point yet" in page.text
    assert "<table" not in page.text
    header, *rows = list(csv.reader(io.StringIO(download(client, "csv", cohort["id"]).text)))
    assert header == CSV_HEADER and len(rows) == 10 * 2
    assert all(r[3:6] == ["0", "0", "0"] and r[6] == "no" for r in rows)

