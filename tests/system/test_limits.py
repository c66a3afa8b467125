"""Every limit is the same in every layer: the web form, the command line and the engine or service.

Each limit is tried at both of its bounds (accepted) and one step beyond each
(refused with a clear message: a 4xx page, exit code 1 with one line, or the
layer's own exception). Nothing is stored when a value is refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import ValidationError
from stored import saved_grouping

from diagnostic.cli import cli
from diagnostic.engines.pairing import PairingError, propose
from diagnostic.services import grouping, partnerships
from diagnostic.services.accounts import AccountError, create_user, set_password
from diagnostic.services.cohorts import create_cohort, published_definition
from diagnostic.services.demo import DEMO_COHORT
from diagnostic.services.grouping import GroupingError
from forms.schema import Focus, Pairing

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PROGRESS = re.compile(r"^\[\s*\d+\.\ds\] \S")
SUMMARY = re.compile(r'class="(?:error-summary|problem)".*?</div>', re.S)
ACCOUNT = "limits@example.org"
GOOD_SPECIALIST = {"name": "Dr Rosa Lewis", "kind": "specialist", "expertise": ["questioning"], "capacity": "3"}


@pytest.fixture
def app(demo_app):
    """Every test here starts from its own copy of the seeded (and grouped) demo cohort."""
    return demo_app


@dataclass
class Env:
    """What a layer needs to try a value: the admin's browser, the CLI runner and the store."""

    client: Any
    runner: Any
    store: Any
    token: str = ""

    @property
    def cohort(self) -> dict:
        return self.store.get_cohort(DEMO_COHORT)

    def post(self, path: str, **data: Any):  # noqa: ANN201
        return self.client.post(path, data={"csrf_token": self.token, **data})

    def run(self, *args: Any):  # noqa: ANN201
        return self.runner.invoke(cli, args=[str(a) for a in args])


@pytest.fixture
def env(client, runner, store):
    create_user(store, ACCOUNT, "specialist")
    found = Env(client, runner, store)
    found.token = TOKEN.search(client.get(f"/coordinator/cohorts/{DEMO_COHORT}/partnerships/mentoring").text).group(1)
    return found


@dataclass
class Outcome:
    """What a layer did with a value, and what it said if it refused."""

    accepted: bool
    message: str = ""
    # A choice list offers only the allowed values, so its refusal need not repeat the range.
    names_bound: bool = True


def page(answer) -> Outcome:  # noqa: ANN001
    """A redirect is accepted; a 4xx page with an error summary is refused, with the summary as its message."""
    if answer.status_code == 302:
        return Outcome(True)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text[:500])
    found = SUMMARY.search(answer.text)
    assert found, answer.text[:2000]
    return Outcome(False, html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))))


def command(result) -> Outcome:  # noqa: ANN001
    """Exit code 0 is accepted; exit code 1 with one line on stderr (progress aside) and no stdout is refused."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        return Outcome(True)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if not PROGRESS.match(line)]
    assert len(lines) == 1 and lines[0].startswith("Error: "), lines
    return Outcome(False, lines[0])


def raises(error: type[Exception], call: Callable[[], Any]) -> Outcome:
    """Returning is accepted; the layer's own exception is refused, with its text as the message."""
    try:
        call()
    except error as exc:
        return Outcome(False, str(exc))
    return Outcome(True)


def email_of(length: int) -> str:
    """A well-formed e-mail address exactly `length` characters long."""
    return "a" * 64 + "@" + "d" * (length - 69) + ".org"


@dataclass
class Limit:
    """An inclusive range, how to turn a bound into an input, what to compare, and each layer's attempt."""

    name: str
    low: float | None
    high: float
    layers: dict[str, Callable[[Env, Any], Outcome]]
    stored: Callable[[Env], Any]
    make: Callable[[Any], Any] = lambda n: n
    step: float = 1
    # A lower bound of one character is "required": its refusal says so rather than naming a number.
    names_low: bool = True


