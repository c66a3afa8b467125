"""The `diagnostic` command, run through Flask's CLI runner on the fixture's app and data directory."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

import diagnostic.cli.serving
from diagnostic.cli import cli
from diagnostic.services.accounts import authenticate
from diagnostic.services.demo import DEMO_COHORT, PROFILES, teacher_row
from diagnostic.services.journey import new_response
from diagnostic.storage.tinydb_store import TinyDBStore as Store

SHIPPED_FORM = Path(__file__).resolve().parents[2] / "forms" / "definitions" / "starting-point.yaml"

SMALL_FORM = """\
id: small_check
version: "{version}"
title: {title}
sections:
  - id: one
    title: Page one
    questions:
      - id: mood
        type: likert
        prompt: "{prompt}"
        scale: {{min: 1, max: 5}}
        required: true
      - id: note
        type: short_text
        prompt: "Anything else?"
"""

BROKEN_FORM = """\
id: broken
version: "1"
title: Broken
sections:
  - id: one
    title: One
    questions:
      - id: q_scale
        type: likert
        prompt: "Rate"
        scale: nope
      - id: q_choices
        type: single_choice
        prompt: "Pick"
      - id: q_type
        type: wibble
        prompt: "x"
"""
# where each broken question sits in BROKEN_FORM (first and last line)
BROKEN_AT = {"q_scale": (8, 11), "q_choices": (12, 14), "q_type": (15, 17)}


# -- helpers ---------------------------------------------------------------------
@pytest.fixture
def invoke(runner):
    def run(*args: str):
        return runner.invoke(cli, args=[str(a) for a in args])
    return run


def assert_clean(result, code: int) -> None:
    """Exit code as expected, and no Python exception escaped (CliRunner turns one into exit 1)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.exit_code == code, result.output


def create(invoke, *extra: str) -> tuple[str, str]:
    """Create a cohort through the CLI; return its id and invitation URL."""
    result = invoke("cohort", "create", "--name", "North Federation 2026", "--form", "starting_point", *extra)
    assert_clean(result, 0)
    cohort_id = re.search(r"^cohort: (\S+)$", result.output, re.M).group(1)
    url = re.search(r"^invitation: (https?://\S+/join/\S+)$", result.output, re.M).group(1)
    return cohort_id, url


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def write_answers(path: Path, definition, rows: list[dict[str, str]]) -> Path:
    header = ["respondent", "school", *definition.answer_ids()]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(h, "") for h in header])
    return path


def valid_row(definition, n: int, **changes: str) -> dict[str, str]:
    row = {"respondent": f"teacher-{n}", "school": "A",
           **teacher_row(definition, PROFILES[0], random.Random(n))}
    row.update(changes)
    return row


def data_dir(app) -> Path:
    return Path(app.config["DATA"])


# -- forms check ---------------------------------------------------------------------
def test_forms_check_accepts_the_shipped_questionnaire(invoke):
    result = invoke("forms", "check", SHIPPED_FORM)
    assert_clean(result, 0)
    lines = result.output.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{SHIPPED_FORM}: ok: starting_point version 2")
    assert " sections (pages), " in lines[0]  # named as the file's key is


