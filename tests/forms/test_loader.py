"""Loading definitions and menus: the shipped form, every reported problem, and hostile files."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from forms.loader import DefinitionError, as_json, digest, load_definition, load_menu, snapshot
from forms.schema import Definition
from forms.yamlfile import MAX_BYTES, FileProblems

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"
SHIPPED = DEFINITIONS / "starting-point.yaml"
SHIPPED_MENU = DEFINITIONS / "learning-focuses.yaml"
LINE = re.compile(r"^.+:\d+: .+")

# A small definition that loads cleanly and uses every question type. Tests
# change one piece of it with `write_form(tmp_path, old, new)`.
BASE = """\
id: mini
version: "1"
title: A small form
scales:
  agree5:
    min: 1
    max: 5
    labels:
      1: Disagree
      5: Agree
  ten:
    min: 0
    max: 10
choice_lists:
  colours:
    - {id: red, label: Red}
    - {id: blue, label: Blue}
    - {id: green, label: Green}
sections:
  - id: first
    title: First page
    questions:
      - id: agree
        type: consent
        prompt: I agree to take part.
        required: true
      - id: colour
        type: single_choice
        prompt: Pick a colour.
        choices: colours
      - id: tastes
        type: multi_choice
        prompt: Pick some colours.
        choices: colours
        max_selected: 2
      - id: top
        type: ranking
        prompt: Put colours in order.
        choices: colours
      - id: name
        type: short_text
        prompt: Your name.
        max_length: 40
      - id: age
        type: number
        prompt: Your age.
        min: 0
        max: 99
      - id: happy
        type: yes_no
        prompt: Are you happy?
      - id: grid
        type: likert
        prompt: Rate these.
        scale: agree5
        items:
          - {id: g1, text: First statement.}
          - {id: g2, text: Second statement.}
      - id: mood
        type: likert
        prompt: Your mood.
        scale: ten
      - id: notes
        type: long_text
        prompt: Anything else?
constructs:
  - id: outlook
    label: Outlook
    items: {g1: "+", g2: "-"}
"""

MENU = """\
id: focus_menu
title: Focus menu
focuses:
  - id: questioning
    title: Questioning
    description: Ask questions that make every pupil think.
  - id: feedback
    title: Feedback
    description: Give feedback pupils act on.
"""

LAST_PROMPT = "        prompt: Anything else?\n"


def write_form(tmp_path: Path, old: str | None = None, new: str = "", *, text: str = BASE,
               name: str = "form.yaml") -> Path:
    """Write the small definition, with `old` (which must be present) replaced by `new`."""
    if old is not None:
        assert old in text, f"fixture text not found: {old!r}"
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def condition_on_notes(condition: str) -> tuple[str, str]:
    """A (old, new) pair giving the last question, `notes`, a show_if, marked `# HERE`."""
    return LAST_PROMPT, f"{LAST_PROMPT}        show_if: {condition}  # HERE\n"


def line_with(path: Path, snippet: str) -> int:
    """The number of the first line of the file containing `snippet`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} is not in {path}")


def problems_of(path: Path) -> FileProblems:
    """The problems loading `path` reports; fails (AssertionError) if it loads."""
    try:
        load_definition(path)
    except FileProblems as problems:
        return problems
    raise AssertionError(f"{path} loaded without any problem")


def assert_reported(problems: FileProblems, line: int, fragment: str) -> None:
    prefix = f"{problems.path}:{line}: "
    matching = [text for text in problems.lines() if text.startswith(prefix) and fragment in text]
    assert matching, f"no line starting {prefix!r} containing {fragment!r} in:\n" + "\n".join(problems.lines())


# --- the shipped definition ---------------------------------------------------------------


@pytest.fixture(scope="module")
def starting_point() -> Definition:
    return load_definition(SHIPPED)


def test_shipped_definition_loads_with_its_id_and_version(starting_point):
    assert starting_point.id == "starting_point"
    assert starting_point.version == "2"
    assert [s.id for s in starting_point.sections][:3] == ["about", "pupils", "beliefs"]


def test_menu_grids_expand_to_one_item_per_focus_in_menu_order(starting_point):
    focuses = [f.id for f in load_menu(SHIPPED_MENU).focuses]
    assert len(focuses) >= 2
    value, confidence = starting_point.question("strategy_value"), starting_point.question("strategy_confidence")
    assert [i.id for i in value.items] == [f"value_{f}" for f in focuses]
    assert [i.id for i in confidence.items] == [f"confidence_{f}" for f in focuses]
    assert value.items_from_menu is None
    titles = [f.title for f in load_menu(SHIPPED_MENU).focuses]
    assert [i.text for i in value.items] == titles
    # Every expanded item is an answer of its own, and the grid id is not.
    assert "value_questioning" in starting_point.answer_ids()
    assert "strategy_value" not in starting_point.answer_ids()


def test_menu_choices_take_focus_ids_and_titles(starting_point):
    menu = load_menu(SHIPPED_MENU)
    choices = starting_point.question("focus_choice").choices
    assert [(c.id, c.label) for c in choices] == [(f.id, f.title) for f in menu.focuses]


def test_named_scales_and_lists_are_copied_into_questions(starting_point):
    role = starting_point.question("role")
    assert [c.id for c in role.choices][-1] == "other"
    beliefs = starting_point.question("beliefs_learning")
    assert (beliefs.scale.min, beliefs.scale.max) == (1, 5)
    assert beliefs.scale.label(5) == "Strongly agree"


