"""The cross-reference checks, one checker per part of a definition, run in the order of their table.

tests/test_loader.py covers each message at its line through `load_definition`; these tests
cover the seam: every part of the shipped definition broken in one place is reported by its own
checker alone, and `cross_reference_problems` is the checkers' problems in table order.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from forms.checks import CHECKERS, cross_reference_problems
from forms.checks.raw import RawDefinition
from forms.loader import load_definition, load_menu
from forms.yamlfile import FileProblems

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"
SHIPPED_DATA = yaml.safe_load((DEFINITIONS / "starting-point.yaml").read_text(encoding="utf-8"))
MENU = load_menu(DEFINITIONS / "learning-focuses.yaml")


def question(data: dict, qid: str) -> dict:
    """The raw question with this id."""
    return next(q for section in data["sections"] for q in section["questions"] if q["id"] == qid)


def break_sections(data: dict) -> None:
    data["sections"][1]["id"] = data["sections"][0]["id"]


def break_question(data: dict) -> None:
    question(data, "beliefs_learning")["scale"] = "agree7"


def break_show_if(data: dict) -> None:
    question(data, "role_other")["show_if"] = {"question": "nobody", "answered": True}


def break_construct(data: dict) -> None:
    data["constructs"][0]["items"]["nobody"] = "+"


def break_grouping(data: dict) -> None:
    data["grouping"]["describe"].append("nobody")


def break_recommend(data: dict) -> None:
    data["recommend"]["time_barriers"].append("weather")


def break_pairing(data: dict) -> None:
    data["pairing"]["coaches"].append("everyone")


def break_learning_focus(data: dict) -> None:
    data["learning_focus"]["goal"] = "nobody"


def break_follow_up(data: dict) -> None:
    data["follows"] = {"form": "starting_point", "version": "1"}  # on a starting point, not a follow-up


def break_progress(data: dict) -> None:
    data["progress"] = {"goal": "observation_comfort"}  # a starting point has no goal to report progress on yet


# (checker, how to break its part, what its one message says), in the order of CHECKERS
BREAKS = [
    ("section_problems", break_sections, "section 'about': duplicate section id"),
    ("question_problems", break_question, "question 'beliefs_learning': unknown scale 'agree7'"),
    ("show_if_problems", break_show_if, "question 'role_other': show_if names unknown question 'nobody'"),
    ("construct_problems", break_construct, "construct 'learner_centred': item 'nobody' is not a question"),
    ("grouping_problems", break_grouping, "grouping describe: 'nobody' must name a"),
    ("recommend_problems", break_recommend, "recommend: time barrier 'weather' is not a choice"),
    ("pairing_problems", break_pairing, "pairing: coaches names 'everyone'"),
    ("learning_focus_problems", break_learning_focus, "learning_focus: goal 'nobody' must name a"),
    ("follow_up_problems", break_follow_up, "follows: only a follow-up questionnaire follows another"),
    ("progress_problems", break_progress, "progress: only a follow-up questionnaire reports progress"),
]


def by_checker(data: dict) -> dict[str, list]:
    raw = RawDefinition(data, MENU)
    return {check.__name__: check(raw) for check in CHECKERS}


def test_the_shipped_definition_has_no_problem_in_any_part():
    assert by_checker(copy.deepcopy(SHIPPED_DATA)) == {check.__name__: [] for check in CHECKERS}


def test_the_shipped_follow_up_has_no_problem_in_any_part():
    data = yaml.safe_load((DEFINITIONS / "follow-up.yaml").read_text(encoding="utf-8"))
    assert by_checker(data) == {check.__name__: [] for check in CHECKERS}


def test_every_checker_has_a_one_line_summary():
    for check in CHECKERS:
        assert check.__doc__ and len(check.__doc__.strip().splitlines()) == 1, check.__name__


@pytest.mark.parametrize(("checker", "breaks", "fragment"), BREAKS, ids=[row[0] for row in BREAKS])
def test_a_broken_part_is_reported_by_its_own_checker_alone(checker, breaks, fragment):
    data = copy.deepcopy(SHIPPED_DATA)
    breaks(data)
    found = by_checker(data)
    assert [name for name, problems in found.items() if problems] == [checker]
    assert [fragment in problem.message for problem in found[checker]] == [True]


def test_every_part_broken_at_once_is_reported_part_by_part_in_table_order():
    data = copy.deepcopy(SHIPPED_DATA)
    for _, breaks, _ in BREAKS:
        breaks(data)
    problems = cross_reference_problems(data, MENU)
    assert problems == [problem for found in by_checker(data).values() for problem in found]
    assert [row[0] for row in BREAKS] == [check.__name__ for check in CHECKERS]
    assert len(problems) == len(BREAKS)
    for problem, (_, _, fragment) in zip(problems, BREAKS, strict=True):
        assert fragment in problem.message


def test_a_questions_problems_stay_together_and_in_order_on_one_line(tmp_path):
    # Flow style puts both questions on one line: the order found is the only order the lines can show.
    path = tmp_path / "tiny.yaml"
    path.write_text(
        'id: tiny\nversion: "1"\ntitle: Tiny\nsections:\n  - id: only\n    title: Only\n'
        "    questions: [{id: Bad, type: likert, prompt: One, scale: nope}, {id: two, type: multi_choice, "
        "prompt: Two, choices: [{id: a, label: A}, {id: a, label: B}], max_selected: 5}]\n", encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_definition(path)
    assert {line.split(": ", 1)[0] for line in caught.value.lines()} == {f"{path}:7"}
    messages = [line.split(": ", 1)[1] for line in caught.value.lines()]
    expected = ["question 'Bad': 'Bad' is not a valid id", "question 'Bad': unknown scale 'nope'",
                "question 'two': duplicate choice ids ['a']", "question 'two': max_selected (5) exceeds the 2 choices"]
    assert [next(i for i, m in enumerate(messages) if m.startswith(e)) for e in expected] == [0, 1, 2, 3]