def _facts(env: Env) -> tuple[list[dict], dict]:
    definition = published_definition(env.store, env.cohort["form_id"], env.cohort["form_version"])
    return partnerships.cohort_facts(env.store, env.cohort), partnerships.engine_config(definition)


def _mentoring_engine(env: Env, value: Any) -> Outcome:
    teachers, config = _facts(env)
    return raises(PairingError, lambda: propose("mentoring", teachers, config, options={"capacity": value}))


def _specialist_engine(env: Env, value: Any) -> Outcome:
    teachers, config = _facts(env)
    listed = [{"id": "s-limit", "name": "Dr Limit", "expertise": ["questioning"], "capacity": value}]
    return raises(PairingError, lambda: propose("specialist", teachers, config, specialists=listed))


def _specialist_service(env: Env, value: Any) -> Outcome:
    """A run with one listed specialist of this capacity; the list is put back after, so only the run stores."""
    listed = env.cohort.get("specialists")
    trying = [{"id": "s-limit", "name": "Dr Limit", "kind": "specialist", "expertise": ["questioning"],
               "capacity": value}]
    env.store.update_cohort(DEMO_COHORT, lambda c: {**c, "specialists": trying})
    try:
        return raises(PairingError, lambda: partnerships.run(env.store, env.cohort, "specialist"))
    finally:
        env.store.update_cohort(DEMO_COHORT, lambda c: {**c, "specialists": listed})


def _focus(value: Any, where: str) -> None:
    base = {"id": "questioning", "title": "Questioning", "description": "Asking better questions."}
    Focus.model_validate({**base, "weight": value} if where == "weight" else {**base, "school_weights": {"A": value}})


def _menu_web(env: Env, value: Any) -> Outcome:
    definition = published_definition(env.store, env.cohort["form_id"], env.cohort["form_version"])
    offered = {f"offered_{f.id}": "y" for f in definition.learning_focuses.focuses}
    return page(env.post(f"/coordinator/cohorts/{DEMO_COHORT}/menu", **offered, weight_questioning=value))


def _account(env: Env) -> dict:
    return env.store.find_user(ACCOUNT)


