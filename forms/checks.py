"""Cross-reference checks on a raw definition: ids, show_if order, scales, choices, constructs.

These run on the raw YAML data (tolerating shapes the schema will reject) so that
one `forms check` run reports every problem, not only the first kind found.
"""

from __future__ import annotations

import re
from typing import Any

from forms.pairing import pairing_problems
from forms.schema import Menu
from forms.yamlfile import Problem, hashable, listed

MULTI = ("multi_choice", "ranking")
IDENT = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _questions(data: dict) -> list[tuple[tuple, dict]]:
    found = []
    sections = data.get("sections")
    for i, section in enumerate(sections if isinstance(sections, list) else []):
        questions = section.get("questions") if isinstance(section, dict) else None
        for j, q in enumerate(questions if isinstance(questions, list) else []):
            if isinstance(q, dict):
                found.append((("sections", i, "questions", j), q))
    return found


def _answers(q: dict, where: tuple, menu: Menu | None) -> list[tuple[str, tuple]]:
    """The answer ids a raw question stores, with where each is written."""
    items, spec = q.get("items"), q.get("items_from_menu")
    if isinstance(items, list):
        return [(it["id"], where + ("items", k, "id")) for k, it in enumerate(items)
                if isinstance(it, dict) and isinstance(it.get("id"), str)]
    if spec is not None:
        # Without a usable menu there are no items to check (the menu's own problems are reported instead).
        if isinstance(spec, dict) and isinstance(spec.get("id"), str) and menu is not None:
            return [(spec["id"].replace("{focus}", f.id), where + ("items_from_menu", "id")) for f in menu.focuses]
        return []
    return [(q["id"], where + ("id",))] if isinstance(q.get("id"), str) else []


def _choice_ids(q: dict, data: dict, menu: Menu | None) -> list[str] | None:
    choices = q.get("choices")
    if q.get("type") == "yes_no":
        return ["yes", "no"]
    if choices == "menu":
        return [f.id for f in menu.focuses] if menu else None
    if isinstance(choices, str):
        lists = data.get("choice_lists")
        choices = lists.get(choices) if isinstance(lists, dict) else None
    if isinstance(choices, list):
        return [c.get("id") for c in choices if isinstance(c, dict) and hashable(c.get("id"))]
    return None


def cross_reference_problems(data: dict, menu: Menu | None) -> list[Problem]:
    """Every broken reference in a raw definition, each naming the question it concerns."""
    problems: list[Problem] = []
    scales = data.get("scales") if isinstance(data.get("scales"), dict) else {}
    lists = data.get("choice_lists") if isinstance(data.get("choice_lists"), dict) else {}
    questions = _questions(data)
    order: dict[str, int] = {}  # answer id -> position of its question
    owner: dict[str, dict] = {}
    first_seen: dict[str, tuple] = {}

    sections = data.get("sections") if isinstance(data.get("sections"), list) else []
    section_ids: set[str] = set()
    for i, section in enumerate(sections):
        sid = section.get("id") if isinstance(section, dict) else None
        if isinstance(sid, str):
            if sid in section_ids:
                problems.append(Problem(("sections", i, "id"), f"section '{sid}': duplicate section id"))
            section_ids.add(sid)

    for position, (where, q) in enumerate(questions):
        qid = q.get("id")
        name = f"question '{qid}': "
        grid = "items" in q or "items_from_menu" in q
        for answer_id, at in _answers(q, where, menu) + ([(qid, where + ("id",))] if grid else []):
            if not isinstance(answer_id, str):
                continue
            if not IDENT.fullmatch(answer_id):
                problems.append(Problem(at, f"{name}'{answer_id}' is not a valid id (lower-case letters, digits "
                                            "and '_', starting with a letter, at most 64 characters)"))
                continue
            if answer_id in first_seen:
                problems.append(Problem(at, f"{name}duplicate id '{answer_id}' (also used by an earlier question)"))
                continue
            first_seen[answer_id], order[answer_id], owner[answer_id] = at, position, q
        scale = q.get("scale")
        if isinstance(scale, str) and scale not in scales:
            problems.append(Problem(where + ("scale",), f"{name}unknown scale '{scale}'"))
        choices = q.get("choices")
        if choices == "menu" or q.get("items_from_menu") is not None:
            if menu is None and not isinstance(data.get("menu"), str):
                problems.append(Problem(where, f"{name}uses the menu, but the definition names no menu"))
        elif isinstance(choices, str) and choices not in lists:
            problems.append(Problem(where + ("choices",), f"{name}unknown choice list '{choices}'"))
        ids = _choice_ids(q, data, menu)
        if ids is not None:
            dupes = sorted({str(c) for c in ids if ids.count(c) > 1 and c is not None})
            if dupes:
                problems.append(Problem(where + ("choices",), f"{name}duplicate choice ids {dupes}"))
            for key in ("min_selected", "max_selected"):
                limit = q.get(key)
                if isinstance(limit, int) and ids and limit > len(ids):
                    problems.append(Problem(where + (key,), f"{name}{key} ({limit}) exceeds the {len(ids)} choices"))

    for position, (where, q) in enumerate(questions):
        condition = q.get("show_if")
        if condition is not None:
            problems += _condition_problems(condition, where + ("show_if",), position, q, order, owner, data, menu)

    problems += _construct_problems(data, owner, scales)
    problems += _grouping_problems(data, menu)
    problems += _recommend_problems(data, menu)
    by_id = {q["id"]: q for _, q in questions if isinstance(q.get("id"), str)}
    problems += [Problem(where, message) for where, message in
                 pairing_problems(data, menu, by_id, lambda q: _choice_ids(q, data, menu))]
    keys = data.get("learning_focus")
    if isinstance(keys, dict):
        for key, kinds in (("choice", ("ranking", "multi_choice")), ("goal", ("long_text", "short_text"))):
            target = keys.get(key)
            if isinstance(target, str) and (target not in owner or owner[target].get("type") not in kinds):
                problems.append(Problem(("learning_focus", key), f"learning_focus: {key} '{target}' must name a "
                                                                 f"{' or '.join(kinds)} question"))
    return problems