def test_forms_check_lists_every_problem_with_path_line_and_question(invoke, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN_FORM, encoding="utf-8")
    result = invoke("forms", "check", path)
    assert_clean(result, 1)
    lines = result.output.splitlines()
    assert len(lines) == len(BROKEN_AT)
    pattern = re.compile(rf"^{re.escape(str(path))}:(\d+): ")
    for question, (first, last) in BROKEN_AT.items():
        (line,) = [x for x in lines if f"'{question}'" in x]
        match = pattern.match(line)
        assert match, line
        assert first <= int(match.group(1)) <= last, line
    assert "unknown scale 'nope'" in result.output
    assert "unknown type 'wibble'" in result.output


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "the file is empty", id="empty"),
        pytest.param(b"   \n\n", "the file is empty", id="whitespace"),
        pytest.param(b"# just a comment\n", "no YAML document", id="comment-only"),
        pytest.param(b"\x00\x01\x02\x03binary", "binary data", id="binary"),
        pytest.param("id: café\n".encode("latin-1"), "not a UTF-8 text file", id="latin-1"),
        pytest.param(b"- one\n- two\n", "found a list", id="list"),
        pytest.param(b"just some text\n", "found a single text value", id="scalar"),
        pytest.param(BILLION_LAUGHS.encode(), "anchors and aliases", id="alias-bomb"),
        pytest.param(("a: " + "[" * 5000 + "]" * 5000 + "\n").encode(), "nested too deeply", id="deep-nesting"),
        pytest.param(b"id: [unclosed\n", "not valid YAML", id="bad-yaml"),
        pytest.param(b"a: 1\n---\nb: 2\n", "not valid YAML", id="two-documents"),
        pytest.param(b"? [a, b]\n: c\n", "not valid YAML", id="unhashable-key"),
    ],
)
def test_forms_check_refuses_hostile_files_without_a_traceback(invoke, tmp_path, content, message):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    result = invoke("forms", "check", path)
    assert_clean(result, 1)
    lines = result.output.splitlines()
    assert lines and all(re.match(rf"^{re.escape(str(path))}:\d+: ", x) for x in lines), lines
    assert message in result.output


def test_forms_check_of_a_missing_file_is_a_clean_error(invoke, tmp_path):
    result = invoke("forms", "check", tmp_path / "nope.yaml")
    assert_clean(result, 1)
    assert result.output.startswith(f"{tmp_path / 'nope.yaml'}:0: cannot read the file")


FOLLOW_UP_FORM = SHIPPED_FORM.with_name("follow-up.yaml")


def test_forms_check_accepts_the_shipped_follow_up_and_says_what_it_follows(invoke):
    result = invoke("forms", "check", FOLLOW_UP_FORM)
    assert_clean(result, 0)
    (line,) = result.output.splitlines()
    assert line.startswith(f"{FOLLOW_UP_FORM}: ok: follow_up version 1, ")
    assert line.endswith("; follows starting_point version 2, with 23 items and 3 constructs matched")


def test_forms_check_of_a_follow_up_off_its_starting_points_scale_exits_1_naming_each_item(invoke, tmp_path):
    path = tmp_path / "follow-up.yaml"
    path.write_text(FOLLOW_UP_FORM.read_text(encoding="utf-8").replace("5: Very confident", "5: Sure"),
                    encoding="utf-8")
    result = invoke("forms", "check", path)
    assert_clean(result, 1)
    lines = result.output.splitlines()
    focuses = [q for q in lines if "confidence_" in q]
    assert len(focuses) == len(lines) == 10  # one per focus on the menu, nothing else
    assert all(re.match(rf"^{re.escape(str(path))}:3\d: matches: item 'confidence_[a-z_]+' is on a different "
                        r"scale in starting_point version 2: point 5 is 'Sure' here, 'Very confident' there$", x)
               for x in lines), lines


def test_forms_check_finds_the_followed_questionnaire_where_forms_show_does(invoke, app, tmp_path):
    path = tmp_path / "follow-up.yaml"
    path.write_text(FOLLOW_UP_FORM.read_text(encoding="utf-8").replace('version: "2"}', 'version: "3"}'),
                    encoding="utf-8")
    result = invoke("forms", "check", path)
    assert_clean(result, 1)
    assert result.output == (f"{path}:28: follows: there is no starting_point version 3 among the definitions in "
                             "the data directory or shipped with the app; versions of starting_point found: 2\n")

    # Once version 3 is in the data directory's definitions, the follow-up is checked against it.
    definitions = data_dir(app) / "definitions"
    definitions.mkdir(parents=True)
    (definitions / "starting-point-3.yaml").write_text(
        SHIPPED_FORM.read_text(encoding="utf-8").replace('version: "2"', 'version: "3"', 1), encoding="utf-8")
    assert_clean(invoke("forms", "check", path), 0)


def test_forms_list_counts_a_follow_up_that_does_not_fit_its_starting_point_as_invalid(invoke, app):
    definitions = data_dir(app) / "definitions"
    definitions.mkdir(parents=True)
    broken = definitions / "follow-up-2.yaml"
    broken.write_text(FOLLOW_UP_FORM.read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1)
                      .replace('version: "2"}', 'version: "9"}'), encoding="utf-8")
    result = invoke("forms", "list")
    assert_clean(result, 0)
    assert f"{broken}: invalid (1 problems; run 'diagnostic forms check {broken}')" in result.output.splitlines()
    assert f"follow_up version 1: How it went ({FOLLOW_UP_FORM})" in result.output.splitlines()


