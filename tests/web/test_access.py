"""Who may open what: every route of the app × every kind of visitor, from the app's own URL map.

A new route with no rule in ACCESS fails `test_every_route_has_an_access_rule`,
so nobody can add a page without saying who may see it.
"""

from __future__ import annotations

import tempfile
from datetime import date

import pytest
import servers

from diagnostic import create_app
from diagnostic.services import coaching_log, partnerships
from diagnostic.services.accounts import create_user, start_session
from diagnostic.services.cohorts import create_cohort, definition_dirs, published_definition
from diagnostic.services.csvio import submitted_response
from diagnostic.services.demo import planted_cohort
from diagnostic.services.grouping import refit
from diagnostic.services.journey import hash_secret, session_ref
from forms.catalog import find_definition

VISITORS = ["anonymous", "teacher A", "teacher B", "specialist here", "specialist elsewhere", "coordinator here",
            "coordinator elsewhere", "admin"]
STAFF = {"specialist here": ("specialist", "north"), "specialist elsewhere": ("specialist", "south"),
         "coordinator here": ("coordinator", "north"), "coordinator elsewhere": ("coordinator", "south"),
         "admin": ("admin", None)}
TEACHERS = ("teacher A", "teacher B")

# What each visitor gets: "ok" (the page works for them), "sign-in" (sent to sign in), 403, or 404.
EVERYONE = dict.fromkeys(VISITORS, "ok")
TEACHER = {**dict.fromkeys(VISITORS, 403), **dict.fromkeys(TEACHERS, "ok")}
OWN_PARTNERSHIP = {**TEACHER, "teacher B": 404}  # the URL names teacher A's partnership
SIGN_IN_FIRST = dict.fromkeys(("anonymous", *TEACHERS), "sign-in")
SPECIALIST = {**SIGN_IN_FIRST, **dict.fromkeys(STAFF, 403), "specialist here": "ok", "admin": "ok"}
SPECIALISTS_LIST = {**SPECIALIST, "specialist elsewhere": "ok"}
# One teacher's own answers: the cohort's specialists alone, not even an admin (the footer promises as much).
SPECIALIST_ONLY = {**SPECIALIST, "admin": 403}
COORDINATOR = {**SIGN_IN_FIRST, **dict.fromkeys(STAFF, 403), "coordinator here": "ok", "admin": "ok"}
COORDINATORS_LIST = {**COORDINATOR, "coordinator elsewhere": "ok"}
ADMIN = {**SIGN_IN_FIRST, **dict.fromkeys(STAFF, 403), "admin": "ok"}