def test_as_json_marks_construct_membership_and_key_on_items(starting_point):
    data = as_json(starting_point)
    items = {item["id"]: item for s in data["sections"] for q in s["questions"] for item in q.get("items", [])}
    assert items["lc2"]["construct"] == {"id": "learner_centred", "key": "-"}
    assert items["lc1"]["construct"] == {"id": "learner_centred", "key": "+"}
    assert items["op2"]["construct"] == {"id": "openness", "key": "-"}
    assert items["ef3"]["construct"] == {"id": "efficacy", "key": "-"}
    assert "construct" not in items["value_questioning"]
    for construct in starting_point.constructs:
        for item, key in construct.items.items():
            assert items[item]["construct"] == {"id": construct.id, "key": key}


def test_as_json_gives_yes_no_questions_their_choices(tmp_path):
    data = as_json(load_definition(write_form(tmp_path)))
    happy = next(q for s in data["sections"] for q in s["questions"] if q["id"] == "happy")
    assert [c["id"] for c in happy["choices"]] == ["yes", "no"]
    assert [c["label"] for c in happy["choices"]] == ["Yes", "No"]


def test_as_json_marks_a_single_likert_question_in_a_construct(tmp_path):
    path = write_form(tmp_path, 'items: {g1: "+", g2: "-"}', 'items: {mood: "-"}')
    data = as_json(load_definition(path))
    mood = next(q for s in data["sections"] for q in s["questions"] if q["id"] == "mood")
    assert mood["construct"] == {"id": "outlook", "key": "-"}


@pytest.mark.parametrize("source", ["shipped", "mini"])
def test_snapshot_reads_back_as_an_equal_definition(source, starting_point, tmp_path):
    definition = starting_point if source == "shipped" else load_definition(write_form(tmp_path, *condition_on_notes(
        "{any: [{question: colour, in: [red, blue]}, {not: {question: happy, equals: 'no'}}, "
        "{question: age, gte: 18}]}")))
    stored = snapshot(definition)
    again = Definition.model_validate(stored)
    assert again == definition
    assert digest(again) == digest(definition)
    assert snapshot(again) == stored


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    shutil.copy(SHIPPED_MENU, tmp_path / SHIPPED_MENU.name)
    target = tmp_path / SHIPPED.name
    shutil.copy(SHIPPED, target)
    return target


def test_digest_changes_when_a_prompt_changes(starting_point, shipped_copy):
    text = shipped_copy.read_text(encoding="utf-8")
    old = 'prompt: "What is your main role?"'
    assert old in text
    shipped_copy.write_text(text.replace(old, 'prompt: "What is your role in school?"'), encoding="utf-8")
    assert digest(load_definition(shipped_copy)) != digest(starting_point)


def test_digest_ignores_comments_blank_lines_and_layout(starting_point, shipped_copy):
    text = shipped_copy.read_text(encoding="utf-8")
    old = "      - id: role_other\n"
    assert old in text
    text = text.replace(old, "      # a note for the next editor\n\n" + old.rstrip() + "   # trailing\n")
    text = text.replace("learning_focus: {choice: focus_choice, goal: focus_goal}",
                        "learning_focus:\n  choice: focus_choice\n  goal: focus_goal")
    text = "# An extra heading comment.\n\n" + text + "\n\n# the end\n"
    shipped_copy.write_text(text, encoding="utf-8")
    assert digest(load_definition(shipped_copy)) == digest(starting_point)


@pytest.mark.parametrize(("old", "new"), [
    ("Ask questions that make every pupil think", "Ask questions that get everyone thinking"),
    ("title: Questioning", "title: Better questions"),
    ("time_demand: low", "time_demand: high"),
])
def test_digest_follows_every_change_to_the_menu(starting_point, shipped_copy, old, new):
    # The menu is part of a published version: the engine ranks focuses from the menu it was published with.
    menu_file = shipped_copy.with_name(SHIPPED_MENU.name)
    text = menu_file.read_text(encoding="utf-8")
    assert old in text
    menu_file.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert digest(load_definition(shipped_copy)) != digest(starting_point)


# --- one problem at a time ------------------------------------------------------------------

