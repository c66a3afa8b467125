"""`diagnostic db`: upgrading the PostgreSQL schema, its status, the app refusing a schema behind its code, and
copying a TinyDB installation into the database, all through the real command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
import servers
from click.testing import CliRunner
from conftest import sign_in_as
from pages import visible_text
from sqlalchemy import create_engine

from diagnostic import create_app
from diagnostic.cli import cli
from diagnostic.services import grouping, partnerships
from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort, definition_dirs
from diagnostic.services.copying import snapshot
from diagnostic.services.definitions import add_upload, available
from diagnostic.services.demo import seed_demo
from diagnostic.services.demo_cycles import seed_second_cycle
from diagnostic.services.journey import new_response
from diagnostic.storage import migrate
from diagnostic.storage.backends import open_store
from diagnostic.storage.interface import StoreError
from diagnostic.storage.postgres_store import engine_url
from forms.catalog import SHIPPED, find_definition

ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/nowhere"
UPGRADE_LOCK = 0x53505550  # the key migrations/env.py takes, so a test can hold it as another server would
START = (SHIPPED / "starting-point.yaml").read_text(encoding="utf-8")
UPLOADED = START.replace('version: "2"', 'version: "3"', 1)  # an admin's upload, kept in the TinyDB store
BY_HAND = START.replace('version: "2"', 'version: "4"', 1)  # in DATA/definitions/: by hand, or uploaded before


def run(data: Path, url: str | None, *args: str):
    """`diagnostic --data DATA ARGS…` with DIAGNOSTIC_DATABASE_URL set to `url` (or unset); no traceback may escape."""
    result = CliRunner().invoke(cli, ["--data", str(data), *args], env={"DIAGNOSTIC_DATABASE_URL": url})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def one_line(result) -> str:
    """The single line a refused command prints."""
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def revision(url: str) -> str | None:
    engine = create_engine(engine_url(url))
    try:
        return migrate.current(engine)
    finally:
        engine.dispose()


# -- the schema: upgrade and status ---------------------------------------------------------------------------------
def test_upgrade_creates_the_schema_and_a_second_run_has_nothing_to_do(tmp_path):
    with servers.fresh_database(empty=True) as url:
        before = run(tmp_path, url, "db", "status")
        assert before.exit_code == 0
        assert "diagnostic db upgrade" in before.output and migrate.head() in before.output

        first = run(tmp_path, url, "db", "upgrade")
        assert first.exit_code == 0 and migrate.head() in first.output
        assert revision(url) == migrate.head()
        second = run(tmp_path, url, "db", "upgrade")
        assert second.exit_code == 0 and "nothing to do" in second.output

        after = run(tmp_path, url, "db", "status")
        assert after.exit_code == 0 and "up to date" in after.output and "db upgrade" not in after.output
        # and now the app starts on it, for the pages and for every other command
        assert run(tmp_path, url, "cohort", "list").exit_code == 0
        create_app({"TESTING": True, "DATA": str(tmp_path), "DATABASE_URL": url}).extensions["store"].close()


def test_the_app_refuses_to_start_on_a_database_whose_schema_is_behind(tmp_path):
    with servers.fresh_database(empty=True) as url:
        with pytest.raises(StoreError, match="diagnostic db upgrade"):
            create_app({"TESTING": True, "DATA": str(tmp_path), "DATABASE_URL": url})
        refused = run(tmp_path, url, "cohort", "list")
        assert refused.exit_code == 1 and "diagnostic db upgrade" in one_line(refused)
        assert revision(url) is None  # refusing changed nothing


def _mark_newer(url: str) -> None:
    """The database as a newer version of the app would leave it: a revision this code does not know."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")


# Each way a command can find the database unusable: (what, database, command, words the one line must hold).
REFUSED = [
    ("schema behind", "empty", ("cohort", "list"), "diagnostic db upgrade"),
    ("schema newer than the code", "newer", ("cohort", "list"), "newer version"),
    ("unreachable, a command", UNREACHABLE, ("cohort", "list"), "127.0.0.1:1"),
    ("unreachable, upgrade", UNREACHABLE, ("db", "upgrade"), "127.0.0.1:1"),
    ("unreachable, status", UNREACHABLE, ("db", "status"), "127.0.0.1:1"),
    ("not a PostgreSQL address", "mysql://someone@127.0.0.1/x", ("cohort", "list"), "postgresql://"),
    ("no database, upgrade", None, ("db", "upgrade"), "TinyDB"),
    ("no database, status", None, ("db", "status"), "TinyDB"),
    ("no database, copy", None, ("db", "copy-from-tinydb", "."), "TinyDB"),
    ("copy into a database never upgraded", "empty", ("db", "copy-from-tinydb", "."), "diagnostic db upgrade"),
    ("copy into a newer schema", "newer", ("db", "copy-from-tinydb", "."), "newer version"),
]