def _condition_problems(cond: Any, where: tuple, position: int, q: dict, order: dict, owner: dict,
                        data: dict, menu: Menu | None) -> list[Problem]:
    if not isinstance(cond, dict):
        return []
    problems = []
    for key in ("all", "any"):
        if isinstance(cond.get(key), list):
            for k, part in enumerate(cond[key]):
                problems += _condition_problems(part, where + (key, k), position, q, order, owner, data, menu)
    if isinstance(cond.get("not"), dict):
        problems += _condition_problems(cond["not"], where + ("not",), position, q, order, owner, data, menu)
    target = cond.get("question")
    if not isinstance(target, str):
        return problems
    name = f"question '{q.get('id')}': show_if"
    at = where + ("question",)
    grids = {x.get("id") for x in owner.values()
             if ("items" in x or "items_from_menu" in x) and isinstance(x.get("id"), str)}
    if target in grids and target not in owner:
        return problems + [Problem(at, f"{name} names the grid '{target}'; name one of its items instead")]
    if target not in order or (target in grids and owner[target].get("id") == target):
        if target in grids:
            return problems + [Problem(at, f"{name} names the grid '{target}'; name one of its items instead")]
        return problems + [Problem(at, f"{name} names unknown question '{target}'")]
    if order[target] >= position:
        return problems + [Problem(at, f"{name} names '{target}', which does not come before it "
                                       "(a condition can only use earlier answers)")]
    source = owner[target]
    kind = source.get("type")
    if "includes" in cond and kind not in MULTI:
        problems.append(Problem(where + ("includes",), f"{name} uses includes on '{target}', "
                                                       f"which is {kind}, not multi_choice or ranking"))
    numeric = ("gt", "gte", "lt", "lte")
    if any(k in cond for k in numeric) and kind not in ("number", "likert"):
        problems.append(Problem(at, f"{name} compares '{target}' as a number, but it is {kind}"))
    if kind in MULTI and ("equals" in cond or "not_equals" in cond):
        problems.append(Problem(at, f"{name} compares '{target}' with equals, but it holds a list of choices; "
                                    "use includes"))
    ids = _choice_ids(source, data, menu)
    for key in ("equals", "not_equals", "includes"):
        value = cond.get(key)
        if ids and key in cond and kind in ("single_choice", "yes_no", *MULTI) and value not in ids:
            problems.append(Problem(where + (key,), f"{name}: {value!r} is not a choice of '{target}'"))
    return problems