# (case, old text, new text, where the problem is reported, fragment of the message).
# `where` is "# HERE" (a marker put on the expected line) or text found on that line.
PROBLEMS = [
    ("duplicate question id", "      - id: name\n", "      - id: colour  # HERE\n", "# HERE",
     "question 'colour': duplicate id 'colour'"),
    ("duplicate grid item id", "{id: g2, text: Second statement.}", "{id: g1, text: Second statement.}  # HERE",
     "# HERE", "question 'grid': duplicate id 'g1'"),
    ("grid item reusing a later question's id", "{id: g2, text: Second statement.}",
     "{id: mood, text: Second statement.}", "- id: mood", "question 'mood': duplicate id 'mood'"),
    ("unknown question type", "        type: yes_no\n", "        type: yesno  # HERE\n", "# HERE",
     "question 'happy': type: unknown type 'yesno'"),
    ("show_if names an unknown question", *condition_on_notes("{question: nobody, answered: true}"), "# HERE",
     "question 'notes': show_if names unknown question 'nobody'"),
    ("show_if names a later question", "        prompt: Pick a colour.\n",
     "        prompt: Pick a colour.\n        show_if: {question: notes, answered: true}  # HERE\n", "# HERE",
     "question 'colour': show_if names 'notes', which does not come before it"),
    ("show_if names the question itself", *condition_on_notes("{question: notes, answered: true}"), "# HERE",
     "question 'notes': show_if names 'notes', which does not come before it"),
    ("show_if names an item of its own grid", "        scale: agree5\n        items:",
     "        scale: agree5\n        show_if: {question: g1, gte: 3}  # HERE\n        items:", "# HERE",
     "question 'grid': show_if names 'g1', which does not come before it"),
    ("show_if names a grid instead of an item", *condition_on_notes("{question: grid, gte: 3}"), "# HERE",
     "question 'notes': show_if names the grid 'grid'; name one of its items"),
    ("includes on a single_choice", *condition_on_notes("{question: colour, includes: red}"), "# HERE",
     "question 'notes': show_if uses includes on 'colour', which is single_choice"),
    ("equals on a multi_choice", *condition_on_notes("{question: tastes, equals: red}"), "# HERE",
     "question 'notes': show_if compares 'tastes' with equals, but it holds a list of choices; use includes"),
    ("not_equals on a ranking", *condition_on_notes("{question: top, not_equals: red}"), "# HERE",
     "question 'notes': show_if compares 'top' with equals"),
    ("equals value that is not a choice", *condition_on_notes("{question: colour, equals: purple}"), "# HERE",
     "question 'notes': show_if: 'purple' is not a choice of 'colour'"),
    ("includes value that is not a choice", *condition_on_notes("{question: tastes, includes: purple}"), "# HERE",
     "question 'notes': show_if: 'purple' is not a choice of 'tastes'"),
    ("unquoted yes read as true", *condition_on_notes("{question: happy, equals: yes}"), "# HERE",
     "question 'notes': show_if: True is not a choice of 'happy'"),
    ("numeric comparison on a text question", *condition_on_notes("{question: name, gt: 3}"), "# HERE",
     "question 'notes': show_if compares 'name' as a number, but it is short_text"),
    ("condition with two operators", *condition_on_notes("{question: colour, equals: red, answered: true}"),
     "# HERE", "question 'notes': show_if: a condition needs exactly one of"),
    ("condition with no operator", *condition_on_notes("{question: colour}"), "# HERE",
     "question 'notes': show_if: a condition needs exactly one of"),
    ("nested condition names a later question",
     *condition_on_notes("{all: [{question: colour, equals: red}, {not: {question: zzz, answered: true}}]}"),
     "# HERE", "question 'notes': show_if names unknown question 'zzz'"),
    ("reverse key on a non-scale item", 'items: {g1: "+", g2: "-"}', 'items: {g1: "+", age: "-"}  # HERE',
     "# HERE", "construct 'outlook': item 'age' is number, not a scale item, so it cannot take a reverse key"),
    ("construct item that does not exist", 'items: {g1: "+", g2: "-"}', 'items: {g1: "+", g9: "-"}  # HERE',
     "# HERE", "construct 'outlook': item 'g9' is not a question in this definition"),
    ("construct items on different scales", 'items: {g1: "+", g2: "-"}', 'items: {g1: "+", mood: "-"}  # HERE',
     "# HERE", "construct 'outlook': items use different scales"),
    ("construct min_answered above its items", '    items: {g1: "+", g2: "-"}\n',
     '    items: {g1: "+", g2: "-"}\n    min_answered: 3\n', "- id: outlook",
     "construct 'outlook': min_answered (3) exceeds the number of items (2)"),
    ("duplicate construct id", "    label: Outlook\n",
     "    label: Outlook\n    items: {g1: \"+\"}\n  - id: outlook  # HERE\n    label: Outlook again\n", "# HERE",
     "construct 'outlook': duplicate construct id"),
    ("scale with min equal to max", "  ten:\n    min: 0\n", "  ten:  # HERE\n    min: 10\n", "# HERE",
     "scale 'ten': scale min (10) must be less than max (10)"),
    ("scale with min above max", "  ten:\n    min: 0\n", "  ten:  # HERE\n    min: 11\n", "# HERE",
     "scale 'ten': scale min (11) must be less than max (10)"),
    ("scale of more than 11 points", "  ten:\n    min: 0\n", "  ten:  # HERE\n    min: -1\n", "# HERE",
     "scale 'ten': a scale may have at most 11 points"),
    ("scale label outside the range", "      5: Agree\n", "      6: Agree\n", "  agree5:",
     "scale 'agree5': labels [6] lie outside the scale 1..5"),
    ("empty choice list", "        prompt: Pick some colours.\n        choices: colours\n",
     "        prompt: Pick some colours.\n        choices: []\n", "- id: tastes",
     "question 'tastes': the choice list is empty"),
    ("choice question without choices", "        prompt: Pick a colour.\n        choices: colours\n",
     "        prompt: Pick a colour.\n", "- id: colour", "question 'colour': a single_choice question needs choices"),
    ("likert without a scale", "        scale: ten\n", "", "- id: mood",
     "question 'mood': a likert question needs a scale"),
    ("unknown scale name", "        scale: ten\n", "        scale: eleven  # HERE\n", "# HERE",
     "question 'mood': unknown scale 'eleven'"),
    ("unknown choice list name", "        prompt: Pick a colour.\n        choices: colours\n",
     "        prompt: Pick a colour.\n        choices: shades  # HERE\n", "# HERE",
     "question 'colour': unknown choice list 'shades'"),
    ("choices: menu without a menu", "        prompt: Pick a colour.\n        choices: colours\n",
     "        prompt: Pick a colour.\n        choices: menu\n", "- id: colour",
     "question 'colour': uses the menu, but the definition names no menu"),
    ("items_from_menu without a menu", "        items:\n          - {id: g1, text: First statement.}\n"
     "          - {id: g2, text: Second statement.}\n", "        items_from_menu: {id: 'g_{focus}'}\n", "- id: grid",
     "question 'grid': uses the menu, but the definition names no menu"),
    ("duplicate choice ids in a list", "    - {id: blue, label: Blue}\n", "    - {id: red, label: Blue}\n",
     "        choices: colours", "question 'colour': duplicate choice ids ['red']"),
    ("min_selected above max_selected", "        max_selected: 2\n",
     "        max_selected: 2\n        min_selected: 3\n",
     "- id: tastes", "question 'tastes': min_selected is greater than max_selected"),
    ("max_selected above the number of choices", "        max_selected: 2\n", "        max_selected: 4  # HERE\n",
     "# HERE", "question 'tastes': max_selected (4) exceeds the 3 choices"),
    ("max_ranked above ten", "        prompt: Put colours in order.\n",
     "        prompt: Put colours in order.\n        max_ranked: 11  # HERE\n", "# HERE",
     "question 'top': max_ranked: Input should be less than or equal to 10"),
    ("number min equal to max", "        min: 0\n        max: 99\n", "        min: 99\n        max: 99\n", "- id: age",
     "question 'age': number min (99.0) must be less than max (99.0)"),
    ("max_length on a likert", "        scale: ten\n", "        scale: ten\n        max_length: 5\n", "- id: mood",
     "question 'mood': max_length do(es) not apply to a likert question"),
    ("max_selected on a single_choice", "        prompt: Pick a colour.\n",
     "        prompt: Pick a colour.\n        max_selected: 1\n", "- id: colour",
     "question 'colour': max_selected do(es) not apply to a single_choice question"),
    ("missing prompt", "        prompt: Your age.\n", "", "- id: age",
     "question 'age': prompt: this is required but missing"),
    ("misspelt question key", LAST_PROMPT, f"{LAST_PROMPT}        hnit: A typo.  # HERE\n", "# HERE",
     "question 'notes': hnit: unknown key"),
    ("unknown top-level key", "title: A small form\n", "title: A small form\ncolour_scheme: blue  # HERE\n",
     "# HERE", "colour_scheme: unknown key"),
    ("missing title", "title: A small form\n", "", "id: mini", "title: this is required but missing"),
    ("version that is not a label", 'version: "1"', 'version: "1 final"', "version:", "version: String should match"),
    ("consent that is soft-required", "        required: true\n      - id: colour",
     "        required: soft\n      - id: colour", "- id: agree",
     "question 'agree': consent is either required or not; it cannot be soft-required"),
    ("question id with bad characters", "      - id: notes\n", "      - id: Bad-Id  # HERE\n", "# HERE",
     "question 'Bad-Id': id: String should match pattern"),
    ("grid item id with bad characters", "{id: g2, text: Second statement.}", "{id: G2, text: Second statement.}",
     "{id: G2", "question 'grid': items.1.id: String should match pattern"),
    ("duplicate section id", "  - id: first\n",
     "  - id: first\n    title: Extra page\n    questions: [{id: extra, type: consent, prompt: Fine.}]\n"
     "  - id: first  # HERE\n", "# HERE", "section 'first': duplicate section id"),
    ("section without questions", "    title: First page\n    questions:\n",
     "    title: First page\n    questions: []\n  - id: second\n    title: Second page\n    questions:\n",
     "questions: []", "section 'first': questions: List should have at least 1 item"),
    ("learning_focus naming a non-ranking question", "title: A small form\n",
     "title: A small form\nlearning_focus: {choice: colour}  # HERE\n", "# HERE",
     "learning_focus: choice 'colour' must name a ranking or multi_choice question"),
    ("learning_focus goal naming a missing question", "title: A small form\n",
     "title: A small form\nlearning_focus: {choice: top, goal: story}  # HERE\n", "# HERE",
     "learning_focus: goal 'story' must name a long_text or short_text question"),
]