def test_forms_check_refuses_a_changed_definition_that_is_already_published(invoke, app, tmp_path):
    definitions = data_dir(app) / "definitions"
    definitions.mkdir(parents=True)
    path = definitions / "small.yaml"
    path.write_text(SMALL_FORM.format(version="1", title="Check-in", prompt="How are you?"), encoding="utf-8")
    assert_clean(invoke("cohort", "create", "--name", "Pilot", "--form", "small_check"), 0)
    assert_clean(invoke("forms", "check", path), 0)  # unchanged: still fine

    path.write_text(SMALL_FORM.format(version="1", title="Check-in", prompt="How are you today?"), encoding="utf-8")
    result = invoke("forms", "check", path)
    assert_clean(result, 1)
    assert result.output.startswith(f"{path}:1: ")
    assert "already published" in result.output and "new version" in result.output

    copy = tmp_path / "elsewhere.yaml"  # the same id and version anywhere else is the same clash
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert_clean(invoke("forms", "check", copy), 1)


# -- forms show ------------------------------------------------------------------------
def test_forms_show_json_is_the_normalised_definition(invoke):
    result = invoke("forms", "show", "starting_point", "--json")
    assert_clean(result, 0)
    data = json.loads(result.output)
    assert (data["id"], data["version"]) == ("starting_point", "2")
    questions = {q["id"]: q for s in data["sections"] for q in s["questions"]}
    assert [s["id"] for s in data["sections"]][:2] == ["about", "pupils"]
    assert [c["id"] for c in questions["role"]["choices"]] == [
        "class_teacher", "subject_lead", "senior_leader", "teaching_assistant", "other"]
    assert len(questions["focus_choice"]["choices"]) == 10  # the menu's focuses
    for q in questions.values():
        if q["type"] in ("single_choice", "multi_choice", "ranking"):
            assert q["choices"] and all({"id", "label"} <= set(c) for c in q["choices"]), q["id"]
        if q["type"] == "likert":
            assert (q["scale"]["min"], q["scale"]["max"]) == (1, 5), q["id"]
    items = {i["id"]: i for i in questions["beliefs_learning"]["items"]}
    assert items["lc1"]["construct"] == {"id": "learner_centred", "key": "+"}
    assert items["lc2"]["construct"] == {"id": "learner_centred", "key": "-"}
    openness = {i["id"]: i["construct"] for i in questions["beliefs_openness"]["items"]}
    assert openness["op2"] == {"id": "openness", "key": "-"}
    value_items = [i["id"] for i in questions["strategy_value"]["items"]]
    assert "value_questioning" in value_items and "construct" not in questions["strategy_value"]["items"][0]
    assert questions["role_other"]["show_if"] == {"question": "role", "equals": "other"}


def test_forms_show_lists_pages_and_questions(invoke):
    result = invoke("forms", "show", "starting_point")
    assert_clean(result, 0)
    assert "starting_point version 2: Your starting point" in result.output
    assert "section about (page 1): About you" in result.output  # the key in the file, and what teachers see
    assert "consent (consent, required)" in result.output


@pytest.mark.parametrize("args", [["nope"], ["nope", "--json"], ["starting_point", "--version", "9"]])
def test_forms_show_of_an_unknown_form_is_a_clear_error(invoke, args):
    result = invoke("forms", "show", *args)
    assert_clean(result, 1)
    assert "Error: no definition" in result.output
    assert repr(args[0]) in result.output


# -- cohorts ---------------------------------------------------------------------------
def test_cohort_create_prints_id_and_a_working_invitation(invoke, client, store):
    cohort_id, url = create(invoke, "--schools", "A, B ,C")
    assert url.startswith("http://")
    record = store.get_cohort(cohort_id)
    assert record["schools"] == ["A", "B", "C"]
    assert url.endswith(f"/join/{record['invite']}")
    page = client.get(path_of(url))
    assert page.status_code == 200
    assert b"Your starting point" in page.data and b"North Federation 2026" in page.data


