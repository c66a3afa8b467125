"""Page forms built from sections: validation of posted answers, typed answers, refilling and visibility."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms.validators import DataRequired, InputRequired, Optional

from diagnostic import create_app
from forms.builder import PageForm, apply_visibility, build_page_form, form_data, page_form, read_answers
from forms.loader import load_definition
from forms.schema import Definition, Section

SHIPPED = Path(__file__).resolve().parents[2] / "forms" / "definitions" / "starting-point.yaml"

FORM = """\
id: builder_check
version: "1"
title: Builder check
scales:
  agree5:
    min: 1
    max: 5
    labels: {1: Disagree, 3: Not sure, 5: Agree}
  zero_ten: {min: 0, max: 10}
choice_lists:
  colours:
    - {id: red, label: Red}
    - {id: blue, label: Blue}
    - {id: green, label: Green}
    - {id: other, label: Something else}
sections:
  - id: every
    title: Every type, optional
    questions:
      - {id: agree, type: consent, prompt: I agree to take part., required: true}
      - {id: colour, type: single_choice, prompt: Pick a colour., choices: colours}
      - {id: tastes, type: multi_choice, prompt: Pick up to two., choices: colours, max_selected: 2}
      - {id: top, type: ranking, prompt: Put colours in order., choices: colours}
      - {id: name, type: short_text, prompt: Your name., max_length: 40}
      - {id: notes, type: long_text, prompt: Anything else.}
      - {id: age, type: number, prompt: Your age., min: 0, max: 99}
      - {id: hours, type: number, prompt: Hours spent., min: 0, max: 9.5, integer: false}
      - {id: happy, type: yes_no, prompt: Happy with it.}
      - id: grid
        type: likert
        prompt: Rate these.
        scale: agree5
        items:
          - {id: g1, text: First statement.}
          - {id: g2, text: Second statement.}
      - {id: mood, type: likert, prompt: Your mood., scale: zero_ten}
  - id: needed
    title: Every type, required
    questions:
      - {id: r_consent, type: consent, prompt: I agree., required: true}
      - {id: r_single, type: single_choice, prompt: Pick one., choices: colours, required: true}
      - {id: r_multi, type: multi_choice, prompt: Pick some., choices: colours, required: true, min_selected: 2}
      - {id: r_rank, type: ranking, prompt: Rank them., choices: colours, max_ranked: 2, required: true}
      - {id: r_short, type: short_text, prompt: A word., required: true}
      - {id: r_long, type: long_text, prompt: Some words., required: true}
      - {id: r_number, type: number, prompt: A number., min: 1, required: true}
      - {id: r_yes_no, type: yes_no, prompt: Yes or no., required: true}
      - id: r_grid
        type: likert
        prompt: Rate.
        scale: agree5
        required: true
        items: [{id: rg1, text: One.}, {id: rg2, text: Two.}]
  - id: gentle
    title: Every type, soft-required
    questions:
      - {id: s_single, type: single_choice, prompt: Pick one., choices: colours, required: soft}
      - {id: s_multi, type: multi_choice, prompt: Pick some., choices: colours, required: soft}
      - {id: s_rank, type: ranking, prompt: Rank them., choices: colours, required: soft}
      - {id: s_short, type: short_text, prompt: A word., required: soft}
      - {id: s_number, type: number, prompt: A number., max: 10, required: soft}
      - {id: s_yes_no, type: yes_no, prompt: Yes or no., required: soft}
      - id: s_grid
        type: likert
        prompt: Rate.
        scale: agree5
        required: soft
        items: [{id: sg1, text: One.}, {id: sg2, text: Two.}]
  - id: branching
    title: Follow-ups on the same page
    questions:
      - {id: pet, type: single_choice, prompt: Pick a colour., choices: colours, required: true}
      - id: pet_other
        type: short_text
        prompt: Which colour then.
        required: true
        show_if: {question: pet, equals: other}
      - id: pet_why
        type: long_text
        prompt: Why that one.
        required: true
        show_if: {all: [{question: pet_other, answered: true}, {question: colour, equals: red}]}
