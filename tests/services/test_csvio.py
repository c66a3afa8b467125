"""CSV import (all rows valid, or nothing) and CSV/JSON export, called directly on diagnostic.services.csvio."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diagnostic.services.csvio import (
    FORMULA_START,
    ImportProblems,
    export_csv,
    export_json,
    import_csv,
    neutralise,
    submitted_response,
    validate_row,
)
from diagnostic.services.demo import PROFILES, teacher_row
from diagnostic.services.journey import new_response

META = ["response_id", "respondent", "school", "form_id", "form_version", "submitted_at"]
BARRIERS = ["time", "workload", "behaviour", "curriculum_coverage", "exam_pressure", "resources",
            "leadership_support", "where_to_start", "being_judged", "pupil_reaction"]
NO_BARRIERS = {"barriers": "", **{f"barrier_{b}": "" for b in BARRIERS}}


# -- helpers ---------------------------------------------------------------------
def valid_row(definition, n: int = 0, **changes: str) -> dict[str, str]:
    """A valid CSV row (cells as text) for a synthetic teacher, with some cells changed."""
    cells = teacher_row(definition, PROFILES[0], random.Random(n))
    row = {"respondent": f"teacher-{n}", "school": "Ashfield", **cells}
    assert row["role"] != "other"  # role_other stays hidden unless a test asks for it
    row.update(changes)
    return row


def header_for(definition) -> list[str]:
    return ["respondent", "school", *definition.answer_ids()]


def write_csv(path: Path, definition, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or header_for(definition)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header])
    return path


def problems_of(path: Path, cohort, definition, existing=()) -> list[str]:
    with pytest.raises(ImportProblems) as caught:
        import_csv(path, cohort, definition, list(existing))
    assert caught.value.lines, "ImportProblems must list at least one problem"
    return caught.value.lines


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def ctx(app):
    """Validation builds Flask-WTF forms, so it runs inside an app context (as the CLI does)."""
    with app.app_context():
        yield


@pytest.fixture
def base_answers(ctx, shipped):
    """Typed answers of one valid teacher."""
    answers, problems = validate_row(shipped, valid_row(shipped, 0))
    assert problems == []
    return answers


# -- a valid file ------------------------------------------------------------------
def test_valid_csv_imports_typed_submitted_responses_with_scores(ctx, tmp_path, shipped, cohort, store):
    rows = [valid_row(shipped, 0, school="Ashfield"), valid_row(shipped, 1, school="Brook Lane"),
            valid_row(shipped, 2, school="Ashfield")]
    path = write_csv(tmp_path / "answers.csv", shipped, rows)

    records = import_csv(path, cohort, shipped, [])
    store.add_responses(cohort["id"], records)

    stored = {r["respondent"]: r for r in store.list_responses(cohort["id"], status="submitted")}
    assert set(stored) == {"teacher-0", "teacher-1", "teacher-2"}
    for row in rows:
        record = stored[row["respondent"]]
        answers = record["answers"]
        assert record["status"] == "submitted" and record["submitted_at"]
        assert record["school"] == row["school"]
        assert (record["form_id"], record["form_version"]) == ("starting_point", "2")
        assert answers["consent"] is True
        assert answers["role"] == row["role"]
        assert answers["years_teaching"] == int(row["years_teaching"])
        for item in ("lc1", "lc2", "ef3", "op2", "observation_comfort"):
            assert answers[item] == int(row[item]) and isinstance(answers[item], int)
        assert answers["subjects"] == row["subjects"].split(";")
        assert answers["pupil_groups"] == row["pupil_groups"].split(";")
        assert answers["focus_choice"] == row["focus_choice"].split(";")  # ranking keeps its order
        assert answers["pupil_priorities"] == row["pupil_priorities"].split(";")
        assert answers["focus_goal"] == row["focus_goal"]
        assert "role_other" not in answers
        # openness: op1, op3, op4 as given, op2 reverse-keyed on a 1..5 scale
        ops = [int(row["op1"]), 6 - int(row["op2"]), int(row["op3"]), int(row["op4"])]
        assert record["scores"]["openness"] == round(sum(ops) / 4, 3)
        lcs = [int(row["lc1"]), 6 - int(row["lc2"]), int(row["lc3"]), 6 - int(row["lc4"]), int(row["lc5"])]
        assert record["scores"]["learner_centred"] == round(sum(lcs) / 5, 3)
        assert set(record["scores"]) == {"learner_centred", "efficacy", "openness"}


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"consent": "YES"}, lambda a: a["consent"] is True),
        ({"consent": "y"}, lambda a: a["consent"] is True),
        ({"consent": "true"}, lambda a: a["consent"] is True),
        ({"role": "other", "role_other": "Cover supervisor"},
         lambda a: a["role"] == "other" and a["role_other"] == "Cover supervisor"),
        ({"role": "  class_teacher ", "lc1": " 4 "}, lambda a: a["role"] == "class_teacher" and a["lc1"] == 4),
        ({"subjects": " maths ; english "}, lambda a: a["subjects"] == ["maths", "english"]),
        ({"subjects": "", "coaching_notes": ""}, lambda a: "subjects" not in a and "coaching_notes" not in a),
        ({"years_teaching": "0"}, lambda a: a["years_teaching"] == 0),
        ({"years_teaching": "50"}, lambda a: a["years_teaching"] == 50),
        ({"focus_choice": "questioning"}, lambda a: a["focus_choice"] == ["questioning"]),
        ({"focus_goal": "x" * 600}, lambda a: len(a["focus_goal"]) == 600),
        ({**NO_BARRIERS, "barriers": "time", "barrier_time": "5"},
         lambda a: a["barriers"] == ["time"] and a["barrier_time"] == 5 and "barrier_workload" not in a),
    ],
    ids=["consent-YES", "consent-y", "consent-true", "role-other", "spaces-trimmed", "multi-spaces",
         "optional-empty", "number-min", "number-max", "rank-one", "text-at-limit", "barrier-follow-up"],
)
def test_valid_variants_are_accepted(ctx, tmp_path, shipped, cohort, changes, check):
    path = write_csv(tmp_path / "ok.csv", shipped, [valid_row(shipped, 3, **changes)])
    (record,) = import_csv(path, cohort, shipped, [])
    assert check(record["answers"]), record["answers"]


def test_school_column_is_optional(ctx, tmp_path, shipped, cohort):
    header = ["respondent", *shipped.answer_ids()]
    path = write_csv(tmp_path / "noschool.csv", shipped, [valid_row(shipped, 0)], header=header)
    (record,) = import_csv(path, cohort, shipped, [])
    assert record["school"] is None and record["respondent"] == "teacher-0"


def test_utf8_bom_and_crlf_line_endings_are_accepted(ctx, tmp_path, shipped, cohort):
    plain = write_csv(tmp_path / "plain.csv", shipped, [valid_row(shipped, 0), valid_row(shipped, 1)])
    text = plain.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    records = import_csv(path, cohort, shipped, [])
    assert [r["respondent"] for r in records] == ["teacher-0", "teacher-1"]


def test_blank_lines_are_skipped(ctx, tmp_path, shipped, cohort):
    path = write_csv(tmp_path / "gaps.csv", shipped, [valid_row(shipped, 0), {}, valid_row(shipped, 1)])
    assert [r["respondent"] for r in import_csv(path, cohort, shipped, [])] == ["teacher-0", "teacher-1"]


# -- bad rows ------------------------------------------------------------------------
BAD_ROWS = [
    # A value outside the choices names the answers the cell may hold.
    pytest.param({"role": "pilot"}, ["role: 'pilot' is not among the answers allowed: class_teacher, subject_lead, "
                                     "senior_leader, teaching_assistant, other"], id="choice-unknown"),
    pytest.param({"lc1": "7"}, ["lc1: '7' is not among the answers allowed: 1, 2, 3, 4, 5"], id="likert-out-of-range"),
    pytest.param({"observation_comfort": "0"}, ["observation_comfort: '0' is not among the answers allowed: 1, 2, 3"],
                 id="likert-below"),
    pytest.param({"lc1": "agree"}, ["lc1: 'agree' is not among the answers allowed: 1, 2, 3, 4, 5"],
                 id="likert-not-a-number"),
    pytest.param({"subjects": "english;maths;science;pe;arts"},
                 ["subjects: Choose no more than 4 (you chose 5)"], id="multi-too-many"),
    pytest.param({"subjects": "english;cooking"}, ["subjects: 'cooking' is not among the answers allowed: english,"],
                 id="multi-unknown-choice"),
    pytest.param({"subjects": "cooking;english;darts"}, ["subjects: 'cooking', 'darts' are not among the answers"],
                 id="multi-two-unknown-choices"),
    pytest.param({"focus_choice": "questioning;questioning"},
                 ["focus_choice: You chose this already; choose a different one or leave it empty"],
                 id="ranking-repeated"),
    pytest.param({"focus_choice": "questioning;feedback;metacognition;retrieval_practice"},
                 ["focus_choice: ranks 4 choices but at most 3 may be ranked"], id="ranking-too-many"),
    pytest.param({"focus_choice": "juggling"}, ["focus_choice: 'juggling' is not among the answers allowed: ",
                                                "questioning"], id="ranking-unknown-choice"),
    pytest.param({"years_teaching": "51"}, ["years_teaching: Enter a number from 0 to 50 (found '51')"],
                 id="number-too-big"),
    pytest.param({"years_teaching": "-1"}, ["years_teaching: Enter a number from 0 to 50 (found '-1')"],
                 id="number-negative"),
    pytest.param({"years_teaching": "ten"}, ["years_teaching: ", "(found 'ten')"], id="number-not-a-number"),
    pytest.param({"focus_goal": "x" * 601}, ["focus_goal: Use no more than 600 characters"],
                 id="long-text-too-long"),
    pytest.param({"role": "other", "role_other": "y" * 81}, ["role_other: Use no more than 80 characters"],
                 id="short-text-too-long"),
    pytest.param({"career_stage": ""}, ["career_stage: Choose one answer"], id="required-choice-empty"),
    pytest.param({"focus_choice": ""}, ["focus_choice: Choose at least your first preference"],
                 id="required-ranking-empty"),
    pytest.param({"observation_comfort": ""}, ["observation_comfort: Choose one point on the scale"],
                 id="required-likert-empty"),
    pytest.param({"pupil_groups": ""}, ["pupil_groups: Choose at least one answer"], id="required-multi-empty"),
    pytest.param({"consent": ""}, ["consent: Tick the box to agree before you go on"], id="consent-empty"),
    pytest.param({"consent": "no"}, ["consent: Tick the box to agree before you go on"], id="consent-no"),
    pytest.param({"consent": "maybe"}, ["consent: 'maybe' is not yes or no"], id="consent-not-yes-no"),
    pytest.param({"role": "class_teacher", "role_other": "Cover supervisor"},
                 ["role_other: answered, but this question does not apply given the earlier answers"],
                 id="hidden-question-answered"),
    pytest.param({**NO_BARRIERS, "barrier_behaviour": "3"},
                 ["barrier_behaviour: answered, but this question does not apply given the earlier answers"],
                 id="hidden-follow-up-answered"),
    pytest.param({**NO_BARRIERS, "barriers": "time"}, ["barrier_time: Choose one point on the scale"],
                 id="shown-follow-up-empty"),
    pytest.param({"respondent": ""}, ["respondent is empty"], id="respondent-empty"),
    pytest.param({"respondent": "   "}, ["respondent is empty"], id="respondent-blank"),
    pytest.param({"school": "Nowhere"}, ["school 'Nowhere' is not one of the cohort's schools (Ashfield, Brook Lane)"],
                 id="school-unknown"),
]


@pytest.mark.parametrize(("changes", "fragments"), BAD_ROWS)
def test_bad_row_is_reported_as_file_row_message(ctx, tmp_path, shipped, cohort, changes, fragments):
    path = write_csv(tmp_path / "bad.csv", shipped, [valid_row(shipped, 0, **changes)])
    lines = problems_of(path, cohort, shipped)
    prefix = f"{path}:2: "
    assert all(line.startswith(prefix) for line in lines), lines
    assert any(all(f in line for f in fragments) for line in lines), lines


def test_duplicate_respondent_names_the_first_row(ctx, tmp_path, shipped, cohort):
    rows = [valid_row(shipped, 0, respondent="t1"), valid_row(shipped, 1, respondent="t2"),
            valid_row(shipped, 2, respondent=" t1 ")]
    path = write_csv(tmp_path / "dupe.csv", shipped, rows)
    assert problems_of(path, cohort, shipped) == [f"{path}:4: respondent 't1' appears again (first on row 2)"]


def test_respondent_already_in_cohort_is_refused(ctx, tmp_path, shipped, cohort, store):
    first = write_csv(tmp_path / "first.csv", shipped, [valid_row(shipped, 0, respondent="t1")])
    store.add_responses(cohort["id"], import_csv(first, cohort, shipped, []))
    again = write_csv(tmp_path / "again.csv", shipped,
                      [valid_row(shipped, 1, respondent="t2"), valid_row(shipped, 2, respondent="t1")])
    lines = problems_of(again, cohort, shipped, store.list_responses(cohort["id"]))
    assert lines == [f"{again}:3: respondent 't1' is already in cohort {cohort['id']}"]


def test_wrong_number_of_cells(ctx, tmp_path, shipped, cohort):
    good = write_csv(tmp_path / "good.csv", shipped, [valid_row(shipped, 0)])
    path = tmp_path / "short.csv"
    path.write_text(good.read_text(encoding="utf-8") + "t9,Ashfield,yes\n", encoding="utf-8")
    width = len(header_for(shipped))
    assert problems_of(path, cohort, shipped) == [f"{path}:3: has 3 cells but the header has {width}"]


def test_repeated_multi_choice_selection_is_refused_or_stored_once(ctx, tmp_path, shipped, cohort):
    path = write_csv(tmp_path / "twice.csv", shipped, [valid_row(shipped, 0, subjects="english;english")])
    try:
        (record,) = import_csv(path, cohort, shipped, [])
    except ImportProblems as exc:
        assert any(f"{path}:2: subjects:" in line for line in exc.lines)
    else:
        assert record["answers"]["subjects"] == ["english"]


# -- header and file problems -------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"who,school\n", "the first column must be 'respondent', found 'who'", id="first-column"),
        pytest.param(b"respondent,school,colour\n",
                     "unknown column 'colour': not a question in starting_point version 2", id="unknown-column"),
        pytest.param(b"respondent,role,school,role\n", "columns appear twice: role", id="duplicated-column"),
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"\n\n", "the file is empty", id="blank-lines"),
        pytest.param(b"respondent,school\x00\x01\x02\n", "the file holds binary data", id="binary-nul"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a UTF-8 text file", id="binary-png"),
        pytest.param("respondent,school\nt1,Café\n".encode("latin-1"), "not a UTF-8 text file", id="latin-1"),
    ],
)
def test_file_and_header_problems_are_reported_at_line_1(ctx, tmp_path, shipped, cohort, content, message):
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    lines = problems_of(path, cohort, shipped)
    assert any(line.startswith(f"{path}:1: ") and message in line for line in lines), lines


def test_every_header_problem_is_listed_at_once(ctx, tmp_path, shipped, cohort):
    path = tmp_path / "header.csv"
    path.write_text("id,colour,role,role\n", encoding="utf-8")
    lines = problems_of(path, cohort, shipped)
    assert [line.removeprefix(f"{path}:1: ") for line in lines] == [
        "the first column must be 'respondent', found 'id'",
        "unknown column 'colour': not a question in starting_point version 2",
        "columns appear twice: role",
    ]


# -- all or nothing; row numbers ------------------------------------------------------------
def test_one_bad_row_means_nothing_is_imported(ctx, tmp_path, shipped, cohort, store):
    rows = [valid_row(shipped, 0), valid_row(shipped, 1), valid_row(shipped, 2, lc1="9"), valid_row(shipped, 3)]
    path = write_csv(tmp_path / "mixed.csv", shipped, rows)
    lines = problems_of(path, cohort, shipped, store.list_responses(cohort["id"]))
    assert len(lines) == 1 and lines[0].startswith(f"{path}:4: lc1:")
    assert store.list_responses(cohort["id"]) == []
    assert store.count_responses(cohort["id"]) == {}


def test_every_bad_row_is_reported_with_its_row_number(ctx, tmp_path, shipped, cohort):
    rows = [valid_row(shipped, 0), valid_row(shipped, 1, role="pilot"), valid_row(shipped, 2),
            valid_row(shipped, 3, years_teaching="99")]
    path = write_csv(tmp_path / "two-bad.csv", shipped, rows)
    lines = problems_of(path, cohort, shipped)
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"{path}:3: role:")
    assert lines[1].startswith(f"{path}:5: years_teaching:")


def test_row_numbers_are_physical_lines_after_a_multiline_cell(ctx, tmp_path, shipped, cohort):
    rows = [valid_row(shipped, 0, focus_goal="First line.\nSecond line.\nThird line."),  # lines 2-4
            valid_row(shipped, 1),  # line 5
            valid_row(shipped, 2, role="pilot"),  # line 6
            valid_row(shipped, 3, respondent="teacher-1")]  # line 7
    path = write_csv(tmp_path / "multiline.csv", shipped, rows)
    lines = problems_of(path, cohort, shipped)
    assert lines[0].startswith(f"{path}:6: role: 'pilot' is not among the answers allowed")
    assert lines[1] == f"{path}:7: respondent 'teacher-1' appears again (first on row 5)"
    assert len(lines) == 2


def test_a_bad_multiline_row_is_reported_at_the_line_it_starts_on(ctx, tmp_path, shipped, cohort):
    rows = [valid_row(shipped, 0, role="pilot", focus_goal="First line.\nSecond line.")]  # lines 2-3
    path = write_csv(tmp_path / "multiline-bad.csv", shipped, rows)
    lines = problems_of(path, cohort, shipped)
    assert lines[0].startswith(f"{path}:2: role:"), lines


def test_an_oversized_cell_is_a_reported_problem_not_a_crash(ctx, tmp_path, shipped, cohort):
    path = write_csv(tmp_path / "huge.csv", shipped, [valid_row(shipped, 0, focus_goal="x" * 200_000)])
    lines = problems_of(path, cohort, shipped)
    assert lines[0].startswith(f"{path}:2: ")


# -- export ------------------------------------------------------------------------------
@pytest.fixture
def imported(ctx, tmp_path, shipped, cohort, store):
    """Two imported teachers and one web draft in the cohort; returns the CSV rows imported."""
    rows = [valid_row(shipped, 0, school="Ashfield"),
            valid_row(shipped, 1, school="Brook Lane", role="other", role_other="Cover supervisor")]
    path = write_csv(tmp_path / "in.csv", shipped, rows)
    store.add_responses(cohort["id"], import_csv(path, cohort, shipped, []))
    draft, _ = new_response(cohort, school="Ashfield")
    store.add_responses(cohort["id"], [draft])
    return rows, draft


def test_export_csv_has_one_row_per_submitted_response(shipped, cohort, store, imported):
    rows, draft = imported
    text = export_csv(shipped, store.list_responses(cohort["id"]))
    header = next(csv.reader(io.StringIO(text)))
    assert header == META + shipped.answer_ids() + ["score_learner_centred", "score_efficacy", "score_openness"]
    exported = {r["respondent"]: r for r in parse_csv(text)}
    assert set(exported) == {"teacher-0", "teacher-1"}  # the draft is left out
    assert draft["id"] not in text
    stored = {r["respondent"]: r for r in store.list_responses(cohort["id"], status="submitted")}
    for row in rows:
        out, record = exported[row["respondent"]], stored[row["respondent"]]
        assert out["response_id"] == record["id"]
        assert out["school"] == row["school"]
        assert (out["form_id"], out["form_version"]) == ("starting_point", "2")
        assert out["submitted_at"] == record["submitted_at"]
        assert out["consent"] == "yes"
        assert out["subjects"] == row["subjects"]  # multi-choice joined with ';'
        assert out["focus_choice"] == row["focus_choice"]  # ranking joined with ';', in order
        assert out["lc1"] == row["lc1"] and out["years_teaching"] == row["years_teaching"]
        assert float(out["score_openness"]) == record["scores"]["openness"]
    assert exported["teacher-0"]["role_other"] == ""
    assert exported["teacher-1"]["role_other"] == "Cover supervisor"


def test_export_csv_of_a_cohort_without_submissions_is_just_the_header(shipped, cohort, store):
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    text = export_csv(shipped, store.list_responses(cohort["id"]))
    assert text.count("\n") == 1 and text.startswith("response_id,respondent,")


def test_export_json_keeps_answers_typed_and_text_as_typed(shipped, cohort, store, imported, base_answers):
    risky = dict(base_answers, focus_goal="=HYPERLINK(\"http://evil.example\",\"click\")")
    store.add_responses(cohort["id"], [submitted_response(cohort, shipped, risky, "risky", "Ashfield")])
    data = json.loads(export_json(shipped, store.list_responses(cohort["id"])))
    assert (data["form_id"], data["form_version"]) == ("starting_point", "2")
    by_who = {r["respondent"]: r for r in data["responses"]}
    assert set(by_who) == {"teacher-0", "teacher-1", "risky"}
    assert by_who["risky"]["answers"]["focus_goal"] == risky["focus_goal"]
    first = by_who["teacher-0"]["answers"]
    assert first["lc1"] == int(imported[0][0]["lc1"])
    assert first["subjects"] == imported[0][0]["subjects"].split(";")
    assert first["consent"] is True
    assert list(first) == [a for a in shipped.answer_ids() if a in first]  # definition order
    assert set(by_who["teacher-0"]["scores"]) == {"learner_centred", "efficacy", "openness"}


# -- formula injection -------------------------------------------------------------------------
PREFIXES = [pytest.param(p, id=repr(p)) for p in FORMULA_START]


@pytest.mark.parametrize("start", FORMULA_START, ids=repr)
def test_neutralise_prefixes_a_quote_to_risky_text(start):
    assert neutralise(start + "SUM(A1:A9)") == "'" + start + "SUM(A1:A9)"


@pytest.mark.parametrize("value", ["SUM(1)", "a=b", " a=1", "'=1", "", 3, 2.5, -4, None, True])
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [" =1", "\n+1", "\u200b=1", "\ufeff@A1", "\uff1d1", " \u200b|cmd"], ids=repr)
def test_neutralise_looks_past_leading_whitespace_and_invisible_characters(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("start", PREFIXES)
@pytest.mark.parametrize("field", ["focus_goal", "role_other"])
def test_export_csv_prefixes_a_quote_to_formula_like_text(shipped, cohort, base_answers, start, field):
    text = start + "cmd|' /C calc'!A0+SUM(A1:A9)"
    answers = dict(base_answers, **{field: text})
    if field == "role_other":
        answers["role"] = "other"
    record = submitted_response(cohort, shipped, answers, "t1", "Ashfield")
    (row,) = parse_csv(export_csv(shipped, [record]))
    assert row[field] == "'" + text
    assert row["respondent"] == "t1" and row["score_openness"]  # the row is intact after the cell


def test_imported_text_with_a_carriage_return_survives_export(ctx, tmp_path, shipped, cohort):
    path = write_csv(tmp_path / "cr.csv", shipped, [valid_row(shipped, 0, focus_goal="Line one\rline two")])
    records = import_csv(path, cohort, shipped, [])
    rows = parse_csv(export_csv(shipped, records))
    assert len(rows) == 1 and rows[0]["focus_goal"] == "Line one\rline two"


def test_formula_text_imported_from_csv_is_neutralised_on_export(ctx, tmp_path, shipped, cohort):
    path = write_csv(tmp_path / "formula.csv", shipped, [
        valid_row(shipped, 0, focus_goal="=cmd|' /C calc'!A0"),
        valid_row(shipped, 1, role="other", role_other="  @SUM(1+1)  "),
    ])
    records = import_csv(path, cohort, shipped, [])
    rows = {r["respondent"]: r for r in parse_csv(export_csv(shipped, records))}
    assert rows["teacher-0"]["focus_goal"] == "'=cmd|' /C calc'!A0"
    assert rows["teacher-1"]["role_other"] == "'@SUM(1+1)"  # trimmed on import, then neutralised


@settings(max_examples=60, deadline=None)
@given(text=st.text())
def test_neutralise_property(text):
    out = neutralise(text)
    assert not out.startswith(FORMULA_START) and out in (text, "'" + text)
    if text.startswith(FORMULA_START):
        assert out == "'" + text
    assert neutralise(out) == out  # a quoted cell is safe as it is


CHARS = st.characters(blacklist_categories=("Cs",))
TEXTS = st.text(alphabet=CHARS, max_size=40) | st.builds(
    lambda start, rest: start + rest, st.sampled_from(FORMULA_START), st.text(alphabet=CHARS, max_size=10))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_exported_text_cell_is_never_a_formula_and_round_trips(shipped, cohort, base_answers, text):
    record = submitted_response(cohort, shipped, dict(base_answers, focus_goal=text), "t1", "Ashfield")
    (row,) = parse_csv(export_csv(shipped, [record]))
    cell = row["focus_goal"]
    assert not cell.startswith(FORMULA_START)
    assert cell in (text, "'" + text)
    if text.startswith(FORMULA_START):
        assert cell == "'" + text
    # JSON keeps the text exactly as typed
    data = json.loads(export_json(shipped, [record]))
    assert data["responses"][0]["answers"]["focus_goal"] == text