def test_cohort_list_shows_cohorts_with_counts_and_links(invoke, tmp_path, shipped, app):
    first, first_url = create(invoke, "--schools", "A,B")
    second, second_url = create(invoke)
    path = write_answers(tmp_path / "in.csv", shipped, [valid_row(shipped, 0), valid_row(shipped, 1)])
    assert_clean(invoke("import-responses", "--cohort", first, path), 0)
    with app.app_context():
        store = app.extensions["store"]
        draft, _ = new_response(store.get_cohort(first), school="A")
        store.add_responses(first, [draft])
    result = invoke("cohort", "list")
    assert_clean(result, 0)
    lines = result.output.splitlines()
    assert len(lines) == 2
    (line1,) = [x for x in lines if x.startswith(first)]
    (line2,) = [x for x in lines if x.startswith(second)]
    assert "North Federation 2026" in line1 and "starting_point v2" in line1
    assert "submitted 2, in progress 1" in line1 and line1.endswith(first_url)
    assert "submitted 0, in progress 0" in line2 and line2.endswith(second_url)


def test_cohort_base_url_is_used_for_links(invoke):
    _, url = create(invoke, "--base-url", "https://cpd.example.org/")
    assert re.fullmatch(r"https://cpd\.example\.org/join/[0-9a-f]+", url)
    result = invoke("cohort", "list", "--base-url", "https://cpd.example.org")
    assert url in result.output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--name", "N", "--form", "nope"], 1, "no definition 'nope'", id="unknown-form"),
        pytest.param(["--name", "N", "--form", "starting_point", "--version", "9"], 1,
                     "no definition 'starting_point' version '9'", id="unknown-version"),
        pytest.param(["--name", "N", "--form", "starting_point", "--schools", "A,B,A"], 1,
                     "the same school is named twice", id="duplicate-school"),
        pytest.param(["--name", "N", "--form", "starting_point", "--schools", "A, A"], 1,
                     "the same school is named twice", id="duplicate-school-spaced"),
        pytest.param(["--name", "   ", "--form", "starting_point"], 1, "a cohort needs a name", id="blank-name"),
        pytest.param(["--name", "N", "--form", "starting_point", "--closes", "31/12/2030"], 2,
                     "--closes", id="bad-date"),
        pytest.param(["--form", "starting_point"], 2, "--name", id="no-name"),
        # A date already gone would turn every teacher away; the message says what to do instead.
        pytest.param(["--name", "N", "--form", "starting_point", "--closes", "2020-01-01"], 1,
                     "is before today", id="closes-in-the-past"),
        pytest.param(["--name", "N", "--form", "starting_point", "--closes", "2020-01-01"], 1,
                     "--allow-past", id="closes-in-the-past-names-the-flag"),
    ],
)
def test_cohort_create_errors_create_nothing(invoke, store, args, code, message):
    result = invoke("cohort", "create", *args)
    assert_clean(result, code)
    assert message in result.output
    assert store.list_cohorts() == []


@pytest.mark.parametrize(("closes", "status"), [("2020-01-01", 410), ("2999-12-31", 200)])
def test_cohort_closing_date_closes_the_invitation(invoke, client, store, closes, status):
    cohort_id, url = create(invoke, "--closes", closes, "--allow-past")
    assert store.get_cohort(cohort_id)["closes_on"] == closes
    assert client.get(path_of(url)).status_code == status


def test_a_cohort_closing_today_is_accepted(invoke, client, store):
    today = date.today().isoformat()
    cohort_id, url = create(invoke, "--closes", today)
    assert store.get_cohort(cohort_id)["closes_on"] == today
    assert client.get(path_of(url)).status_code == 200