"""

GOOD = [
    ("agree", "y"), ("colour", "red"), ("tastes", "red"), ("tastes", "blue"), ("top-rank_1", "red"),
    ("top-rank_2", "green"), ("top-rank_3", ""), ("name", "  Ann Smith  "), ("notes", "Fine."), ("age", "42"),
    ("hours", "2.5"), ("happy", "yes"), ("g1", "4"), ("g2", "1"), ("mood", "0"),
]


@pytest.fixture(scope="module")
def definition(tmp_path_factory) -> Definition:
    path = tmp_path_factory.mktemp("builder") / "builder-check.yaml"
    path.write_text(FORM, encoding="utf-8")
    return load_definition(path)


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "DATA": str(tmp_path), "WTF_CSRF_ENABLED": False})


def section(definition: Definition, section_id: str) -> Section:
    return next(s for s in definition.sections if s.id == section_id)


def post(app, page: Section, data, earlier: dict | None = None, *, visibility: bool = False):
    """Validate `data` posted to the page; return (valid, errors, answers read back)."""
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = build_page_form(page)()
        questions = apply_visibility(form, page, earlier or {}) if visibility else page.questions
        valid = form.validate()
        answers: dict = {}
        for q in questions:
            answers.update(read_answers(form, q))
        return valid, form.errors, answers


def with_value(data: list[tuple[str, str]], name: str, *values: str) -> MultiDict:
    changed = MultiDict(data)
    if values:
        changed.setlist(name, list(values))
    else:
        changed.poplist(name)
    return changed


def errors_at(errors: dict, name: str) -> list[str]:
    """The messages for a field; `top-rank_2` reaches into a ranking's sub-form."""
    if "-" in name:
        outer, inner = name.split("-")
        return errors.get(outer, {}).get(inner, [])
    return errors.get(name, [])


# --- correct answers ---------------------------------------------------------------------------

def test_correct_answers_validate_and_read_back_typed(app, definition):
    valid, errors, answers = post(app, section(definition, "every"), GOOD)
    assert valid, errors
    assert answers == {
        "agree": True, "colour": "red", "tastes": ["red", "blue"], "top": ["red", "green"], "name": "Ann Smith",
        "notes": "Fine.", "age": 42, "hours": 2.5, "happy": "yes", "g1": 4, "g2": 1, "mood": 0,
    }
    assert type(answers["age"]) is int
    assert type(answers["g1"]) is int


def test_a_whole_number_in_a_decimal_question_is_read_as_an_int(app, definition):
    valid, _, answers = post(app, section(definition, "every"), with_value(GOOD, "hours", "3.0"))
    assert valid
    assert answers["hours"] == 3 and type(answers["hours"]) is int


def test_unanswered_questions_are_left_out(app, definition):
    valid, errors, answers = post(app, section(definition, "every"), [("agree", "y"), ("name", "   ")])
    assert valid, errors
    assert answers == {"agree": True}


def test_an_empty_page_of_optional_questions_validates(app, definition):
    valid, errors, answers = post(app, section(definition, "gentle"), [])
    assert valid, errors
    assert answers == {}


# --- bad answers -------------------------------------------------------------------------------

