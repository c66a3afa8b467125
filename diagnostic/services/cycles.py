"""Learning cycles: a cohort runs in cycles, the first being the starting point; a coordinator opens the next.

A cycle is a stretch of the programme with its own questionnaire: cycle 1 is the cohort's starting-point
questionnaire, and each later cycle a follow-up. The cohort record keeps them in `cycles` once a second one is
opened or the first is closed (a cohort that never had one has only cycle 1, open since it was created). Only
the latest cycle can be open, and a cycle is closed only when no teacher has a draft in it, so that nobody's
unfinished answers are cut off. Every response says which cycle it belongs to (`cycle`; none means cycle 1).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from diagnostic.services import audit
from diagnostic.services.choice import current_choice, refine_goal
from diagnostic.services.cohorts import is_closed, publish, published_definition
from diagnostic.services.csvio import export_cycles_csv, import_csv
from diagnostic.services.definitions import current_dirs
from diagnostic.services.journey import new_response, now
from diagnostic.storage.interface import Record, Store, whole_cohort
from forms.catalog import UnknownForm, find_definition
from forms.schema import FOLLOW_UP, Definition
from forms.yamlfile import FileProblems


class CycleError(ValueError):
    """A cycle cannot be opened or closed as asked; nothing was changed."""


def cycles(cohort: Record) -> list[Record]:
    """Every cycle of the cohort, first to latest: number, questionnaire, when it opened and closed."""
    return [dict(c) for c in cohort.get("cycles") or [_first(cohort)]]


def current(cohort: Record) -> Record:
    """The latest cycle, open or closed."""
    return cycles(cohort)[-1]


def cycle_of(response: Record) -> int:
    """Which cycle a response belongs to (responses from before cycles existed are the starting point)."""
    return response.get("cycle", 1)


def _first(cohort: Record) -> Record:
    return {"number": 1, "form_id": cohort["form_id"], "form_version": cohort["form_version"],
            "opened_at": cohort.get("created_at"), "closed_at": None}


@whole_cohort
def open_next(store: Store, cohort: Record, definition: Definition, actor: str = "system") -> Record:
    """Open the cohort's next cycle on `definition`, a follow-up of its starting point, and return it.

    Refused (`CycleError`) while the latest cycle is still open (close it first, so that each teacher has one
    questionnaire open at a time), and for a questionnaire that is not a follow-up of this cohort's start.
    """
    cohort = store.get_cohort(cohort["id"]) or cohort  # read again under the lock: another tab may have opened one
    latest = current(cohort)
    if latest["closed_at"] is None:
        raise CycleError(f"cycle {latest['number']} of {cohort['name']} is still open: close it before opening "
                         f"cycle {latest['number'] + 1}")
    _check_follows(cohort, definition)
    publish(store, definition)
    opened = {"number": latest["number"] + 1, "form_id": definition.id, "form_version": definition.version,
              "opened_at": now(), "closed_at": None}
    store.update_cohort(cohort["id"], lambda c: {**c, "cycles": [*cycles(c), opened]})
    audit.record(store, actor, "open cycle", f"Opened cycle {opened['number']} on {definition.id} version "
                                             f"{definition.version}.", cohort["id"])
    return opened


def _check_follows(cohort: Record, definition: Definition) -> None:
    """A later cycle's questionnaire is a follow-up of this cohort's starting point, so change can be measured.

    The catalog checked, when it loaded the follow-up, that its matched items have the starting point's scales.
    """
    named = f"{definition.id} version {definition.version}"
    start = f"{cohort['form_id']} version {cohort['form_version']}"
    if definition.respondent != "teacher":
        raise CycleError(f"{named} is not filled in by each teacher on their own, so it cannot be a cycle's "
                         f"questionnaire: choose a follow-up of {start}")
    if definition.kind != FOLLOW_UP or definition.follows is None:
        raise CycleError(f"{named} is not a follow-up questionnaire (kind: follow_up), so it cannot open a later "
                         f"cycle: choose a follow-up of {start}")
    followed = f"{definition.follows.form} version {definition.follows.version}"
    if (definition.follows.form, definition.follows.version) != (cohort["form_id"], cohort["form_version"]):
        raise CycleError(f"{named} follows {followed}, but {cohort['name']} started on {start}: choose a "
                         "follow-up of the questionnaire this cohort started on")


@whole_cohort
def close_current(store: Store, cohort: Record, actor: str = "system") -> Record:
    """Close the cohort's latest cycle and return it; refused (`CycleError`) if it is closed or holds drafts."""
    cohort = store.get_cohort(cohort["id"]) or cohort
    latest = current(cohort)
    if latest["closed_at"] is not None:
        raise CycleError(f"cycle {latest['number']} of {cohort['name']} is already closed (since "
                         f"{latest['closed_at'][:10]})")
    drafts = len(store.list_responses(cohort["id"], status="draft", cycle=latest["number"]))
    if drafts:
        raise CycleError(f"{drafts} teacher{' has' if drafts == 1 else 's have'} not finished the questionnaire of "
                         f"cycle {latest['number']} yet: wait until they submit, or remove unfinished responses "
                         "with 'diagnostic purge-drafts', then close the cycle")
    closed = {**latest, "closed_at": now()}
    store.update_cohort(cohort["id"], lambda c: {**c, "cycles": [*cycles(c)[:-1], closed]})
    audit.record(store, actor, "close cycle", f"Closed cycle {closed['number']}.", cohort["id"])
    return closed


