"""Progress from the starting point: how each teacher's answers moved between cycle 1 and a later cycle.

Change is measured only on what the follow-up asks again unchanged (its `matches`): each matched construct
(beliefs), and the teacher's confidence in the learning focus they chose. Every figure is paired: a teacher
counts only when they answered both questionnaires, and their change is later minus starting point
(`diagnostic.engines.paired`). The reports say how many teachers the figures rest on, how many did not answer
the follow-up, and, in words, what such figures cannot show.

Who sees what: a teacher sees their own change; specialists see each group's and each member's; coordinators
see the impact report, which has participation, progress towards goals, the pupils' evidence and the change
in confidence per learning focus, only for groups of at least MIN_GROUP_SIZE teachers, and no beliefs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from diagnostic.engines.paired import paired_change
from diagnostic.services import coaching_log, cycles
from diagnostic.services.choice import current_choice
from diagnostic.services.cohorts import published_definition
from diagnostic.services.partnerships import confirmed, display_name
from diagnostic.storage.interface import Record, Store
from forms.schema import Definition, Recommend
from forms.scoring import construct_range

FOCUS = "focus_confidence"  # the measure of a teacher's confidence in their own learning focus
LIMITATIONS = [
    "These are teachers' own ratings of themselves. They show how teachers see their beliefs and confidence, "
    "not what happens in their lessons or how much their pupils learn.",
    "There is no comparison group of teachers who did not take part, so the change cannot be put down to the "
    "programme alone: teachers also change with experience, other training and the school year.",
    "Only teachers who answered both questionnaires are counted. Those who did not answer the follow-up may "
    "have moved differently.",
    "With few teachers the range is wide: read the range, not only the average.",
]


class ProgressError(ValueError):
    """There is no later cycle to measure progress to, or it is not one this cohort has."""


@dataclass(frozen=True)
class Measure:
    """One thing change is measured on: a matched construct, or confidence in the teacher's own focus."""

    id: str
    label: str
    low: int
    high: int
    belief: bool  # beliefs are for the teacher and their specialists; coordinators never see them


@dataclass
class Teacher:
    """One teacher's two measurements (`after` is empty until they submit the follow-up)."""

    id: str
    name: str
    school: str | None
    focus: str | None
    focus_title: str | None
    before: dict[str, float | None]
    after: dict[str, float | None] = field(default_factory=dict)
    answered: bool = False
    goal: int | None = None
    evidence: list[str] = field(default_factory=list)
    refined: bool = False
    # Their answers now, in the starting point's own ids (matched answers from the follow-up, the rest kept
    # from the starting point), so cycle 1's grouping model can say which group they would fall in today.
    now: Record | None = None

    def change(self, measure: str) -> float | None:
        before, after = self.before.get(measure), self.after.get(measure)
        return None if before is None or after is None else round(after - before, 3)


@dataclass
class Progress:
    """Every teacher of a cohort between cycle 1 and cycle `number`, with what is needed to describe them."""

    cohort: Record
    number: int
    start: Definition
    later: Definition
    measures: list[Measure]
    teachers: list[Teacher]
    joined: Counter = field(default_factory=Counter)  # cycle-1 responses (drafts too) per school

    @property
    def answered(self) -> list[Teacher]:
        return [t for t in self.teachers if t.answered]

    @property
    def still_open(self) -> bool:
        return cycles.is_open(self.cohort, self.number)


def later_number(cohort: Record, number: int | None = None) -> int:
    """The later cycle to measure to: the one asked for, else the latest; `ProgressError` if there is none."""
    latest = cycles.current(cohort)["number"]
    if latest < 2:
        raise ProgressError(f"{cohort['name']} has only its starting point so far: progress is measured once a "
                            "coordinator opens cycle 2 and teachers answer its follow-up")
    number = latest if number is None else number
    if number < 2 or cycles.numbered(cohort, number) is None:
        raise ProgressError(f"{cohort['name']} has no cycle {number}: its later cycles are 2 to {latest}")
    return number


