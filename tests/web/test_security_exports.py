"""Spreadsheet formula injection: text people typed that a spreadsheet would run is neutralised in every CSV export.

A cell is run by spreadsheets as a formula when it starts with a tab or a carriage return, or when the first
character a reader sees (after whitespace and invisible characters such as a zero-width space or a byte-order mark)
is =, +, -, @, | or %, or the full-width form of one; the app's rule (`diagnostic.services.csvio.neutralise`) prefixes a
quote. Every CSV is parsed with the `csv` module and no cell may start a formula (numbers such as -0.4 are data).
The exports: the responses export of `diagnostic export` and every CSV route in the URL map (members.csv,
profiles.csv, the expertise map, and any added later). Typed text reaches them from the questionnaire, CSV imports,
cohort and school names and group names.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from security_corpus import (
    FORMULA_START,
    FORMULAS,
    INVISIBLE,
    MAIN,
    PAYLOADS,
    browser,
    cells,
    copy_world,
    csrf,
    formula_cells,
    hostile_menu,
    hostile_view,
    norm,
    rules_now,
    starts_formula,
    urls,
)

from diagnostic.cli import cli
from diagnostic.services.cohorts import published_definition
from diagnostic.services.csvio import neutralise, submitted_response

TYPED = [norm(p) for p in FORMULAS]  # as the forms keep them: stripped
TEXT_COLUMNS = ["respondent", "school", "teacher_name", "role_other", "focus_goal", "coaching_notes"]
GET_RULES = rules_now({"GET"})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app, world = copy_world(tmp_path_factory, "exports")
    world["app"] = app
    yield world
    app.extensions["store"].close()


@pytest.fixture
def scratch(tmp_path_factory):
    app, world = copy_world(tmp_path_factory, "exports-scratch")
    world["app"] = app
    yield world
    app.extensions["store"].close()


def export(world, *args: str) -> str:
    result = world["app"].test_cli_runner().invoke(cli, ["export", "--cohort", MAIN, *args])
    assert result.exit_code == 0, result.output
    return result.output


def assert_no_formulas(body: str, where: str) -> None:
    found = formula_cells(body)
    assert not found, f"{where}: cells a spreadsheet would run: {found[:10]}"


def assert_download(response, where: str) -> str:
    """A CSV served as a CSV file to save, never as a page."""
    assert response.status_code == 200, where
    assert response.mimetype == "text/csv", f"{where}: {response.mimetype}"
    assert response.headers["Content-Disposition"].startswith("attachment; filename="), where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    return response.text


# -- the responses export -------------------------------------------------------------------------------------
def test_the_responses_export_neutralises_every_formula_typed_in_any_text_answer(world):
    body = export(world, "--format", "csv")
    assert_no_formulas(body, "diagnostic export")
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert len(rows) == len(PAYLOADS) + 2  # the imported teachers and the two who answered in the browser
    for column in TEXT_COLUMNS:
        shown = {row[column] for row in rows}
        assert [t for t in TYPED if f"'{t}" not in shown] == [], column
    # Text that only looks odd is left alone: the quote goes only where a spreadsheet would run something.
    assert {row["teacher_name"] for row in rows} >= {p for p in PAYLOADS if not starts_formula(p.strip())}


def test_the_responses_export_written_to_a_file_is_neutralised_the_same(world, tmp_path):
    out = tmp_path / "results.csv"
    result = world["app"].test_cli_runner().invoke(cli, ["export", "--cohort", MAIN, "--format", "csv",
                                                         "--output", str(out)])
    assert result.exit_code == 0, result.output
    body = out.read_text(encoding="utf-8")
    assert_no_formulas(body, str(out))
    assert body == export(world, "--format", "csv")


def test_the_json_export_keeps_text_as_typed(world):
    """JSON is not run by spreadsheets, so it holds exactly what was typed (stripped by the forms)."""
    data = json.loads(export(world, "--format", "json"))
    names = {r["answers"].get("teacher_name") for r in data["responses"]}
    assert set(TYPED) <= names


# -- every CSV download ----------------------------------------------------------------------------------------
def csv_downloads(world) -> dict[str, str]:
    """Walk every GET route as staff and as a teacher; every CSV that comes back is checked, whatever its route."""
    found: dict[str, str] = {}
    for endpoint, rule in GET_RULES:
        for url, _ in urls(world, endpoint, rule):
            for role in ("admin", "coordinator", "specialist", "teacher"):
                answer = browser(world["app"], world["cookies"][role]).get(url)
                if answer.status_code != 200:  # not theirs to download: an error page, checked in the XSS tests
                    continue
                if answer.mimetype == "text/csv" or url.endswith(".csv"):
                    found[url] = assert_download(answer, f"{role} GET {url}")
                    assert_no_formulas(found[url], url)
                elif answer.mimetype.endswith("json") or url.endswith(".json"):
                    assert answer.mimetype == "application/json", url
                    json.loads(answer.text)
    return found


def test_every_csv_download_in_the_url_map_is_a_file_with_no_formula(world):
    found = csv_downloads(world)
    base = f"/specialist/cohorts/{MAIN}/export"
    expertise = f"/coordinator/cohorts/{MAIN}/expertise.csv"
    assert {f"{base}/members.csv", f"{base}/profiles.csv", expertise} <= set(found)
    members, profiles, schools = (cells(found[u]) for u in (f"{base}/members.csv", f"{base}/profiles.csv", expertise))
    # The typed formulas are there, neutralised: teachers' CSV references, schools, group names and notes.
    assert [t for t in TYPED if f"'{t}" not in members] == []
    assert [t for t in TYPED if f"'{t}" not in schools] == []
    assert {f"'{norm(FORMULAS[0])}", f"'{norm(FORMULAS[1])}"} <= set(members) & set(profiles)
    assert any(c.startswith(f"'{FORMULAS[3]}") for c in profiles)  # the group note


def is_download(response) -> bool:  # noqa: ANN001
    """A file to save: CSV, JSON, or anything sent as an attachment."""
    return (response.mimetype in ("text/csv", "application/json")
            or response.headers.get("Content-Disposition", "").startswith("attachment"))


def test_no_download_or_page_may_be_kept_by_a_browser_or_proxy_only_static_files_may(world):
    """Downloads hold teachers' answers and names: a shared computer's cache or a proxy must not keep a copy."""
    downloads, static = set(), []
    for endpoint, rule in GET_RULES:
        for url, _ in urls(world, endpoint, rule):
            for role in ("admin", "coordinator", "specialist", "teacher"):
                answer = browser(world["app"], world["cookies"][role]).get(url)
                if endpoint == "static":
                    static.append(answer)
                    continue
                # Every answer, error pages and redirects too, whoever asks.
                assert answer.headers.get("Cache-Control") == "no-store", f"{role} GET {url}"
                if answer.status_code == 200 and is_download(answer):
                    downloads.add(url)
    base = f"/specialist/cohorts/{MAIN}"
    assert {f"{base}/export/members.csv", f"{base}/export/profiles.csv", f"{base}/export/grouping.json",
            f"/coordinator/cohorts/{MAIN}/expertise.csv", f"/coordinator/cohorts/{MAIN}/expertise.json",
            "/questionnaire/my-data.json"} <= downloads
    assert static and all(a.status_code == 200 and "no-store" not in a.headers.get("Cache-Control", "")
                          for a in static)


def test_focus_titles_an_admin_wrote_as_formulas_are_neutralised_in_the_expertise_map(world):
    """The menu of learning focuses is uploaded YAML: its titles reach the expertise map's CSV."""
    if not world["hostile"]:
        pytest.skip("this app has no page to upload a questionnaire")
    view = hostile_view(world)
    found = csv_downloads(view)
    expertise = cells(found[f"/coordinator/cohorts/{view['cohort']}/expertise.csv"])
    titles = [f["title"] for f in yaml.safe_load(hostile_menu())["focuses"]]
    formulas = [t for t in titles if starts_formula(t)]
    assert formulas and all(f"'{t}" in expertise for t in formulas)


