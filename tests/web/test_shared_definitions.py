"""Definitions and menus an admin uploads are kept in the store, so every app server sharing it finds them.

Two app servers here share one store. On PostgreSQL each has a data directory of its own, as servers on
two machines would; TinyDB is one machine's store, so there the second server shares the first one's data
directory (another process of the same installation). What an admin uploads on the first can be listed,
chosen for a cohort, offered as the next cycle's follow-up and named as a menu on the second, while files an
operator puts by hand into `DATA/definitions/` still count.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import sign_in_as
from pages import visible_text

from diagnostic import create_app
from diagnostic.cli import cli
from diagnostic.services import cycles
from diagnostic.services.definitions import available
from forms.catalog import SHIPPED

pytestmark = pytest.mark.both_backends  # every test here runs on each backend (tests/conftest.py)

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
START_3 = (SHIPPED / "starting-point.yaml").read_text(encoding="utf-8").replace('version: "2"', 'version: "3"', 1)
FOLLOW_UP_2 = (SHIPPED / "follow-up.yaml").read_text(encoding="utf-8").replace('version: "1"', 'version: "2"', 1)
# The programme's own menu, with a focus renamed, under an id of its own; and a questionnaire that names it.
OUR_MENU = (SHIPPED / "learning-focuses.yaml").read_text(encoding="utf-8").replace(
    "id: learning_focuses", "id: our_focuses", 1).replace("title: ", "title: Our ", 2)
ON_OUR_MENU = START_3.replace('version: "3"', 'version: "4"', 1).replace("menu: learning-focuses", "menu: our-focuses")


@pytest.fixture
def other(app, tmp_path, backend, database_url):
    """A second app server on the same store, with an admin signed in on it."""
    data = tmp_path / "other-server" if backend == "postgresql" else Path(app.config["DATA"])
    second = create_app({"TESTING": True, "DATA": str(data), "DATABASE_URL": database_url})
    browser = second.test_client()
    sign_in_as(browser, second, "admin")
    yield SimpleNamespace(app=second, client=browser, store=second.extensions["store"], data=data)
    second.extensions["store"].close()


def upload(browser, name: str, text: str):
    page = browser.get("/admin/definitions").text
    return browser.post("/admin/definitions", data={"csrf_token": CSRF.search(page).group(1),
                                                    "file": (io.BytesIO(text.encode()), name)},
                        content_type="multipart/form-data")


def create_on_the_page(browser, name: str, form: str):
    page = browser.get("/admin/cohorts").text
    return browser.post("/admin/cohorts", data={"csrf_token": CSRF.search(page).group(1), "cohort-name": name,
                                                "cohort-form": form, "cohort-schools": "", "cohort-closes": ""})


def offered(page: str) -> set[str]:
    """The values of the options a select offers."""
    return set(re.findall(r'<option[^>]*value="([^"]+)"', page))


def test_a_questionnaire_uploaded_on_one_server_is_listed_and_chosen_for_a_cohort_on_another(client, other):
    assert "starting_point|3" not in offered(other.client.get("/admin/cohorts").text)
    assert upload(client, "mine.yaml", START_3).status_code == 302

    assert "starting_point-3.yaml" in visible_text(other.client.get("/admin/definitions").text)
    assert "starting_point|3" in offered(other.client.get("/admin/cohorts").text)
    assert create_on_the_page(other.client, "West 2027", "starting_point|3").status_code == 302
    (made,) = other.store.list_cohorts()
    assert (made["form_id"], made["form_version"]) == ("starting_point", "3")
    assert other.store.get_form("starting_point", "3") is not None  # published from the uploaded file


def test_the_commands_on_another_server_list_show_and_create_on_an_uploaded_questionnaire(client, other):
    assert upload(client, "mine.yaml", START_3).status_code == 302
    runner = other.app.test_cli_runner()
    listed = runner.invoke(cli, ["forms", "list"])
    assert listed.exit_code == 0 and "starting_point version 3" in listed.output
    shown = runner.invoke(cli, ["forms", "show", "starting_point", "--version", "3", "--json"])
    assert shown.exit_code == 0 and '"version": "3"' in shown.output
    made = runner.invoke(cli, ["cohort", "create", "--name", "East 2027", "--form", "starting_point", "--version", "3"])
    assert made.exit_code == 0, made.output
    assert [c["form_version"] for c in other.store.list_cohorts()] == ["3"]


def test_a_follow_up_uploaded_on_one_server_is_offered_and_opened_for_the_next_cycle_on_another(client, other, cohort,
                                                                                                store):
    assert upload(client, "follow.yaml", FOLLOW_UP_2).status_code == 302
    cycles.close_current(store, cohort)
    offers = [(d["id"], d["version"]) for d in cycles.follow_ups(cohort, available(other.store))]
    assert ("follow_up", "2") in offers
    opened = cycles.open_follow_up(other.store, cohort, "follow_up", "2")
    assert (opened["form_id"], opened["form_version"]) == ("follow_up", "2")


def test_a_menu_uploaded_on_one_server_is_found_by_a_questionnaire_naming_it_on_another(client, other):
    assert upload(client, "our-menu.yaml", OUR_MENU).status_code == 302
    assert upload(client, "ours.yaml", ON_OUR_MENU).status_code == 302
    assert create_on_the_page(other.client, "North 2027", "starting_point|4").status_code == 302
    published = other.store.get_form("starting_point", "4")["definition"]
    assert published["learning_focuses"]["id"] == "our_focuses"
    assert published["learning_focuses"]["title"].startswith("Our ")


def test_the_same_id_and_version_is_refused_whether_uploaded_or_put_in_the_folder_by_hand(client, other, app):
    assert upload(client, "mine.yaml", START_3).status_code == 302
    assert upload(other.client, "again.yaml", START_3).status_code == 422  # on another server too
    assert len(other.store.list_definition_files()) == 1

    # A file an operator put into DATA/definitions is still read, and an upload of its id and version refused.
    by_hand = Path(app.config["DATA"]) / "definitions"
    by_hand.mkdir(exist_ok=True)
    (by_hand / "ours-5.yaml").write_text(START_3.replace('version: "3"', 'version: "5"', 1), encoding="utf-8")
    assert "starting_point|5" in offered(client.get("/admin/cohorts").text)
    assert upload(client, "mine.yaml", START_3.replace('version: "3"', 'version: "5"', 1)).status_code == 422
    assert upload(client, "shipped.yaml", (SHIPPED / "starting-point.yaml").read_text()).status_code == 422
    assert len(other.store.list_definition_files()) == 1
    assert create_on_the_page(client, "By hand", "starting_point|5").status_code == 302


def test_an_uploaded_questionnaire_is_written_out_again_when_this_servers_copy_goes(client, app, store):
    assert upload(client, "mine.yaml", START_3).status_code == 302
    copy = Path(app.config["DATA"]) / "uploaded-definitions" / "starting_point-3.yaml"
    copy.unlink()  # a server's copy is only a copy: the store is what counts
    assert create_on_the_page(client, "West 2027", "starting_point|3").status_code == 302
    assert copy.read_text(encoding="utf-8") == START_3
    assert [c["form_version"] for c in store.list_cohorts()] == ["3"]


def test_a_copy_the_store_does_not_hold_is_not_offered(client, app):
    # Left by a database this data directory was used with before, say: the store is what counts.
    copies = Path(app.config["DATA"]) / "uploaded-definitions"
    copies.mkdir(exist_ok=True)
    stale = copies / "starting_point-7.yaml"
    stale.write_text(START_3.replace('version: "3"', 'version: "7"', 1), encoding="utf-8")
    os.utime(stale, (1_700_000_000, 1_700_000_000))
    assert "starting_point|7" not in offered(client.get("/admin/cohorts").text)
    assert not stale.exists()
