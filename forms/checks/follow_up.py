"""Checks on a follow-up questionnaire: what it follows, and which of its answers are the starting point's.

A follow-up (`kind: follow_up`) names the starting-point questionnaire it follows (`follows`) and the
constructs and items it asks again unchanged (`matches`), so that change can be measured on identical
items and scales. `follow_up_problems` needs only the follow-up itself and runs with the other checkers;
`followed_problems` compares it with the questionnaire it follows, so it runs where that one has been
found (forms/catalog.py, in the folders `forms check` searches).
"""

from __future__ import annotations

from forms.checks.raw import RawDefinition, is_grid, mapping, sequence
from forms.schema import FOLLOW_UP, Definition, Question
from forms.yamlfile import Problem

PARTS = {"items": "item", "constructs": "construct"}
# key in `progress:` -> the question types it may name
PROGRESS_QUESTIONS = {"goal": ("likert",), "pupil_evidence": ("multi_choice", "single_choice"),
                      "new_goal": ("long_text", "short_text")}


def match_entries(data: dict, part: str) -> list[tuple[str, str, tuple]]:
    """(follow-up id, starting-point id, where it is written) for each match under `matches.<part>`."""
    written = mapping(data.get("matches")).get(part)
    where = ("matches", part)
    if isinstance(written, list):  # the same id on both sides
        return [(i, i, where + (n,)) for n, i in enumerate(written) if isinstance(i, str)]
    return [(mine, theirs, where + (mine,)) for mine, theirs in mapping(written).items()
            if isinstance(mine, str) and isinstance(theirs, str)]


def follow_up_problems(raw: RawDefinition) -> list[Problem]:
    """follows and matches: only on a follow-up, which needs follows; what it matches is its own, matched once."""
    data = raw.data
    problems = []
    if data.get("kind") == FOLLOW_UP and "follows" not in data:
        problems.append(Problem(("kind",), f"a {FOLLOW_UP} questionnaire needs follows: the starting-point "
                                           "questionnaire it follows, e.g. follows: {form: starting_point, "
                                           "version: \"2\"}"))
    for key in ("follows", "matches"):
        if key in data and data.get("kind") != FOLLOW_UP:
            problems.append(Problem((key,), f"{key}: only a follow-up questionnaire follows another and matches "
                                            f"its answers; add kind: {FOLLOW_UP}"))
    problems += _own_items(raw) + _own_constructs(raw)
    for part, noun in PARTS.items():
        first: dict[str, str] = {}
        for mine, theirs, where in match_entries(data, part):
            if theirs in first:
                problems.append(Problem(where, f"matches: {noun}s '{first[theirs]}' and '{mine}' both match "
                                               f"'{theirs}'; each of the starting point's {noun}s can be matched "
                                               "once"))
            first.setdefault(theirs, mine)
    return problems


def progress_problems(raw: RawDefinition) -> list[Problem]:
    """progress: only on a follow-up, naming questions of the kinds the progress reports can read."""
    keys = raw.data.get("progress")
    if not isinstance(keys, dict):
        return []
    if raw.data.get("kind") != FOLLOW_UP:
        return [Problem(("progress",), "progress: only a follow-up questionnaire reports progress towards a goal; "
                                       f"add kind: {FOLLOW_UP}")]
    owner, problems = raw.index.owner, []
    for key, kinds in PROGRESS_QUESTIONS.items():
        target = keys.get(key)
        question = owner.get(target) if isinstance(target, str) else None
        if isinstance(target, str) and (question is None or question.get("type") not in kinds
                                        or (key == "goal" and is_grid(question))):
            single = " with a single answer" if key == "goal" else ""
            problems.append(Problem(("progress", key), f"progress: {key} '{target}' must name a "
                                                       f"{' or '.join(kinds)} question{single}"))
    return problems


def _own_items(raw: RawDefinition) -> list[Problem]:
    """Each matched item is one of this definition's answers (not a whole grid)."""
    problems = []
    for mine, _, where in match_entries(raw.data, "items"):
        q = raw.index.owner.get(mine)
        if q is None:
            problems.append(Problem(where, f"matches: item '{mine}' is not an answer in this definition"))
        elif q.get("id") == mine and is_grid(q):
            problems.append(Problem(where, f"matches: '{mine}' is a whole grid; list the grid's items instead"))
    return problems


def _own_constructs(raw: RawDefinition) -> list[Problem]:
    """Each matched construct is one of this definition's, and its items are matched too."""
    problems = []
    matched_items = {mine for mine, _, _ in match_entries(raw.data, "items")}
    # Ids of any other shape are the construct checker's to report.
    constructs = {c["id"]: c for c in sequence(raw.data.get("constructs"))
                  if isinstance(c, dict) and isinstance(c.get("id"), str)}
    for mine, _, where in match_entries(raw.data, "constructs"):
        if mine not in constructs:
            problems.append(Problem(where, f"matches: construct '{mine}' is not a construct in this definition"))
            continue
        unmatched = [item for item in mapping(constructs[mine].get("items")) if item not in matched_items]
        if unmatched:
            problems.append(Problem(where, f"matches: construct '{mine}' has items that are not matched: "
                                           f"{', '.join(map(str, unmatched))}; list them under matches: items "
                                           "too, so their scales are compared"))
    return problems


