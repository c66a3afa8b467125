"""A cohort's coaching partnerships: the pairing engine fed from the store, the coordinator's rules, confirmation.

The coordinator runs a mode and gets a proposal; locks the partnerships they
like, rules out pairs that will not work, moves a teacher (a lock with a new
partner) and runs again; then confirms. Confirming stores each partnership with
a learning agreement to fill in, and settles each teacher's learning focus.
Rules that keep two people apart hold for every mode; locks belong to one mode.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any

from diagnostic.engines.pairing import MODES, SPECIALIST_CAPACITY, PairingError, propose
from diagnostic.services import audit, cycles, grouping
from diagnostic.services.choice import current_choice
from diagnostic.services.cohorts import publish, published_definition
from diagnostic.services.definitions import current_dirs
from diagnostic.services.journey import JourneyError, now
from diagnostic.storage.interface import DamagedGrouping, Record, Store, VersionConflict, whole_cohort
from forms.catalog import UnknownForm, find_definition
from forms.schema import Definition, Pairing, Recommend
from forms.yamlfile import FileProblems

EVERY_MODE = "all"  # where rules that keep two people apart are kept
KIND = {"co-coaching": "co-coaching", "mentoring": "mentoring", "specialist": "specialist coaching"}
PARTNER = {"co-coaching": "partner", "mentoring": "mentor", "specialist": "specialist"}
PEER_MODES = ("co-coaching", "mentoring")
SPECIALIST_NAME_LIMIT = 80  # characters, for the coordinator's form and `specialists add` alike


class StaleProposal(JourneyError):
    """The proposal on the page is no longer the latest one."""

    status = 409
    title = "These partnerships changed elsewhere"


class AlreadyConfirmed(StaleProposal):
    """The proposal was confirmed already (by another tab, another coordinator or a double click)."""

    title = "These partnerships are already confirmed"


def pairing_of(definition: Definition) -> Pairing:
    """The definition's pairing configuration, or the defaults (no questions named)."""
    return definition.pairing or Pairing()


def engine_config(definition: Definition) -> dict[str, Any]:
    """The engine's plain configuration: weights per mode, one step of the confidence scale, 'strong' as 0-1."""
    pairing = pairing_of(definition)
    low, high = _confidence_scale(definition)
    return {"weights": {mode: dict(w) for mode, w in pairing.weights.model_dump().items()},
            "step": 1 / (high - low), "mentor_capacity": pairing.mentor_capacity,
            "strong": None if pairing.strong is None else (pairing.strong - low) / (high - low)}


def _confidence_scale(definition: Definition) -> tuple[int, int]:
    config = definition.recommend or Recommend()
    for f in definition.learning_focuses.focuses if definition.learning_focuses else []:
        try:
            scale = definition.answer_question(config.confidence.replace("{focus}", f.id)).scale
        except KeyError:
            continue
        if scale is not None and scale.max > scale.min:
            return scale.min, scale.max
    return 1, 5