# -- versions ---------------------------------------------------------------------------
def test_a_published_version_cannot_change_but_a_new_version_can_be_used(invoke, app, client, store):
    definitions = data_dir(app) / "definitions"
    definitions.mkdir(parents=True)
    path = definitions / "small.yaml"
    path.write_text(SMALL_FORM.format(version="1", title="Check-in one", prompt="How are you?"), encoding="utf-8")
    result = invoke("cohort", "create", "--name", "Old", "--form", "small_check")
    assert_clean(result, 0)
    old_id = re.search(r"^cohort: (\S+)$", result.output, re.M).group(1)
    old_url = re.search(r"^invitation: (\S+)$", result.output, re.M).group(1)
    old = store.get_cohort(old_id)
    draft, token = new_response(old)
    store.add_responses(old_id, [draft])

    # Same version, changed prompt: refused, and no cohort is added.
    path.write_text(SMALL_FORM.format(version="1", title="Check-in one", prompt="How do you feel?"),
                    encoding="utf-8")
    result = invoke("cohort", "create", "--name", "Clash", "--form", "small_check")
    assert_clean(result, 1)
    assert "already published with different content" in result.output and "new version" in result.output
    assert [c["id"] for c in store.list_cohorts()] == [old_id]

    # A new version is fine; both cohorts exist, each on its own version.
    path.write_text(SMALL_FORM.format(version="2", title="Check-in two", prompt="How do you feel?"),
                    encoding="utf-8")
    result = invoke("cohort", "create", "--name", "New", "--form", "small_check")
    assert_clean(result, 0)
    versions = {c["name"]: c["form_version"] for c in store.list_cohorts()}
    assert versions == {"Old": "1", "New": "2"}
    listing = invoke("cohort", "list").output
    assert "small_check v1" in listing and "small_check v2" in listing

    # The old cohort still works on the version it was created with.
    invitation = client.get(path_of(old_url))
    assert invitation.status_code == 200 and b"Check-in one" in invitation.data
    page = client.get(f"/resume/{token}", follow_redirects=True)
    assert page.status_code == 200
    assert b"How are you?" in page.data and b"How do you feel?" not in page.data


# -- import ------------------------------------------------------------------------------
@pytest.fixture
def cohort_id(invoke):
    return create(invoke, "--schools", "A,B")[0]


def test_import_responses_stores_every_row(invoke, tmp_path, shipped, store, cohort_id):
    rows = [valid_row(shipped, n, school="AB"[n % 2]) for n in range(3)]
    path = write_answers(tmp_path / "answers.csv", shipped, rows)
    result = invoke("import-responses", "--cohort", cohort_id, path)
    assert_clean(result, 0)
    assert f"imported 3 responses into cohort {cohort_id}" in result.output
    stored = store.list_responses(cohort_id)
    assert sorted(r["respondent"] for r in stored) == ["teacher-0", "teacher-1", "teacher-2"]
    assert {r["status"] for r in stored} == {"submitted"}
    assert {r["school"] for r in stored} == {"A", "B"}

    again = invoke("import-responses", "--cohort", cohort_id, path)  # the same file twice
    assert_clean(again, 1)
    assert f"{path}:2: respondent 'teacher-0' is already in cohort {cohort_id}" in again.output
    assert len(store.list_responses(cohort_id)) == 3


def test_import_of_a_bad_file_prints_every_problem_and_stores_nothing(invoke, tmp_path, shipped, store, cohort_id):
    rows = [valid_row(shipped, 0), valid_row(shipped, 1, lc1="6"), valid_row(shipped, 2),
            valid_row(shipped, 3, school="Z"), valid_row(shipped, 4)]
    path = write_answers(tmp_path / "bad.csv", shipped, rows)
    result = invoke("import-responses", "--cohort", cohort_id, path)
    assert_clean(result, 1)
    problems = [x for x in result.output.splitlines() if x.startswith(f"{path}:")]
    assert len(problems) == 2
    assert problems[0].startswith(f"{path}:3: lc1: ")
    assert problems[1] == f"{path}:5: school 'Z' is not one of the cohort's schools (A, B)"
    assert "nothing imported: 2 problem(s)" in result.output
    assert store.list_responses(cohort_id) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, ":0: cannot read the file", id="missing-file"),
        pytest.param(b"", ":1: the file is empty", id="empty"),
        pytest.param(b"\x00\xff\xfe", ":1: ", id="binary"),
        pytest.param(b"name,school\n", ":1: the first column must be 'respondent'", id="bad-header"),
    ],
)
def test_import_of_an_unusable_file_is_a_clean_error(invoke, tmp_path, store, cohort_id, content, message):
    path = tmp_path / "file.csv"
    if content is not None:
        path.write_bytes(content)
    result = invoke("import-responses", "--cohort", cohort_id, path)
    assert_clean(result, 1)
    assert f"{path}{message}" in result.output
    assert store.list_responses(cohort_id) == []


