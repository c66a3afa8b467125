"""`diagnostic cycle open|close|list`: the next learning cycle from the command line, and its refusals."""

from __future__ import annotations

import csv
import io

import pytest

from diagnostic.services.cohorts import definition_dirs
from diagnostic.services.journey import new_response
from forms.catalog import find_definition
from tests.cli.test_cli import valid_row, write_answers


def test_close_open_and_list_a_cohorts_cycles(invoke, store, cohort):
    closed = invoke("cycle", "close", "--cohort", cohort["id"])
    assert closed.exit_code == 0 and "closed cycle 1" in closed.output
    opened = invoke("cycle", "open", "--cohort", cohort["id"], "--form", "follow_up")
    assert opened.exit_code == 0 and "opened cycle 2" in opened.output
    listed = invoke("cycle", "list", "--cohort", cohort["id"])
    assert listed.exit_code == 0
    first, second = listed.output.strip().splitlines()
    assert first.startswith("cycle 1: starting_point") and "closed" in first
    assert second.startswith("cycle 2: follow_up") and ", open, 0 submitted" in second


@pytest.mark.parametrize(("args", "message"), [
    (["cycle", "open", "--cohort", "nowhere", "--form", "starting_point"], "no cohort 'nowhere'"),
    (["cycle", "open", "--cohort", "{cohort}", "--form", "no_such_form"], "no_such_form"),
    (["cycle", "open", "--cohort", "{cohort}", "--form", "follow_up"], "cycle 1 of Test network is still open"),
    (["cycle", "open", "--cohort", "{cohort}", "--form", "learning_agreement"], "still open"),
    (["cycle", "close", "--cohort", "{cohort}"], "1 teacher has not finished"),
])
def test_refusals_say_why_in_one_line_and_change_nothing(invoke, store, cohort, args, message):
    draft, _ = new_response(cohort)
    store.add_responses(cohort["id"], [draft])
    before = store.get_cohort(cohort["id"])
    result = invoke(*[a.format(cohort=cohort["id"]) for a in args])
    assert result.exit_code == 1 and message in result.output, result.output
    assert store.get_cohort(cohort["id"]) == before


# -- importing a later cycle ------------------------------------------------------------------
@pytest.fixture
def follow_up(app):
    definition, _ = find_definition("follow_up", None, definition_dirs(app.config["DATA"]))
    return definition


@pytest.fixture
def imported(invoke, tmp_path, store, cohort, shipped):
    """Three teachers' starting points imported (teacher-0..2), cycle 1 closed and cycle 2 opened."""
    path = write_answers(tmp_path / "start.csv", shipped, [valid_row(shipped, n, school="Ashfield") for n in range(3)])
    assert invoke("import-responses", "--cohort", cohort["id"], path).exit_code == 0
    assert invoke("cycle", "close", "--cohort", cohort["id"]).exit_code == 0
    assert invoke("cycle", "open", "--cohort", cohort["id"], "--form", "follow_up").exit_code == 0
    return {r["respondent"]: r for r in store.list_responses(cohort["id"])}


def test_a_later_cycle_is_imported_and_matched_by_respondent(invoke, tmp_path, store, cohort, follow_up, imported):
    path = write_answers(tmp_path / "later.csv", follow_up, [valid_row(follow_up, n, school="") for n in (0, 2)])
    result = invoke("import-responses", "--cohort", cohort["id"], "--cycle", 2, path)
    assert result.exit_code == 0 and "imported 2 responses" in result.output and "(cycle 2)" in result.output
    later = {r["respondent"]: r for r in store.list_responses(cohort["id"], cycle=2)}
    assert sorted(later) == ["teacher-0", "teacher-2"]
    for name, record in later.items():
        first = store.get_response(cohort["id"], imported[name]["id"])
        assert record["teacher"] == first["id"] and first["later"] == {"2": record["id"]}
        assert record["school"] == "Ashfield" and (record["form_id"], record["cycle"]) == ("follow_up", 2)
        grown = ("later", "choice", "choice_history")  # a goal sharpened in the follow-up is added, not replaced
        assert {k: v for k, v in first.items() if k not in grown} == \
            {k: v for k, v in imported[name].items() if k not in grown}  # the starting point is kept
    assert "later" not in store.get_response(cohort["id"], imported["teacher-1"]["id"])