@pytest.mark.parametrize(("old", "new", "where", "fragment"), [row[1:] for row in PROBLEMS],
                         ids=[row[0] for row in PROBLEMS])
def test_each_problem_is_reported_at_its_line(tmp_path, old, new, where, fragment):
    path = write_form(tmp_path, old, new)
    problems = problems_of(path)
    assert_reported(problems, line_with(path, where), fragment)


def test_problems_are_plain_path_line_message_lines(tmp_path):
    path = write_form(tmp_path, "        type: yes_no\n", "        type: yesno\n")
    problems = problems_of(path)
    assert isinstance(problems, DefinitionError)
    assert problems.lines() == [f"{path}:{line_with(path, 'type: yesno')}: question 'happy': type: unknown type "
                                "'yesno'; expected one of likert, single_choice, multi_choice, ranking, short_text, "
                                "long_text, number, yes_no, consent"]
    assert str(problems) == "\n".join(problems.lines())


def test_the_base_definition_itself_loads(tmp_path):
    definition = load_definition(write_form(tmp_path))
    assert [q.id for q in definition.questions()] == [
        "agree", "colour", "tastes", "top", "name", "age", "happy", "grid", "mood", "notes"]


@pytest.mark.parametrize("condition", [
    "{question: colour, in: [red, blue]}",
    "{question: happy, equals: 'no'}",
    "{question: g1, gte: 4}",
    "{question: mood, equals: 0}",
    "{question: tastes, includes: green}",
    "{question: top, includes: blue}",
    "{question: age, lt: 18}",
    "{question: name, answered: true}",
    "{any: [{question: colour, equals: red}, {not: {question: agree, answered: false}}]}",
])
def test_well_formed_conditions_on_earlier_answers_load(tmp_path, condition):
    definition = load_definition(write_form(tmp_path, *condition_on_notes(condition)))
    assert definition.question("notes").show_if is not None


