"""A deterministic demo cohort: about 60 plausible synthetic teachers in four schools.

Teachers are drawn from four starting-point profiles (so later group-finding has
something real to find), and every generated row goes through the same
validation as a CSV import, so the demo data is valid by construction.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diagnostic.services.accounts import ROLES, create_user
from diagnostic.services.cohorts import create_cohort, published_definition
from diagnostic.services.csvio import submitted_response, validate_row
from diagnostic.services.grouping import refit
from diagnostic.services.journey import new_response
from diagnostic.storage.interface import Store
from forms.builder import build_page_form
from forms.catalog import find_definition
from forms.conditions import holds, visible_answers
from forms.schema import Definition, Question

DEMO_COHORT = "demo"
DEMO_SCHOOLS = ["Ashfield Primary", "Brook Lane Academy", "Castleton High", "Dunmore Federation"]

# Each profile nudges answers: a mean per construct (1..5), a mean confidence in strategies,
# likely career stages and barriers, and how comfortable being observed.
PROFILES: list[dict[str, Any]] = [
    {"name": "confident, short of time", "weight": 0.35, "learner_centred": 3.4, "efficacy": 4.4, "openness": 3.0,
     "confidence": 4.0, "value": 3.8, "stages": ["established", "experienced"], "barriers": ["time", "workload",
     "exam_pressure"], "comfort": 3, "role": "coach"},
    {"name": "early career, keen to learn", "weight": 0.25, "learner_centred": 3.9, "efficacy": 2.8,
     "openness": 4.4, "confidence": 2.2, "value": 4.3, "stages": ["trainee", "early_career"],
     "barriers": ["where_to_start", "behaviour"], "comfort": 4, "role": "be_coached"},
    {"name": "learner-centred collaborators", "weight": 0.25, "learner_centred": 4.6, "efficacy": 3.9,
     "openness": 4.5, "confidence": 3.4, "value": 4.5, "stages": ["developing", "established"],
     "barriers": ["curriculum_coverage", "resources"], "comfort": 5, "role": "both"},
    {"name": "cautious about being observed", "weight": 0.15, "learner_centred": 2.6, "efficacy": 3.2,
     "openness": 2.0, "confidence": 3.0, "value": 3.2, "stages": ["established", "experienced", "developing"],
     "barriers": ["being_judged", "pupil_reaction", "leadership_support"], "comfort": 1, "role": "be_coached"},
]


def _likert(rng: random.Random, mean: float, q: Question) -> int:
    value = round(rng.gauss(mean, 0.7))
    return max(q.scale.min, min(q.scale.max, value))


def teacher_answers(definition: Definition, profile: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One synthetic teacher's typed answers, shaped by a profile."""
    keyed = {item: (c.id, key) for c in definition.constructs for item, key in c.items.items()}
    answers: dict[str, Any] = {}
    for q in definition.questions():
        if not holds(q.show_if, answers):
            continue
        for answer_id in q.answer_ids():
            value = _answer(definition, q, answer_id, profile, rng, keyed)
            if value is not None:
                answers[answer_id] = value
    return answers


def teacher_row(definition: Definition, profile: dict[str, Any], rng: random.Random) -> dict[str, str]:
    """One synthetic teacher's answers as CSV cells, shaped by a profile."""
    answers = teacher_answers(definition, profile, rng)
    return {k: ";".join(v) if isinstance(v, list) else str(v) for k, v in answers.items()}


def planted_cohort(cohort: dict[str, Any], definition: Definition, teachers: int, seed: int,
                   missing: float = 0.1) -> tuple[list[dict[str, Any]], list[int]]:
    """Submitted responses drawn from the four profiles in unequal shares, with answers missing at random.

    Returns the responses and, for each, the index of the profile it was drawn
    from, so a grouping can be checked against the truth. Each answer is
    dropped with probability `missing` (answers a dropped answer made
    irrelevant go too). Answers are valid by construction (the demo checks
    the same generator through the importer), so they are not validated
    again here: that keeps a 10,000-teacher cohort quick to make.
    """
    rng = random.Random(seed)
    shares = [p["weight"] for p in PROFILES]
    counts = [round(teachers * w) for w in shares]
    counts[0] += teachers - sum(counts)
    truth = [i for i, c in enumerate(counts) for _ in range(c)]
    rng.shuffle(truth)
    responses = []
    for n, profile in enumerate(truth):
        answers = teacher_answers(definition, PROFILES[profile], rng)
        kept = {k: v for k, v in answers.items() if k == "consent" or rng.random() >= missing}
        school = (cohort.get("schools") or [None])[n % max(1, len(cohort.get("schools") or []))]
        record = submitted_response(cohort, definition, visible_answers(definition, kept), f"t{n + 1:05d}", school)
        record["id"] = f"{rng.getrandbits(64):016x}"
        responses.append(record)
    return responses, truth