def measures_of(start: Definition, later: Definition) -> list[Measure]:
    """The matched constructs, then confidence in the teacher's own focus when both ask it."""
    pairs = later.matches.construct_pairs() if later.matches else {}
    found = []
    for construct in start.constructs:
        if construct.id in pairs.values():
            low, high = construct_range(start, construct)
            found.append(Measure(construct.id, construct.label, low, high, belief=True))
    low_high = _focus_scale(start)
    if low_high:
        found.append(Measure(FOCUS, "Confidence in their own learning focus", *low_high, belief=False))
    return found


def _focus_scale(start: Definition) -> tuple[int, int] | None:
    template = (start.recommend or Recommend()).confidence
    for focus in start.learning_focuses.focuses if start.learning_focuses else []:
        try:
            scale = start.answer_question(template.replace("{focus}", focus.id)).scale
        except KeyError:
            continue
        if scale is not None:
            return scale.min, scale.max
    return None


def gather(store: Store, cohort: Record, number: int | None = None) -> Progress:
    """Every teacher who submitted their starting point, with their later answers of cycle `number` if any."""
    number = later_number(cohort, number)
    cycle = cycles.numbered(cohort, number)
    start = published_definition(store, cohort["form_id"], cohort["form_version"])
    later = published_definition(store, cycle["form_id"], cycle["form_version"])
    measures = measures_of(start, later)
    # One read of the cohort, split here: each cycle is a filter over the same responses.
    firsts, answers_later, joined = [], {}, Counter()
    for r in store.list_responses(cohort["id"]):
        at = cycles.cycle_of(r)
        if at == 1:
            joined[r.get("school")] += 1
            if r["status"] == "submitted":
                firsts.append(r)
        elif at == number and r["status"] == "submitted":
            answers_later[r["id"]] = r
    reader = _Reader(start, later, measures)
    teachers = [reader.teacher(first, answers_later.get((first.get("later") or {}).get(str(number))))
                for first in firsts]
    return Progress(cohort, number, start, later, measures, teachers, joined)


def gather_one(store: Store, cohort: Record, first: Record, number: int | None = None) -> Progress:
    """`gather` for one teacher alone (their own page reads their two responses, not the cohort's)."""
    number = later_number(cohort, number)
    cycle = cycles.numbered(cohort, number)
    start = published_definition(store, cohort["form_id"], cohort["form_version"])
    later_form = published_definition(store, cycle["form_id"], cycle["form_version"])
    measures = measures_of(start, later_form)
    later_id = (first.get("later") or {}).get(str(number))
    later = store.get_response(cohort["id"], later_id) if later_id else None
    answered = later if later and later["status"] == "submitted" else None
    teacher = _Reader(start, later_form, measures).teacher(first, answered)
    return Progress(cohort, number, start, later_form, measures, [teacher])


class _Reader:
    """Reads one teacher's two responses into a `Teacher`, with the ids of the matched answers worked out once."""

    def __init__(self, start: Definition, later: Definition, measures: list[Measure]) -> None:
        self.start, self.later, self.measures = start, later, measures
        matches = later.matches
        self.constructs = {theirs: mine for mine, theirs in (matches.construct_pairs() if matches else {}).items()}
        self.items = {theirs: mine for mine, theirs in (matches.item_pairs() if matches else {}).items()}
        self.template = (start.recommend or Recommend()).confidence
        self.titles = {f.id: f.title for f in start.learning_focuses.focuses} if start.learning_focuses else {}
        self.keys = later.progress

    def teacher(self, first: Record, later: Record | None) -> Teacher:
        choice = current_choice(first, self.start)
        focus = choice["focuses"][0] if choice["focuses"] else None
        item = self.template.replace("{focus}", focus) if focus else None
        before = {m.id: first.get("scores", {}).get(m.id) for m in self.measures if m.belief}
        before[FOCUS] = _level(first["answers"].get(item)) if item else None
        found = Teacher(first["id"], display_name(self.start, first), first.get("school"), focus,
                        self.titles.get(focus, focus), before)
        if later is None:
            return found
        found.answered = True
        found.now = now = cycles.as_starting_point(first, later, self.later)
        # Read through the starting point's ids: only what the follow-up asked again counts as "after".
        found.after = {m.id: now["scores"].get(m.id) if m.id in self.constructs else None
                       for m in self.measures if m.belief}
        found.after[FOCUS] = _level(now["answers"].get(item)) if item in self.items else None
        if self.keys:
            found.goal = _level(later["answers"].get(self.keys.goal))
            evidence = later["answers"].get(self.keys.pupil_evidence) if self.keys.pupil_evidence else None
            found.evidence = list(evidence) if isinstance(evidence, list) else [evidence] if evidence else []
            found.refined = bool(self.keys.new_goal and str(later["answers"].get(self.keys.new_goal) or "").strip())
        return found