LIMITS = [
    Limit("mentor capacity", 1, 20, {
        "web": lambda env, v: page(env.post(f"/coordinator/cohorts/{DEMO_COHORT}/partnerships/mentoring/run",
                                            school_rule="any", capacity=v)),
        "cli": lambda env, v: command(env.run("pair", "--cohort", DEMO_COHORT, "--mode", "mentoring",
                                              "--capacity", v)),
        "engine": _mentoring_engine,
        "definition": lambda env, v: raises(ValidationError, lambda: Pairing(mentor_capacity=v)),
    }, stored=lambda env: env.store.pairing_state(DEMO_COHORT, "mentoring")),
    Limit("specialist capacity", 1, 50, {
        "web": lambda env, v: page(env.post(f"/coordinator/cohorts/{DEMO_COHORT}/specialists",
                                            **{**GOOD_SPECIALIST, "capacity": v})),
        "cli": lambda env, v: command(env.run("specialists", "add", "--cohort", DEMO_COHORT, "--name", "Dr Limit",
                                              "--focus", "questioning", "--capacity", v)),
        "engine": _specialist_engine,
        "service": _specialist_service,
    }, stored=lambda env: (env.cohort.get("specialists"), env.store.pairing_state(DEMO_COHORT, "specialist"))),
    Limit("specialist name", 1, 80, {
        "web": lambda env, v: page(env.post(f"/coordinator/cohorts/{DEMO_COHORT}/specialists",
                                            **{**GOOD_SPECIALIST, "name": v})),
        "cli": lambda env, v: command(env.run("specialists", "add", "--cohort", DEMO_COHORT, "--name", v,
                                              "--focus", "questioning")),
    }, stored=lambda env: env.cohort.get("specialists"), make=lambda n: "x" * n, names_low=False),
    # Small groups are accepted here: this row is about the range of k, not the minimum group size (which
    # tests/web/test_regrouping.py covers), and 8 groups of 61 teachers may well leave a group under it.
    Limit("number of groups", 1, 8, {
        "web": lambda env, v: _choice(page(env.post(f"/specialist/cohorts/{DEMO_COHORT}/regroup", k=v,
                                                    method="kmeans", accept_small="y"))),
        "cli": lambda env, v: command(env.run("cluster", "--cohort", DEMO_COHORT, "--k", v, "--accept-small-groups")),
        "service": lambda env, v: raises(GroupingError, lambda: grouping.refit(env.store, env.cohort, v,
                                                                               accept_small=True)),
    }, stored=lambda env: saved_grouping(env.store, DEMO_COHORT)),
    Limit("cohort name", 1, 120, {
        "web": lambda env, v: page(env.post("/admin/cohorts", **{"cohort-name": v, "cohort-form": "starting_point|2"})),
        "cli": lambda env, v: command(env.run("cohort", "create", "--name", v, "--form", "starting_point")),
        "service": lambda env, v: raises(ValueError, lambda: create_cohort(
            env.store, published_definition(env.store, "starting_point", "2"), v)),
    }, stored=lambda env: env.store.list_cohorts(), make=lambda n: "N" * n, names_low=False),
    Limit("password length", 12, 200, {
        "web": lambda env, v: page(env.post(f"/admin/users/{_account(env)['id']}/password",
                                            **{"password-password": v})),
        "cli": lambda env, v: command(env.run("users", "set-password", "--email", ACCOUNT, "--password", v)),
        "service": lambda env, v: raises(AccountError, lambda: set_password(env.store, ACCOUNT, v)),
    }, stored=lambda env: _account(env)["password"], make=lambda n: "p" * n),
    Limit("e-mail length", None, 254, {
        "web": lambda env, v: page(env.post("/admin/users", **{"add-email": v, "add-role": "specialist"})),
        "cli": lambda env, v: command(env.run("users", "add", "--email", v, "--role", "specialist")),
        "service": lambda env, v: raises(AccountError, lambda: create_user(env.store, v, "specialist")),
    }, stored=lambda env: env.store.list_users(), make=email_of),
    Limit("learning focus weight", 0, 3, {
        "web": _menu_web,
        "definition": lambda env, v: raises(ValidationError, lambda: (_focus(v, "weight"), _focus(v, "school"))),
    }, stored=lambda env: env.cohort.get("menu_settings"), step=0.5),
]


def _choice(outcome: Outcome) -> Outcome:
    outcome.names_bound = False
    return outcome


def _cases() -> list:
    found = []
    for limit in LIMITS:
        for layer in limit.layers:
            for side, bound in (("low", limit.low), ("high", limit.high)):
                if bound is not None:
                    found.append(pytest.param(limit, layer, side, id=f"{limit.name}-{layer}-{side}"))
    return found


def _bound(limit: Limit, side: str) -> Any:
    return limit.low if side == "low" else limit.high


@pytest.mark.parametrize(("limit", "layer", "side"), _cases())
def test_every_layer_accepts_the_bounds(env, limit, layer, side):
    outcome = limit.layers[layer](env, limit.make(_bound(limit, side)))
    assert outcome.accepted, outcome.message


@pytest.mark.parametrize(("limit", "layer", "side"), _cases())
def test_every_layer_refuses_one_beyond_each_bound_and_stores_nothing(env, limit, layer, side):
    bound = _bound(limit, side)
    beyond = bound - limit.step if side == "low" else bound + limit.step
    before = limit.stored(env)
    outcome = limit.layers[layer](env, limit.make(beyond))
    assert not outcome.accepted, f"{limit.name} {beyond!r} was accepted by the {layer}"
    assert outcome.message.strip()
    if outcome.names_bound and (side == "high" or limit.names_low):
        # The message names the bound that was crossed, so whoever reads it knows what is allowed.
        assert re.search(rf"(?<![\d.]){bound:g}(?![\d])", outcome.message), outcome.message
    assert limit.stored(env) == before