def test_a_file_with_several_problems_reports_every_one(tmp_path):
    text = BASE.replace("      - id: name\n", "      - id: colour\n")
    text = text.replace("        type: yes_no\n", "        type: yesno\n")
    text = text.replace("  ten:\n    min: 0\n", "  ten:\n    min: 12\n")
    text = text.replace('items: {g1: "+", g2: "-"}', 'items: {g1: "+", g7: "-"}')
    path = write_form(tmp_path, text=text)
    problems = problems_of(path)
    assert len(problems.lines()) >= 4
    lines = path.read_text().splitlines()
    duplicate_line = [n for n, line in enumerate(lines, start=1) if line.strip() == "- id: colour"][1]
    assert_reported(problems, duplicate_line, "question 'colour': duplicate id 'colour'")
    assert_reported(problems, line_with(path, "type: yesno"), "question 'happy': type: unknown type 'yesno'")
    assert_reported(problems, line_with(path, "  ten:"), "scale 'ten': scale min (12) must be less than max (10)")
    assert_reported(problems, line_with(path, "items: {g1"), "construct 'outlook': item 'g7' is not a question")
    # Problems come out in line order.
    numbers = [int(line[len(str(path)) + 1:].split(":")[0]) for line in problems.lines()]
    assert numbers == sorted(numbers)


# --- hostile files --------------------------------------------------------------------------

BOMB = (
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
)

HOSTILE = [
    ("empty file", b"", 1, "the file is empty"),
    ("only whitespace", b"  \n\n\t  \n", 1, "the file is empty"),
    ("only a comment", b"# nothing to see\n", 1, "holds no YAML document"),
    ("a list at the top", b"- id: a\n- id: b\n", 1, "expected a mapping of keys at the top level, found a list"),
    ("a plain string", b"just some words\n", 1, "found a single text value"),
    ("a number", b"42\n", 1, "expected a mapping of keys at the top level"),
    ("a null", b"~\n", 1, "found nothing"),
    ("binary with a NUL byte", b"id: x\ntitle: t\n\x00\x01\x02", 3, "the file holds binary data"),
    ("invalid UTF-8", b"id: x\ntitle: caf\xe9\n", 2, "not a UTF-8 text file"),
    ("UTF-16 text", "id: x\n".encode("utf-16"), 1, "not a UTF-8 text file"),
    ("alias bomb", BOMB.encode(), 1, "anchors and aliases (&name, *name) are not supported"),
    ("one alias", b"id: &name x\ntitle: *name\n", 1, "anchors and aliases"),
    ("deeply nested lists", b"[" * 100_000, 1, "nested too deeply"),
    ("deeply nested mappings", b"a: " + b"{b: " * 5000 + b"1" + b"}" * 5000, 1, "nested too deeply"),
    ("invalid YAML syntax", b"id: x\ntitle: ok\nsections: ]\n", 3, "not valid YAML"),
    ("unterminated quote", b"id: x\ntitle: 'oops\nversion: 1\n", 4, "not valid YAML"),
    ("value after a value", b"id: x\ntitle: a: b\n", 2, "not valid YAML: mapping values are not allowed here"),
    ("tab indentation", b"id: x\nsections:\n\t- id: y\n", 3, "not valid YAML: found character '\\t'"),
    ("a mapping used as a key", b"id: x\n? {a: 1}\n: x\n", 2, "not valid YAML: found unhashable key"),
    ("a list used as a key", b"? [a, b]\n: x\n", 1, "not valid YAML: found unhashable key"),
    ("two documents", b"id: x\n---\nid: y\n", 2, "not valid YAML"),
    ("an impossible date", b"id: x\ntitle: 2023-02-30\n", 1, "not valid YAML"),
    ("a number as a top-level key", b"1: 2\n", 1, "Keys should be strings"),
    ("an unknown tag", b"id: !!python/object:os.system x\n", 1, "not valid YAML"),
]


@pytest.mark.parametrize(("content", "line", "fragment"), [row[1:] for row in HOSTILE],
                         ids=[row[0] for row in HOSTILE])
def test_hostile_files_are_refused_with_a_located_problem(tmp_path, content, line, fragment):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(content)
    problems = problems_of(path)
    assert_reported(problems, line, fragment)
    assert all(LINE.match(text) for text in problems.lines())


