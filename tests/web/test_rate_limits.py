"""Rate limits: guessing passwords, private links and invitations is throttled per address, shared by workers."""

from __future__ import annotations

import multiprocessing
import re
import stat
import threading
from pathlib import Path

import pytest
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter

from diagnostic import create_app
from diagnostic.services.accounts import create_user
from diagnostic.services.cohorts import create_cohort, definition_dirs
from diagnostic.services.journey import new_response
from diagnostic.storage import ratelimits
from diagnostic.storage.ratelimits import COUNTS_FILE, SQLiteStorage, storage_uri
from diagnostic.web.limits import limiter
from forms.catalog import find_definition

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
EMAIL, PASSWORD = "coord@example.org", "correct horse battery"
WRONG = "not the password at all"


def sign_in(browser, password: str):
    page = browser.get("/sign-in")
    return browser.post("/sign-in", data={"csrf_token": CSRF.search(page.text).group(1), "email": EMAIL,
                                          "password": password})


def wrong_link(token: str, n: int) -> str:
    """The link with its secret changed: what someone guessing links would try."""
    return f"/resume/{token[:-8]}{n:08x}"


def assert_throttled(answer) -> None:
    """429, a whole number of seconds to wait within the minute, and the page says how long in minutes."""
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert "Too many attempts" in answer.text and "Try again in 1 minute." in answer.text


@pytest.fixture
def staff_account(store):
    return create_user(store, EMAIL, "admin", [], PASSWORD)


@pytest.fixture
def link(store, cohort):
    """A teacher's response and their private link's token."""
    record, token = new_response(cohort)
    store.add_responses(cohort["id"], [record])
    return token


# -- staff sign-in ---------------------------------------------------------------------------------
def test_guessing_passwords_is_throttled_and_then_even_the_right_one_is_refused(anonymous, store, staff_account):
    for _ in range(5):  # the default: 5 failed sign-ins a minute from one address
        assert sign_in(anonymous, WRONG).status_code == 401
    assert_throttled(sign_in(anonymous, WRONG))
    assert_throttled(sign_in(anonymous, PASSWORD))
    # nothing changed: no session started, and the sign-in page itself still opens
    assert store.find_user(EMAIL)["sessions"] == []
    assert anonymous.get("/admin/").status_code == 302
    assert anonymous.get("/sign-in").status_code == 200


def test_signing_in_successfully_never_counts(tmp_path):
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "data"), "RATELIMIT_SIGN_IN": "2 per minute"})
    create_user(app.extensions["store"], EMAIL, "admin", [], PASSWORD)
    browser = app.test_client()
    for _ in range(3):
        assert sign_in(browser, PASSWORD).status_code == 302
        browser.post("/sign-out", data={"csrf_token": CSRF.search(browser.get("/sign-in").text).group(1)})
    assert [sign_in(browser, WRONG).status_code for _ in range(2)] == [401, 401]
    assert_throttled(sign_in(browser, WRONG))


def test_limits_are_per_address(anonymous, app, staff_account):
    for _ in range(5):
        sign_in(anonymous, WRONG)
    assert sign_in(anonymous, WRONG).status_code == 429
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert sign_in(elsewhere, PASSWORD).status_code == 302


# -- teachers' private links and invitations ---------------------------------------------------------------
def test_guessing_private_links_is_throttled_and_a_right_link_inside_the_limit_still_works(app, anonymous, link):
    for n in range(9):
        assert anonymous.get(wrong_link(link, n)).status_code == 404
    assert anonymous.get(f"/resume/{link}").status_code == 302  # the 10th lookup, and the right one
    assert anonymous.get(wrong_link(link, 9)).status_code == 404  # the 10th failure: the default limit
    assert_throttled(anonymous.get(wrong_link(link, 10)))
    teacher = app.test_client()  # another browser at the same address
    assert_throttled(teacher.get(f"/resume/{link}"))
    with teacher.session_transaction() as session:
        assert "response" not in session  # the refused link opened nothing


def test_teachers_using_their_links_are_never_throttled(anonymous, link, cohort):
    # A school's teachers may all come from one address: only failed lookups count.
    for _ in range(40):
        assert anonymous.get(f"/resume/{link}").status_code == 302
        assert anonymous.get(f"/join/{cohort['invite']}").status_code == 200


def test_guessing_invitations_is_throttled(anonymous, cohort):
    for n in range(30):
        assert anonymous.get(f"/join/not-an-invite-{n}").status_code == 404
    assert_throttled(anonymous.get("/join/not-an-invite-30"))
    assert_throttled(anonymous.get(f"/join/{cohort['invite']}"))


def test_the_limiter_can_be_switched_off(tmp_path):
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "data"), "RATELIMIT_ENABLED": False})
    browser = app.test_client()
    assert {browser.get(f"/resume/unknown-{n}").status_code for n in range(15)} == {404}
    assert not (tmp_path / "data" / COUNTS_FILE).exists()