def numbered(cohort: Record, number: int) -> Record | None:
    return next((c for c in cycles(cohort) if c["number"] == number), None)


def is_open(cohort: Record, number: int) -> bool:
    """Whether teachers may still answer the questionnaire of cycle `number` (unknown cycles are not open)."""
    found = numbered(cohort, number)
    return found is not None and found["closed_at"] is None


def _linked(first: Record, number: int, later_id: str) -> Record:
    """The teacher's first response, now pointing to their response of cycle `number`."""
    return {**first, "later": {**(first.get("later") or {}), str(number): later_id}}


def later_response(store: Store, cohort: Record, first: Record) -> Record | None:
    """The teacher's response in the cohort's latest cycle, when that cycle is later than their first and begun.

    A teacher is known by their first response (it holds their private link, their learning focus and their
    partnerships); it keeps the id of each later one under `later`, by cycle number.
    """
    number = current(cohort)["number"]
    later_id = (first.get("later") or {}).get(str(number))
    return store.get_response(cohort["id"], later_id) if number > cycle_of(first) and later_id else None


def start_latest(store: Store, cohort: Record, first: Record) -> Record | None:
    """The teacher's questionnaire for the latest cycle, begun now if that cycle is open and they have none.

    None while the latest cycle is their first one. Only beginning one takes the cohort's lock (so two tabs
    opening the link at once begin one questionnaire, not two): carrying on in the same cycle costs nothing.
    """
    cohort = store.get_cohort(cohort["id"]) or cohort  # a cycle may have opened since the caller read it
    found = later_response(store, cohort, first)
    return found if found or not _can_begin(cohort, first) else _begin_latest(store, cohort, first)


def _can_begin(cohort: Record, first: Record) -> bool:
    latest = current(cohort)
    return latest["number"] > cycle_of(first) and latest["closed_at"] is None and not is_closed(cohort)


@whole_cohort
def _begin_latest(store: Store, cohort: Record, first: Record) -> Record | None:
    cohort = store.get_cohort(cohort["id"]) or cohort  # read again under the lock: another tab may have begun it
    first = store.get_response(cohort["id"], first["id"]) or first
    found = later_response(store, cohort, first)
    if found or not _can_begin(cohort, first):
        return found
    latest = current(cohort)
    record, _ = new_response({**cohort, "form_id": latest["form_id"], "form_version": latest["form_version"]},
                             school=first.get("school"), respondent=first.get("respondent"),
                             source=first.get("source", "web"))
    # Opened only through the teacher's own link (on their first response): this one has no link of its own.
    record.update(cycle=latest["number"], teacher=first["id"], token_hash="")
    store.add_responses(cohort["id"], [record])
    store.update_response(cohort["id"], first["id"], lambda r: _linked(r, latest["number"], record["id"]))
    return record


def as_starting_point(first: Record, later: Record, definition: Definition) -> Record:
    """A teacher's answers today in their starting point's own ids: the follow-up's matched answers and construct
    scores laid over their starting point (what was not asked again stays as it was), under their first id.

    So the starting point's grouping model and features read it like any starting point.
    """
    matches = definition.matches
    items = matches.item_pairs() if matches else {}
    constructs = matches.construct_pairs() if matches else {}
    answers, scores = later["answers"], later.get("scores") or {}
    return {**first, "answers": {**first["answers"], **{theirs: answers[mine] for mine, theirs in items.items()
                                                         if mine in answers}},
            "scores": {**(first.get("scores") or {}), **{theirs: scores.get(mine) for mine, theirs in
                                                          constructs.items()}}}