def _level(value: Any) -> int | None:
    return value if type(value) is int else None


# -- the figures ---------------------------------------------------------------------------------------
def changes(progress: Progress, teachers: list[Teacher], beliefs: bool = True) -> list[dict[str, Any]]:
    """Each measure's paired change over these teachers (beliefs left out for coordinators)."""
    return [{"id": m.id, "label": m.label, "low": m.low, "high": m.high,
             **paired_change([t.before.get(m.id) for t in teachers], [t.after.get(m.id) for t in teachers])}
            for m in progress.measures if beliefs or not m.belief]


def goal_progress(progress: Progress, teachers: list[Teacher]) -> dict[str, Any]:
    """How far the teachers say they got towards their goal: each point of the scale, and the share past the first."""
    keys = progress.later.progress
    if keys is None:
        return {"n": 0, "levels": [], "some": None, "share": None}
    scale = progress.later.answer_question(keys.goal).scale
    said = [t.goal for t in teachers if t.goal is not None]
    counts = Counter(said)
    levels = [{"value": v, "label": scale.labels.get(v, str(v)), "teachers": counts[v]}
              for v in range(scale.min, scale.max + 1)]
    some = sum(1 for v in said if v > scale.min)
    return {"n": len(said), "levels": levels, "some": some, "share": round(some / len(said), 3) if said else None}


def evidence_counts(progress: Progress, teachers: list[Teacher]) -> list[dict[str, Any]]:
    """How many teachers named each kind of evidence of their pupils' learning, most named first."""
    keys = progress.later.progress
    if keys is None or keys.pupil_evidence is None:
        return []
    labels = {c.id: c.label for c in progress.later.question(keys.pupil_evidence).options}
    counts = Counter(kind for t in teachers for kind in dict.fromkeys(t.evidence))
    return [{"kind": kind, "label": labels.get(kind, kind), "teachers": n} for kind, n in counts.most_common()]


def figures(progress: Progress) -> dict[str, Any]:
    """The cohort's progress from the starting point: every measure, goals, the pupils' evidence, who is counted."""
    answered = progress.answered
    return {"cohort": progress.cohort["id"], "cycle": progress.number, "from_cycle": 1,
            "cycle_open": progress.still_open, "started": len(progress.teachers), "answered": len(answered),
            "not_answered": len(progress.teachers) - len(answered),
            "measures": changes(progress, answered), "goal": goal_progress(progress, answered),
            "evidence": evidence_counts(progress, answered), "limitations": LIMITATIONS}


def of_teacher(progress: Progress, teacher_id: str) -> dict[str, Any] | None:
    """One teacher's own change on every measure (None if they are not in the cohort's starting points)."""
    teacher = next((t for t in progress.teachers if t.id == teacher_id), None)
    if teacher is None:
        return None
    rows = [{"id": m.id, "label": m.label, "low": m.low, "high": m.high, "before": teacher.before.get(m.id),
             "after": teacher.after.get(m.id), "change": teacher.change(m.id)} for m in progress.measures]
    scale = progress.later.answer_question(progress.later.progress.goal).scale if progress.later.progress else None
    return {"cycle": progress.number, "answered": teacher.answered, "focus": teacher.focus_title, "measures": rows,
            "goal": teacher.goal, "goal_label": scale.labels.get(teacher.goal) if scale and teacher.goal else None,
            "goal_scale": [scale.min, scale.max] if scale else None, "refined": teacher.refined}