def teacher_facts(definition: Definition, record: Record, group: str | None = None) -> dict[str, Any]:
    """What the pairing engine reads from one submitted response (see `diagnostic.engines.pairing.facts`)."""
    pairing, answers = pairing_of(definition), record.get("answers", {})
    config = definition.recommend or Recommend()
    low, high = _confidence_scale(definition)
    choice = current_choice(record, definition)
    focus = choice["focuses"][0] if choice["focuses"] else None
    titles = {f.id: f.title for f in definition.learning_focuses.focuses} if definition.learning_focuses else {}
    confidence, shown = {}, {}
    for f in titles:
        level = answers.get(config.confidence.replace("{focus}", f))
        if type(level) is int:
            confidence[f], shown[f] = (level - low) / (high - low), f"{level} of {high}"
    times = answers.get(pairing.availability) if pairing.availability else None
    labels = _labels(definition, pairing.availability)
    comfort = answers.get(pairing.observation_comfort) if pairing.observation_comfort else None
    comfort_scale = _scale(definition, pairing.observation_comfort)
    wish = answers.get(pairing.partner_school) if pairing.partner_school else None
    role = answers.get(pairing.coaching_role) if pairing.coaching_role else None
    stage = answers.get(pairing.career_stage) if pairing.career_stage else None
    stages = [c.id for c in definition.question(pairing.career_stage).options] if pairing.career_stage else []
    return {
        "id": record["id"], "ref": grouping.respondent(record), "name": display_name(definition, record),
        "school": record.get("school"), "group": group, "focus": focus, "focus_title": titles.get(focus, focus),
        "goal": choice.get("goal") or "", "confidence": confidence, "confidence_shown": shown,
        "availability": list(times) if isinstance(times, list) else None,
        "times": [labels.get(t, t) for t in times] if isinstance(times, list) else [],
        "observation": (comfort - comfort_scale[0]) / (comfort_scale[1] - comfort_scale[0])
        if type(comfort) is int and comfort_scale else None,
        "wish": "same" if wish in pairing.same_school else "other" if wish in pairing.other_school else None,
        "coach": None if role is None else role in pairing.coaches,
        "coached": None if role is None else role in pairing.coached,
        "stage": "mentee" if stage in pairing.mentees else "mentor" if stage in pairing.mentors else None,
        "experience": stages.index(stage) / (len(stages) - 1) if stage in stages and len(stages) > 1 else None,
    }


def display_name(definition: Definition, record: Record) -> str:
    """How coordinators and partners know a teacher: the name they gave, else their reference."""
    key = pairing_of(definition).name
    name = (record.get("answers", {}).get(key) or "").strip() if key else ""
    return name or f"Teacher {grouping.respondent(record)}"


def _labels(definition: Definition, question_id: str | None) -> dict[str, str]:
    return {c.id: c.label for c in definition.question(question_id).options} if question_id else {}


def _scale(definition: Definition, question_id: str | None) -> tuple[int, int] | None:
    if not question_id:
        return None
    scale = definition.question(question_id).scale
    return (scale.min, scale.max) if scale and scale.max > scale.min else None


def cohort_facts(store: Store, cohort: Record, with_groups: bool = True) -> list[dict[str, Any]]:
    """Every submitted teacher of the cohort's questionnaire version, as the engine reads them.

    `with_groups=False` skips reading the grouping (and placing late submissions), for pages that do not
    need each teacher's starting-point group.
    """
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    submitted = store.list_responses(cohort["id"], status="submitted", cycle=1)  # read once, for the groups too
    try:
        current = grouping.current(store, cohort, submitted) if with_groups else None
    except DamagedGrouping:
        current = None
    groups = {m["id"]: g["key"] for g in (current or {}).get("groups", []) for m in g["members"]}
    return [teacher_facts(definition, r, groups.get(r["id"]))
            for r in submitted if r.get("form_version") == cohort["form_version"]]


def specialists(cohort: Record) -> list[dict[str, Any]]:
    """The specialists (and internal experts) the coordinator listed for this cohort."""
    return list(cohort.get("specialists") or [])


class NotPairable(PairingError):
    """The cohort as it stands cannot be paired in this mode at all: one teacher alone, or no groups to allocate."""


@whole_cohort
def run(store: Store, cohort: Record, mode: str, options: dict[str, Any] | None = None,
        actor: str = "system") -> Record:
    """Propose partnerships for `mode` around the locks and rules, store the proposal and return it.

    Teachers already in a confirmed partnership of this mode are left out, except
    that mentors and specialists keep the places they have not yet filled.
    """
    _known_mode(mode)
    return _propose(store, cohort, mode, options, actor, cohort_facts(store, cohort))