@pytest.mark.parametrize(("database", "command", "words"), [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_a_database_that_cannot_be_used_gives_one_clear_line(tmp_path, monkeypatch, database, command, words):
    (tmp_path / "store").mkdir()  # "." is a TinyDB data directory to copy from, with nothing in it yet
    monkeypatch.chdir(tmp_path)
    if database in ("empty", "newer"):
        with servers.fresh_database(empty=database == "empty") as url:
            if database == "newer":
                _mark_newer(url)
            result = run(tmp_path / "data", url, *command)
    else:
        result = run(tmp_path / "data", database, *command)
    assert result.exit_code == 1
    assert words in one_line(result)


def _upgrade_in_a_process(data: Path, url: str) -> subprocess.Popen:
    env = {**os.environ, "DIAGNOSTIC_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", "from diagnostic.cli import main; main()", "--data", str(data),
                             "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _waiting_for_the_upgrade_lock(connection: psycopg.Connection) -> int:
    return connection.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                              "AND objid = %s AND database = (SELECT oid FROM pg_database "
                              "WHERE datname = current_database())", (UPGRADE_LOCK,)).fetchone()[0]


def test_two_upgrades_at_once_on_an_empty_database_both_succeed(tmp_path):
    with servers.fresh_database(empty=True) as url, psycopg.connect(url, autocommit=True) as holder:
        # Hold the upgrade lock, as a third server in the middle of upgrading would, so that both commands are
        # surely at the same point together when it is let go: the lock is what must keep them apart.
        holder.execute("SELECT pg_advisory_lock(%s)", (UPGRADE_LOCK,))
        upgrades = [_upgrade_in_a_process(tmp_path / "data", url) for _ in range(2)]
        deadline = time.monotonic() + 120
        while _waiting_for_the_upgrade_lock(holder) < 2 and all(p.poll() is None for p in upgrades):
            assert time.monotonic() < deadline, "the two upgrades never both reached the lock"
            time.sleep(0.05)
        holder.execute("SELECT pg_advisory_unlock(%s)", (UPGRADE_LOCK,))
        outputs = [p.communicate(timeout=120)[0] for p in upgrades]
        assert [p.returncode for p in upgrades] == [0, 0], outputs
        assert "Traceback" not in "".join(outputs)
        assert revision(url) == migrate.head()
        assert "up to date" in run(tmp_path / "data", url, "db", "status").output


# -- copying a TinyDB installation ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A TinyDB data directory holding every kind of record: the demo network run into cycle 2, grouped twice."""
    data = tmp_path_factory.mktemp("tinydb") / "data"
    app = create_app({"TESTING": True, "DATA": str(data)})
    store = app.extensions["store"]
    with app.app_context():
        made = seed_demo(store, definition_dirs(data))  # grouped, with staff accounts and a teacher's private link
        seed_second_cycle(store, definition_dirs(data), "demo", entries=2)  # partnerships, logs, cycle 2
        cohort = store.get_cohort("demo")
        regrouped = grouping.refit(store, cohort)  # the first grouping is kept as an earlier one
        grouping.rename(store, cohort, regrouped["groups"][0]["key"], "Careful planners", "Meet on Tuesdays",
                        actor="specialist@demo.example")
        add_upload(store, "ours.yaml", UPLOADED.encode(), actor="admin@demo.example")
    (data / "definitions").mkdir()
    (data / "definitions" / "ours-4.yaml").write_text(BY_HAND, encoding="utf-8")
    (data / "definitions" / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    kinds = snapshot(store)
    assert all(kinds.values()), {kind: len(records) for kind, records in kinds.items()}  # every kind is there
    assert {r.get("cycle") or 1 for r in kinds["responses"].values()} == {1, 2}
    return SimpleNamespace(data=data, store=store, kinds=kinds, resume_token=made["resume_token"])


@pytest.fixture
def target():
    """A fresh database at the current schema, and its store (closed before the database is dropped)."""
    with servers.fresh_database() as url:
        store = open_store(Path("unused"), url)
        yield SimpleNamespace(url=url, store=store)
        store.close()


def copy(tmp_path: Path, url: str, source_dir: Path, *flags: str):
    return run(tmp_path / "installation", url, "db", "copy-from-tinydb", str(source_dir), *flags)


def test_copying_moves_every_kind_of_record_and_a_second_run_copies_nothing(tmp_path, source, target):
    first = copy(tmp_path, target.url, source.data)
    assert first.exit_code == 0, first.output
    copied = snapshot(target.store)
    for kind, records in source.kinds.items():
        assert {key: copied[kind][key] for key in records} == records, kind
        assert kind in first.output
    # ... the definition files, with the valid ones of the source's definitions/ folder among them, as written
    for kind in set(copied) - {"definition files"}:
        assert len(copied[kind]) == len(source.kinds[kind]), kind
    assert set(copied["definition files"]) - set(source.kinds["definition files"]) == {
        ("definition", "starting_point", "4")}
    assert copied["definition files"][("definition", "starting_point", "4")]["content"] == BY_HAND
    assert "broken.yaml" in first.output  # left out, and said so
    assert "DIFFERS" not in first.output
    for cycle in (1, 2):
        assert target.store.list_responses("demo", cycle=cycle) == source.store.list_responses("demo", cycle=cycle)
    assert target.store.count_responses("demo") == source.store.count_responses("demo")
    assert target.store.load_model("demo") == source.store.load_model("demo")
    earlier = source.store.earlier_groupings("demo")[0]["id"], target.store.earlier_groupings("demo")[0]["id"]
    assert target.store.load_earlier_grouping("demo", earlier[1]) == source.store.load_earlier_grouping("demo",
                                                                                                        earlier[0])
    assert target.store.pairing_state("demo", "co-coaching") == source.store.pairing_state("demo", "co-coaching")

    os.utime(source.data / "definitions" / "ours-4.yaml")  # touched, not changed: still the same file
    again = copy(tmp_path, target.url, source.data)
    assert again.exit_code == 0 and "nothing to copy" in again.output
    assert snapshot(target.store) == copied


def test_a_server_with_a_data_directory_of_its_own_finds_the_copied_definitions(tmp_path, source, target):
    assert copy(tmp_path, target.url, source.data).exit_code == 0
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "new-server"), "DATABASE_URL": target.url})
    try:
        found = {(d.get("id"), d.get("version")) for d in available(app.extensions["store"])}
        assert {("starting_point", "3"), ("starting_point", "4")} <= found
        made = app.test_cli_runner().invoke(cli, ["cohort", "create", "--name", "Copied", "--form", "starting_point",
                                                  "--version", "4"])
        assert made.exit_code == 0, made.output
    finally:
        app.extensions["store"].close()
    # The old server keeps its data directory: the file in its definitions/ folder and its copy are one definition.
    shutil.copytree(source.data, tmp_path / "old-server")
    old = create_app({"TESTING": True, "DATA": str(tmp_path / "old-server"), "DATABASE_URL": target.url})
    try:
        listed = [(d.get("id"), d.get("version")) for d in available(old.extensions["store"])]
        assert listed.count(("starting_point", "4")) == 1 and listed.count(("starting_point", "3")) == 1
    finally:
        old.extensions["store"].close()


