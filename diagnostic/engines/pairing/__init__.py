"""Coaching partnerships proposed for coordinators, as plain functions on plain data (no Flask, no TinyDB).

`propose(mode, teachers, config, ...)` returns ``{"mode", "pairs", "unpaired",
"total_score", "matching_total", "notes"}``. Every proposed partnership carries
its score (the weighted sum of its criteria, each from 0 to 1), the criteria
and the reasons in words; every teacher left out is listed with the reason.
Hard rules remove candidates rather than lowering their score. The same input
always gives the same proposal.

Modes:
- ``co-coaching``: reciprocal peers who share a focus (maximum-weight matching, `cocoaching`).
- ``mentoring``: mentees matched to willing, experienced colleagues strong in their focus, each with a
  capacity (assignment, `assignment`).
- ``specialist``: teachers, or whole starting-point groups, allocated to specialists by their expertise.

`config` comes from the definition's ``pairing:`` section (see
`diagnostic.services.partnerships.engine_config`): ``{"weights": {mode: {criterion: weight}}, "step",
"strong", "mentor_capacity"}``. `options` are the coordinator's for this run:
``school_rule`` (any, same, cross_preferred, cross_required), ``relax_focus``,
``capacity`` (mentees per mentor) and ``by`` (teacher or group, for specialists).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from diagnostic.engines.pairing import sentences
from forms.limits import MENTOR_CAPACITY

# numpy, scipy and rustworkx are imported where a proposal is computed, not here: every page and command imports
# this package for its names (MODES, PairingError...), and loading them would slow every start-up by seconds.
if TYPE_CHECKING:
    import numpy as np

    from diagnostic.engines.pairing.facts import Cohort

MODES = ("co-coaching", "mentoring", "specialist")
SCHOOL_RULES = ("any", "same", "cross_preferred", "cross_required")
OPTIONS = ("school_rule", "relax_focus", "capacity", "by")
NO_FOCUS = "Has not chosen a learning focus yet, so there is nothing to pair them on."
SPECIALIST_CAPACITY = (1, 50)  # teachers (or whole groups) one specialist takes; the web form and CLI use it too


class PairingError(ValueError):
    """The request cannot be run as asked (an unknown mode or option, or teachers without distinct ids)."""


def propose(mode: str, teachers: list[dict[str, Any]], config: dict[str, Any], *,
            options: dict[str, Any] | None = None, locked: list[list[str]] = (),
            forbidden: list[list[str]] = (), specialists: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """Propose partnerships for one mode.

    Parameters
    ----------
    mode : {"co-coaching", "mentoring", "specialist"}
    teachers : list of dict
        See `diagnostic.engines.pairing.facts` for the keys.
    config : dict
        Weights and scale facts from the definition.
    options : dict, optional
        The coordinator's options for this run.
    locked : list of list of str
        Partnerships the coordinator locked (member ids; a specialist's id first in
        specialist mode). They are kept as they are and the rest is optimised around them.
    forbidden : list of list of str
        Pairs of ids that must not be put together.
    specialists : list of dict
        ``{"id", "name", "expertise": [focus ids], "capacity", "places_used", "respondent": teacher id if
        internal}``; ``places_used`` are those already taken by confirmed partnerships.

    Raises
    ------
    PairingError
        For an unknown mode or option, teachers without distinct ids, or a mentor's or specialist's
        capacity outside `MENTOR_CAPACITY` or `SPECIALIST_CAPACITY`.
    """
    from diagnostic.engines.pairing.facts import Cohort

    if mode not in MODES:
        raise PairingError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    # A misspelt option would otherwise be ignored in silence and the proposal made without the rule.
    unknown = sorted(set(options or {}) - set(OPTIONS), key=str)
    if unknown:
        raise PairingError(f"unknown option {unknown[0]!r}: choose from {', '.join(OPTIONS)}")
    options = {"school_rule": "any", "relax_focus": False, "capacity": config.get("mentor_capacity", 2),
               "by": "teacher", **(options or {})}
    if options["school_rule"] not in SCHOOL_RULES:
        raise PairingError(f"unknown school rule {options['school_rule']!r}: choose one of {', '.join(SCHOOL_RULES)}")
    if options["by"] not in ("teacher", "group"):
        raise PairingError("specialists are allocated by 'teacher' or by 'group'")
    options["capacity"] = _within(options["capacity"], MENTOR_CAPACITY, "a mentor's capacity is a whole number of "
                                  "mentees")
    for s in specialists if mode == "specialist" else ():
        _within(s.get("capacity"), SPECIALIST_CAPACITY, f"the capacity of {s.get('name') or s.get('id')} is a whole "
                "number of teachers or groups")
    ids = [t.get("id") for t in teachers]
    if None in ids or len(set(ids)) != len(ids):
        # Two teachers under one id would be paired as one person and listed twice.
        raise PairingError("every teacher needs an id of their own")
    options["step"], options["strong"] = config.get("step", 0.25), config.get("strong")
    cohort = Cohort(sorted(teachers, key=lambda t: t["id"]), [])
    weights = config["weights"][mode.replace("-", "_")]
    notes: list[str] = []
    forbid = {frozenset(p) for p in forbidden if len(set(p)) == 2}
    # Specialists lead specialist partnerships; everyone else in a partnership is a teacher of the cohort.
    leads = {s["id"] for s in specialists} if mode == "specialist" else set(cohort.index)
    locks = _usable_locks(locked, forbid, leads, set(cohort.index), notes, shared_lead=mode != "co-coaching")
    run = {"co-coaching": _co_coaching, "mentoring": _mentoring, "specialist": _specialist}[mode]
    pairs, unpaired, matching_total = run(cohort, weights, options, locks, forbid, list(specialists))
    return {"mode": mode, "options": {k: v for k, v in options.items() if k not in ("step", "strong")},
            "pairs": pairs, "unpaired": unpaired, "total_score": round(sum(p["score"] for p in pairs), 3),
            "matching_total": round(matching_total, 3), "notes": notes}


def _within(value: Any, limits: tuple[int, int], what: str) -> int:
    """`value` as a whole number inside the inclusive `limits`, or a PairingError that names them."""
    low, high = limits
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or not low <= number <= high:
        raise PairingError(f"{what} from {low} to {high} (got {value!r})")
    return number


def _usable_locks(locked: list[list[str]], forbid: set[frozenset], leads: set[str], teachers: set[str],
                  notes: list[str], *, shared_lead: bool) -> list[list]:
    """The locked partnerships that can be kept: known members, no one twice, no forbidden pair inside.

    The first member must be one of `leads`, the others `teachers`. With
    `shared_lead` (mentoring, specialists) the first member leads and may lead several partnerships.
    """
    usable, taken, known = [], set(), leads | teachers
    for members in locked:
        members = list(dict.fromkeys(members))
        if len(members) < 2 or any(m not in known for m in members):
            notes.append("A locked partnership names someone no longer in the cohort, so it was dropped.")
        elif members[0] not in leads or any(m not in teachers for m in members[1:]):
            notes.append("A locked partnership does not fit this kind of coaching (a specialist leads it, and "
                         "only teachers follow), so it was dropped.")
        elif any(frozenset((a, b)) in forbid for a in members for b in members if a != b):
            notes.append("A locked partnership contains a pair you ruled out; ruling out wins, so it was dropped.")
        elif taken & set(members[1:] if shared_lead else members):
            notes.append("A teacher was in two locked partnerships; only the first was kept.")
        else:
            usable.append(members)
            taken |= set(members[1:] if shared_lead else members)
    return usable


def _partnership(c: Cohort, members: list[int], criteria: dict[str, float], score: float, weights: dict,
                 phrases: dict, locked: bool = False) -> dict[str, Any]:
    """One proposed partnership: its members (indexes into c), focus, score, criteria (each averaged over its
    pairs), and reasons."""
    people = [c.teachers[i] for i in members]
    first = people[0]
    reasons = sentences.explain(phrases, criteria, weights, people)
    if len(members) == 3 and not locked:
        reasons.insert(0, f"A trio: {people[2].get('name')} joins where they add most, as numbers are odd.")
    if locked:
        reasons.insert(0, "Locked by the coordinator.")
    return {"members": [m["id"] for m in people], "names": [m.get("name") for m in people],
            "schools": [m.get("school") for m in people], "focus": first.get("focus"),
            "focus_title": first.get("focus_title"), "score": score, "criteria": criteria, "reasons": reasons[:4],
            "locked": locked}


def _co_coaching(c: Cohort, weights: dict, options: dict, locks: list[list[str]], forbid: set[frozenset],
                 specialists: list) -> tuple[list, list, float]:
    import numpy as np

    from diagnostic.engines.pairing import cocoaching

    in_lock = {m for members in locks for m in members}
    unpaired, total = [], 0.0
    groups = [[c.index[m] for m in members] for members in locks]
    components: dict[Any, list[int]] = defaultdict(list)
    for i, t in enumerate(c.teachers):
        if t["id"] in in_lock:
            continue
        if c.focus[i] < 0:
            unpaired.append(_alone(t, NO_FOCUS))
        else:
            components["all" if options["relax_focus"] else c.focus[i]].append(i)
    for key in sorted(components, key=str):
        idx = np.array(components[key])
        result = cocoaching.match(c, idx, weights, options, forbid)
        total += result["matching_total"] / cocoaching.SCALE
        groups += result["groups"]
        unpaired += [_alone(c.teachers[t], cocoaching.why_alone(c, t, idx, options, forbid)) for t in result["left"]]
    # Every pair inside every partnership, scored at once: one partnership at a time would cost ten times more.
    inside = [(n, a, b) for n, g in enumerate(groups) for k, a in enumerate(g) for b in g[k + 1:]]
    which, first, second = (np.array(column, dtype=int) for column in zip(*inside, strict=True)) if inside else \
        (np.zeros(0, dtype=int),) * 3
    found, _ = cocoaching.pair_criteria(c, first, second, options["step"], options["school_rule"])
    found["score"] = sum(weights[k] * found[k] for k in cocoaching.CRITERIA)
    starts = np.flatnonzero(np.r_[True, which[1:] != which[:-1]]) if len(which) else np.zeros(0, dtype=int)
    counts = np.diff(np.r_[starts, len(which)])
    mean = {k: (np.add.reduceat(v, starts) / counts).tolist() if len(which) else [] for k, v in found.items()}
    pairs = [_partnership(c, g, {k: round(mean[k][n], 3) for k in found if k != "score"}, round(mean["score"][n], 3),
                          weights, sentences.CO_COACHING, locked=n < len(locks)) for n, g in enumerate(groups)]
    return pairs, unpaired, total


def _alone(teacher: dict, reason: str) -> dict[str, Any]:
    return {"respondent": teacher["id"], "name": teacher.get("name"), "reason": reason}


def _forbid(allowed: np.ndarray, rows: list[list[str]], cols: list[str], forbid: set[frozenset]) -> None:
    """Mark ruled-out pairs (any member of a row with the column's person) as not allowed.

    Looks up each member's ruled-out partners rather than testing every row against every column.
    """
    column = {person: k for k, person in enumerate(cols)}
    partners = defaultdict(list)
    for a, b in (tuple(pair) for pair in forbid):
        partners[a].append(b)
        partners[b].append(a)
    for r, members in enumerate(rows):
        for other in (o for m in members for o in partners.get(m, ()) if o in column):
            allowed[r, column[other]] = False


def _mentoring(c: Cohort, weights: dict, options: dict, locks: list[list[str]], forbid: set[frozenset],
               specialists: list) -> tuple[list, list, float]:
    import numpy as np

    from diagnostic.engines.pairing import assignment

    mentors = np.array([i for i, s in enumerate(c.stage) if s == "mentor"], dtype=int)
    mentor_ids = [c.teachers[i]["id"] for i in mentors]
    locks = [[mentor, mentee] for mentor, *mentees in locks for mentee in mentees]  # one mentee per partnership
    locked_mentees = {m[1] for m in locks}
    mentees = np.array([i for i, s in enumerate(c.stage) if s == "mentee" and c.teachers[i]["id"] not in
                        locked_mentees], dtype=int)
    taken = defaultdict(int)
    pairs = []
    for mentor, mentee in locks:
        taken[mentor] += 1
        idx = np.array([c.index[mentee]]), np.array([c.index[mentor]])
        found, _ = assignment.mentoring_criteria(c, idx[1], idx[0], options["strong"], options["school_rule"])
        pairs.append(_assigned(c, found, 0, 0, [c.index[mentor]], [c.index[mentee]], weights, locked=True))
    # Places already taken by confirmed partnerships (`places_used`) and by locks are not offered again.
    capacity = [max(0, int(options["capacity"]) - taken[m] - int(c.teachers[c.index[m]].get("places_used") or 0))
                for m in mentor_ids]
    if len(mentees) * sum(capacity) > assignment.DENSE_UP_TO:
        return _mentoring_graph(c, weights, options, forbid, mentors, mentees, capacity, pairs)
    found, allowed = assignment.mentoring_criteria(c, mentors, mentees, options["strong"], options["school_rule"])
    _forbid(allowed, [[c.teachers[i]["id"]] for i in mentees], mentor_ids, forbid)
    score = sum(weights[k] * found[k] for k in assignment.MENTORING)
    chosen = assignment.allocate(score, allowed, capacity)
    for r, k in chosen:
        pairs.append(_assigned(c, found, r, k, mentors, [mentees[r]], weights))
    placed = {r for r, _ in chosen}
    unpaired = [_alone(c.teachers[mentees[r]], _why_no_mentor(c, mentees[r], allowed[r], len(mentors)))
                for r in range(len(mentees)) if r not in placed]
    return pairs, unpaired, float(sum(score[r, k] for r, k in chosen))


def _mentoring_graph(c: Cohort, weights: dict, options: dict, forbid: set[frozenset], mentors: np.ndarray,
                     mentees: np.ndarray, capacity: list[int], pairs: list) -> tuple[list, list, float]:
    """Mentoring for a cohort too large for one table: a graph of each mentee's best allowed mentors, solved exactly.

    Each mentee brings its `assignment.CANDIDATES` best allowed mentors with a place to offer, and the allocation
    is the optimum of that graph (`assignment.allocate_candidates`). Where everyone's best are the same few mentors,
    some mentees are left without a place although others have places free: those mentees then bring their best
    mentors among those with places left, and the graph is solved again, until none is left so or none can be helped.
    """
    import numpy as np

    from diagnostic.engines.pairing import assignment

    free = np.asarray(capacity) > 0
    edges = _mentoring_candidates(c, weights, options, forbid, mentors, mentees, np.arange(len(mentees)), free)
    any_allowed = edges.pop("any_allowed")
    while True:
        rows, cols, scores = edges["rows"], edges["cols"], edges["score"]
        chosen = assignment.allocate_candidates(rows, cols, scores, len(mentees), capacity)
        placed = {r for r, _ in chosen}
        used = np.bincount(np.array([k for _, k in chosen], dtype=int), minlength=len(mentors))
        waiting = np.array([r for r in np.flatnonzero(any_allowed) if r not in placed], dtype=int)
        free = np.asarray(capacity) > used
        if not len(waiting) or not free.any():
            break
        more = _mentoring_candidates(c, weights, options, forbid, mentors, mentees, waiting, free)
        more.pop("any_allowed")
        known = set(zip(rows.tolist(), cols.tolist(), strict=True))
        new = np.array([(r, k) not in known for r, k in zip(more["rows"].tolist(), more["cols"].tolist(),
                                                             strict=True)], dtype=bool)
        if not new.any():
            break
        edges = {name: np.concatenate([edges[name], more[name][new]]) for name in edges}
    edge = {(r, k): e for e, (r, k) in enumerate(zip(edges["rows"].tolist(), edges["cols"].tolist(), strict=True))}
    criteria = [name for name in edges if name not in ("rows", "cols", "score")]
    for r, k in chosen:
        e = edge[(r, k)]
        found = {name: edges[name][e:e + 1][:, None] for name in criteria}  # the pair's criteria, as a 1 x 1 table
        pairs.append(_assigned(c, found, 0, 0, [mentors[k]], [mentees[r]], weights))
    unpaired = [_alone(c.teachers[mentees[r]], _why_no_mentor(c, mentees[r], any_allowed[r:r + 1], len(mentors)))
                for r in range(len(mentees)) if r not in placed]
    return pairs, unpaired, float(sum(edges["score"][edge[(r, k)]] for r, k in chosen))


def _mentoring_candidates(c: Cohort, weights: dict, options: dict, forbid: set[frozenset], mentors: np.ndarray,
                          mentees: np.ndarray, which: np.ndarray, offering: np.ndarray) -> dict[str, np.ndarray]:
    """For the mentees `which` (positions in `mentees`), their best allowed mentors among those `offering`:
    the pairs as ``rows`` (positions in `mentees`), ``cols`` (in `mentors`), ``score`` and each criterion, and
    ``any_allowed``, per mentee of `which`, whether any mentor at all is allowed for them.

    Mentees are taken by focus, against only the mentors willing to coach and strong in it (a hard rule: no
    other is ever allowed), a few at a time: tables of about a million pairs.
    """
    import numpy as np

    from diagnostic.engines.pairing import assignment

    strong, willing = options["strong"], c.coach[mentors] == 1
    parts, any_allowed = [], np.zeros(len(which), dtype=bool)
    focus = c.focus[mentees[which]]
    for f in np.unique(focus):
        able = willing if f < 0 or strong is None else willing & (np.nan_to_num(c.confidence[mentors, f], nan=-1)
                                                                   >= strong)
        cols = np.flatnonzero(able)
        if not len(cols):
            continue
        ids = [c.teachers[i]["id"] for i in mentors[cols]]
        keep = min(assignment.CANDIDATES, len(cols))
        step = max(1, 1_000_000 // len(cols))
        positions = np.flatnonzero(focus == f)
        for start in range(0, len(positions), step):
            at = positions[start:start + step]
            rows = which[at]
            some = mentees[rows]
            found, allowed = assignment.mentoring_criteria(c, mentors[cols], some, strong, options["school_rule"])
            _forbid(allowed, [[c.teachers[i]["id"]] for i in some], ids, forbid)
            any_allowed[at] = allowed.any(axis=1)
            score = np.where(allowed & offering[cols][None, :],
                             sum(weights[k] * found[k] for k in assignment.MENTORING), -np.inf)
            best = np.argpartition(-score, keep - 1, axis=1)[:, :keep]
            r, k = np.nonzero(np.isfinite(np.take_along_axis(score, best, axis=1)))
            k = best[r, k]
            parts.append({"rows": rows[r], "cols": cols[k], "score": score[r, k],
                          **{name: v[r, k] for name, v in found.items()}})
    names = ["rows", "cols", "score", *assignment.MENTORING]
    found = {name: np.concatenate([p[name] for p in parts]) if parts else np.zeros(0, dtype=int if name in (
        "rows", "cols") else float) for name in names}
    return {**found, "any_allowed": any_allowed}


def _assigned(c: Cohort, found: dict, r: int, k: int, leads: Any, learners: list[int], weights: dict,
              locked: bool = False, phrases: dict = sentences.MENTORING, lead: dict | None = None) -> dict:
    """A mentor (or specialist) and their mentee (or teachers), with criteria, score and reasons."""
    criteria = {name: round(float(v[r, k]), 3) for name, v in found.items()}
    head = lead or c.teachers[leads[k]]
    first = c.teachers[learners[0]]
    reasons = sentences.explain(phrases, criteria, weights, [head, first])
    if locked:
        reasons.insert(0, "Locked by the coordinator.")
    members = [c.teachers[i] for i in learners]
    if len(members) > 1:  # a whole group: its focus is the one most of them chose that the specialist covers
        covered = [m for m in members if m.get("focus") in head.get("expertise", [])] or members
        first = max(covered, key=lambda m: sum(o.get("focus") == m.get("focus") for o in covered))
    return {"members": [head["id"], *(m["id"] for m in members)], "names": [head.get("name"),
            *(m.get("name") for m in members)], "schools": [head.get("school"), *(m.get("school") for m in members)],
            "focus": first.get("focus"), "focus_title": first.get("focus_title"),
            "score": round(sum(weights[name] * value for name, value in criteria.items()), 3),
            "criteria": criteria, "reasons": reasons[:4], "locked": locked}


def _why_no_mentor(c: Cohort, mentee: int, allowed: np.ndarray, mentors: int) -> str:
    teacher = c.teachers[mentee]
    title = (teacher.get("focus_title") or "their focus").lower()
    if mentors == 0:
        return "No experienced colleague in the cohort can mentor yet."
    if allowed.any():
        return "More mentees than mentor places: the places went to closer matches."
    return (f"No mentor is willing, strong in {title}, free at a shared time and allowed by the school rule "
            "(or the only ones are ruled out).")


def _specialist(c: Cohort, weights: dict, options: dict, locks: list[list[str]], forbid: set[frozenset],
                specialists: list) -> tuple[list, list, float]:
    """Teachers, or whole starting-point groups, allocated to specialists within their places, locks kept."""
    from diagnostic.engines.pairing import assignment

    if not specialists:
        raise PairingError("no specialists are listed for this cohort: add them before allocating specialist "
                           "coaching")
    by_group = options["by"] == "group"
    pairs = [_locked_to_specialist(c, {s["id"]: s for s in specialists}, lock, weights) for lock in locks]
    free, unpaired = _not_locked(c, locks)
    learners = _learners(c, free, by_group)
    found, allowed = assignment.specialist_criteria(c, specialists, learners)
    _forbid(allowed, [[c.teachers[i]["id"] for i in m] for m in learners], [s["id"] for s in specialists], forbid)
    score = sum(weights[k] * found[k] for k in assignment.SPECIALIST)
    chosen = assignment.allocate(score, allowed, _places_left(specialists, locks))
    pairs += [_allocated(c, found, r, k, learners[r], specialists[k], weights, by_group) for r, k in chosen]
    unpaired += _unallocated(c, learners, {r for r, _ in chosen}, allowed, found["expertise"])
    return pairs, unpaired, float(sum(score[r, k] for r, k in chosen))


def _not_locked(c: Cohort, locks: list[list[str]]) -> tuple[list[int], list[dict]]:
    """The teachers no lock holds: those with a focus to allocate (indexes), and those left out for want of one."""
    in_lock = {m for _, *members in locks for m in members}
    free, unpaired = [], []
    for i, t in enumerate(c.teachers):
        if t["id"] in in_lock:
            continue
        if c.focus[i] < 0:
            unpaired.append(_alone(t, NO_FOCUS))
        else:
            free.append(i)
    return free, unpaired


def _locked_to_specialist(c: Cohort, by_id: dict[str, dict], lock: list[str], weights: dict) -> dict:
    """A partnership the coordinator locked: the specialist (first) and their teachers, as they are."""
    import numpy as np

    from diagnostic.engines.pairing import assignment

    specialist, *members = lock
    idx = np.array([c.index[m] for m in members])
    found, _ = assignment.specialist_criteria(c, [by_id[specialist]], [idx])
    return _assigned(c, found, 0, 0, None, list(idx), weights, locked=True, phrases=sentences.SPECIALIST,
                     lead=by_id[specialist])


def _learners(c: Cohort, free: list[int], by_group: bool) -> list[np.ndarray]:
    """What a specialist takes on: each teacher alone, or each starting-point group whole (ungrouped ones as one)."""
    import numpy as np

    if not by_group:
        return [np.array([i]) for i in free]
    groups = defaultdict(list)
    for i in free:
        groups[c.teachers[i].get("group") or "-"].append(i)
    return [np.array(groups[g]) for g in sorted(groups)]


def _places_left(specialists: list[dict], locks: list[list[str]]) -> list[int]:
    """Each specialist's places not yet taken by a lock or by confirmed partnerships (`places_used`)."""
    taken = defaultdict(int)
    for specialist, *_ in locks:
        taken[specialist] += 1
    return [max(0, int(s["capacity"]) - taken[s["id"]] - int(s.get("places_used") or 0)) for s in specialists]


def _allocated(c: Cohort, found: dict, r: int, k: int, learners: np.ndarray, specialist: dict, weights: dict,
               by_group: bool) -> dict:
    """Specialist `k` with learners `r`; a whole group gets the group's key and reasons written for a group."""
    made = _assigned(c, found, r, k, None, list(learners), weights, phrases=sentences.SPECIALIST, lead=specialist)
    if by_group:
        made["group"] = c.teachers[learners[0]].get("group")
        made["reasons"] = sentences.for_group(specialist, [c.teachers[i] for i in learners], made["criteria"])
    return made


def _unallocated(c: Cohort, learners: list[np.ndarray], placed: set[int], allowed: np.ndarray,
                 expertise: np.ndarray) -> list[dict]:
    """Every teacher of the learners given no specialist, each with the reason."""
    unpaired = []
    for r in (r for r in range(len(learners)) if r not in placed):
        why = _why_no_specialist(c.teachers[learners[r][0]], allowed[r], expertise[r])
        unpaired += [_alone(c.teachers[i], why) for i in learners[r]]
    return unpaired


def _why_no_specialist(first: dict, allowed: np.ndarray, expertise: np.ndarray) -> str:
    """Why a teacher (or group, by its first member) was given no specialist."""
    title = (first.get("focus_title") or "their focus").lower()
    if allowed.any():
        return f"The specialists who cover {title} are full: their places went to closer matches."
    if expertise.any():  # someone covers it, but is ruled out for them or is one of them
        return f"Every specialist who covers {title} is ruled out for them, or is one of them."
    return f"No specialist listed covers {title}."
