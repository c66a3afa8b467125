"""A cohort's menu of learning focuses ranked for its teachers: the engine fed from the store and the groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from diagnostic.services import audit, grouping
from diagnostic.services.choice import current_choice
from diagnostic.services.cohorts import published_definition
from diagnostic.services.journey import JourneyError
from diagnostic.storage.interface import DamagedGrouping, Record, Store


def plan_for(store: Store, cohort: Record) -> dict[str, Any]:
    """The engine's view of the cohort's menu, with the coordinator's restrictions and weights."""
    from diagnostic.engines.recommend import prepare

    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    return prepare(definition, cohort.get("menu_settings"))


def rank(plan: dict[str, Any], teachers: list[dict[str, Any]], brief: bool = False) -> list[list[dict[str, Any]]]:
    """`diagnostic.engines.recommend.rank`, imported when a menu is ranked: it loads numpy, which most pages
    and commands importing this module never need."""
    from diagnostic.engines.recommend import rank as ranked

    return ranked(plan, teachers, brief)


class NothingOffered(JourneyError):
    """Menu settings that would offer the cohort's teachers no learning focus at all."""

    status = 422


def save_settings(store: Store, cohort: Record, settings: dict[str, Any], actor: str = "system") -> Record:
    """Keep the coordinator's menu settings (focuses offered, weights for the programme and per school), audited.

    `settings["offered"]` lists the focuses offered (None: every one). Offering every focus of the menu is
    kept as None, so a focus a later version of the menu adds is offered too; offering none raises
    `NothingOffered` and stores nothing.
    """
    offered = settings.get("offered")
    if offered is not None:
        if not offered:
            raise NothingOffered("Offer at least one learning focus.")
        definition = published_definition(store, cohort["form_id"], cohort["form_version"])
        every = [f.id for f in definition.learning_focuses.focuses] if definition.learning_focuses else []
        settings = {**settings, "offered": None if set(offered) >= set(every) else list(offered)}
    saved = store.update_cohort(cohort["id"], lambda c: {**c, "menu_settings": settings})
    offered = settings.get("offered")
    weights = len(settings.get("weights") or {}) + sum(len(w) for w in (settings.get("schools") or {}).values())
    offered = "every focus" if offered is None else audit.plural(len(offered), "focus", "focuses")
    audit.record(store, actor, "menu settings", f"Saved the menu settings: {offered} offered, "
                                                f"{audit.plural(weights, 'weight')} set.", cohort["id"])
    return saved