def test_a_missing_file_is_a_file_problem(tmp_path):
    problems = problems_of(tmp_path / "not-there.yaml")
    assert problems.lines() == [f"{tmp_path / 'not-there.yaml'}:0: cannot read the file: No such file or directory"]


def test_a_directory_is_a_file_problem(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    assert_reported(problems_of(tmp_path / "folder.yaml"), 0, "cannot read the file")


def test_the_size_limit_is_exact(tmp_path):
    padding = MAX_BYTES - len(BASE.encode()) - len("#\n")
    at_limit = BASE + "#" + "x" * padding + "\n"
    assert len(at_limit.encode()) == MAX_BYTES
    assert load_definition(write_form(tmp_path, text=at_limit)).id == "mini"
    over = write_form(tmp_path, text=at_limit + "\n", name="over.yaml")
    assert problems_of(over).lines() == [
        f"{over}:1: file is too large ({MAX_BYTES + 1} bytes; the limit is {MAX_BYTES})"]


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    assert load_definition(path).id == "mini"


@pytest.mark.parametrize("character", ["\x07", "\x1b", "\x7f", "\x9f"])
def test_control_characters_are_a_file_problem(tmp_path, character):
    path = write_form(tmp_path, text=BASE + f"# a stray {character} in a comment\n")
    problems = problems_of(path)
    assert all(LINE.match(text) for text in problems.lines())


# Characters PyYAML's reader refuses; the text fuzz below leaves them out because
# of the bug above, which test_control_characters_are_a_file_problem records.
UNPRINTABLE = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                                       0xFFFE, 0xFFFF])
PRINTABLE_TEXT = st.text(st.characters(codec="utf-8", exclude_characters=UNPRINTABLE), max_size=400)
YAMLISH_TEXT = st.lists(st.sampled_from(["id: ", "sections:", "\n", "  ", "- ", "[", "]", "{", "}", ":", "&a ", "*a",
                                         "? ", "'", '"', "#", "type: likert", "!!", "---", "\t", "x", "1"]),
                        max_size=60).map("".join)


def assert_only_file_problems(path: Path) -> None:
    try:
        load_definition(path)
    except FileProblems as problems:
        assert problems.lines(), "FileProblems with no lines"
        for text in problems.lines():
            assert LINE.match(text), text


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(PRINTABLE_TEXT, YAMLISH_TEXT))
def test_any_printable_text_loads_or_fails_with_located_problems(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_text(text, encoding="utf-8")
    assert_only_file_problems(path)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
@example(text="id: x\x01\n")
def test_any_text_at_all_loads_or_fails_with_located_problems(tmp_path, text):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    assert_only_file_problems(path)


def _without_unprintable(data: bytes) -> bytes:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return text.translate({ord(c): None for c in UNPRINTABLE if c != "\x00"}).encode("utf-8")


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400).map(_without_unprintable))
def test_any_bytes_load_or_fail_with_located_problems(tmp_path, data):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    assert_only_file_problems(path)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400))
@example(data=b"title: \x1b[31mred\n")
def test_any_bytes_at_all_load_or_fail_with_located_problems(tmp_path, data):
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(data)
    assert_only_file_problems(path)


def _paths(node, prefix=()):
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


BASE_DATA = yaml.safe_load(BASE)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 200), st.floats(allow_nan=False), st.text(max_size=12),
    st.sampled_from(["red", "colour", "g1", "grid", "agree5", "ten", "colours", "menu", "likert", "ranking",
                     "yes", "-", "+", "soft", "notes"]),
)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(list(_paths(BASE_DATA))), value=SCALARS)
def test_any_one_value_replaced_loads_or_fails_with_located_problems(tmp_path, where, value):
    # A non-text `choices` is refused without any message: that bug is recorded by
    # test_a_refused_file_always_says_why, so it is left out here.
    assume(not (where[-1] == "choices" and not isinstance(value, str | None)))
    data = copy.deepcopy(BASE_DATA)
    node = data
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        definition = load_definition(path)
    except FileProblems as problems:
        assert problems.lines()
        for text in problems.lines():
            assert LINE.match(text), text
    else:
        assert len(digest(definition)) == 64


@pytest.mark.parametrize(("old", "new"), [
    ("        prompt: Pick a colour.\n        choices: colours\n",
     "        prompt: Pick a colour.\n        choices: 3\n"),
    ("        prompt: Pick a colour.\n        choices: colours\n",
     "        prompt: Pick a colour.\n        choices: false\n"),
    ("        scale: ten\n", "        scale: [0, 10]\n"),
])
def test_a_refused_file_always_says_why(tmp_path, old, new):
    problems = problems_of(write_form(tmp_path, old, new))
    assert problems.lines(), "the file was refused without a single problem listed"


# Shapes the cross-reference checks should tolerate: each is reported, never a crash.
CRASHES = [
    pytest.param("  - id: outlook", "  - id: [outlook]", id="construct id written as a list"),
    pytest.param("    - {id: blue, label: Blue}\n",
                 "    - {id: 1, label: Blue}\n    - {id: 1, label: Navy}\n    - {id: red, label: Crimson}\n",
                 id="duplicate choice ids of mixed types"),
    pytest.param("      - id: grid\n", "      - id: [grid]\n",
                 id="grid id written as a list with a show_if in the file"),
    pytest.param("title: A small form\n", 'title: A small form\nmenu: "menus/focus"\n',
                 id="menu name holding a slash"),
]