@pytest.mark.parametrize("payload", FORMULAS, ids=[f"formula-{n}" for n in range(len(FORMULAS))])
def test_a_group_named_with_a_formula_is_neutralised_in_both_grouping_csvs(scratch, payload):
    admin = browser(scratch["app"], scratch["cookies"]["admin"])
    base = f"/specialist/cohorts/{MAIN}"
    page = admin.get(f"{base}/groups/B")
    assert admin.post(f"{base}/groups/B", data={"csrf_token": csrf(page.text), "name": payload,
                                                "note": payload}).status_code == 302
    for name in ("members.csv", "profiles.csv"):
        body = assert_download(admin.get(f"{base}/export/{name}"), name)
        assert_no_formulas(body, name)
        assert f"'{norm(payload)}" in cells(body), name


def test_text_stored_with_a_formula_start_is_neutralised_even_when_nothing_stripped_it(scratch):
    """The forms strip spaces, but the store may hold older or imported text that starts with a tab or CR."""
    store = scratch["app"].extensions["store"]
    cohort = store.get_cohort(MAIN)
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    base = next(r for r in store.list_responses(MAIN, status="submitted"))
    # Leading whitespace and invisible characters do not hide a formula from a spreadsheet.
    starts = [*FORMULA_START, " =", "\u3000\u200b+", "\ufeff-", "\u00a0\u2060\uff20"]
    raw = {start: f"{start}cmd|' /C calc'!A{n}" for n, start in enumerate(starts)}
    for text in raw.values():
        answers = {**base["answers"], "teacher_name": text, "role_other": text, "focus_goal": text,
                   "coaching_notes": text}
        store.add_responses(MAIN, [submitted_response(cohort, definition, answers, text, text)])
    store.set_group_label(MAIN, "A", {"name": raw["\t"], "note": raw["\r"], "updated_at": "2026-01-01"})
    body = export(scratch, "--format", "csv")
    assert_no_formulas(body, "diagnostic export")
    rows = [r for r in csv.DictReader(io.StringIO(body, newline="")) if r["respondent"].lstrip("'") in raw.values()]
    assert len(rows) == len(raw)
    for row in rows:
        assert all(row[c] == "'" + row[c][1:] and row[c][1:] in raw.values() for c in TEXT_COLUMNS), row
    admin = browser(scratch["app"], scratch["cookies"]["admin"])
    for url in (f"/specialist/cohorts/{MAIN}/export/members.csv", f"/specialist/cohorts/{MAIN}/export/profiles.csv",
                f"/coordinator/cohorts/{MAIN}/expertise.csv"):
        body = assert_download(admin.get(url), url)
        assert_no_formulas(body, url)
        assert any(c.startswith("'\t") for c in cells(body)) or url.endswith("expertise.csv"), url