def _construct_problems(data: dict, owner: dict, scales: dict) -> list[Problem]:
    problems = []
    constructs = data.get("constructs") if isinstance(data.get("constructs"), list) else []
    seen: set[str] = set()
    for i, c in enumerate(constructs):
        if not isinstance(c, dict):
            continue
        name = f"construct '{c.get('id')}': "
        cid = c.get("id") if isinstance(c.get("id"), str) else None
        if cid is not None and cid in seen:
            problems.append(Problem(("constructs", i, "id"), f"{name}duplicate construct id"))
        seen.add(cid)
        items = c.get("items") if isinstance(c.get("items"), dict) else {}
        used_scales = set()
        for item, key in items.items():
            at = ("constructs", i, "items", item)
            q = owner.get(item)
            if q is not None and q.get("id") == item and ("items" in q or "items_from_menu" in q):
                problems.append(Problem(at, f"{name}'{item}' is a whole grid; list the grid's items instead"))
            elif q is None:
                problems.append(Problem(at, f"{name}item '{item}' is not a question in this definition"))
            elif q.get("type") != "likert":
                what = "a reverse key ('-')" if key == "-" else "a key"
                problems.append(Problem(at, f"{name}item '{item}' is {q.get('type')}, not a scale item, "
                                            f"so it cannot take {what}"))
            else:
                scale = q.get("scale")
                used_scales.add(repr(scale) if not isinstance(scale, str) else scale)
        if len(used_scales) > 1:
            problems.append(Problem(("constructs", i, "items"), f"{name}items use different scales; "
                                                                 "a construct's items must share one scale"))
    return problems


FEEDS_GROUPING = ("likert", "number", "single_choice", "multi_choice")
DESCRIBES_GROUP = ("single_choice", "multi_choice", "ranking")


def _grouping_problems(data: dict, menu: Menu | None) -> list[Problem]:
    grouping = data.get("grouping")
    if not isinstance(grouping, dict):
        return []
    by_id = {q["id"]: q for _, q in _questions(data) if isinstance(q.get("id"), str)}
    answers = {a for q in by_id.values() for a, _ in _answers(q, (), menu)}
    constructs = _construct_ids(data)
    scale_owner = {a: q for q in by_id.values() if q.get("type") in ("likert", "number")
                   for a, _ in _answers(q, (), menu)}
    problems: list[Problem] = []
    seen: set[str] = set()
    taken: dict[str, str] = {}  # each construct or answer feeds one block only, or its column would be doubled
    blocks = grouping.get("blocks") if isinstance(grouping.get("blocks"), list) else []
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue  # the schema reports it; counting only mappings would point at the wrong block
        where, name = ("grouping", "blocks", i), f"grouping block '{block.get('id')}': "
        if hashable(block.get("id")) and block.get("id") in seen:
            problems.append(Problem(where + ("id",), f"{name}duplicate block id"))
        if hashable(block.get("id")):
            seen.add(block.get("id"))

        def take(item: str, at: tuple, what: str, block: dict = block, name: str = name) -> None:
            if item in taken:
                problems.append(Problem(at, f"{name}{what} is already used by block '{taken[item]}'"))
            taken.setdefault(item, str(block.get("id")))

        for k, cid in enumerate(listed(block.get("constructs"))):
            if isinstance(cid, str) and cid not in constructs:
                problems.append(Problem(where + ("constructs", k), f"{name}unknown construct '{cid}'"))
            elif isinstance(cid, str):
                take(f"construct {cid}", where + ("constructs", k), f"construct '{cid}'")
        for k, qid in enumerate(listed(block.get("questions"))):
            q = by_id.get(qid) if isinstance(qid, str) else None
            if isinstance(qid, str) and q is None:
                problems.append(Problem(where + ("questions", k), f"{name}unknown question '{qid}'"))
            elif q is not None and q.get("type") not in FEEDS_GROUPING:
                problems.append(Problem(where + ("questions", k), f"{name}'{qid}' is {q.get('type')}; only "
                                        f"{', '.join(FEEDS_GROUPING)} questions can feed the grouping"))
            elif q is not None:
                for answer, _ in _answers(q, (), menu):
                    take(f"answer {answer}", where + ("questions", k), f"'{answer}' (in question '{qid}')")
                if isinstance(block.get("strength"), str) and q.get("type") == "multi_choice":
                    problems.extend(_strength_problems(block, q, qid, where, name, answers, data, menu))
        for k, answer in enumerate(listed(block.get("answers"))):
            owner = scale_owner.get(answer) if isinstance(answer, str) else None
            if isinstance(answer, str) and owner is None:
                problems.append(Problem(where + ("answers", k), f"{name}'{answer}' is not a likert or number answer"))
            elif owner is not None:
                take(f"answer {answer}", where + ("answers", k), f"'{answer}'")
    for k, qid in enumerate(listed(grouping.get("describe"))):
        q = by_id.get(qid) if isinstance(qid, str) else None
        if isinstance(qid, str) and (q is None or q.get("type") not in DESCRIBES_GROUP):
            problems.append(Problem(("grouping", "describe", k), f"grouping describe: '{qid}' must name a "
                                    f"{', '.join(DESCRIBES_GROUP)} question"))
    return problems