@pytest.mark.parametrize(("old", "new"), CRASHES)
def test_odd_shapes_are_reported_not_crashed_on(tmp_path, old, new):
    text = BASE.replace(*condition_on_notes("{question: g1, gte: 3}"))
    assert old in text
    path = write_form(tmp_path, text=text.replace(old, new, 1))
    problems = problems_of(path)
    assert all(LINE.match(line) for line in problems.lines())


# --- menus ----------------------------------------------------------------------------------

MENU_FORM_OLD = "title: A small form\n"
MENU_FORM_NEW = "title: A small form\nmenu: focus-menu\n"
MENU_GRID = ("      - id: notes\n",
             "      - id: focus_confidence\n        type: likert\n        prompt: How confident are you?\n"
             "        scale: agree5\n        items_from_menu: {id: 'sure_{focus}', text: 'Using {title}'}\n"
             "      - id: focus_pick\n        type: ranking\n        prompt: Pick a focus.\n        choices: menu\n"
             "      - id: notes\n")


def write_menu_form(tmp_path: Path, menu: str | None = MENU) -> Path:
    if menu is not None:
        (tmp_path / "focus-menu.yaml").write_text(menu, encoding="utf-8")
    text = BASE.replace(MENU_FORM_OLD, MENU_FORM_NEW).replace(*MENU_GRID)
    return write_form(tmp_path, text=text)


def test_a_menu_fills_grids_and_choices(tmp_path):
    definition = load_definition(write_menu_form(tmp_path))
    grid = definition.question("focus_confidence")
    assert [(i.id, i.text) for i in grid.items] == [("sure_questioning", "Using Questioning"),
                                                    ("sure_feedback", "Using Feedback")]
    assert [(c.id, c.label) for c in definition.question("focus_pick").choices] == [
        ("questioning", "Questioning"), ("feedback", "Feedback")]
    assert definition.question("focus_pick").ranked_positions == 2


def test_a_menu_name_with_underscores_means_the_file_with_hyphens(tmp_path):
    path = write_menu_form(tmp_path)
    path.write_text(path.read_text().replace("menu: focus-menu", "menu: focus_menu"), encoding="utf-8")
    assert load_definition(path).question("focus_confidence").items[0].id == "sure_questioning"


def test_a_missing_menu_file_is_reported_at_the_menu_line(tmp_path):
    path = write_menu_form(tmp_path, menu=None)
    problems = problems_of(path)
    assert_reported(problems, line_with(path, "menu: focus-menu"), "menu 'focus-menu' cannot be used")
    assert_reported(problems, line_with(path, "menu: focus-menu"), "cannot read the file")