@pytest.mark.parametrize("start", FORMULA_START)
def test_the_rule_neutralises_each_formula_start_and_only_text(start):
    assert neutralise(f"{start}1+1") == f"'{start}1+1"
    assert neutralise(f"a{start}1") == f"a{start}1"
    assert neutralise(-3) == -3 and neutralise(None) is None


# What a spreadsheet skips before the first character it reads. (A tab or CR counts only as the very first.)
BEFORE = ["", " ", "  ", "\n", "\u00a0", "\u3000", *INVISIBLE, " \u200b\ufeff ", "\u200d\u3000"]
VISIBLE_STARTS = [start for start in FORMULA_START if not start.isspace()]


@pytest.mark.parametrize("before", BEFORE, ids=repr)
@pytest.mark.parametrize("start", VISIBLE_STARTS, ids=repr)
def test_the_rule_sees_a_formula_start_behind_whitespace_and_invisible_characters(start, before):
    assert neutralise(f"{before}{start}SUM(1)") == f"'{before}{start}SUM(1)"


@pytest.mark.parametrize("text", ["SUM(1)", "a=1", "'=1", "1-2", " plain", "\u200bplain", "\uff38=1", "", " ",
                                  "\u200b\ufeff", "\n\nnote"], ids=repr)
def test_the_rule_leaves_text_that_starts_no_formula_alone(text):
    assert neutralise(text) == text


LEAD = st.text(st.sampled_from([" ", "\n", "\u00a0", "\u3000", *INVISIBLE]), max_size=4)
RISKY_TEXT = st.tuples(LEAD, st.sampled_from(FORMULA_START), st.text(max_size=12)).map("".join)
HARMLESS_TEXT = LEAD | st.tuples(LEAD, st.characters(categories=("L", "N")) | st.sampled_from("'\"(#!?.,"),
                                 st.text(max_size=12)).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=st.text() | RISKY_TEXT)
def test_any_text_whose_first_visible_character_starts_a_formula_gets_a_quote(text):
    cell = neutralise(text)
    assert cell in (text, "'" + text)  # a quote or nothing: the text itself is never changed
    assert not starts_formula(cell)
    if starts_formula(text):
        assert cell == "'" + text


@settings(max_examples=300, deadline=None)
@given(text=HARMLESS_TEXT)
def test_text_that_starts_no_formula_is_left_exactly_as_typed(text):
    assert neutralise(text) == text