def test_import_into_an_unknown_cohort_names_it(invoke, tmp_path, shipped, cohort_id):
    path = write_answers(tmp_path / "answers.csv", shipped, [valid_row(shipped, 0)])
    result = invoke("import-responses", "--cohort", "no-such-cohort", path)
    assert_clean(result, 1)
    assert "no cohort 'no-such-cohort'" in result.output
    assert cohort_id in result.output  # the cohorts that do exist are listed


# -- export ------------------------------------------------------------------------------
@pytest.fixture
def filled(invoke, tmp_path, shipped, store, cohort_id):
    rows = [valid_row(shipped, 0, school="A"), valid_row(shipped, 1, school="B", focus_goal="=1+1")]
    path = write_answers(tmp_path / "answers.csv", shipped, rows)
    assert_clean(invoke("import-responses", "--cohort", cohort_id, path), 0)
    draft, _ = new_response(store.get_cohort(cohort_id), school="A")
    store.add_responses(cohort_id, [draft])
    return rows


def test_export_csv_to_stdout(invoke, shipped, cohort_id, filled):
    result = invoke("export", "--cohort", cohort_id, "--format", "csv")
    assert_clean(result, 0)
    table = list(csv.reader(io.StringIO(result.output, newline="")))
    assert table[0][:6] == ["response_id", "respondent", "school", "form_id", "form_version", "submitted_at"]
    assert table[0][6:-3] == shipped.answer_ids()
    assert table[0][-3:] == ["score_learner_centred", "score_efficacy", "score_openness"]
    rows = {r["respondent"]: r for r in csv.DictReader(io.StringIO(result.output, newline=""))}
    assert set(rows) == {"teacher-0", "teacher-1"}  # the draft is not exported
    assert rows["teacher-0"]["subjects"] == filled[0]["subjects"]
    assert rows["teacher-0"]["focus_choice"] == filled[0]["focus_choice"]
    assert rows["teacher-1"]["focus_goal"] == "'=1+1"
    assert rows["teacher-1"]["school"] == "B"


def test_export_json_to_stdout(invoke, cohort_id, filled):
    result = invoke("export", "--cohort", cohort_id, "--format", "json")
    assert_clean(result, 0)
    data = json.loads(result.output)
    assert data["form_id"] == "starting_point"
    by_who = {r["respondent"]: r for r in data["responses"]}
    assert set(by_who) == {"teacher-0", "teacher-1"}
    assert by_who["teacher-1"]["answers"]["focus_goal"] == "=1+1"
    assert by_who["teacher-0"]["answers"]["lc1"] == int(filled[0]["lc1"])
    assert set(by_who["teacher-0"]["scores"]) == {"learner_centred", "efficacy", "openness"}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_to_a_file_matches_stdout(invoke, tmp_path, cohort_id, filled, fmt):
    out = tmp_path / f"results.{fmt}"
    result = invoke("export", "--cohort", cohort_id, "--format", fmt, "--output", out)
    assert_clean(result, 0)
    assert f"wrote 2 responses to {out}" in result.output
    assert out.read_text(encoding="utf-8") == invoke("export", "--cohort", cohort_id, "--format", fmt).output


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        pytest.param(["--cohort", "no-such-cohort"], 1, "no cohort 'no-such-cohort'", id="unknown-cohort"),
        pytest.param(["--format", "xlsx"], 2, "xlsx", id="unknown-format"),
    ],
)
def test_export_errors(invoke, cohort_id, args, code, message):
    if "--cohort" not in args:
        args = ["--cohort", cohort_id, *args]
    result = invoke("export", *args)
    assert_clean(result, code)
    assert message in result.output