# (question type, field posted, values posted (none: left out), error fragment)
BAD = [
    ("likert", "g1", ("6",), "Not a valid choice"),
    ("likert", "g1", ("0",), "Not a valid choice"),
    ("likert", "mood", ("11",), "Not a valid choice"),
    ("likert", "mood", ("-1",), "Not a valid choice"),
    ("likert", "g2", ("four",), "could not coerce"),
    ("likert", "g2", ("2.5",), "could not coerce"),
    ("single_choice", "colour", ("purple",), "Not a valid choice"),
    ("single_choice", "colour", ("Red",), "Not a valid choice"),
    ("yes_no", "happy", ("maybe",), "Not a valid choice"),
    ("yes_no", "happy", ("true",), "Not a valid choice"),
    ("multi_choice", "tastes", ("red", "blue", "green"), "Choose no more than 2 (you chose 3)"),
    ("multi_choice", "tastes", ("pink",), "'pink' is not a valid choice"),
    ("multi_choice", "tastes", ("red", "red"), "Each answer can be chosen once"),
    ("ranking", "top-rank_2", ("red",), "You chose this already; choose a different one or leave it empty"),
    ("ranking", "top-rank_1", ("pink",), "Not a valid choice"),
    ("short_text", "name", ("x" * 41,), "Use no more than 40 characters"),
    ("long_text", "notes", ("y" * 4001,), "Use no more than 4000 characters"),
    ("number", "age", ("100",), "Enter a number from 0 to 99"),
    ("number", "age", ("-1",), "Enter a number from 0 to 99"),
    ("number", "age", ("ten",), "Not a valid integer value"),
    ("number", "age", ("4.5",), "Not a valid integer value"),
    ("number", "hours", ("9.6",), "Enter a number from 0 to 9.5"),
    ("number", "hours", ("lots",), "Not a valid float value"),
    ("consent", "agree", (), "Tick the box to agree before you go on"),
]


@pytest.mark.parametrize(("kind", "name", "values", "fragment"), BAD,
                         ids=[f"{row[0]}-{row[1]}-{'+'.join(row[2]) or 'nothing'}"[:60] for row in BAD])
def test_bad_answers_are_refused_with_a_message(app, definition, kind, name, values, fragment):
    question = definition.answer_question(name.split("-")[0])
    assert question.type == kind
    valid, errors, _ = post(app, section(definition, "every"), with_value(GOOD, name, *values))
    assert not valid
    messages = errors_at(errors, name)
    assert any(fragment in message for message in messages), errors
    # The mistake is reported on that field alone.
    assert set(errors) == {name.split("-")[0]}


def test_a_ranking_gap_is_reported_on_the_later_position(app, definition):
    data = with_value(with_value(GOOD, "top-rank_1", ""), "top-rank_2", "red")
    valid, errors, _ = post(app, section(definition, "every"), data)
    assert not valid
    assert errors == {"top": {"rank_2": ["Fill in choice 1 before choice 2"]}}


def test_a_ranking_offers_three_positions_by_default(app, definition):
    with app.test_request_context():
        form = build_page_form(section(definition, "every"))()
        assert [field.name for field in form["top"]] == ["top-rank_1", "top-rank_2", "top-rank_3"]
        assert [choice[0] for choice in form["top"]["rank_1"].iter_choices()] == ["", "red", "blue", "green", "other"]


# --- required and soft-required ----------------------------------------------------------------

@pytest.mark.parametrize(("name", "message"), [
    ("r_consent", "Tick the box to agree before you go on"),
    ("r_single", "Choose one answer"),
    ("r_multi", "Choose at least one answer"),
    ("r_rank-rank_1", "Choose at least your first preference"),
    ("r_short", "Enter an answer"),
    ("r_long", "Enter an answer"),
    ("r_number", "Enter a number"),
    ("r_yes_no", "Choose yes or no"),
    ("rg1", "Choose one point on the scale"),
    ("rg2", "Choose one point on the scale"),
])
def test_required_questions_left_empty_are_refused(app, definition, name, message):
    valid, errors, _ = post(app, section(definition, "needed"), [])
    assert not valid
    assert message in errors_at(errors, name)


REQUIRED_ANSWERS = [
    ("r_consent", "y"), ("r_single", "blue"), ("r_multi", "red"), ("r_multi", "green"), ("r_rank-rank_1", "blue"),
    ("r_short", "Yes"), ("r_long", "Plenty"), ("r_number", "7"), ("r_yes_no", "no"), ("rg1", "2"), ("rg2", "5"),
]


def test_required_questions_answered_validate(app, definition):
    valid, errors, answers = post(app, section(definition, "needed"), REQUIRED_ANSWERS)
    assert valid, errors
    assert answers["r_rank"] == ["blue"]
    assert answers["r_multi"] == ["red", "green"]