@whole_cohort
def run_if_pairable(store: Store, cohort: Record, mode: str, options: dict[str, Any] | None = None,
                    actor: str = "system") -> Record:
    """`run`, but first refuse (`NotPairable`) a cohort that cannot be paired in this mode at all.

    That is a peer mode with only one submitted teacher, or specialists allocated to whole groups in a cohort
    not grouped yet; the coordinator's page asks this, where `run` would store a proposal placing no one.
    """
    _known_mode(mode)
    facts = cohort_facts(store, cohort)
    if mode in PEER_MODES and len(facts) == 1:
        raise NotPairable(f"only one teacher in this cohort has submitted their questionnaire, so there is no one "
                          f"to pair them with yet: {KIND[mode]} needs at least two")
    if (options or {}).get("by") == "group" and not any(t["group"] for t in facts):
        raise NotPairable("this cohort has not been grouped by starting point yet, so specialists can only take "
                          "teachers one by one. Group the cohort on the specialist pages first")
    return _propose(store, cohort, mode, options, actor, facts)


def _known_mode(mode: str) -> None:
    if mode not in MODES:
        raise PairingError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")


def _propose(store: Store, cohort: Record, mode: str, options: dict[str, Any] | None, actor: str,
             facts: list[dict[str, Any]]) -> Record:
    """Propose, store and return partnerships for `mode` from the cohort's `facts` (read once by the caller)."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    state = store.pairing_state(cohort["id"], mode)
    rules = store.pairing_state(cohort["id"], EVERY_MODE)
    options = {**state.get("options", {}), **(options or {})}
    done = [p for p in confirmed(store, cohort) if p["mode"] == mode]
    # In co-coaching everyone in a confirmed partnership is settled; a mentor or specialist only fills places.
    settled = {m for p in done for m in (p["members"] if mode == "co-coaching" else p["members"][1:])}
    used = Counter(p["members"][0] for p in done) if mode != "co-coaching" else Counter()
    teachers = [{**t, "places_used": used[t["id"]]} for t in facts if t["id"] not in settled]
    if not teachers:
        raise PairingError("no submitted teachers are waiting for a partnership in this cohort"
                           if not settled else "every submitted teacher is already in a confirmed partnership "
                                               "of this kind")
    if mode == "specialist" and options.get("by") == "group" and not any(t.get("group") for t in teachers):
        raise PairingError("this cohort has not been grouped by starting point yet: group it first, or allocate "
                           "specialists teacher by teacher")
    leads = [{**s, "places_used": used[s["id"]]} for s in specialists(cohort)]
    proposal = propose(mode, teachers, engine_config(definition), options=options,
                       locked=state.get("locked", []), forbidden=rules.get("forbidden", []), specialists=leads)
    proposal.update(id=secrets.token_hex(6), made_at=now(), settled=len(settled))
    store.update_pairing_state(cohort["id"], mode, lambda s: {**s, "options": proposal["options"],
                                                               "proposal": proposal})
    audit.record(store, actor, "propose partnerships",
                 f"Proposed {audit.plural(len(proposal['pairs']), f'{KIND[mode]} partnership')}; "
                 f"{audit.plural(len(proposal['unpaired']), 'teacher')} not placed.", cohort["id"])
    return proposal


def _known(store: Store, cohort: Record, ids: list[str]) -> None:
    """Refuse ids that are neither a submitted teacher of the cohort nor one of its specialists."""
    known = {r["id"] for r in store.list_responses(cohort["id"], status="submitted", cycle=1)}
    known |= {s["id"] for s in specialists(cohort)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise PairingError(f"no teacher or specialist {unknown[0]!r} in this cohort")


@whole_cohort
def lock(store: Store, cohort: Record, mode: str, members: list[str], actor: str = "system") -> None:
    """Keep these people together in `mode`, whenever it is proposed again."""
    _lock(store, cohort, mode, members)
    audit.record(store, actor, "lock partnership",
                 f"Locked {audit.plural(len(set(members)), 'person', 'people')} together for {KIND[mode]}.",
                 cohort["id"])


@whole_cohort
def move(store: Store, cohort: Record, mode: str, teacher: str, to: str, actor: str = "system") -> None:
    """Put one teacher with a chosen partner, mentor or specialist: a lock of the two of them."""
    _lock(store, cohort, mode, [to, teacher])
    audit.record(store, actor, "move teacher", f"Moved a teacher to a new {PARTNER[mode]} for {KIND[mode]}, "
                                               "and locked them together.", cohort["id"])


def _lock(store: Store, cohort: Record, mode: str, members: list[str]) -> None:
    """Keep these people together in `mode` (a move is a lock with a new partner).

    Any other lock that shares a member is dropped (in mentoring and specialist
    coaching the first member leads, and may lead several).
    """
    members = list(dict.fromkeys(members))
    if len(members) < 2:
        raise PairingError("a partnership needs at least two people")
    _known(store, cohort, members)
    lead_is_specialist = members[0] in {s["id"] for s in specialists(cohort)}
    if (mode == "specialist") != lead_is_specialist or any(m in {s["id"] for s in specialists(cohort)}
                                                            for m in members[1:]):
        raise PairingError("in specialist coaching a specialist leads, with teachers; other partnerships are "
                           "between teachers")
    rules = store.pairing_state(cohort["id"], EVERY_MODE)
    ruled_out = {frozenset(p) for p in rules.get("forbidden", [])}
    if any(frozenset((a, b)) in ruled_out for a in members for b in members if a != b):
        raise PairingError("you ruled out this pair; allow it again before locking it")
    shared = set(members[1:] if mode != "co-coaching" else members)

    def change(state: Record) -> Record:
        kept = [m for m in state.get("locked", [])
                if not shared & set(m[1:] if mode != "co-coaching" else m)]
        return {**state, "locked": [*kept, members]}

    store.update_pairing_state(cohort["id"], mode, change)


@whole_cohort
def unlock(store: Store, cohort: Record, mode: str, members: list[str], actor: str = "system") -> None:
    """Release a locked partnership: the next run may pair its members differently."""
    store.update_pairing_state(cohort["id"], mode, lambda s: {
        **s, "locked": [m for m in s.get("locked", []) if set(m) != set(members)]})
    audit.record(store, actor, "unlock partnership", f"Unlocked a {KIND[mode]} partnership of "
                                                     f"{audit.plural(len(set(members)), 'person', 'people')}.",
                 cohort["id"])


@whole_cohort
def forbid(store: Store, cohort: Record, first: str, second: str, actor: str = "system") -> bool:
    """Never put these two together, in any mode. True if it released a locked partnership holding them."""
    if first == second:
        raise PairingError("choose two different people")
    _known(store, cohort, [first, second])
    pair = frozenset((first, second))
    store.update_pairing_state(cohort["id"], EVERY_MODE, lambda s: {
        **s, "forbidden": [*[p for p in s.get("forbidden", []) if frozenset(p) != pair], sorted(pair)]})
    released = False
    for mode in MODES:
        state = store.pairing_state(cohort["id"], mode)
        if any(pair <= set(m) for m in state.get("locked", [])):
            released = True
            store.update_pairing_state(cohort["id"], mode, lambda s: {
                **s, "locked": [m for m in s.get("locked", []) if not pair <= set(m)]})
    audit.record(store, actor, "rule out pair", "Ruled out two people as partners in every kind of partnership"
                                                + (", which released a lock holding them." if released else "."),
                 cohort["id"])
    return released


@whole_cohort
def allow(store: Store, cohort: Record, first: str, second: str, actor: str = "system") -> None:
    """Let these two be paired again."""
    pair = frozenset((first, second))
    store.update_pairing_state(cohort["id"], EVERY_MODE, lambda s: {
        **s, "forbidden": [p for p in s.get("forbidden", []) if frozenset(p) != pair]})
    audit.record(store, actor, "allow pair", "Allowed two people who had been ruled out to be paired again.",
                 cohort["id"])


def confirmed(store: Store, cohort: Record) -> list[Record]:
    """The cohort's confirmed partnerships that still stand."""
    return [p for p in store.list_partnerships(cohort["id"]) if p.get("status", "confirmed") == "confirmed"]