# Staff pages whose figures come from every kind of record, with who opens them: cohorts and drafts, groups and
# their names, the partnerships and a proposal, progress over two cycles, the impact report.
STAFF_PAGES = [("coordinator", "/coordinator/"), ("coordinator", "/coordinator/cohorts/demo/partnerships/co-coaching"),
               ("coordinator", "/coordinator/cohorts/demo/partnerships/mentoring"),
               ("coordinator", "/coordinator/cohorts/demo/impact"), ("specialist", "/specialist/cohorts/demo/"),
               ("specialist", "/specialist/cohorts/demo/groups/{named}"),
               ("specialist", "/specialist/cohorts/demo/progress")]
# What the teacher who came in through the web sees, once resumed: their own pages, and each partnership's.
TEACHER_PAGES = ["/questionnaire/summary", "/questionnaire/partner", "/questionnaire/progress"]
PARTNERSHIP_PAGES = ["/questionnaire/log/{id}", "/questionnaire/agreement/{id}", "/questionnaire/assess/{id}"]


# Downloads people open in a spreadsheet, where a column out of place is a wrong figure: byte for byte the same.
DOWNLOADS = [("specialist", "/specialist/cohorts/demo/export/profiles.csv"),
             ("specialist", "/specialist/cohorts/demo/export/members.csv"),
             ("coordinator", "/coordinator/cohorts/demo/impact.csv"),
             ("coordinator", "/coordinator/cohorts/demo/expertise.csv")]