def test_a_required_grid_needs_every_item(app, definition):
    valid, errors, _ = post(app, section(definition, "needed"), with_value(REQUIRED_ANSWERS, "rg2"))
    assert not valid
    assert set(errors) == {"rg2"}


def test_min_selected_applies_once_something_is_ticked(app, definition):
    valid, errors, _ = post(app, section(definition, "needed"), with_value(REQUIRED_ANSWERS, "r_multi", "red"))
    assert not valid
    assert errors == {"r_multi": ["Choose at least 2"]}


def test_soft_required_fields_are_optional_and_required_fields_are_not(app, definition):
    with app.test_request_context():
        soft = build_page_form(section(definition, "gentle"))()
        hard = build_page_form(section(definition, "needed"))()
        for name in ("s_single", "s_multi", "s_short", "s_number", "s_yes_no", "sg1", "sg2"):
            assert any(isinstance(v, Optional) for v in soft[name].validators), name
            assert not any(isinstance(v, InputRequired) for v in soft[name].validators), name
        for name in ("r_single", "r_multi", "r_short", "r_number", "r_yes_no", "rg1", "r_consent"):
            assert any(isinstance(v, InputRequired | DataRequired) for v in hard[name].validators), name


def test_soft_required_answers_still_have_to_be_valid(app, definition):
    valid, errors, _ = post(app, section(definition, "gentle"), [("s_number", "11"), ("s_single", "pink")])
    assert not valid
    assert errors["s_number"] == ["Enter a number no bigger than 10"]
    assert errors["s_single"] == ["Not a valid choice."]


def test_a_required_text_answer_of_only_spaces_is_refused(app, definition):
    valid, errors, answers = post(app, section(definition, "needed"), with_value(REQUIRED_ANSWERS, "r_short", "   "))
    assert "r_short" not in answers
    assert not valid, "the page saved with a required answer missing"
    assert errors_at(errors, "r_short") == ["Enter an answer"]


def test_a_number_without_bounds_builds_and_accepts_any_number(app, tmp_path):
    path = tmp_path / "open-number.yaml"
    path.write_text('id: open\nversion: "1"\ntitle: Open\nsections:\n  - id: only\n    title: Only\n'
                    "    questions:\n      - {id: count, type: number, prompt: How many.}\n", encoding="utf-8")
    page = load_definition(path).sections[0]
    valid, errors, answers = post(app, page, [("count", "123456")])
    assert valid, errors
    assert answers == {"count": 123456}


# --- refilling a page ----------------------------------------------------------------------

def test_form_data_refills_ranking_positions_and_other_answers(app, definition):
    page = section(definition, "every")
    saved = {"top": ["blue", "other"], "g1": 3, "colour": "green", "tastes": ["red"], "age": 7, "elsewhere": 1}
    data = form_data(page, saved)
    assert data["top"] == {"rank_1": "blue", "rank_2": "other", "rank_3": ""}
    assert "elsewhere" not in data
    with app.test_request_context():
        form = build_page_form(page)(data=data)
        assert [form["top"][f"rank_{n}"].data for n in (1, 2, 3)] == ["blue", "other", ""]
        assert form["g1"].data == 3
        assert form["colour"].data == "green"
        assert form["tastes"].data == ["red"]
        assert form["age"].data == 7
        # What is refilled reads back as what was saved.
        for q in page.questions:
            for answer_id, value in read_answers(form, q).items():
                assert saved[answer_id] == value


def test_form_data_gives_an_unanswered_ranking_empty_positions(definition):
    data = form_data(section(definition, "every"), {})
    assert data == {"top": {"rank_1": "", "rank_2": "", "rank_3": ""}}


def test_a_refilled_page_posted_back_unchanged_gives_the_same_answers(app, definition):
    page = section(definition, "every")
    _, _, first = post(app, page, GOOD)
    posted = [("agree", "y")] + [(k, v) for k, v in GOOD if k != "agree"]
    _, _, again = post(app, page, posted)
    assert again == first


# --- visibility ---------------------------------------------------------------------------------