def broken(store: Store, cohort: Record, proposal: Record | None, mode: str) -> list[str]:
    """Why a stored proposal no longer fits the rules: a pair ruled out since, or a specialist removed since."""
    ruled_out = {frozenset(p) for p in store.pairing_state(cohort["id"], EVERY_MODE).get("forbidden", [])}
    listed = {s["id"] for s in specialists(cohort)}
    found = []
    for pair in (proposal or {}).get("pairs", []):
        named = {m: n or "someone" for m, n in zip(pair["members"], pair["names"], strict=False)}
        found += [f"{' and '.join(sorted((named[a], named[b])))} were ruled out as partners after it was made."
                  for n, a in enumerate(pair["members"]) for b in pair["members"][n + 1:]
                  if frozenset((a, b)) in ruled_out]
        if mode == "specialist" and pair["members"][0] not in listed:
            found.append(f"{pair['names'][0]} is no longer on this cohort's list of specialists.")
    return found


@whole_cohort
def confirm(store: Store, cohort: Record, mode: str, proposal_id: str, actor: str = "system") -> list[Record]:
    """Confirm the latest proposal for `mode`: store each partnership and settle its teachers' focus.

    Raises `AlreadyConfirmed` if it was confirmed already, and `StaleProposal` if `proposal_id` is not the
    latest proposal (another tab re-ran it), if rules made since break it, or if anyone in it has been
    confirmed in another partnership of this kind since. Runs under the cohort's lock, so of two confirms
    of one proposal at once exactly one writes.
    """
    proposal = confirmable(store, cohort, mode, proposal_id)
    form = _agreement_form(store, cohort) if mode in PEER_MODES else None
    # Each partnership is formed for the cohort's latest cycle (read afresh: a cycle may have opened since).
    cycle = cycles.current(store.get_cohort(cohort["id"]) or cohort)["number"]
    made = [{**_partnership(mode, pair, form, proposal["options"]), "cycle": cycle} for pair in proposal["pairs"]]
    store.add_partnerships(cohort["id"], made)
    teacher_ids = {r["id"] for r in store.list_responses(cohort["id"], status="submitted", cycle=1)}
    joined: dict[str, list[Record]] = {}  # a mentor or trio member may join more than one partnership
    for p in made:
        for member in (m for m in p["members"] if m in teacher_ids):
            joined.setdefault(member, []).append(p)
    store.update_responses(cohort["id"], {member: (lambda r, ps=ps: _settle(r, ps)) for member, ps in joined.items()})
    store.update_pairing_state(cohort["id"], mode, lambda s: {
        **s, "proposal": None, "locked": [],
        "confirmed_proposals": [*s.get("confirmed_proposals", []), proposal_id][-KEPT_CONFIRMED:]})
    audit.record(store, actor, "confirm partnerships",
                 f"Confirmed {audit.plural(len(made), f'{KIND[mode]} partnership')} "
                 f"({audit.plural(len(joined), 'teacher')}).", cohort["id"])
    return made


