"""Command-line messages say the thing in words and list the valid values (issue 13, item 17).

Import errors name the answers a cell may hold, `forms check` describes what to write instead of
pydantic's class names, an unknown form id lists the ids there are, a closing date in the past is
refused (see test_cli.py), and `recommend` and `pair` speak of teachers, focuses and who coaches whom
by name while their --json keeps the ids.
"""

from __future__ import annotations

import re

import pytest

from tests.cli.test_cli import valid_row, write_answers

# -- forms check ---------------------------------------------------------------------------
QUESTION = """\
id: wrong_kinds
version: "1"
title: Wrong kinds
sections:
  - id: one
    title: One
    questions:
      - id: colour
        type: single_choice
        prompt: Pick one
        choices: [{{id: red, label: Red}}]
{extra}
"""

WRONG_KINDS = [
    pytest.param("      - id: q\n        type: single_choice\n        prompt: Pick\n        choices: [red, blue]",
                 "q': choices.0: should be a choice with an id and a label", "found 'red'", id="choice-as-text"),
    pytest.param("      - id: q\n        type: short_text\n        prompt: Why?\n        show_if: colour",
                 "q': show_if: should be a condition on an earlier answer such as {question: role, equals: other}",
                 "found 'colour'", id="condition-as-text"),
    pytest.param("      - id: q\n        type: short_text\n        prompt: Why?\n        show_if: [colour]",
                 "q': show_if: should be a condition", "found a list", id="condition-as-list"),
    pytest.param("      - id: q\n        type: likert\n        prompt: Rate\n        scale: [1, 5]",
                 "q': scale: should be a scale such as {min: 1, max: 5}, or the name of one", "found a list",
                 id="scale-as-list"),
    pytest.param("      - id: q\n        type: likert\n        prompt: Rate\n        scale: {min: 1, max: 5}\n"
                 "        items: [I plan]", "q': items.0: should be a statement with an id and its text",
                 "found 'I plan'", id="item-as-text"),
    pytest.param("      - just a question", "question 2: should be a mapping of keys with id, type, "
                 "prompt", "found 'just a question'", id="question-as-text"),
]


@pytest.mark.parametrize(("extra", "message", "found"), WRONG_KINDS)
def test_forms_check_says_what_to_write_instead_of_library_internals(invoke, tmp_path, extra, message, found):
    path = tmp_path / "form.yaml"
    path.write_text(QUESTION.format(extra=extra), encoding="utf-8")
    result = invoke("forms", "check", path)
    assert result.exit_code == 1
    (line,) = [x for x in result.output.splitlines() if message in x]
    assert re.match(rf"{re.escape(str(path))}:\d+: ", line) and found in line
    assert "instance of" not in result.output and "valid dictionary" not in result.output


@pytest.mark.parametrize(("args", "listed"), [
    pytest.param(["forms", "show", "starting-point"], "definitions found: follow_up (version 1), "
                 "learning_agreement (version 1), starting_point (version 2)", id="show-unknown-id"),
    pytest.param(["forms", "show", "starting_point", "--version", "9"], "versions of starting_point found: 2",
                 id="show-unknown-version"),
    pytest.param(["cohort", "create", "--name", "N", "--form", "startingpoint"], "starting_point (version 2)",
                 id="create-unknown-id"),
])
def test_an_unknown_form_lists_the_ids_there_are(invoke, store, args, listed):
    result = invoke(*args)
    assert result.exit_code == 1
    assert listed in result.output and "no definition" in result.output
    assert store.list_cohorts() == []


# -- import-responses ------------------------------------------------------------------------
@pytest.mark.parametrize(("column", "value", "allowed"), [
    pytest.param("lc1", "7", "1, 2, 3, 4, 5", id="likert"),
    pytest.param("career_stage", "veteran", "trainee, early_career, developing, established, experienced",
                 id="single-choice"),
])
def test_import_names_the_answers_a_cell_may_hold(invoke, store, cohort, shipped, tmp_path, column, value, allowed):
    path = write_answers(tmp_path / "answers.csv", shipped, [valid_row(shipped, 0, **{column: value})])
    result = invoke("import-responses", "--cohort", cohort["id"], path)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if f": {column}: " in x)
    assert line.endswith(f"{column}: {value!r} is not among the answers allowed: {allowed}"), line
    assert store.list_responses(cohort["id"]) == []