def test_a_hidden_required_follow_up_does_not_block_the_page(app, definition):
    page = section(definition, "branching")
    valid, errors, answers = post(app, page, [("pet", "red")], visibility=True)
    assert valid, errors
    assert answers == {"pet": "red"}
    # Without the visibility step the hidden question would have blocked it.
    valid, errors, _ = post(app, page, [("pet", "red")])
    assert not valid and "pet_other" in errors


def test_a_shown_required_follow_up_is_required(app, definition):
    page = section(definition, "branching")
    valid, errors, _ = post(app, page, [("pet", "other")], visibility=True)
    assert not valid
    assert errors == {"pet_other": ["Enter an answer"]}
    valid, errors, answers = post(app, page, [("pet", "other"), ("pet_other", "Teal")], visibility=True)
    assert valid, errors
    assert answers == {"pet": "other", "pet_other": "Teal"}


def test_an_answer_to_a_hidden_question_is_not_kept(app, definition):
    page = section(definition, "branching")
    valid, _, answers = post(app, page, [("pet", "blue"), ("pet_other", "Teal")], visibility=True)
    assert valid
    assert answers == {"pet": "blue"}


def test_visibility_uses_earlier_pages_and_the_posted_values_of_this_page(app, definition):
    page = section(definition, "branching")
    posted = [("pet", "other"), ("pet_other", "Teal")]
    valid, errors, _ = post(app, page, posted, {"colour": "red"}, visibility=True)
    assert not valid and set(errors) == {"pet_why"}
    valid, errors, answers = post(app, page, posted, {"colour": "blue"}, visibility=True)
    assert valid, errors
    assert "pet_why" not in answers
    # An earlier answer saved for a question on this page does not override what is posted now.
    valid, _, answers = post(app, page, [("pet", "red")], {"pet": "other", "colour": "red"}, visibility=True)
    assert valid
    assert answers == {"pet": "red"}


def test_apply_visibility_returns_shown_questions_and_drops_hidden_fields(app):
    about = next(s for s in load_definition(SHIPPED).sections if s.id == "about")
    with app.test_request_context(method="POST", data={"role": "class_teacher"}):
        form = build_page_form(about)()
        shown = apply_visibility(form, about, {})
        assert "role_other" not in [q.id for q in shown]
        assert "role_other" not in form
        assert "role" in form
    with app.test_request_context(method="POST", data={"role": "other"}):
        form = build_page_form(about)()
        shown = apply_visibility(form, about, {})
        assert "role_other" in [q.id for q in shown]
        assert "role_other" in form


# --- fresh classes ------------------------------------------------------------------------------

def test_each_call_builds_a_distinct_class_and_leaves_the_base_alone(app, definition):
    every, needed = section(definition, "every"), section(definition, "needed")
    first, second, other = build_page_form(every), build_page_form(every), build_page_form(needed)
    assert first is not second
    assert issubclass(first, PageForm)
    assert not hasattr(PageForm, "colour")
    with app.test_request_context():
        assert "colour" not in other() and "r_single" not in first()
        assert "revision" in first() and "revision" in other()


def test_dropping_a_field_from_one_form_leaves_later_forms_whole(app, definition):
    page = section(definition, "branching")
    form_class = build_page_form(page)
    with app.test_request_context(method="POST", data={"pet": "red"}):
        form = form_class()
        apply_visibility(form, page, {})
        assert "pet_other" not in form
    with app.test_request_context(method="POST", data={"pet": "red"}):
        assert "pet_other" in form_class()
        assert "pet_other" in build_page_form(page)()


def test_a_page_shares_one_form_class_and_a_form_dropping_a_field_leaves_the_next_whole(app, definition):
    page, other = section(definition, "branching"), section(definition, "every")
    assert page_form(page) is page_form(page) and page_form(other) is not page_form(page)
    assert page_form(page.model_copy()) is not page_form(page)  # another parse of the page: a class of its own
    with app.test_request_context(method="POST", data={"pet": "red"}):
        form = page_form(page)()
        apply_visibility(form, page, {})
        assert "pet_other" not in form
    with app.test_request_context(method="POST", data={"pet": "red"}):
        assert "pet_other" in page_form(page)()