def confirmable(store: Store, cohort: Record, mode: str, proposal_id: str) -> Record:
    """The latest proposal for `mode` if it can be confirmed as it stands; raises as `confirm` does if not.

    Read-only: the coordinator's page asks this before showing what confirming will store, and `confirm`
    asks it again under the cohort's lock before storing anything.
    """
    state = store.pairing_state(cohort["id"], mode)
    proposal = state.get("proposal")
    if proposal_id and proposal_id in state.get("confirmed_proposals", []):
        raise AlreadyConfirmed("These partnerships were already confirmed, so nothing was stored twice. "
                               "They are listed with the confirmed partnerships below.")
    if not proposal or proposal.get("id") != proposal_id:
        raise StaleProposal("These partnerships have changed since this page was opened (or were already "
                            "confirmed). Review the latest proposal before confirming.")
    if not proposal["pairs"]:
        raise PairingError("there are no partnerships to confirm")
    problems = broken(store, cohort, proposal, mode) + _already_placed(store, cohort, proposal, mode)
    if problems:
        raise StaleProposal("This proposal no longer fits your rules, so nothing was confirmed: "
                            f"{' '.join(problems)} Run it again, then confirm.")
    return proposal


KEPT_CONFIRMED = 20  # ids of recent confirmed proposals, to answer a repeated confirm plainly