def _answer(definition: Definition, q: Question, answer_id: str, profile: dict, rng: random.Random,
            keyed: dict) -> Any:
    ids = [c.id for c in q.options]
    if q.type == "likert":
        if answer_id in keyed:
            construct, key = keyed[answer_id]
            mean = profile.get(construct, 3.0)
            return _likert(rng, q.scale.min + q.scale.max - mean if key == "-" else mean, q)
        if answer_id.startswith("confidence_"):
            return _likert(rng, profile["confidence"] + rng.uniform(-0.8, 0.8), q)
        if answer_id.startswith("value_"):
            return _likert(rng, profile["value"] + rng.uniform(-0.6, 0.6), q)
        if answer_id.startswith("barrier_"):
            return _likert(rng, 4.0 if answer_id.removeprefix("barrier_") in profile["barriers"] else 2.5, q)
        if answer_id == "observation_comfort":
            return _likert(rng, profile["comfort"], q)
        return _likert(rng, 3.0, q)
    if q.type == "consent":
        return "yes"
    if q.type == "yes_no":
        return rng.choice(ids)
    if q.type == "single_choice":
        if answer_id == "career_stage":
            return rng.choice(profile["stages"])
        if answer_id == "coaching_role" and rng.random() < 0.8:
            return profile["role"]
        if answer_id == "role":
            return rng.choices(ids, weights=[6, 2, 1, 1, 0.2][: len(ids)] + [1] * (len(ids) - 5))[0]
        return rng.choice(ids)
    if q.type == "multi_choice":
        if answer_id == "barriers":
            picked = [b for b in profile["barriers"] if rng.random() < 0.8]
            picked += [b for b in ids if b not in picked and rng.random() < 0.08]
            return picked[: q.max_selected or len(picked)]
        low, high = max(q.min_selected or 1, 1), q.max_selected or min(3, len(ids))
        return rng.sample(ids, rng.randint(low, min(high, len(ids))))
    if q.type == "ranking":
        return rng.sample(ids, q.ranked_positions)
    if q.type == "number":
        return str(int(rng.uniform(q.min or 0, min(q.max or 40, 35))))
    if q.type == "short_text":
        if answer_id == "teacher_name":
            return f"{rng.choice(FIRST_NAMES)} {rng.choice(FAMILY_NAMES)}"
        return "Cover supervisor" if answer_id == "role_other" else None
    if q.type == "long_text":
        return rng.choice(GOALS) if "goal" in answer_id else None
    return None


def synthetic_teacher(definition: Definition, rng: random.Random, classes: dict[str, type]
                      ) -> tuple[dict[str, str], dict[str, Any]]:
    """One valid synthetic teacher from a randomly drawn profile: CSV cells and typed answers."""
    profile = rng.choices(PROFILES, weights=[p["weight"] for p in PROFILES])[0]
    row = teacher_row(definition, profile, rng)
    answers, problems = validate_row(definition, row, classes)
    if problems:
        raise ValueError(f"a synthetic teacher ({profile['name']}) is invalid: {problems}")
    return row, answers


# Synthetic names for synthetic teachers, so coordinators' pages read like the real thing.
FIRST_NAMES = ["Amira", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jonah", "Kiran", "Lena",
               "Marcus", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Sami", "Tess", "Umar", "Vera", "Will", "Yasmin",
               "Zac"]
FAMILY_NAMES = ["Adeyemi", "Brennan", "Chowdhury", "Davies", "Evans", "Fraser", "Gill", "Hughes", "Iqbal", "Jones",
                "Kowalski", "Lewis", "Murphy", "Nowak", "Okafor", "Patel", "Reid", "Singh", "Taylor", "Walsh"]

GOALS = [
    "Help my quieter pupils explain their thinking out loud.",
    "Use exit questions so I know who needs help next lesson.",
    "Give feedback that pupils act on straight away.",
    "Plan group work where everyone has a real job to do.",
    "Get pupils checking their own work before they hand it in.",
    "Make my explanations clearer with worked examples.",
]