# -- per group (specialists) ------------------------------------------------------------------------------
def by_group(progress: Progress, record: Record) -> list[dict[str, Any]]:
    """Each of cycle 1's groups: how many of its members answered the follow-up, and their paired change."""
    teachers = {t.id: t for t in progress.teachers}
    rows = []
    for group in record["groups"]:
        members = [teachers[m["id"]] for m in group["members"] if m["id"] in teachers]
        answered = [t for t in members if t.answered]
        rows.append({"key": group["key"], "name": group["name"], "members": len(members),
                     "answered": len(answered), "measures": changes(progress, answered)})
    return rows


def transitions(progress: Progress, record: Record, place: Callable[[list[Record]], dict[str, Record]],
                starting: Record | None = None) -> dict[str, Any]:
    """How many members of each starting-point group are in each group now.

    When `record` (the current grouping) was fitted on this cycle's answers, `starting` is the grouping of the
    starting point it replaced, and its keys were carried to the new groups that continue its groups: the
    table compares the two. Otherwise `record` is the starting point's own grouping and `place` (its model,
    through `services.grouping.place`) puts each teacher's answers of today into the same groups.
    """
    later = record.get("cycle", 1) == progress.number and starting is not None
    before = starting if later else record
    was = {rid: m["group"] for rid, m in before["members"].items()}
    if later:
        now = {rid: m["group"] for rid, m in record["members"].items()}
    else:
        answered = [t.now for t in progress.answered if t.now is not None and t.id in was]
        now = {rid: m["group"] for rid, m in (place(answered) if answered else {}).items()}
    keys = list(dict.fromkeys([g["key"] for g in before["groups"]] + [g["key"] for g in record["groups"]]))
    counts = Counter((was[rid], group) for rid, group in now.items() if rid in was)
    table = [{"from": k, "to": {j: counts[(k, j)] for j in keys}, "stayed": counts[(k, k)],
              "total": sum(counts[(k, j)] for j in keys)} for k in keys if any(g["key"] == k for g in before["groups"])]
    placed = sum(row["total"] for row in table)
    return {"groups": keys, "rows": table, "placed": placed, "moved": placed - sum(r["stayed"] for r in table),
            "regrouped": later}


# -- the impact report (coordinators) ------------------------------------------------------------------------
def impact(store: Store, cohort: Record, min_group: int, number: int | None = None,
           progress: Progress | None = None) -> dict[str, Any]:
    """Participation per school, progress towards goals, the pupils' evidence and the change in confidence per
    learning focus; no beliefs or barriers, and no figure about fewer than `min_group` teachers. `progress`: the
    cohort's `gather`ed already, when the caller has it."""
    progress = progress or gather(store, cohort, number)
    answered = progress.answered
    enough = len(answered) >= min_group
    return {"cohort": cohort["id"], "cycle": progress.number, "cycle_open": progress.still_open,
            "min_group": min_group, "started": len(progress.teachers), "answered": len(answered),
            "schools": participation(store, cohort, progress),
            "goal": goal_progress(progress, answered) if enough else None,
            "evidence": evidence_counts(progress, answered) if enough else None,
            "confidence": changes(progress, answered, beliefs=False)[0] if enough and _has_focus(progress) else None,
            "focuses": per_focus(progress, answered, min_group), "limitations": LIMITATIONS}


def _has_focus(progress: Progress) -> bool:
    return any(m.id == FOCUS for m in progress.measures)