def _already_placed(store: Store, cohort: Record, proposal: Record, mode: str) -> list[str]:
    """Teachers in the proposal who are already in a confirmed partnership of this kind (never booked twice)."""
    def placed(members: list[str]) -> list[str]:
        # A mentor or specialist leads several partnerships; only the others are placed by one.
        return members if mode == "co-coaching" else members[1:]

    taken = {m for p in confirmed(store, cohort) if p["mode"] == mode for m in placed(p["members"])}
    return [f"{name} is already in a confirmed partnership of this kind."
            for pair in proposal["pairs"] for member, name in zip(pair["members"], pair["names"], strict=False)
            if member in taken and member in placed(pair["members"])]


def _agreement_form(store: Store, cohort: Record) -> list[str] | None:
    """The learning agreement definition named by the questionnaire, published; [id, version] or None."""
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    form_id = pairing_of(definition).agreement
    if not form_id:
        return None
    try:
        agreement, _ = find_definition(form_id, None, current_dirs(store))
        publish(store, agreement)
    except UnknownForm as exc:
        raise PairingError(f"the learning agreement form cannot be found: {exc}") from None
    except FileProblems as exc:
        raise PairingError(f"the learning agreement form has problems: {'; '.join(exc.lines())}") from None
    except VersionConflict as exc:
        raise PairingError(f"the learning agreement form changed without a new version: {exc}") from None
    return [agreement.id, agreement.version]


def _partnership(mode: str, pair: Record, form: list[str] | None, options: Record) -> Record:
    keep = ("members", "names", "schools", "focus", "focus_title", "score", "criteria", "reasons", "group")
    return {"id": secrets.token_hex(8), "mode": mode, "status": "confirmed", "confirmed_at": now(),
            "options": options, **{k: pair[k] for k in keep if k in pair},
            "agreement": {"form": form, "answers": {}, "revision": 0, "updated_at": None} if form else None}


def _settle(record: Record, joined: list[Record]) -> Record:
    """Note the partnerships on the teacher's response; a confirmed partnership settles their focus."""
    pair = dict(record.get("pair") or {})
    pair["partnerships"] = {**pair.get("partnerships", {}), **{p["mode"]: p["id"] for p in joined}}
    pair["status"] = "confirmed"
    return {**record, "pair": pair}


@whole_cohort
def dissolve(store: Store, cohort: Record, partnership_id: str, actor: str = "system") -> Record:
    """Undo a confirmed partnership: its teachers are free to be paired again and to change their focus.

    A teacher still in another confirmed partnership (a mentor with a second mentee, say) stays settled.
    """
    if store.get_partnership(cohort["id"], partnership_id) is None:
        raise PairingError(f"no partnership {partnership_id!r} in this cohort")
    partnership = store.update_partnership(cohort["id"], partnership_id,
                                           lambda p: {**p, "status": "dissolved", "dissolved_at": now()})
    standing = confirmed(store, cohort)
    teachers = {r["id"] for r in store.list_responses(cohort["id"])}
    store.update_responses(cohort["id"], {
        m: (lambda r, m=m: _release(r, [p for p in standing if m in p["members"]]))
        for m in partnership["members"] if m in teachers})
    audit.record(store, actor, "undo partnership", f"Undid confirmed {KIND[partnership['mode']]} partnership "
                                                   f"{partnership_id} of "
                                                   f"{audit.plural(len(partnership['members']), 'person', 'people')}.",
                 cohort["id"])
    return partnership