def todays_answers(store: Store, cohort: Record, number: int) -> list[Record]:
    """`as_starting_point` for every teacher who submitted both their starting point and cycle `number`."""
    found = numbered(cohort, number)
    if number < 2 or found is None:
        raise CycleError(f"{cohort['name']} has no cycle {number} to group on")
    definition = published_definition(store, found["form_id"], found["form_version"])
    responses = store.list_responses(cohort["id"], status="submitted")
    later = {r["id"]: r for r in responses if cycle_of(r) == number}
    return [as_starting_point(first, later[later_id], definition) for first in responses
            if cycle_of(first) == 1 and (later_id := (first.get("later") or {}).get(str(number))) in later]


def carry_goal(store: Store, cohort: Record, later: Record) -> None:
    """After a follow-up is submitted: a teacher who wrote a new goal in it has that goal from this cycle on, on
    their first response (where their focus lives), and keeps the goals before it in their history."""
    definition = published_definition(store, later["form_id"], later["form_version"])
    keys = definition.progress
    goal = str(later["answers"].get(keys.new_goal) or "").strip() if keys and keys.new_goal else ""
    first = store.get_response(cohort["id"], later.get("teacher") or "") if goal else None
    if first is None:
        return
    start = published_definition(store, cohort["form_id"], cohort["form_version"])
    store.update_response(cohort["id"], first["id"], lambda r: refine_goal(r, current_choice(r, start), goal,
                                                                          cycle_of(later)))


def follow_ups(cohort: Record, available: list[Record]) -> list[Record]:
    """Of the definitions available (`services.definitions.available`), the valid follow-ups of this cohort's start."""
    start = [cohort["form_id"], cohort["form_version"]]
    return [d for d in available if d.get("kind") == FOLLOW_UP and d.get("follows") == start]


def open_follow_up(store: Store, cohort: Record, form_id: str, version: str, actor: str = "system") -> Record:
    """`open_next` on the follow-up with this id and version, found where `forms check` looks for definitions."""
    try:
        definition, _ = find_definition(form_id, version, current_dirs(store))
    except (UnknownForm, FileProblems) as exc:
        raise CycleError(f"the questionnaire {form_id} version {version} cannot be used: {exc}") from None
    return open_next(store, cohort, definition, actor=actor)


@whole_cohort
def import_later(store: Store, cohort: Record, number: int, path: Path,
                 progress: Callable[[int], None] | None = None) -> list[Record]:
    """Import answers of later cycle `number` from CSV, each matched to its teacher by respondent, and return them.

    A row must name the respondent a teacher's starting point was imported with (`csvio.ImportProblems` for
    any bad row, and nothing is imported). Each response is stored in the cycle and linked from the teacher's
    first response.
    """
    cohort = store.get_cohort(cohort["id"]) or cohort
    found = numbered(cohort, number)
    if number < 2 or found is None:
        opened = ", ".join(str(c["number"]) for c in cycles(cohort)[1:]) or "none yet"
        raise CycleError(f"cohort {cohort['id']} has no cycle {number} to import into (later cycles opened: "
                         f"{opened}); open it with 'diagnostic cycle open' first")
    definition = published_definition(store, found["form_id"], found["form_version"])
    starting_points = {r["respondent"]: r for r in store.list_responses(cohort["id"], cycle=1)
                       if r.get("respondent") and r["status"] == "submitted"}
    answering = {**cohort, "form_id": definition.id, "form_version": definition.version}  # the cycle's form
    responses = import_csv(path, answering, definition, store.list_responses(cohort["id"], cycle=number),
                           progress=progress, starting_points=starting_points, cycle=number)
    store.add_responses(cohort["id"], responses)
    store.update_responses(cohort["id"], {r["teacher"]: (lambda first, made=r["id"]: _linked(first, number, made))
                                          for r in responses})
    for r in responses:
        carry_goal(store, cohort, r)
    return responses


def export_all(store: Store, cohort: Record, layout: str = "long") -> tuple[str, int]:
    """Every cycle's submitted answers as CSV (`csvio.export_cycles_csv`), and how many responses it holds."""
    definitions = {c["number"]: published_definition(store, c["form_id"], c["form_version"]) for c in cycles(cohort)}
    responses = store.list_responses(cohort["id"], status="submitted")
    return export_cycles_csv(definitions, responses, layout), len(responses)