def test_a_menu_with_duplicate_focus_ids_is_refused_at_the_second_id(tmp_path):
    menu_text = MENU.replace("  - id: feedback\n", "  - id: questioning\n")
    menu_file = tmp_path / "focus-menu.yaml"
    menu_file.write_text(menu_text, encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_menu(menu_file)
    first, second = [n for n, line in enumerate(menu_text.splitlines(), start=1) if "id: questioning" in line]
    assert caught.value.lines() == [
        f"{menu_file}:{second}: focus 'questioning': duplicate id (first used at line {first})"]


def test_a_bad_menu_is_listed_under_the_definitions_menu_line(tmp_path):
    path = write_menu_form(tmp_path, menu=MENU.replace("  - id: feedback\n", "  - id: questioning\n"))
    problems = problems_of(path)
    menu_line = line_with(path, "menu: focus-menu")
    assert_reported(problems, menu_line, "menu 'focus-menu' cannot be used:")
    assert_reported(problems, menu_line, "focus 'questioning': duplicate id")


@pytest.mark.parametrize(("old", "new", "where", "fragment"), [
    ("    title: Feedback\n", "", "  - id: feedback", "focus 'feedback': title: this is required but missing"),
    ("    description: Give feedback pupils act on.\n",
     "    description: Give feedback pupils act on.\n    time_demand: enormous\n", "time_demand",
     "focus 'feedback': time_demand: Input should be 'low', 'medium' or 'high'"),
    ("  - id: feedback\n", "  - id: Feed-Back\n", "Feed-Back", "focus 'Feed-Back': id: String should match"),
    ("title: Focus menu\n", "title: Focus menu\nextra: 1\n", "extra:", "extra: unknown key"),
    ("focuses:\n", "focuses: []\nold_focuses:\n", "focuses: []", "focuses: List should have at least 1 item"),
])
def test_menu_problems_are_located(tmp_path, old, new, where, fragment):
    assert old in MENU
    menu_file = tmp_path / "focus-menu.yaml"
    menu_file.write_text(MENU.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_menu(menu_file)
    assert_reported(caught.value, line_with(menu_file, where), fragment)


def test_menu_focuses_keep_extra_attributes(tmp_path):
    menu_file = tmp_path / "focus-menu.yaml"
    menu_file.write_text(MENU.replace("    title: Feedback\n", "    title: Feedback\n    builds: [outlook]\n"),
                         encoding="utf-8")
    menu = load_menu(menu_file)
    assert menu.focuses[1].builds == ["outlook"]
    assert menu.version == "1"


def test_a_menu_item_pattern_too_long_for_some_focus_is_reported(tmp_path):
    path = write_menu_form(tmp_path)
    long_pattern = "s" * 55 + "_{focus}"
    path.write_text(path.read_text().replace("sure_{focus}", long_pattern), encoding="utf-8")
    problems = problems_of(path)
    assert_reported(problems, line_with(path, long_pattern), "question 'focus_confidence'")


def test_a_menu_grid_reusing_a_question_id_is_reported(tmp_path):
    path = write_menu_form(tmp_path)
    path.write_text(path.read_text().replace("- id: focus_confidence", "- id: mood"), encoding="utf-8")
    lines = path.read_text().splitlines()
    second = [n for n, line in enumerate(lines, start=1) if line.strip() == "- id: mood"][1]
    assert_reported(problems_of(path), second, "duplicate id 'mood'")


def test_a_construct_naming_a_grid_instead_of_its_items_is_reported(tmp_path):
    path = write_form(tmp_path, 'items: {g1: "+", g2: "-"}', 'items: {grid: "+"}  # HERE')
    assert_reported(problems_of(path), line_with(path, "# HERE"), "construct 'outlook'")


# --- the shipped menu and recommend section, broken one way at a time --------------------------

MENU_AND_RECOMMEND_PROBLEMS = [  # and the pairing section
    # (file changed, old text, new text, snippet on the reported line, fragment of the message)
    ("menu", "    builds: [efficacy]\n", "    builds: [efficacy, grit]\n", "builds: [efficacy, grit]",
     "focus 'feedback': builds names 'grit', which is not a construct in the questionnaire"),
    ("menu", "    rests_on: [learner_centred]\n", "    rests_on: [growth]\n", "rests_on: [growth]",
     "focus 'assessment_for_learning': rests_on names 'growth', which is not a construct in the questionnaire"),
    ("menu", "    pupil_priorities: [independence, reasoning, remembering]\n",
     "    pupil_priorities: [independence, handwriting]\n", "handwriting",
     "focus 'feedback': pupil_priorities names 'handwriting', which is not a choice of 'pupil_priorities'"),
    ("menu", "    rests_on: [learner_centred]\n", "    rests_on: [learner_centred]\n    weight: heavy\n",
     "weight: heavy", "focus 'assessment_for_learning': weight: Input should be a valid number"),
    ("menu", "    rests_on: [learner_centred]\n",
     "    rests_on: [learner_centred]\n    school_weights: {Ashfield: lots}\n", "school_weights",
     "focus 'assessment_for_learning': school_weights: Input should be a valid number"),
    ("definition", "    gap: 4 ", "    gap: lots ", "gap: lots",
     "recommend.weights.gap: Input should be a valid number"),
    ("definition", "    beliefs: 1 ", "    beliefs: -2 ", "beliefs: -2",
     "recommend.weights.beliefs: Input should be greater than or equal to 0"),
    ("definition", "  time_barriers: [time, workload]\n", "  time_barriers: [time, weather]\n",
     "time_barriers", "recommend: time barrier 'weather' is not a choice of the barriers question"),
    ("definition", "  pupil_groups: pupil_groups\n", "  pupil_groups: pupil_kinds\n", "pupil_kinds",
     "recommend: pupil_groups 'pupil_kinds' must name a multi_choice or single_choice question"),
    ("definition", "  choices: 1\n", "  choices: many\n", "choices: many",
     "recommend.choices: Input should be a valid integer"),
    ("definition", "  availability: availability\n", "  availability: teacher_name\n", "availability: teacher_name",
     "pairing: availability 'teacher_name' must name a multi_choice question"),
    ("definition", "  coaches: [coach, both]", "  coaches: [coach, everyone]", "everyone",
     "pairing: coaches names 'everyone', which is not a choice of 'coaching_role'"),
    ("definition", "  mentors: [established, experienced]", "  mentors: [established, trainee]",
     "mentors: [established, trainee]", "pairing: trainee cannot be both a mentee and a mentor stage"),
    ("definition", "      focus: 3 ", "      focus: lots ", "focus: lots",
     "pairing.weights.co_coaching.focus: Input should be a valid number"),
    ("definition", "  mentor_capacity: 2 ", "  mentor_capacity: 0 ", "mentor_capacity: 0",
     "pairing.mentor_capacity: Input should be greater than or equal to 1"),
]


@pytest.mark.parametrize(("which", "old", "new", "where", "fragment"), MENU_AND_RECOMMEND_PROBLEMS,
                         ids=[row[3] for row in MENU_AND_RECOMMEND_PROBLEMS])
def test_menu_and_recommend_problems_are_located(shipped_copy, which, old, new, where, fragment):
    changed = shipped_copy.with_name(SHIPPED_MENU.name) if which == "menu" else shipped_copy
    text = changed.read_text(encoding="utf-8")
    assert old in text
    changed.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = problems_of(shipped_copy)
    if which == "definition":
        assert_reported(problems, line_with(shipped_copy, where), fragment)
        return
    # A menu's problems are listed under the definition's `menu:` line, each with the menu file's own line.
    menu_line = line_with(shipped_copy, "menu: learning-focuses")
    assert problems.lines()[0] == f"{shipped_copy}:{menu_line}: menu 'learning-focuses' cannot be used:"
    assert_reported(problems, menu_line, f"{changed}:{line_with(changed, where)}: {fragment}")
    # Nothing else is blamed: the questions built from the menu are not reported as duplicates.
    assert not [line for line in problems.lines() if "duplicate" in line]