def _release(record: Record, still: list[Record]) -> Record:
    held = {p["mode"]: p["id"] for p in still}
    return {**record, "pair": {"partnerships": held, "status": "confirmed" if held else "open"}}


@whole_cohort
def remove_specialist(store: Store, cohort: Record, specialist_id: str, actor: str = "system") -> None:
    """Take a specialist off the cohort's list, with any partnership locked to them (confirmed ones stay)."""
    found = next((s for s in specialists(store.get_cohort(cohort["id"]) or cohort) if s["id"] == specialist_id), None)
    if found is None:
        raise PairingError(f"no specialist {specialist_id!r} in this cohort")
    store.update_cohort(cohort["id"], lambda c: {
        **c, "specialists": [s for s in c.get("specialists", []) if s["id"] != specialist_id]})
    store.update_pairing_state(cohort["id"], "specialist", lambda s: {
        **s, "locked": [m for m in s.get("locked", []) if m[0] != specialist_id]})
    audit.record(store, actor, "remove specialist", f"Removed {_who(found)} from the cohort's specialists.",
                 cohort["id"])


@whole_cohort
def add_specialist(store: Store, cohort: Record, name: str, kind: str, expertise: list[str], capacity: int,
                   respondent: str | None = None, actor: str = "system", account: str | None = None) -> Record:
    """List a specialist (or an internal expert, one of the cohort's teachers) who can coach these focuses.

    `account` is the id of their sign-in account, already checked by `specialist_accounts.check_account`.
    """
    if not name.strip() or len(name.strip()) > SPECIALIST_NAME_LIMIT:
        raise PairingError(f"give the specialist a name of 1 to {SPECIALIST_NAME_LIMIT} characters "
                           f"(it has {len(name.strip())})")
    low, high = SPECIALIST_CAPACITY
    if not low <= capacity <= high:
        raise PairingError(f"a specialist takes from {low} to {high} teachers (got {capacity})")
    if respondent:
        # Read under the cohort's lock: two coordinators adding the same teacher at once list them once.
        _check_expert(specialists(store.get_cohort(cohort["id"]) or cohort), kind, respondent)
    added = {"id": f"s-{secrets.token_hex(4)}", "name": name.strip(), "kind": kind,
             "expertise": list(dict.fromkeys(expertise)), "capacity": capacity, "respondent": respondent or None,
             **({"account": account} if account else {})}
    store.update_cohort(cohort["id"], lambda c: {**c, "specialists": [*(c.get("specialists") or []), added]})
    audit.record(store, actor, "add specialist", f"Added {_who(added)}, who can take "
                                                 f"{audit.plural(capacity, 'teacher')} in "
                                                 f"{audit.plural(len(added['expertise']), 'focus', 'focuses')}.",
                 cohort["id"])
    return added


class ExpertRefused(PairingError):
    """A teacher of the cohort who cannot be listed as an internal expert."""


def _check_expert(listed: list[Record], kind: str, respondent: str) -> None:
    """Refuse a teacher listed as anything but an internal expert, or listed as one already."""
    if kind != "internal":
        raise ExpertRefused("only an internal expert is one of the cohort's teachers")
    if any(s.get("respondent") == respondent for s in listed):
        raise ExpertRefused("that teacher is already listed as an internal expert")


def _who(listed: Record) -> str:
    # An internal expert is one of the cohort's teachers: the log never names a teacher.
    return "an internal expert" if listed.get("kind") == "internal" else f"specialist {listed['name']}"


def partnerships_of(store: Store, cohort: Record, response_id: str) -> list[Record]:
    """The confirmed partnerships a teacher belongs to."""
    return [p for p in confirmed(store, cohort) if response_id in p["members"]]


