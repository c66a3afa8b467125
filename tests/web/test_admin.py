"""Admin pages: cohorts and definitions, with uploads treated as hostile files."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from diagnostic.services.cohorts import create_cohort
from forms.catalog import SHIPPED

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SHIPPED_TEXT = (SHIPPED / "starting-point.yaml").read_text(encoding="utf-8")
FOLLOW_UP_TEXT = (SHIPPED / "follow-up.yaml").read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1)


def token(client, url):
    return CSRF.search(client.get(url).text).group(1)


def upload(client, name, content):
    return client.post("/admin/definitions", data={"csrf_token": token(client, "/admin/definitions"),
                                                   "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_admin_creates_a_cohort_with_schools_and_sees_its_invitation(client, store):
    answer = client.post("/admin/cohorts", data={
        "csrf_token": token(client, "/admin/cohorts"), "cohort-name": "West 2027",
        "cohort-form": "starting_point|2", "cohort-schools": "Oak Primary\n\n  Elm High  \n", "cohort-closes": ""})
    assert answer.status_code == 302
    made = next(c for c in store.list_cohorts() if c["name"] == "West 2027")
    assert made["schools"] == ["Oak Primary", "Elm High"] and made["form_version"] == "2"
    page = client.get("/admin/cohorts").text
    assert f"/join/{made['invite']}" in page and "0 submitted" in page
    assert store.audit_log()[-1]["action"] == "create cohort"


@pytest.mark.parametrize(("fields", "message"), [
    ({"cohort-name": "", "cohort-form": "starting_point|2"}, "Give the cohort a name."),
    ({"cohort-name": "X", "cohort-form": "nope|1"}, "Not a valid choice"),
    ({"cohort-name": "X", "cohort-form": "starting_point|2", "cohort-schools": "A\nA"}, "The same school is named"),
    ({"cohort-name": "X", "cohort-form": "starting_point|2", "cohort-closes": "31/02/2027"}, "Not a valid date"),
])
def test_bad_cohorts_are_refused_and_nothing_is_created(client, store, fields, message):
    answer = client.post("/admin/cohorts", data={"csrf_token": token(client, "/admin/cohorts"), **fields})
    assert answer.status_code == 422 and message in answer.text
    assert store.list_cohorts() == []


def test_a_valid_definition_is_kept_in_the_store_under_its_own_id_and_version(client, app, store):
    content = SHIPPED_TEXT.replace('version: "2"', 'version: "3"', 1).encode()
    answer = upload(client, "../../evil name.yaml", content)
    assert answer.status_code == 302
    assert [(f["kind"], f["id"], f["version"]) for f in store.list_definition_files()] == [
        ("definition", "starting_point", "3")]
    assert store.get_definition_file("definition", "starting_point", "3")["content"].encode() == content
    assert not (Path(app.config["DATA"]) / "definitions").exists()  # the operator's own folder is left alone
    assert "starting_point-3.yaml" in client.get("/admin/definitions").text


def test_a_menu_can_be_added(client, store):
    menu = (SHIPPED / "learning-focuses.yaml").read_bytes().replace(b"title: ", b"title: Our ", 1)
    assert upload(client, "menu.yaml", menu).status_code == 302
    assert store.get_definition_file("menu", "learning_focuses", "1")["content"].encode() == menu


@pytest.mark.parametrize(("content", "shown"), [
    (b"id: x\nversion: \"1\"\ntitle: X\nsections: []\n", "my-form.yaml:4: sections"),
    (b"a: &anchor [1, 2]\nb: *anchor\n", "my-form.yaml:1: not valid YAML: anchors and aliases"),
    (b"\xff\xfe not text", "my-form.yaml:"),
    (b"key: [unclosed\n", "my-form.yaml:"),
    (b"x" * (201 * 1024), "larger than 200 KB"),
    (SHIPPED_TEXT.replace("title: Your starting point", "title: Your changed starting point", 1).encode(),
     "my-form.yaml:1: starting_point version 2 is already published with different content"),
    # A follow-up is checked against the questionnaire it follows, without naming the server's folders.
    (FOLLOW_UP_TEXT.replace("3: Neither agree nor disagree", "3: Not sure", 1).encode(),
     "is on a different scale in starting_point version 2: point 3 is"),
    (FOLLOW_UP_TEXT.replace('{form: starting_point, version: "2"}', '{form: starting_point, version: "9"}').encode(),
     "my-form.yaml:28: follows: there is no starting_point version 9 among the definitions in the data directory"),
])
def test_a_bad_or_hostile_file_is_refused_with_its_problems_and_nothing_is_kept(client, app, store, shipped, content,
                                                                                shown):
    create_cohort(store, shipped, "Publishes the shipped version", [])
    answer = upload(client, "my-form.yaml", content)
    assert answer.status_code == 422 and shown in answer.text
    assert "/tmp" not in answer.text and "upload.yaml" not in answer.text  # the server's own paths never show
    assert store.list_definition_files() == []
    assert not (Path(app.config["DATA"]) / "definitions").exists() or \
        not list((Path(app.config["DATA"]) / "definitions").iterdir())


def test_no_file_is_a_clear_error(client):
    answer = client.post("/admin/definitions", data={"csrf_token": token(client, "/admin/definitions")},
                         content_type="multipart/form-data")
    assert answer.status_code == 422 and "Choose a YAML file." in answer.text