@pytest.mark.parametrize(("rows", "cycle", "message"), [
    ([("stranger", {})], 2, "respondent 'stranger' has no starting point in cohort"),
    ([(0, {}), (0, {})], 2, "respondent 'teacher-0' appears again"),
    ([(0, {})], 3, "has no cycle 3 to import into"),
])
def test_a_bad_later_import_says_why_and_imports_nothing(invoke, tmp_path, store, cohort, follow_up, imported,
                                                          rows, cycle, message):
    made = [valid_row(follow_up, n if isinstance(n, int) else 0, school="", **changes) if isinstance(n, int)
            else valid_row(follow_up, 0, school="", respondent=n, **changes) for n, changes in rows]
    path = write_answers(tmp_path / "later.csv", follow_up, made)
    before = store.list_responses(cohort["id"])
    result = invoke("import-responses", "--cohort", cohort["id"], "--cycle", cycle, path)
    assert result.exit_code == 1 and message in result.output, result.output
    assert store.list_responses(cohort["id"]) == before


def test_a_later_cycle_cannot_be_imported_twice_for_one_teacher(invoke, tmp_path, store, cohort, follow_up,
                                                                imported):
    path = write_answers(tmp_path / "later.csv", follow_up, [valid_row(follow_up, 1, school="")])
    assert invoke("import-responses", "--cohort", cohort["id"], "--cycle", 2, path).exit_code == 0
    before = store.list_responses(cohort["id"])
    again = invoke("import-responses", "--cohort", cohort["id"], "--cycle", 2, path)
    assert again.exit_code == 1 and "respondent 'teacher-1' is already in cycle 2 of cohort" in again.output
    assert store.list_responses(cohort["id"]) == before


# -- exporting every cycle ----------------------------------------------------------------------
@pytest.fixture
def two_cycles(invoke, tmp_path, cohort, follow_up, imported):
    """teacher-0 and teacher-2 answered cycle 2 too; teacher-2's respondent cell is safe, the school risky."""
    path = write_answers(tmp_path / "later.csv", follow_up, [valid_row(follow_up, n, school="") for n in (0, 2)])
    assert invoke("import-responses", "--cohort", cohort["id"], "--cycle", 2, path).exit_code == 0
    return imported


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_long_export_has_a_row_per_teacher_per_cycle(invoke, store, cohort, follow_up, two_cycles):
    result = invoke("export", "--cohort", cohort["id"], "--cycles", "long")
    assert result.exit_code == 0
    rows = read_csv(result.output)
    assert sorted((r["respondent"], r["cycle"]) for r in rows) == [
        ("teacher-0", "1"), ("teacher-0", "2"), ("teacher-1", "1"), ("teacher-2", "1"), ("teacher-2", "2")]
    # One teacher keeps one id across cycles, and a matched item is one column with both cycles' answers.
    ids = {(r["respondent"], r["cycle"]): r["teacher"] for r in rows}
    assert ids["teacher-0", "1"] == ids["teacher-0", "2"] == two_cycles["teacher-0"]["id"]
    later = store.list_responses(cohort["id"], cycle=2)
    item = next(iter(follow_up.matches.item_pairs()))
    by_key = {(r["respondent"], r["cycle"]): r for r in rows}
    assert all(by_key[r["respondent"], "2"][item] == str(r["answers"][item]) for r in later)


def test_wide_export_has_one_row_per_teacher(invoke, cohort, two_cycles):
    result = invoke("export", "--cohort", cohort["id"], "--cycles", "wide")
    assert result.exit_code == 0
    rows = {r["respondent"]: r for r in read_csv(result.output)}
    assert sorted(rows) == ["teacher-0", "teacher-1", "teacher-2"]
    assert rows["teacher-0"]["c1_submitted_at"] and rows["teacher-0"]["c2_submitted_at"]
    assert rows["teacher-1"]["c1_submitted_at"] and rows["teacher-1"]["c2_submitted_at"] == ""


def test_every_cell_of_the_cycles_export_is_kept_from_running_as_a_formula(invoke, store, cohort, two_cycles):
    first = two_cycles["teacher-1"]
    store.update_response(cohort["id"], first["id"], lambda r: {**r, "school": "=HYPERLINK(\"x\")"})
    for layout in ("long", "wide"):
        text = invoke("export", "--cohort", cohort["id"], "--cycles", layout).output
        cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
        assert "'=HYPERLINK(\"x\")" in cells and not any(c.startswith("=") for c in cells)


def test_cycles_export_refuses_json(invoke, cohort, two_cycles):
    result = invoke("export", "--cohort", cohort["id"], "--cycles", "long", "--format", "json")
    assert result.exit_code == 1 and "--cycles writes CSV" in result.output