def group_contexts(store: Store, cohort: Record, responses: list[Record],
                   choices: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """For each teacher, their starting-point group and what the other members are choosing.

    Empty when the cohort has not been grouped (or its grouping cannot be read):
    the engine then leaves the group out. `choices`: each response's `current_choice`, by response id, if the
    caller has them already.
    """
    try:
        current = grouping.current(store, cohort, responses)  # the responses already read, not read again
    except DamagedGrouping:
        return {}
    if current is None:
        return {}
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    by_id = {r["id"]: r for r in responses}
    contexts = {}
    for group in current["groups"]:
        members = [m["id"] for m in group["members"] if m["id"] in by_id]
        chosen = {m: (choices[m] if choices else current_choice(by_id[m], definition))["focuses"][:1]
                  for m in members}
        counts = Counter(f for focuses in chosen.values() for f in focuses)
        for member in group["members"]:
            m = member["id"]
            if m not in by_id:
                continue
            mine = chosen[m]  # at most one focus: the others' counts are the group's less their own
            # Teachers see the title written for them, never the specialists' planning name.
            contexts[m] = {"group": group["key"], "title": grouping.title_for_teacher(group, member),
                           "others": len(members) - 1,
                           "choosing": {f: n - (f in mine) for f, n in counts.items() if n - (f in mine) > 0}}
    return contexts


def for_teacher(store: Store, cohort: Record, record: Record) -> tuple[list[dict[str, Any]], dict | None]:
    """One teacher's ranked menu, and their group context (None if the cohort is not grouped)."""
    responses = store.list_responses(cohort["id"], status="submitted", cycle=1)
    context = group_contexts(store, cohort, responses).get(record["id"])
    plan = plan_for(store, cohort)
    return rank(plan, [_teacher(record, context)])[0], context


def for_cohort(store: Store, cohort: Record, respondent: str | None = None) -> list[dict[str, Any]]:
    """Every submitted teacher's ranked menu (or one teacher's), with their group and current choice.

    `respondent` picks one teacher by response id, else by the id given at import. Each teacher is named
    by `response_id` and `respondent` (the id given at import, None for a teacher who came through the web).
    """
    return list(each_for_cohort(store, cohort, respondent)[1])


BATCH = 2_000  # teachers ranked at once: enough for the engine's arrays to pay, few enough to keep memory flat


def each_for_cohort(store: Store, cohort: Record, respondent: str | None = None
                    ) -> tuple[int, Iterator[dict[str, Any]]]:
    """`for_cohort` one teacher at a time: (how many, their menus, ranked a batch at a time as they are read).

    The store is read and every error raised before this returns, so a caller printing the menus as they
    come never stops half-way through.
    """
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    responses = store.list_responses(cohort["id"], status="submitted", cycle=1)
    chosen = responses if respondent is None else (
        [r for r in responses if r["id"] == respondent] or [r for r in responses if r.get("respondent") == respondent])
    if respondent is not None and not chosen:
        raise LookupError(f"no submitted questionnaire from {respondent!r} in cohort {cohort['id']!r}")
    choices = {r["id"]: current_choice(r, definition) for r in responses}  # worked out once, for both uses
    contexts = group_contexts(store, cohort, responses, choices)
    plan = plan_for(store, cohort)
    return len(chosen), _menus(plan, chosen, contexts, choices)


def _menus(plan: dict[str, Any], chosen: list[Record], contexts: dict[str, dict[str, Any]],
           choices: dict[str, dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for start in range(0, len(chosen), BATCH):
        batch = chosen[start:start + BATCH]
        ranked = rank(plan, [_teacher(r, contexts.get(r["id"])) for r in batch], brief=True)
        for r, menu in zip(batch, ranked, strict=True):
            context = contexts.get(r["id"])
            choice = choices[r["id"]]
            yield {
                "response_id": r["id"], "respondent": r.get("respondent"), "school": r.get("school"),
                "group": context["group"] if context else None,
                "chosen": choice if choice["focuses"] else None,
                "recommendations": menu,
            }


def _teacher(record: Record, context: dict[str, Any] | None) -> dict[str, Any]:
    """What the engine reads from one stored response."""
    return {"answers": record["answers"], "scores": record.get("scores", {}), "school": record.get("school"),
            "group": context}


def group_focuses(store: Store, cohort: Record, top: int = 3) -> list[dict[str, Any]]:
    """For each starting-point group, the focuses that fit its members best and the specialist input each suggests.

    A focus's fit for a group is the mean of its members' scores for it; how
    many members have chosen it is shown beside it. `fit_max` is the most any
    focus can score (every part of the score at its top), so a fit can say what
    it is out of.
    """
    current = grouping.current(store, cohort)
    if current is None:
        return []
    definition = published_definition(store, cohort["form_id"], cohort["form_version"])
    responses = {r["id"]: r for r in store.list_responses(cohort["id"], status="submitted", cycle=1)}
    plan = plan_for(store, cohort)
    details = {f["id"]: f for f in plan["focuses"]}
    found = []
    for group in current["groups"]:
        members = [responses[m["id"]] for m in group["members"] if m["id"] in responses]
        totals: Counter = Counter()
        chosen: Counter = Counter()
        for r, menu in zip(members, rank(plan, [_teacher(r, None) for r in members]), strict=True):
            for item in menu:
                totals[item["focus"]] += item["score"]
            chosen.update(current_choice(r, definition)["focuses"][:1])
        ranked = sorted(totals, key=lambda f: -totals[f])[:top]
        found.append({"key": group["key"], "name": group["name"], "size": len(members),
                      "fit_max": round(sum(plan["weights"].values()), 2), "focuses": [
            {"focus": f, "title": details[f]["title"], "fit": round(totals[f] / len(members), 2),
             "choosing": chosen.get(f, 0), "specialist_input": details[f]["specialist_input"],
             "peer_activities": details[f]["peer_activities"]} for f in ranked]})
    return found


def orphaned_choices(store: Store, cohort: Record) -> dict[str, int]:
    """Focuses teachers have chosen that the programme no longer offers, with how many chose each."""
    plan = plan_for(store, cohort)
    offered = {f["id"] for f in plan["focuses"] if f["offered"]}
    counts: Counter = Counter()
    for r in store.list_responses(cohort["id"], status="submitted", cycle=1):
        counts.update(f for f in (r.get("choice") or {}).get("focuses", []) if f not in offered)
    return dict(counts)