def same_pages(browsers: list, pages: list[str]) -> None:
    """Each page opens on both apps and reads the same, word for word."""
    for page in pages:
        answers = [browser.get(page) for browser in browsers]
        assert [a.status_code for a in answers] == [200, 200], page
        assert visible_text(answers[1].text) == visible_text(answers[0].text), page


def test_an_app_on_the_copied_database_serves_what_the_tinydb_app_served(tmp_path, source, target):
    assert copy(tmp_path, target.url, source.data).exit_code == 0
    shutil.copytree(source.data, tmp_path / "tinydb")
    shutil.copytree(source.data, tmp_path / "postgres")  # its config and secret key; the records are in the database
    apps = [create_app({"TESTING": True, "DATA": str(tmp_path / "tinydb")}),
            create_app({"TESTING": True, "DATA": str(tmp_path / "postgres"), "DATABASE_URL": target.url})]
    browsers = {}
    for app in apps:
        store = app.extensions["store"]
        with app.app_context():  # a proposal kept in the pairing state, as a coordinator leaves one
            partnerships.run(store, store.get_cohort("demo"), "mentoring")
        for role in ("coordinator", "specialist"):
            browser = app.test_client()
            sign_in_as(browser, app, role, ["demo"], email=f"copy-check-{role}@example.org")
            browsers.setdefault(role, []).append(browser)
        teacher = app.test_client()
        assert teacher.get(f"/resume/{source.resume_token}").status_code == 302  # the link, kept only as a hash
        browsers.setdefault("teacher", []).append(teacher)
    named = next(iter(source.kinds["group names"]))[1]
    for role, page in STAFF_PAGES:
        same_pages(browsers[role], [page.format(named=named)])
    assert "Careful planners" in visible_text(browsers["specialist"][1].get("/specialist/cohorts/demo/").text)
    for role, download in DOWNLOADS:
        files = [browser.get(download) for browser in browsers[role]]
        assert [f.status_code for f in files] == [200, 200], download
        assert files[1].data == files[0].data, download
    teacher_id = source.resume_token.split(".")[1]
    theirs = [p["id"] for p in source.store.list_partnerships("demo") if teacher_id in p["members"]]
    assert theirs
    same_pages(browsers["teacher"], TEACHER_PAGES + [page.format(id=p) for p in theirs for page in PARTNERSHIP_PAGES])
    apps[1].extensions["store"].close()


def test_a_negative_zero_arrives_as_zero_and_the_copy_still_verifies(tmp_path, target):
    # A map position rounded from a tiny negative number is -0.0, which PostgreSQL's numbers cannot hold.
    source = open_store(tmp_path / "tinydb", None)
    definition, _ = find_definition("starting_point", None, definition_dirs(tmp_path / "tinydb"))
    cohort = create_cohort(source, definition, "Small network", ["Ashfield"])
    record, _ = new_response(cohort)
    source.add_responses(cohort["id"], [{**record, "map": [-0.0, 1.25]}])
    copied = copy(tmp_path, target.url, tmp_path / "tinydb")
    assert copied.exit_code == 0, copied.output
    assert "DIFFERS" not in copied.output
    assert target.store.get_response(cohort["id"], record["id"])["map"] == [0.0, 1.25]
    assert "nothing to copy" in copy(tmp_path, target.url, tmp_path / "tinydb").output


def _other_cohort(url: str, data: Path) -> None:
    """What a database already in use holds: a cohort made on it, and its audit entry."""
    app = create_app({"TESTING": True, "DATA": str(data), "DATABASE_URL": url})
    store = app.extensions["store"]
    definition, _ = find_definition("starting_point", None, definition_dirs(data))
    with app.app_context():
        create_cohort(store, definition, "Riverside network", ["Riverside"], cohort_id="riverside")
    store.close()


