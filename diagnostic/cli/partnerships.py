"""The `diagnostic pair`, `diagnostic specialists` and `diagnostic demo` commands (registered on the main CLI)."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from diagnostic.cli.common import ACTOR, cohort_or_exit, data_dir, within
from diagnostic.cli.jsonout import dumps
from diagnostic.cli.watching import steps
from diagnostic.engines.pairing import MODES, SCHOOL_RULES, SPECIALIST_CAPACITY, PairingError
from diagnostic.services import audit, partnerships, specialist_accounts
from diagnostic.services.accounts import normal_email
from diagnostic.services.cohorts import definition_dirs, published_definition
from diagnostic.services.cycles import CycleError
from diagnostic.services.demo import seed_network
from diagnostic.services.demo_cycles import seed_second_cycle
from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store
from forms.catalog import UnknownForm
from forms.limits import MENTOR_CAPACITY
from forms.yamlfile import FileProblems

UNPAIRED_SHOWN = 20  # beyond this, the terminal is no place to read them: --json has all


@click.command("pair")
@with_appcontext
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--mode", required=True, type=click.Choice(MODES), help="The kind of partnership.")
@click.option("--school-rule", type=click.Choice(SCHOOL_RULES), help="Partners from the same school, across "
              "schools preferred, or across schools required (default: any, or the last run's).")
@click.option("--relax-focus", is_flag=True, default=None, help="Co-coaching: let partners have different focuses.")
@click.option("--capacity", type=int, callback=within(MENTOR_CAPACITY, "number of mentees per mentor"),
              help=f"Mentoring: mentees per mentor ({MENTOR_CAPACITY[0]}-{MENTOR_CAPACITY[1]}).")
@click.option("--by", type=click.Choice(["teacher", "group"]), help="Specialist coaching: allocate teachers or "
              "whole starting-point groups.")
@click.option("--confirm", "confirm_", is_flag=True, help="Confirm the proposal straight away.")
@click.option("--next-cycle", type=click.Choice(["keep", "repair"]), help="In a later cycle, first keep the "
              "partnerships formed before it, or undo them and rule out each pair of previous partners.")
@click.option("--json", "as_json_", is_flag=True, help="Print the proposal as JSON.")
def pair(cohort_id: str, mode: str, school_rule: str | None, relax_focus: bool | None, capacity: int | None,
         by: str | None, confirm_: bool, next_cycle: str | None, as_json_: bool) -> None:
    """Propose coaching partnerships for a cohort (keeping the coordinator's locks and ruled-out pairs)."""
    record, store = cohort_or_exit(cohort_id), get_store()
    if next_cycle:
        try:
            done = partnerships.next_cycle(store, record, mode, keep=next_cycle == "keep", actor=ACTOR)
        except PairingError as exc:
            raise click.ClickException(str(exc)) from None
        if next_cycle == "keep":
            click.echo(f"kept {audit.plural(len(done), 'partnership')} formed before this cycle")
            return
        click.echo(f"undid {audit.plural(len(done), 'partnership')} formed before this cycle, ruling out each pair "
                   "of previous partners; proposing anew", err=True)
        record = store.get_cohort(cohort_id)
    options = {k: v for k, v in {"school_rule": school_rule, "relax_focus": relax_focus, "capacity": capacity,
                                 "by": by}.items() if v is not None}
    say = steps()
    try:
        say(f"proposing {mode} partnerships from the cohort's submitted questionnaires")
        proposal = partnerships.run(store, record, mode, options, actor=ACTOR)
        say(f"proposed {audit.plural(len(proposal['pairs']), 'partnership')}"
            + (", confirming them" if confirm_ else ""))
        made = partnerships.confirm(store, record, mode, proposal["id"], actor=ACTOR) if confirm_ else None
    except (PairingError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json_:
        shown = partnerships.for_export(store, record, proposal)
        # jsonout writes what json.dumps(indent=2) would, in half the time for a national cohort's proposal.
        click.echo(dumps({**shown, "confirmed": [p["id"] for p in made] if made else []}))
        return
    definition = published_definition(store, record["form_id"], record["form_version"])
    # Each criterion scores from 0 to 1, so the weights' sum is the best score a partnership can have.
    best = sum(partnerships.engine_config(definition)["weights"][mode.replace("-", "_")].values())
    for p in proposal["pairs"]:
        lock = " (locked)" if p["locked"] else ""
        click.echo(f"{who_with_whom(mode, p)}: {p.get('focus_title') or 'no shared focus'}, score "
                   f"{p['score']:.2f} of {best:g}{lock}")
        for reason in p["reasons"]:
            click.echo(f"    {reason}")
    for u in proposal["unpaired"][:UNPAIRED_SHOWN]:
        click.echo(f"not paired: {u['name']}: {u['reason']}")
    if len(proposal["unpaired"]) > UNPAIRED_SHOWN:
        click.echo(f"... and {len(proposal['unpaired']) - UNPAIRED_SHOWN} more not paired (see --json)")
    for note in proposal["notes"]:
        click.echo(f"note: {note}")
    click.echo(f"{len(proposal['pairs'])} partnerships, {len(proposal['unpaired'])} not paired, total score "
               f"{proposal['total_score']:.2f}" + (f"; confirmed {len(made)}" if made else ""))


def who_with_whom(mode: str, partnership: dict) -> str:
    """A partnership in words: who coaches whom (the mentor or specialist is listed first by the engine)."""
    names = [n or "someone" for n in partnership["names"]]

    def listed(people: list[str]) -> str:
        return people[0] if len(people) == 1 else f"{', '.join(people[:-1])} and {people[-1]}"

    if mode == "mentoring":
        return f"{names[0]} mentors {listed(names[1:])}"
    if mode == "specialist":
        group = f" (group {partnership['group']})" if partnership.get("group") else ""
        return f"{names[0]} coaches {listed(names[1:])}{group}"
    return f"{listed(names)} coach each other"


@click.group(cls=AppGroup)
def specialists() -> None:
    """List, add and remove a cohort's specialists (and internal experts) for specialist coaching."""


@specialists.command("list")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
def specialists_list(cohort_id: str) -> None:
    """Each specialist: id, name, kind, capacity and the focuses they cover."""
    for s in partnerships.specialists(cohort_or_exit(cohort_id)):
        click.echo(f"{s['id']}  {s['name']}  ({s.get('kind', 'specialist')}, takes {s['capacity']})  "
                   f"{', '.join(s['expertise'])}")


@specialists.command("add")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--name", required=True, help="How teachers and coordinators know them.")
@click.option("--focus", "focuses", multiple=True, required=True, help="A learning focus they cover (repeat).")
@click.option("--capacity", type=int, default=10, show_default=True,
              callback=within(SPECIALIST_CAPACITY, "number of teachers (or groups) they can take"),
              help=f"Teachers (or groups) they can take ({SPECIALIST_CAPACITY[0]}-{SPECIALIST_CAPACITY[1]}).")
@click.option("--internal", is_flag=True, help="An internal expert (a teacher in the network), not a specialist.")
@click.option("--account", "email", help="E-mail of the specialist account they sign in with (assigned to the "
              "cohort): it can then write in the coaching logs of the partnerships they coach.")
def specialists_add(cohort_id: str, name: str, focuses: tuple[str, ...], capacity: int, internal: bool,
                    email: str | None) -> None:
    """Add a specialist who can coach teachers on the focuses given."""
    record = cohort_or_exit(cohort_id)
    definition = published_definition(get_store(), record["form_id"], record["form_version"])
    known = [f.id for f in definition.learning_focuses.focuses] if definition.learning_focuses else []
    unknown = [f for f in focuses if f not in known]
    if unknown:
        raise click.ClickException(f"not on this cohort's menu: {', '.join(unknown)} (the menu has: "
                                   f"{', '.join(known)})")
    if not name.strip():
        raise click.ClickException("give the specialist a name")
    try:
        added = specialist_accounts.add_linked(get_store(), record, name, "internal" if internal else "specialist",
                                               list(focuses), capacity, account=_account_id(email), actor=ACTOR)
    except PairingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(added["id"])


@specialists.command("link")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.argument("specialist_id")
@click.option("--account", "email", help="E-mail of their specialist account (assigned to the cohort).")
@click.option("--unlink", is_flag=True, help="Take away the link to their sign-in account.")
def specialists_link(cohort_id: str, specialist_id: str, email: str | None, unlink: bool) -> None:
    """Link a listed specialist to the account they sign in with, so they write in their partnerships' logs."""
    if bool(email) == unlink:
        raise click.ClickException("give either --account EMAIL or --unlink")
    try:
        specialist_accounts.link_account(get_store(), cohort_or_exit(cohort_id), specialist_id, _account_id(email),
                                         actor=ACTOR)
    except PairingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Linked {specialist_id} to {normal_email(email)}." if email else f"Unlinked {specialist_id}.")


def _account_id(email: str | None) -> str | None:
    """The id of the account with this e-mail address (None for none given); an unknown address stops here."""
    if not email:
        return None
    user = get_store().find_user(normal_email(email))
    if user is None:
        raise click.ClickException(f"there is no account for {normal_email(email)}: add it with `diagnostic users add`")
    return user["id"]


@specialists.command("remove")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.argument("specialist_id")
def specialists_remove(cohort_id: str, specialist_id: str) -> None:
    """Remove a specialist (their confirmed partnerships stay until undone)."""
    try:
        partnerships.remove_specialist(get_store(), cohort_or_exit(cohort_id), specialist_id, actor=ACTOR)
    except PairingError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"removed {specialist_id}")


@click.command("demo")
@with_appcontext
@click.option("--cohort", "cohort_id", default="network", show_default=True, help="Id for the new cohort.")
@click.option("--teachers", type=click.IntRange(1, 50_000), default=2000, show_default=True)
@click.option("--schools", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--second-cycle", is_flag=True, help="Then confirm co-coaching, write a few coaching-log entries per "
                                                   "partnership, and run cycle 2 on the follow-up questionnaire, "
                                                   "answered by most teachers.")
def demo(cohort_id: str, teachers: int, schools: int, second_cycle: bool) -> None:
    """Create a large synthetic network of submitted teachers, grouped, with specialists listed."""
    say = steps()
    try:
        result = seed_network(get_store(), definition_dirs(data_dir()), cohort_id, teachers, schools, progress=say)
        if second_cycle:
            say("confirming co-coaching and running cycle 2")
            later = seed_second_cycle(get_store(), definition_dirs(data_dir()), cohort_id)
    except (ValueError, StoreError, FileProblems, UnknownForm, PairingError, CycleError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"cohort {cohort_id}: {result['submitted']} synthetic teachers in {schools} schools")
    if second_cycle:
        click.echo(f"cycle 2: {later['partnerships']} co-coaching partnerships confirmed, {later['answered']} of "
                   f"{later['started']} teachers answered the follow-up")