def followed_problems(data: dict, definition: Definition, followed: Definition) -> list[Problem]:
    """What differs from the followed questionnaire: missing ids, other kinds of question, scales, construct keys."""
    there = f"{followed.id} version {followed.version}"
    if followed.kind == FOLLOW_UP:
        return [Problem(("follows",), f"follows: {there} is itself a follow-up; follow the starting-point "
                                      "questionnaire that change is measured from")]
    if followed.respondent != "teacher":
        return [Problem(("follows",), f"follows: {there} is filled in by '{followed.respondent}', not by each "
                                      "teacher, so there is no starting point to follow")]
    problems = []
    for mine, theirs, where in match_entries(data, "items"):
        wrong = _item_difference(definition.answer_question(mine), _owner(followed, theirs), theirs, there)
        if wrong:
            problems.append(Problem(where, f"matches: item '{mine}'{_to(mine, theirs)}{wrong}"))
    item_pairs = {mine: theirs for mine, theirs, _ in match_entries(data, "items")}
    for mine, theirs, where in match_entries(data, "constructs"):
        ours = next(c for c in definition.constructs if c.id == mine)
        other = next((c for c in followed.constructs if c.id == theirs), None)
        if other is None:
            problems.append(Problem(where, f"matches: construct '{mine}'{_to(mine, theirs)}: there is no construct "
                                           f"'{theirs}' in {there}"))
            continue
        keys = {item_pairs.get(item, item): key for item, key in ours.items.items()}
        differences = _key_differences(keys, other.items, there)
        if differences:
            problems.append(Problem(where, f"matches: construct '{mine}'{_to(mine, theirs)} is not scored as in "
                                           f"{there}: {'; '.join(differences)}"))
    return problems


def _to(mine: str, theirs: str) -> str:
    return "" if mine == theirs else f" (matched to '{theirs}')"


def _owner(definition: Definition, answer_id: str) -> Question | None:
    try:
        return definition.answer_question(answer_id)
    except KeyError:
        return None


def _item_difference(mine: Question, theirs: Question | None, answer_id: str, there: str) -> str | None:
    """Why an answer cannot be compared with the followed one: missing, another type, another scale or choices."""
    if theirs is None:
        return f": there is no answer '{answer_id}' in {there}"
    if mine.type != theirs.type:
        return f" is a {mine.type} question here but a {theirs.type} question in {there}"
    if mine.type == "likert":
        differences, what = _scale_differences(mine, theirs), "is on a different scale"
    elif mine.type == "number":
        differences = [f"its {key} is {getattr(mine, key)} here, {getattr(theirs, key)} there"
                       for key in ("min", "max", "integer") if getattr(mine, key) != getattr(theirs, key)]
        what = "takes different numbers"
    else:
        differences, what = _choice_differences(mine, theirs), "has different choices"
    return f" {what} in {there}: {'; '.join(differences)}" if differences else None


def _scale_differences(mine: Question, theirs: Question) -> list[str]:
    ours, other = mine.scale, theirs.scale
    differences = []
    if (ours.min, ours.max) != (other.min, other.max):
        differences.append(f"it runs from {ours.min} to {ours.max} here, from {other.min} to {other.max} there")
    for point in sorted(set(ours.labels) | set(other.labels)):
        if ours.labels.get(point) != other.labels.get(point):
            differences.append(f"point {point} is {_label(ours.labels.get(point))} here, "
                               f"{_label(other.labels.get(point))} there")
    return differences


def _choice_differences(mine: Question, theirs: Question) -> list[str]:
    ours = {c.id: c.label for c in mine.options}
    other = {c.id: c.label for c in theirs.options}
    differences = [f"choice '{c}' only here" for c in ours if c not in other]
    differences += [f"choice '{c}' only there" for c in other if c not in ours]
    differences += [f"choice '{c}' is {_label(ours[c])} here, {_label(other[c])} there"
                    for c in ours if c in other and ours[c] != other[c]]
    return differences


def _key_differences(ours: dict[str, str], other: dict[str, str], there: str) -> list[str]:
    """Items keyed differently, in the followed construct's order, then those only in this one."""
    differences = []
    for item in [*other, *(i for i in ours if i not in other)]:
        if item not in ours:
            differences.append(f"item '{item}' is only in {there}'s")
        elif item not in other:
            differences.append(f"item '{item}' is only in this one")
        elif ours[item] != other[item]:
            differences.append(f"item '{item}' is keyed {_key(ours[item])} here but {_key(other[item])} there")
    return differences


def _label(label: str | None) -> str:
    return f"'{label}'" if label is not None else "unlabelled"


def _key(key: str) -> str:
    return "'-' (reverse scored)" if key == "-" else "'+'"
