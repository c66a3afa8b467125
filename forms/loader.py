"""Load and validate questionnaire definitions and menus, reporting `PATH:LINE: message`."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from forms import schema
from forms.checks import cross_reference_problems, menu_problems
from forms.schema import QUESTION_TYPES, Choice, Definition, Item, Menu
from forms.yamlfile import FileProblems, Problem, line_of, read_yaml

DefinitionError = FileProblems

# What a part of a definition is written like, for the messages about a value of the wrong kind (pydantic would name
# its own classes: "Input should be a valid dictionary or instance of Choice").
SHAPES = {
    "Choice": "a choice with an id and a label, e.g. {id: red, label: Red}",
    "Condition": "a condition on an earlier answer such as {question: role, equals: other}, or all, any or not "
                 "of conditions",
    "Scale": "a scale with a min and a max, e.g. {min: 1, max: 5, labels: {1: Disagree, 5: Agree}}",
    "Item": "a statement with an id and its text, e.g. {id: plan_1, text: I plan for every pupil}",
    "ItemsFromMenu": "an id with {focus} in it and a text, e.g. {id: '{focus}_confidence', text: '{title}'}",
}
# A field that takes one of several forms: what each may be.
FIELD_SHAPES = {
    "scale": "a scale such as {min: 1, max: 5}, or the name of one of the definition's scales",
    "choices": "a list of choices such as [{id: red, label: Red}], the name of one of the definition's choice_lists, "
               "or menu",
    "required": "true, false or soft",
    "show_if": SHAPES["Condition"],
    # Under a follow-up's `matches`.
    "items": "a list of ids such as [lc1, lc2], or a mapping of this form's ids to the starting point's such as "
             "{open1: op1}",
    "constructs": "a list of construct ids such as [openness], or a mapping of this form's ids to the starting "
                  "point's such as {open: openness}",
}


def load_menu(path: Path | str) -> Menu:
    """Read and validate a menu of learning focuses."""
    return _read_menu(path)[0]


def _read_menu(path: Path | str) -> tuple[Menu, dict]:
    data, lines = read_yaml(path)
    menu = _validate(Menu, data, lines, path)
    seen: dict[str, int] = {}
    problems = []
    for index, focus in enumerate(menu.focuses):
        if focus.id in seen:
            problems.append((line_of(lines, ("focuses", index, "id")),
                             f"focus '{focus.id}': duplicate id (first used at line {seen[focus.id]})"))
        seen.setdefault(focus.id, line_of(lines, ("focuses", index, "id")))
    if problems:
        raise FileProblems(path, problems)
    return menu, lines


SHIPPED_MENUS = Path(__file__).parent / "definitions"


def menu_path(definition_path: Path | str, menu_id: str, folders: list[Path] = ()) -> Path:
    """Where a definition's `menu:` lives: a YAML file of that name beside the definition, else in the first of
    `folders` (where definitions are looked up) that has one, else a shipped one.

    The other folders and the shipped menus are the fallback because an admin's upload is checked with them
    available (diagnostic/services/definitions.py), so a definition kept apart from them must find them too.
    """
    beside = Path(definition_path).with_name(f"{menu_id.replace('_', '-')}.yaml")
    if beside.exists():
        return beside
    elsewhere = [Path(folder) / beside.name for folder in folders] + [SHIPPED_MENUS / beside.name]
    return next((path for path in elsewhere if path.is_file()), beside)


def load_definition(path: Path | str, folders: list[Path] = ()) -> Definition:
    """Read, validate and normalise a definition; raise `DefinitionError` listing every problem.

    Its menu is found beside it, else in `folders` (`menu_path`).
    """
    path = Path(path)
    data, lines = read_yaml(path)
    if not isinstance(data, dict):
        raise FileProblems(path, [(1, f"expected a mapping of keys at the top level, found {_kind(data)}")])
    menu = None
    problems: list[tuple[int, str]] = []
    if isinstance(data.get("menu"), str) and not re.fullmatch(r"[a-z][a-z0-9_-]{0,63}", data["menu"]):
        problems.append((line_of(lines, ("menu",)), f"menu {data['menu']!r} must be the name of a YAML file "
                                                     "beside the definition, without '.yaml' (e.g. learning-focuses)"))
    elif isinstance(data.get("menu"), str):
        where = menu_path(path, data["menu"], folders)
        try:
            menu, menu_lines = _read_menu(where)
            found = FileProblems(where, [(line_of(menu_lines, p.where), p.message) for p in menu_problems(menu, data)])
        except FileProblems as exc:
            found = exc
        if found.problems:
            problems.append((line_of(lines, ("menu",)), f"menu '{data['menu']}' cannot be used:"))
            problems.extend((line_of(lines, ("menu",)), f"  {line}") for line in found.lines())
    problems += [(line_of(lines, p.where), p.message) for p in cross_reference_problems(data, menu)]
    try:
        definition = _validate(Definition, data, lines, path)
    except FileProblems as exc:
        raise FileProblems(path, problems + exc.problems) from None
    if problems:
        raise FileProblems(path, problems)
    return normalise(definition, menu)


def normalise(definition: Definition, menu: Menu | None) -> Definition:
    """Resolve named scales and choice lists, and menu-built items, into each question."""
    sections = []
    for section in definition.sections:
        questions = []
        for q in section.questions:
            update: dict[str, Any] = {}
            if isinstance(q.scale, str):
                update["scale"] = definition.scales[q.scale]
            if q.choices == "menu":
                update["choices"] = [Choice(id=f.id, label=f.title) for f in menu.focuses]
            elif isinstance(q.choices, str):
                update["choices"] = definition.choice_lists[q.choices]
            if q.items_from_menu is not None:
                spec = q.items_from_menu
                update["items_from_menu"] = None
                update["items"] = [
                    Item(id=spec.id.replace("{focus}", f.id), text=spec.text.replace("{title}", f.title))
                    for f in menu.focuses
                ]
            questions.append(q.model_copy(update=update) if update else q)
        sections.append(section.model_copy(update={"questions": questions}))
    return definition.model_copy(update={"sections": sections, "learning_focuses": menu})


def as_json(definition: Definition) -> dict[str, Any]:
    """The normalised definition as plain JSON data, with construct membership on each answer."""
    data = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
    keys = {item: (c.id, key) for c in definition.constructs for item, key in c.items.items()}
    for section in data["sections"]:
        for q in section["questions"]:
            if q["type"] == "yes_no":
                q["choices"] = [c.model_dump() for c in definition.question(q["id"]).options]
            for entry in q.get("items", []) or [q]:
                if entry["id"] in keys:
                    construct, key = keys[entry["id"]]
                    entry["construct"] = {"id": construct, "key": key}
    return data


def snapshot(definition: Definition) -> dict[str, Any]:
    """The normalised definition as stored when published; `Definition.model_validate` reads it back."""
    # Not exclude_none: a None that is not the default (`pairing: {strong: null}`, no threshold) would be
    # dropped and read back as the default. exclude_defaults already leaves out every None that is.
    return definition.model_dump(mode="json", by_alias=True, exclude_defaults=True)


def digest(definition: Definition) -> str:
    """A fingerprint of the normalised definition: any change of content changes it."""
    text = json.dumps(as_json(definition), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _validate(model: type[BaseModel], data: Any, lines: dict, path: Path | str) -> Any:
    if not isinstance(data, dict):
        raise FileProblems(path, [(1, f"expected a mapping of keys at the top level, found {_kind(data)}")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = [p for p in (_describe(err, data) for err in errors) if p]
        # A value that fits none of a field's allowed forms (e.g. `choices: 3`) has only
        # branch errors; report it once rather than not at all.
        for err in errors:
            where = _written_path(err["loc"], data)
            if not any(p.where[: len(where)] == where for p in problems):
                label = _owner_label(where, data)
                field = ".".join(str(p) for p in where[len(_owner_path(where)):])
                shape = FIELD_SHAPES.get(str(where[-1])) if where else None
                wrong = (f"should be {shape} (found {_found(_at(data, where))})" if shape
                         else "has the wrong kind of value")
                problems.append(Problem(where, f"{label}{field + ': ' if field else ''}{wrong}"))
        raise FileProblems(path, [(line_of(lines, p.where), p.message) for p in problems]) from None


def _describe(err: dict, data: Any) -> Problem | None:
    """Turn one pydantic error into a problem naming the question (or section, construct...)."""
    loc, node, path = err["loc"], data, []
    for part in loc:
        if isinstance(node, dict) and part in node or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif isinstance(part, str) and _is_branch_tag(part):
            if not _branch_fits(part, node):
                return None  # an error from a union branch that does not match what was written
        else:
            path.append(part)
            break
    where = tuple(path)
    field = ".".join(str(p) for p in loc[len(_owner_path(where)):] if not _is_branch_tag(str(p)))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "literal_error" and loc[-1] == "type":
        message = f"unknown type {err['input']!r}; expected one of {', '.join(QUESTION_TYPES)}"
    elif err["type"] == "missing":
        message = "this is required but missing"
    elif err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
        message = f"should be {_shape(err)} (found {_found(err['input'])})"
    label = _owner_label(where, data)
    return Problem(where, f"{label}{field + ': ' if field else ''}{message}")


def _written_path(loc: tuple, data: Any) -> tuple:
    """The part of an error location that exists in the file."""
    node, path = data, []
    for part in loc:
        if isinstance(node, dict) and part in node or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
            path.append(part)
        elif not (isinstance(part, str) and _is_branch_tag(part)):
            break
    return tuple(path)


def _is_branch_tag(part: str) -> bool:
    return part[:1].isupper() or part.startswith(("list[", "dict[", "constrained-", "function-")) or part in (
        "str", "int", "float", "bool")


def _branch_fits(tag: str, node: Any) -> bool:
    if not _is_branch_tag(tag):
        return True
    if tag.startswith("list["):
        return isinstance(node, list)
    if tag[:1].isupper() or tag.startswith("dict["):
        return isinstance(node, dict)
    if tag.startswith(("constrained-str", "str")):
        return isinstance(node, str)
    return not isinstance(node, list | dict)


def _owner_path(where: tuple) -> tuple:
    for size in (4, 2):
        head = where[:size]
        if len(head) == size and head[0] in ("sections", "constructs", "scales", "choice_lists", "focuses"):
            if size == 4 and not (head[0] == "sections" and head[2] == "questions"):
                continue
            return head
    return ()


def _owner_label(where: tuple, data: Any) -> str:
    owner = _owner_path(where)
    if not owner:
        return ""
    node = data
    for part in owner:
        node = node[part]
    if owner[0] in ("scales", "choice_lists"):
        return f"{owner[0].rstrip('s').replace('_', ' ')} '{owner[1]}': "
    noun = {"sections": "section", "constructs": "construct", "focuses": "focus"}[owner[0]]
    if len(owner) == 4:
        noun = "question"
    name = node.get("id") if isinstance(node, dict) else None
    return f"{noun} '{name}': " if isinstance(name, str) else f"{noun} {owner[-1] + 1}: "


def _shape(err: dict) -> str:
    """What a mapping that was expected looks like, in the definition's own words."""
    name = (err.get("ctx") or {}).get("class_name", "")
    if name in SHAPES:
        return SHAPES[name]
    model = getattr(schema, name, None)
    fields = getattr(model, "model_fields", None)
    if not fields:
        return "a mapping of keys"
    required = [f.alias or key for key, f in fields.items() if f.is_required()]
    return "a mapping of keys" + (f" with {', '.join(required)}" if required else "")


def _at(data: Any, where: tuple) -> Any:
    for part in where:
        data = data[part]
    return data


def _found(value: Any) -> str:
    if isinstance(value, str | int | float | bool):
        return repr(value)
    return _kind(value)


def _kind(data: Any) -> str:
    return {list: "a list", str: "a single text value", type(None): "nothing"}.get(type(data), type(data).__name__)