ACCESS = {
    "home": EVERYONE, "static": EVERYONE, "auth.sign_in": EVERYONE, "healthz": EVERYONE,
    "auth.sign_out": dict.fromkeys(VISITORS, "sign-in"),  # signed out (or never in), everyone lands on sign-in
    "teacher.join": EVERYONE, "teacher.resume": EVERYONE,
    "teacher.current": TEACHER, "teacher.page": TEACHER, "teacher.review": TEACHER, "teacher.submit_response": TEACHER,
    "teacher.summary": TEACHER, "teacher.learning_menu": TEACHER, "teacher.partner": TEACHER,
    "teacher.my_data": TEACHER, "teacher.my_data_json": TEACHER, "teacher.ask_for_erasure": TEACHER,
    "teacher.confirm_erasure": TEACHER, "teacher.partner_contact": TEACHER,
    "teacher.new_private_link": TEACHER, "teacher.my_progress": TEACHER,
    "teacher.agreement": OWN_PARTNERSHIP, "teacher.agreement_print": OWN_PARTNERSHIP,
    "teacher.coaching_log_page": OWN_PARTNERSHIP, "teacher.log_entry": OWN_PARTNERSHIP,
    # No later cycle is open in this world, so teacher A gets past the check to a 409 ("not started yet").
    "teacher.assess": OWN_PARTNERSHIP,
    # The world's partnership is younger than 21 days: teacher A gets 409 (let in, too early), teacher B 404.
    "teacher.partnership_health_page": OWN_PARTNERSHIP,
    "specialist.cohorts": SPECIALISTS_LIST, "specialist.overview": SPECIALIST, "specialist.group": SPECIALIST,
    "specialist.focuses": SPECIALIST, "specialist.export": SPECIALIST, "specialist.regroup": SPECIALIST,
    "specialist.starting_point": SPECIALIST_ONLY, "specialist.restore_grouping": SPECIALIST,
    "specialist.group_progress": SPECIALIST,
    # Coaching logs are private to the partnership and its specialist: "specialist here" is linked to s-1, who
    # leads the specialist partnership in the URL; no admin, and no other staff.
    "specialist.coaching": SPECIALIST_ONLY, "specialist.specialist_log": SPECIALIST_ONLY,
    "specialist.specialist_log_entry": SPECIALIST_ONLY, "coordinator.link_specialist_account": COORDINATOR,
    "coordinator.cohorts": COORDINATORS_LIST, "coordinator.menu_settings": COORDINATOR,
    "coordinator.partnerships_page": COORDINATOR, "coordinator.run_partnerships": COORDINATOR,
    "coordinator.lock_partnership": COORDINATOR, "coordinator.unlock_partnership": COORDINATOR,
    "coordinator.forbid_pair": COORDINATOR, "coordinator.allow_pair": COORDINATOR,
    "coordinator.move_teacher": COORDINATOR, "coordinator.confirm_partnerships": COORDINATOR,
    "coordinator.dissolve_partnership": COORDINATOR, "coordinator.specialists": COORDINATOR,
    "coordinator.remove_specialist": COORDINATOR, "coordinator.expertise": COORDINATOR,
    "coordinator.expertise_csv": COORDINATOR, "coordinator.expertise_json": COORDINATOR,
    "coordinator.cycles_page": COORDINATOR, "coordinator.open_cycle": COORDINATOR,
    "coordinator.close_cycle": COORDINATOR, "coordinator.impact_report": COORDINATOR,
    "coordinator.impact_csv": COORDINATOR, "coordinator.next_cycle": COORDINATOR,
    "coordinator.quiet_weeks": COORDINATOR, "coordinator.repair_partnership": COORDINATOR,
    "coordinator.job_status": COORDINATOR,
    "admin.home": ADMIN, "admin.users": ADMIN, "admin.user": ADMIN, "admin.user_access": ADMIN,
    "admin.user_password": ADMIN, "admin.audit_log": ADMIN, "admin.audit_csv": ADMIN, "admin.cohorts": ADMIN,
    "admin.definitions": ADMIN,
    "admin.erasure": ADMIN,
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two cohorts; in north, teachers A and B with private links, A partnered with C, a grouping; staff of both."""
    data = tmp_path_factory.mktemp("access") / "data"
    # CSRF is off here so each request measures access alone (tests/web/test_security_csrf.py covers CSRF);
    # rate limits are off so hundreds of requests from one address are not throttled.
    app = create_app({"TESTING": True, "DATA": str(data), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "DATABASE_URL": servers.session_database()})
    store = app.extensions["store"]
    with app.app_context():
        shipped, _ = find_definition("starting_point", None, definition_dirs(data))
        north = create_cohort(store, shipped, "North", ["Ashfield", "Brook Lane"], cohort_id="north")
        create_cohort(store, shipped, "South", ["Castle"], cohort_id="south")
        definition = published_definition(store, "starting_point", north["form_version"])
        others, _ = planted_cohort(north, definition, 30, seed=4)
        store.add_responses("north", others)
        people = {}
        for name in ("A", "B", "C"):
            answers = {"consent": "yes", "teacher_name": f"Teacher {name}", "focus_choice": ["questioning"],
                       "availability": ["lunchtime"], "coaching_role": "both", "observation_comfort": 4}
            record = submitted_response(north, definition, answers, f"ref-{name}", "Ashfield")
            record["token_hash"] = hash_secret(f"{name.lower() * 48}")
            store.add_responses("north", [record])
            people[name] = record["id"]
        refit(store, north)
        store.update_cohort("north", lambda c: {**c, "specialists": [
            {"id": "s-1", "name": "Dr Quest", "kind": "specialist", "expertise": ["questioning"], "capacity": 3}]})
        partnerships.lock(store, store.get_cohort("north"), "co-coaching", [people["A"], people["C"]])
        proposal = partnerships.run(store, store.get_cohort("north"), "co-coaching")
        made = partnerships.confirm(store, store.get_cohort("north"), "co-coaching", proposal["id"])
        pid = next(p["id"] for p in made if people["A"] in p["members"])
        entry = coaching_log.add_entry(store, north, store.get_partnership("north", pid),
                                       {"id": people["A"], "name": "Teacher A", "role": "teacher"}, "planning",
                                       date.today(), {"notes": "Our first plan"})
        accounts = {who: create_user(store, f"{who.replace(' ', '-')}@example.org", role,
                                     [cohort] if cohort else []) for who, (role, cohort) in STAFF.items()}
        led, led_entry = _specialist_partnership(store, people["B"], accounts["specialist here"]["id"])
        job = store.add_job({"id": "job-1", "cohort": "north", "kind": "pairing", "subject": "co-coaching",
                             "actor": "c@example.org", "status": "done", "step": "done", "outcome": "Proposed 1",
                             "started_at": "2026-12-01T10:00:00+00:00", "heartbeat_at": "2026-12-01T10:00:00+00:00",
                             "finished_at": "2026-12-01T10:01:00+00:00"})
    values = {"cohort_id": "north", "mode": "co-coaching", "key": "A", "name": "members.csv", "partnership_id": pid,
              "invite": north["invite"], "token": f"north.{people['A']}.{'a' * 48}", "number": 1,
              "user_id": accounts["coordinator here"]["id"], "filename": "style.css",
              "response_id": people["A"], "earlier_id": "1", "entry_id": entry["id"],
              "job_id": job["id"]}
    # Pages that need a query string to show anything (a 404 without it would read as "hidden").
    queries = {"coordinator.move_teacher": {"teacher": people["B"]}}
    # The specialist's log pages name the specialist partnership (B with s-1) and s-1's entry in it.
    overrides = dict.fromkeys(("specialist.specialist_log", "specialist.specialist_log_entry"),
                              {"partnership_id": led, "entry_id": led_entry})
    return {"app": app, "store": store, "people": people, "accounts": accounts, "values": values,
            "queries": queries, "overrides": overrides}


def _specialist_partnership(store, teacher: str, account: str) -> tuple[str, str]:
    """s-1, linked to the "specialist here" account, coaching teacher B, with an entry s-1 wrote."""
    store.update_cohort("north", lambda c: {**c, "specialists": [{**c["specialists"][0], "account": account}]})
    north = store.get_cohort("north")
    partnerships.lock(store, north, "specialist", ["s-1", teacher])
    proposal = partnerships.run(store, north, "specialist")
    made = partnerships.confirm(store, north, "specialist", proposal["id"])
    led = next(p for p in made if p["members"][:2] == ["s-1", teacher])
    entry = coaching_log.add_entry(store, north, led, {"id": "s-1", "name": "Dr Quest", "role": "specialist"},
                                   "feedback", date.today(), {"notes": "We talked about wait time"})
    return led["id"], entry["id"]


def browser(world, visitor):
    """A fresh browser as this visitor: a teacher's session from their private link, or a signed-in account."""
    app, store = world["app"], world["store"]
    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        if visitor in TEACHERS:
            session["response"] = session_ref(store.get_response("north", world["people"][visitor[-1]]))
        elif visitor in STAFF:
            account = world["accounts"][visitor]
            session["_user_id"] = f"{account['id']}:{start_session(store, account)}"
    return client


def outcome(response, expected: object) -> object:
    """How a response reads: sent to sign in, refused (403), hidden (404) or let in ("ok").

    A 404 counts as hidden only where hiding is the rule (another teacher's partnership); elsewhere
    the visitor got past the access check and the thing asked for (an empty form's record) is missing.
    """
    if response.status_code == 302 and response.headers["Location"].startswith("/sign-in"):
        return "sign-in"
    if response.status_code == 403 or (response.status_code == 404 and expected == 404):
        return response.status_code
    return "ok"


def cases():
    # Collected before any tmp_path exists: the app's data directory is a temporary one, removed straight after.
    with tempfile.TemporaryDirectory(prefix="access-rules-") as data:
        rules = sorted(create_app({"TESTING": True, "DATA": data}).url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        for method in sorted(rule.methods & {"GET", "POST"}):
            for visitor in VISITORS:
                yield pytest.param(rule.endpoint, rule.rule, method, visitor,
                                   id=f"{method} {rule.rule} as {visitor}")


def test_every_route_has_an_access_rule(tmp_path):
    app = create_app({"TESTING": True, "DATA": str(tmp_path / "data")})
    missing = sorted({r.endpoint for r in app.url_map.iter_rules()} - set(ACCESS))
    assert not missing, f"routes with no access rule in tests/web/test_access.py: {missing}"


@pytest.mark.parametrize(("endpoint", "path", "method", "visitor"), list(cases()))
def test_access(world, endpoint, path, method, visitor):
    if endpoint not in ACCESS:
        pytest.fail(f"no access rule for {endpoint} ({path}): add one to ACCESS")
    url, values = path, {**world["values"], **world["overrides"].get(endpoint, {})}
    for name in path.split("<")[1:]:
        arg = name.split(">")[0].split(":")[-1]
        assert arg in values, f"no value for <{arg}> in {path}: add one to the world fixture"
        url = url.replace(f"<{name.split('>')[0]}>", str(values[arg]))
    response = browser(world, visitor).open(url, method=method, data={},
                                            query_string=world["queries"].get(endpoint, {}))
    assert response.status_code < 500 and response.status_code != 429, response.status_code
    expected = ACCESS[endpoint][visitor]
    assert outcome(response, expected) == expected, (response.status_code, response.headers.get("Location"))