def test_the_storage_can_be_set_in_config(tmp_path):
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "data"), "RATELIMIT_STORAGE_URI": "memory://",
                      "RATELIMIT_RESUME": "1 per minute"})
    browser = app.test_client()
    assert browser.get("/resume/unknown").status_code == 404
    assert browser.get("/resume/unknown").status_code == 429
    assert type(limiter.storage).__name__ == "MemoryStorage"
    assert not (tmp_path / "data" / COUNTS_FILE).exists()


# -- several workers on one data directory ----------------------------------------------------------------
def _fail_lookups(data_dir: str, token: str, times: int) -> None:
    """One worker: its own app on the shared data directory, looking up wrong links."""
    browser = create_app({"TESTING": True, "DATA": data_dir}).test_client()
    statuses = {browser.get(wrong_link(token, n)).status_code for n in range(times)}
    assert statuses == {404}, statuses


def test_two_workers_on_one_data_directory_share_the_counts(tmp_path):
    data_dir = str(tmp_path / "data")
    app = create_app({"TESTING": True, "DATA": data_dir})
    store = app.extensions["store"]
    definition, _ = find_definition("starting_point", None, definition_dirs(data_dir))
    record, token = new_response(create_cohort(store, definition, "Shared", []))
    store.add_responses(record["cohort"], [record])
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=_fail_lookups, args=(data_dir, token, 5)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    # 5 + 5 failures in two other processes reach this process's limit of 10
    assert_throttled(app.test_client().get(f"/resume/{token}"))


# -- the counts file ------------------------------------------------------------------------------------
@pytest.fixture
def counts(tmp_path) -> Path:
    return tmp_path / COUNTS_FILE


class Clock:
    """The time the counts file reads instead of the real clock: it moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ratelimits, "time", clock)  # only the counts file's `time`, not the whole process's
    return clock


def test_counts_are_kept_in_a_private_file_per_key_and_window(counts, clock):
    storage = SQLiteStorage(storage_uri(counts))
    assert storage.get("a") == 0 and storage.check()
    began = clock.now
    assert [storage.incr("a", 60) for _ in range(2)] == [1, 2]
    clock.now += 5
    assert storage.incr("a", 60) == 3 and storage.incr("b", 60, amount=2) == 2
    assert storage.get("a") == 3 and storage.get("b") == 2
    # A key's window ends a minute after its first count; later counts do not move it.
    assert storage.get_expiry("a") == began + 60 and storage.get_expiry("b") == clock.now + 60
    storage.clear("a")
    assert storage.get("a") == 0 and storage.get("b") == 2
    assert storage.reset() == 1 and storage.get("b") == 0
    assert stat.S_IMODE(counts.stat().st_mode) == 0o600


def test_an_expired_window_starts_again(counts, clock):
    storage = SQLiteStorage(storage_uri(counts))
    storage.incr("a", 60, amount=5)
    clock.now += 59.5
    assert storage.get("a") == 5
    clock.now += 0.5  # the minute has passed
    assert storage.get("a") == 0 and storage.get_expiry("a") == clock.now
    assert storage.incr("a", 60) == 1


def test_two_storages_on_one_file_share_counts_and_lose_none(counts):
    item = RateLimitItemPerMinute(1000)
    storages = [SQLiteStorage(storage_uri(counts)) for _ in range(4)]

    def hit(storage):
        for _ in range(25):
            FixedWindowRateLimiter(storage).hit(item, "192.0.2.1")

    threads = [threading.Thread(target=hit, args=(s,)) for s in storages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {FixedWindowRateLimiter(s).get_window_stats(item, "192.0.2.1").remaining for s in storages} == {900}


def test_a_path_with_spaces_and_hashes_round_trips(tmp_path):
    counts = tmp_path / "my data #2" / COUNTS_FILE
    counts.parent.mkdir()
    SQLiteStorage(storage_uri(counts)).incr("a", 60)
    assert counts.exists()


def _garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database " * 500)


def _torn(path: Path) -> None:
    # The header survives but the table's page is overwritten: "database disk image is malformed".
    data = bytearray(path.read_bytes())
    data[4096:8192] = b"\xff" * 4096
    path.write_bytes(bytes(data))


def _half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:2000])


@pytest.mark.parametrize("damage", [_garbage, _torn, _half, Path.unlink])
def test_a_damaged_or_missing_counts_file_is_started_again(counts, damage):
    storage = SQLiteStorage(storage_uri(counts))
    storage.incr("a", 60, amount=3)
    damage(counts)
    assert storage.get("a") == 0
    assert storage.incr("a", 60) == 1 and storage.check()
    assert stat.S_IMODE(counts.stat().st_mode) == 0o600


def test_the_site_keeps_limiting_when_its_counts_file_is_damaged(anonymous, app, link):
    counts = Path(app.config["DATA"]) / COUNTS_FILE
    for n in range(5):
        assert anonymous.get(wrong_link(link, n)).status_code == 404
    _garbage(counts)
    for n in range(10):  # the counts start again, and no request fails
        assert anonymous.get(wrong_link(link, n)).status_code == 404
    assert_throttled(anonymous.get(f"/resume/{link}"))
    counts.unlink()
    assert anonymous.get(f"/resume/{link}").status_code == 302