# -- the data directory -------------------------------------------------------------------
def test_data_option_chooses_the_data_directory(tmp_path, monkeypatch, store):
    monkeypatch.delenv("DIAGNOSTIC_DATA", raising=False)
    monkeypatch.chdir(tmp_path)  # so a fallback to ./instance would show up here
    other = tmp_path / "d2"
    runner = CliRunner()
    made = runner.invoke(cli, ["--data", str(other), "cohort", "create", "--name", "Elsewhere",
                               "--form", "starting_point"])
    assert_clean(made, 0)
    cohort_id = re.search(r"^cohort: (\S+)$", made.output, re.M).group(1)
    listed = runner.invoke(cli, ["--data", str(other), "cohort", "list"])
    assert_clean(listed, 0)
    assert cohort_id in listed.output and "Elsewhere" in listed.output
    assert [c["id"] for c in Store(other).list_cohorts()] == [cohort_id]
    assert store.list_cohorts() == []  # the fixture's data directory is untouched
    assert not (tmp_path / "instance").exists()


def test_diagnostic_data_variable_chooses_the_data_directory(tmp_path, monkeypatch, store):
    other = tmp_path / "d3"
    monkeypatch.setenv("DIAGNOSTIC_DATA", str(other))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(cli, ["cohort", "create", "--name", "From env", "--form", "starting_point"])
    assert_clean(made, 0)
    cohort_id = re.search(r"^cohort: (\S+)$", made.output, re.M).group(1)
    listed = runner.invoke(cli, ["cohort", "list"])
    assert cohort_id in listed.output
    assert [c["id"] for c in Store(other).list_cohorts()] == [cohort_id]
    assert store.list_cohorts() == []
    assert not (tmp_path / "instance").exists()


# -- Flask's own commands --------------------------------------------------------------------
def test_routes_lists_the_teacher_pages(invoke):
    result = invoke("routes")
    assert_clean(result, 0)
    assert "/join/<invite>" in result.output
    assert "/questionnaire/page/<int:number>" in result.output
    assert "/resume/<token>" in result.output


# -- serve ---------------------------------------------------------------------------------
@pytest.fixture
def served(monkeypatch):
    calls = []
    monkeypatch.setattr(diagnostic.cli.serving, "run_simple", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def test_serve_demo_seeds_a_demo_cohort_and_prints_its_links(invoke, app, client, store, served):
    result = invoke("serve", "--demo")
    assert_clean(result, 0)
    demo = store.get_cohort(DEMO_COHORT)
    assert demo is not None
    assert store.count_responses(DEMO_COHORT) == {"submitted": 61}
    assert f"http://127.0.0.1:5000/join/{demo['invite']}" in result.output
    link = re.search(r"http://127\.0\.0\.1:5000(/resume/\S+)", result.output)
    assert link, result.output
    assert "61 teachers in 4 schools" in result.output
    # the server was started once, on the app, with the default address
    assert len(served) == 1
    args, _ = served[0]
    assert args[:2] == ("127.0.0.1", 5000) and args[2] is app
    # both printed links open
    assert client.get(f"/join/{demo['invite']}").status_code == 200
    summary = client.get(link.group(1), follow_redirects=True)
    assert summary.status_code == 200 and summary.request.path != link.group(1)

    # one staff account per role, whose printed password signs in (shown only when first made)
    accounts = re.findall(r"^    (specialist|coordinator|admin): (\S+)  (\S+)$", result.output, re.M)
    assert [a[0] for a in accounts] == ["specialist", "coordinator", "admin"]
    assert all(authenticate(store, email, password)["role"] == role for role, email, password in accounts)

    again = invoke("serve", "--demo")
    assert_clean(again, 0)
    assert "already seeded" in again.output
    assert not any(password in again.output for _, _, password in accounts)
    assert store.count_responses(DEMO_COHORT) == {"submitted": 61}
    assert f"/join/{demo['invite']}" in again.output
    assert len(served) == 2


def test_serve_uses_the_host_and_port_given(invoke, store, served):
    result = invoke("serve", "--host", "0.0.0.0", "--port", "8080")
    assert_clean(result, 0)
    assert served[0][0][:2] == ("0.0.0.0", 8080)
    assert "http://0.0.0.0:8080/" in result.output
    assert store.get_cohort(DEMO_COHORT) is None  # no demo unless asked for


@pytest.mark.parametrize("port", ["0", "70000", "web"])
def test_serve_refuses_a_bad_port(invoke, served, port):
    result = invoke("serve", "--port", port)
    assert_clean(result, 2)
    assert served == []