def test_a_database_holding_other_data_is_refused_unless_told_to_add_to_it(tmp_path, source, target):
    _other_cohort(target.url, tmp_path / "installation")
    # ... grouped twice, so it has an earlier grouping of its own, which must not stop the source's being added
    grouped = source.kinds["groupings"][("demo",)]["record"]
    target.store.save_grouping("riverside", {**grouped, "cohort": "riverside"}, b"a model")
    target.store.keep_earlier_grouping("riverside", {}, keep=3)
    held = snapshot(target.store)
    refused = copy(tmp_path, target.url, source.data)
    assert refused.exit_code == 1 and "--into-nonempty" in one_line(refused)
    assert snapshot(target.store) == held  # nothing written

    added = copy(tmp_path, target.url, source.data, "--into-nonempty")
    assert added.exit_code == 0, added.output
    both = snapshot(target.store)
    assert {c["id"] for c in target.store.list_cohorts()} == {"demo", "riverside"}
    for kind, records in held.items():  # what it held is untouched
        assert {key: both[kind][key] for key in records} == records, kind
    for kind, records in source.kinds.items():
        assert {key: both[kind][key] for key in records} == records, kind
    # the database's own audit entry stays first, then the source's, in their order
    log = target.store.audit_log()
    assert log[0] == next(iter(held["audit log"].values()))
    assert log[1:] == source.store.audit_log()


def _same_id_other_name(store, kinds) -> None:
    cohort = next(iter(kinds["cohorts"].values()))
    store.add_cohort({**cohort, "name": "Another network"})


def _same_id_other_role(store, kinds) -> None:
    account = next(iter(kinds["accounts"].values()))
    store.add_user({**account, "role": "admin", "cohorts": []})


def _same_email_other_id(store, kinds) -> None:
    account = next(iter(kinds["accounts"].values()))
    store.add_user({**account, "id": "0123456789abcdef"})  # the same person's account made afresh: another id


def _account_made_first(store, kinds) -> None:
    account = next(iter(kinds["accounts"].values()))
    create_user(store, account["email"], "admin")  # set up on the new database before copying, and audited


def _same_response_other_answers(store, kinds) -> None:
    cohort = next(iter(kinds["cohorts"].values()))
    store.add_cohort(cohort)
    (cohort_id, _), response = next(iter(kinds["responses"].items()))
    store.add_responses(cohort_id, [{**response, "answers": {}}])


# What stands in the way even with --into-nonempty: (what, how the database came to hold it, words of the line).
CLASHES = [
    ("a cohort of the same id, renamed", _same_id_other_name, "cohorts"),
    ("an account of the same id, another role", _same_id_other_role, "accounts"),
    ("an account with the same e-mail, another id", _same_email_other_id, "email"),
    ("an account made with that e-mail before copying", _account_made_first, "email"),
    ("a response of the same id, other answers", _same_response_other_answers, "responses"),
]


@pytest.mark.parametrize(("prepare", "words"), [case[1:] for case in CLASHES], ids=[case[0] for case in CLASHES])
def test_a_record_that_would_clash_is_refused_even_when_adding(tmp_path, source, target, prepare, words):
    prepare(target.store, source.kinds)
    held = snapshot(target.store)
    for flags in ((), ("--into-nonempty",)):
        refused = copy(tmp_path, target.url, source.data, *flags)
        assert refused.exit_code == 1 and words in one_line(refused)
        assert snapshot(target.store) == held  # nothing written, not even the records before the clash


def _empty_folder(tmp_path: Path) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def _a_file(tmp_path: Path) -> Path:
    (tmp_path / "notes.txt").write_text("not a data directory")
    return tmp_path / "notes.txt"


# Paths that are not a TinyDB data directory: (what, the path, exit code: 1 refused by the command, 2 by Click).
NOT_DATA = [
    ("an empty folder", _empty_folder, 1),
    ("a file", _a_file, 2),
    ("nothing at all", lambda tmp_path: tmp_path / "missing", 2),
]


@pytest.mark.parametrize(("make", "code"), [case[1:] for case in NOT_DATA], ids=[case[0] for case in NOT_DATA])
def test_a_path_that_is_not_a_data_directory_is_refused(tmp_path, target, make, code):
    result = copy(tmp_path, target.url, make(tmp_path))
    assert result.exit_code == code
    assert all(not records for records in snapshot(target.store).values())