def seed_demo(store: Store, definition_dirs: list[Path], teachers: int = 60, seed: int = 2026) -> dict[str, Any]:
    """Create the demo cohort with synthetic submitted responses, unless it already exists."""
    existing = store.get_cohort(DEMO_COHORT)
    if existing:
        counts = store.count_responses(DEMO_COHORT)
        return {"cohort": existing, "created": False, "submitted": counts.get("submitted", 0)}
    definition, _ = find_definition("starting_point", None, definition_dirs)
    cohort = create_cohort(store, definition, "Demo network (synthetic teachers)", DEMO_SCHOOLS,
                           cohort_id=DEMO_COHORT)
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    rng = random.Random(seed)
    classes = {s.id: build_page_form(s) for s in definition.sections}
    responses = []
    for n in range(teachers):
        _, answers = synthetic_teacher(definition, rng, classes)
        school = DEMO_SCHOOLS[n % len(DEMO_SCHOOLS)]
        record = submitted_response(cohort, definition, answers, f"demo-{n + 1:03d}", school)
        record["id"] = f"{rng.getrandbits(64):016x}"  # deterministic ids for a deterministic demo
        responses.append(record)
    # One teacher came in through the web, so the demo has a private link to show.
    web, token = new_response(cohort, school=DEMO_SCHOOLS[0], source="demo")
    web.update({k: responses[0][k] for k in ("answers", "status", "submitted_at", "scores", "revision")})
    store.add_responses(DEMO_COHORT, [*responses, web])
    refit(store, cohort)  # so a specialist opening the demo sees its groups straight away
    store.update_cohort(DEMO_COHORT, lambda c: {**c, "specialists": demo_specialists(definition)})
    return {"cohort": cohort, "created": True, "submitted": len(responses) + 1, "resume_token": token,
            "accounts": demo_accounts(store)}


def demo_accounts(store: Store) -> list[dict[str, str]]:
    """One staff account per role for the demo, each with a fresh random password (shown once, then hashed)."""
    made = []
    for role in ROLES:
        email = f"{role}@demo.example"
        if store.find_user(email):
            continue
        password = secrets.token_urlsafe(12)
        create_user(store, email, role, [DEMO_COHORT] if role != "admin" else [], password, actor="demo")
        made.append({"email": email, "role": role, "password": password})
    return made


def seed_network(store: Store, definition_dirs: list[Path], cohort_id: str, teachers: int, schools: int,
                 seed: int = 7, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """A large synthetic network (e.g. 2,000 teachers in 20 schools), grouped, with specialists listed.

    Built from the same profiles as the demo, without the per-row validation
    (the demo checks the generator through the importer), so it is quick.
    `progress` is told each step as it starts.
    """
    say = progress or (lambda message: None)
    if store.get_cohort(cohort_id):
        raise ValueError(f"cohort {cohort_id!r} already exists")
    if teachers < 1 or schools < 1:
        raise ValueError("a network needs at least one teacher and one school")
    definition, _ = find_definition("starting_point", None, definition_dirs)
    names = [f"School {n + 1:02d}" for n in range(schools)]
    cohort = create_cohort(store, definition, f"Synthetic network of {teachers} teachers", names, cohort_id=cohort_id)
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    say(f"answering the questionnaire for {teachers} synthetic teachers")
    responses, _ = planted_cohort(cohort, definition, teachers, seed, missing=0.02)
    say(f"saving {len(responses)} submitted questionnaires")
    store.add_responses(cohort_id, responses)
    say("grouping the teachers by starting point")
    refit(store, cohort, progress=lambda message: say(f"grouping: {message}"))
    count = max(3, teachers // 100)
    store.update_cohort(cohort_id, lambda c: {**c, "specialists": demo_specialists(definition, count)})
    return {"cohort": store.get_cohort(cohort_id), "submitted": len(responses)}


def demo_specialists(definition: Definition, count: int = 3) -> list[dict[str, Any]]:
    """Specialists for a synthetic cohort, each covering a few focuses of the menu in turn."""
    focuses = [f.id for f in definition.learning_focuses.focuses] if definition.learning_focuses else []
    found = []
    for n in range(count if focuses else 0):
        covers = [focuses[(3 * n + k) % len(focuses)] for k in range(3)]
        found.append({"id": f"s-{n + 1:03d}", "name": f"Specialist {FAMILY_NAMES[n % len(FAMILY_NAMES)]}"
                      + (f" {n // len(FAMILY_NAMES) + 1}" if n >= len(FAMILY_NAMES) else ""),
                      "kind": "specialist", "expertise": list(dict.fromkeys(covers)), "capacity": 12})
    return found