def for_export(store: Store, cohort: Record, proposal: Record) -> Record:
    """A proposal as machine output: every person an object with their ids, never a bare internal id.

    A teacher carries `response_id` (the app's own id) and `respondent` (the id given at import, None for a
    teacher who came through the web), as in `diagnostic export`; a specialist carries `specialist_id`.
    The stored proposal is left as it is: its `unpaired[].respondent` is a response id, and erasure reads it.
    """
    imported = {r["id"]: r.get("respondent") for r in store.list_responses(cohort["id"])}

    def teacher(response_id: str) -> Record:
        return {"response_id": response_id, "respondent": imported.get(response_id)}

    pairs = []
    for pair in proposal["pairs"]:
        people = []
        for n, (member, name, school) in enumerate(zip(pair["members"], pair["names"], pair["schools"],
                                                       strict=True)):
            # In specialist coaching the specialist leads, first; everyone else is a teacher.
            lead = n == 0 and proposal["mode"] == "specialist"
            people.append({"specialist_id": member, "name": name} if lead else
                          {**teacher(member), "name": name, "school": school})
        rest = {k: v for k, v in pair.items() if k not in ("members", "names", "schools")}
        pairs.append({"members": people, **rest})
    unpaired = [{**teacher(u["respondent"]), **{k: v for k, v in u.items() if k != "respondent"}}
                for u in proposal["unpaired"]]
    return {**proposal, "pairs": pairs, "unpaired": unpaired}


# -- re-pairing: a partnership that is not working, or a later cycle ------------------------------------------
def previous_pairs(partnership: Record) -> list[tuple[str, str]]:
    """The pairs to keep apart after re-pairing: every two members, or in specialist coaching the specialist
    with each teacher (the teachers of one allocation were never partners to each other)."""
    members = partnership["members"]
    if partnership["mode"] == "specialist":
        return [(members[0], m) for m in members[1:]]
    return [(a, b) for n, a in enumerate(members) for b in members[n + 1:]]


@whole_cohort
def undo_and_rule_out(store: Store, cohort: Record, partnership: Record, actor: str = "system") -> Record:
    """Undo a confirmed partnership and rule out each of its pairs, so the next proposal pairs them anew."""
    undone = dissolve(store, cohort, partnership["id"], actor=actor)
    for first, second in previous_pairs(partnership):
        forbid(store, cohort, first, second, actor=actor)
    return undone

def from_earlier_cycle(store: Store, cohort: Record, mode: str) -> list[Record]:
    """The mode's confirmed partnerships formed before the cohort's latest cycle and not yet kept for it."""
    latest = cycles.current(cohort)
    if latest["number"] < 2:
        return []
    return [p for p in confirmed(store, cohort) if p["mode"] == mode
            and p.get("cycle", 1) < latest["number"] and latest["number"] not in p.get("kept_for", [])]


@whole_cohort
def next_cycle(store: Store, cohort: Record, mode: str, keep: bool, actor: str = "system") -> list[Record]:
    """For the latest cycle: keep the mode's earlier partnerships (their agreements and logs go on), or undo them
    and rule out each pair of previous partners, so the next proposal pairs everyone with someone new.

    Returns the partnerships it kept or undid. Ruled-out pairs can be allowed again on the partnerships page.
    """
    _known_mode(mode)
    cohort = store.get_cohort(cohort["id"]) or cohort
    number = cycles.current(cohort)["number"]
    earlier = from_earlier_cycle(store, cohort, mode)
    if not earlier:
        raise PairingError(f"there are no {KIND[mode]} partnerships from before cycle {number} to keep or re-pair")
    for p in earlier:
        if keep:
            store.update_partnership(cohort["id"], p["id"], lambda r: {**r, "kept_for": [*r.get("kept_for", []),
                                                                                        number]})
        else:
            undo_and_rule_out(store, cohort, p, actor=actor)
    what = "Kept" if keep else "Undid, ruling out each pair of previous partners,"
    audit.record(store, actor, "next cycle partnerships", f"{what} {audit.plural(len(earlier), 'partnership')} "
                                                          f"({KIND[mode]}) for cycle {number}.", cohort["id"])
    return earlier