def _strength_problems(block: dict, q: dict, qid: str, where: tuple, name: str, answers: set[str], data: dict,
                       menu: Menu | None) -> list[Problem]:
    problems = []
    for choice in _choice_ids(q, data, menu) or []:
        target = block["strength"].replace("{choice}", str(choice))
        if target not in answers:
            problems.append(Problem(where + ("strength",), f"{name}strength names '{target}' for choice "
                                    f"'{choice}' of '{qid}', but there is no such question"))
    return problems


def _construct_ids(data: dict) -> set:
    constructs = data.get("constructs") if isinstance(data.get("constructs"), list) else []
    return {c.get("id") for c in constructs if isinstance(c, dict) and hashable(c.get("id"))}


def menu_problems(menu: Menu, data: dict) -> list[Problem]:
    """What a menu names that the definition using it does not have: constructs, pupil priorities, pupil groups."""
    constructs = _construct_ids(data)
    recommend = data.get("recommend") if isinstance(data.get("recommend"), dict) else {}
    by_id = {q["id"]: q for _, q in _questions(data) if isinstance(q.get("id"), str)}
    known = {"builds": ("construct", constructs), "rests_on": ("construct", constructs)}
    for key in ("pupil_priorities", "pupil_groups"):
        q = by_id.get(recommend.get(key)) if isinstance(recommend.get(key), str) else None
        if q is not None:
            known[key] = (f"choice of '{q['id']}'", set(_choice_ids(q, data, menu) or []))
    problems = []
    for i, focus in enumerate(menu.focuses):
        for key, (what, ids) in known.items():
            for k, value in enumerate(getattr(focus, key)):
                if value not in ids:
                    problems.append(Problem(("focuses", i, key, k), f"focus '{focus.id}': {key} names '{value}', "
                                            f"which is not a {what} in the questionnaire"))
    return problems


RECOMMEND_QUESTIONS = {"pupil_priorities": ("ranking", "multi_choice"),
                       "pupil_groups": ("multi_choice", "single_choice"), "barriers": ("multi_choice",)}


def _recommend_problems(data: dict, menu: Menu | None) -> list[Problem]:
    recommend = data.get("recommend")
    if not isinstance(recommend, dict):
        return []
    by_id = {q["id"]: q for _, q in _questions(data) if isinstance(q.get("id"), str)}
    answers = {a for q in by_id.values() for a, _ in _answers(q, (), menu)}
    problems = []
    for key, kinds in RECOMMEND_QUESTIONS.items():
        qid = recommend.get(key)
        if isinstance(qid, str) and (qid not in by_id or by_id[qid].get("type") not in kinds):
            problems.append(Problem(("recommend", key), f"recommend: {key} '{qid}' must name a "
                                                        f"{' or '.join(kinds)} question"))
    for key in ("value", "confidence"):
        pattern = recommend.get(key, f"{key}_{{focus}}")
        missing = [f.id for f in (menu.focuses if menu else []) if isinstance(pattern, str)
                   and pattern.replace("{focus}", f.id) not in answers]
        if missing:
            problems.append(Problem(("recommend", key) if key in recommend else ("recommend",),
                                    f"recommend: no '{pattern}' answer for focus(es) {', '.join(missing)}"))
    barriers = by_id.get(recommend.get("barriers")) if isinstance(recommend.get("barriers"), str) else None
    choices = set(_choice_ids(barriers, data, menu) or []) if barriers else set()
    for k, barrier in enumerate(listed(recommend.get("time_barriers"))):
        if barrier not in choices:
            problems.append(Problem(("recommend", "time_barriers", k), f"recommend: time barrier '{barrier}' is not "
                                                                        "a choice of the barriers question"))
    pattern = recommend.get("barrier_strength")
    for choice in sorted(c for c in choices if isinstance(c, str)) if isinstance(pattern, str) else []:
        if pattern.replace("{choice}", choice) not in answers:
            problems.append(Problem(("recommend", "barrier_strength"), f"recommend: no '{pattern}' answer for "
                                                                        f"barrier '{choice}'"))
    return problems