def per_focus(progress: Progress, teachers: list[Teacher], min_group: int) -> list[dict[str, Any]]:
    """The change in confidence in each learning focus among the teachers who chose it (hidden when too few)."""
    by_focus: dict[str | None, list[Teacher]] = defaultdict(list)
    for t in teachers:
        by_focus[t.focus].append(t)
    rows = []
    for focus, chose in sorted(by_focus.items(), key=lambda kv: (-len(kv[1]), kv[1][0].focus_title or "")):
        if focus is None:
            continue
        change = paired_change([t.before.get(FOCUS) for t in chose], [t.after.get(FOCUS) for t in chose])
        shown = change["n"] >= min_group
        rows.append({"focus": focus, "title": chose[0].focus_title, "shown": shown, **(change if shown else {})})
    return rows


def participation(store: Store, cohort: Record, progress: Progress) -> list[dict[str, Any]]:
    """Per school: who joined, answered the starting point and the follow-up, partnerships and their logs."""
    rows = {s: _row(s) for s in cohort.get("schools") or []}
    for school, joined in progress.joined.items():
        rows.setdefault(school, _row(school))["joined"] += joined
    for t in progress.teachers:
        rows.setdefault(t.school, _row(t.school))["started"] += 1
        rows[t.school]["answered"] += t.answered
    alive = coaching_log.liveness(store, cohort)
    for p in confirmed(store, cohort):
        for school in dict.fromkeys(s for s in p.get("schools") or [] if s in rows):
            row = rows[school]
            row["partnerships"] += 1
            row["with_log"] += p["id"] in alive
            row["observations"] += alive.get(p["id"], {}).get("observations", 0)
    return list(rows.values())


def _row(school: str | None) -> dict[str, Any]:
    return {"school": school, "joined": 0, "started": 0, "answered": 0, "partnerships": 0, "with_log": 0,
            "observations": 0}


# -- in words --------------------------------------------------------------------------------------------
def signed(value: float) -> str:
    return f"{value:+.2f}"


def in_words(measure: dict[str, Any]) -> str:
    """One measure's paired change in a sentence: the averages, the change and its range, and what it rests on."""
    label, n = f"{measure['label']} ({measure['low']} to {measure['high']})", measure["n"]
    if n == 0:
        return f"{label}: no teacher has answered both questionnaires yet."
    said = f"{label}: {measure['before']:.2f} at the starting point, {measure['after']:.2f} now, a change of " \
           f"{signed(measure['change'])}"
    if measure["ci"] is None:
        return f"{said}, from one teacher only, so there is no range to give."
    low, high = measure["ci"]
    size = f", effect size {measure['effect_size']:.2f}" if measure["effect_size"] is not None else ""
    return f"{said} (95% range {signed(low)} to {signed(high)}{size}), from {n} teachers."


def move_in_words(row: dict[str, Any]) -> str:
    """A teacher's own move on one measure, kindly: where they started, where they are, and which way it went."""
    if row["before"] is None or row["after"] is None:
        return f"{row['label']}: not enough answers in both questionnaires to compare."
    where = f"{row['before']:g} at your starting point and {row['after']:g} now, out of {row['high']}"
    if row["change"] > 0:
        return f"{row['label']}: {where}. That is higher than when you started."
    if row["change"] == 0:
        return f"{row['label']}: {where}, the same as when you started."
    return f"{row['label']}: {where}, a little lower than when you started. That often happens once you look " \
           "closely at your own teaching, and it is worth talking over with your partner."


def in_words_for(row: dict[str, Any], focus: str | None) -> str:
    """One teacher's move on one measure for their specialist: from where, to where, out of what."""
    label = f"Confidence in {focus}" if row["id"] == FOCUS and focus else row["label"]
    if row["before"] is None or row["after"] is None:
        return f"{label}: not answered in both questionnaires."
    return f"{label}: {row['before']:g} at the starting point, {row['after']:g} now (out of {row['high']}), " \
           f"a change of {signed(row['change'])}."
