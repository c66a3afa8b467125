"""Turn one section (page) of a definition into a Flask-WTF form class, and read answers back.

Each question becomes one field named by its id (a likert grid becomes one
radio field per item; a ranking becomes a plain `wtforms.Form` sub-form with
one select per position). Classes are built fresh inside a function, never by
mutating a shared class, as the WTForms documentation advises.
"""

from __future__ import annotations

import math
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from forms.conditions import holds
from forms.schema import Question, Section

MESSAGES = {
    "likert": "Choose one point on the scale",
    "single_choice": "Choose one answer",
    "yes_no": "Choose yes or no",
    "multi_choice": "Choose at least one answer",
    "ranking": "Choose at least your first preference",
    "short_text": "Enter an answer",
    "long_text": "Enter an answer",
    "number": "Enter a number",
    "consent": "Tick the box to agree before you go on",
}


class CheckboxesField(SelectMultipleField):
    """A multi-choice question shown as a group of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PageForm(FlaskForm):
    """Fields every questionnaire page carries besides its questions."""

    revision = HiddenField()


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _required(q: Question) -> list:
    if q.required is True:
        # Text is trimmed and a consent box may be posted as "false", so those check the
        # cleaned value; choice groups check that anything was sent at all.
        check = DataRequired if q.type in ("short_text", "long_text", "consent") else InputRequired
        return [check(message=MESSAGES[q.type])]
    return [Optional()]


class _SelectionCount:
    """Checks a multi-choice answer has between min and max selections."""

    def __init__(self, low: int | None, high: int | None):
        self.low, self.high = low, high

    def __call__(self, form: Form, field: SelectMultipleField) -> None:
        count = len(field.data or [])
        repeated = sorted({v for v in field.data or [] if field.data.count(v) > 1})
        if repeated:
            raise ValidationError(f"Each answer can be chosen once ({', '.join(repeated)} chosen more than once)")
        if count and self.low and count < self.low:
            raise ValidationError(f"Choose at least {self.low}")
        if self.high and count > self.high:
            raise ValidationError(f"Choose no more than {self.high} (you chose {count})")


class _NothingTicked(Optional):
    """Optional for a group of checkboxes: the checks are skipped only when nothing at all was posted.

    WTForms' Optional also stops when the *first* value posted is empty, and clears the errors found so
    far, "not a valid choice" among them, so a post of ["", "anything", ...] would be kept as the answer.
    """

    def __call__(self, form: Form, field: SelectMultipleField) -> None:
        if not field.raw_data:
            field.errors[:] = []
            raise StopValidation()


def _choices(q: Question) -> list[SelectChoice]:
    return [SelectChoice(c.id, c.label) for c in q.options]


def _ranking_form(q: Question) -> type[Form]:
    """A sub-form with one select per ranked position; positions fill in order, no repeats."""
    choices = [SelectChoice("", "Not chosen")] + _choices(q)

    class RankingForm(Form):
        def validate(self, extra_validators: Any = None) -> bool:
            if not super().validate(extra_validators):
                return False
            picked = [self[f"rank_{n}"].data for n in range(1, q.ranked_positions + 1)]
            for n, value in enumerate(picked, start=1):
                field = self[f"rank_{n}"]
                if value and value in picked[: n - 1]:
                    field.errors.append("You chose this already; choose a different one or leave it empty")
                elif value and n > 1 and not picked[n - 2]:
                    field.errors.append(f"Fill in choice {n - 1} before choice {n}")
            if q.required is True and not picked[0]:
                self["rank_1"].errors.append(MESSAGES["ranking"])
            return not any(self[f"rank_{n}"].errors for n in range(1, q.ranked_positions + 1))

    for n in range(1, q.ranked_positions + 1):
        label = "First choice" if n == 1 else f"Choice {n}"
        setattr(RankingForm, f"rank_{n}", SelectField(label, choices=choices, default=""))
    return RankingForm


def _fields(q: Question) -> list[tuple[str, Any]]:
    """The form fields for one question, as (name, unbound field)."""
    required = _required(q)
    kind = q.type
    if kind == "likert":
        choices = [SelectChoice(v, q.scale.label(v)) for v in q.scale.points()]
        entries = [(item.id, item.text) for item in q.items] if q.is_grid else [(q.id, q.prompt)]
        return [(name, RadioField(label, choices=choices, coerce=int, validators=required))
                for name, label in entries]
    if kind in ("single_choice", "yes_no"):
        return [(q.id, RadioField(q.prompt, choices=_choices(q), validators=required))]
    if kind == "multi_choice":
        count = _SelectionCount(q.min_selected, q.max_selected)
        checks = required if q.required is True else [_NothingTicked()]
        return [(q.id, CheckboxesField(q.prompt, choices=_choices(q), validators=[*checks, count]))]
    if kind == "ranking":
        return [(q.id, FormField(_ranking_form(q), label=q.prompt))]
    if kind in ("short_text", "long_text"):
        field = StringField if kind == "short_text" else TextAreaField
        limit = Length(max=q.text_limit, message=f"Use no more than {q.text_limit} characters")
        return [(q.id, field(q.prompt, validators=[*required, limit], filters=[_strip]))]
    if kind == "number":
        field = IntegerField if q.integer is not False else FloatField
        message = "Enter a whole number" if q.integer is not False else "Enter a number"
        bounded = q.min is not None or q.max is not None
        bounds = [NumberRange(min=q.min, max=q.max, message=_range_message(q))] if bounded else []
        return [(q.id, field(q.prompt, validators=[*required, _finite, *bounds], render_kw={"inputmode": "numeric"},
                             description=message))]
    if kind == "consent":
        return [(q.id, BooleanField(q.prompt, validators=required))]
    raise ValueError(f"unknown question type {kind!r}")


def _finite(form: Form, field: FloatField | IntegerField) -> None:
    """Refuse what no bound can be checked against: float() reads "nan" and "inf", int() reads 400 digits."""
    try:
        finite = field.data is None or math.isfinite(field.data)
    except OverflowError:  # an integer too large for a float; NumberRange would raise it
        finite = False
    if not finite:
        raise StopValidation("Enter a number")  # one message, not the range's too


def _range_message(q: Question) -> str:
    def fmt(x: float) -> str:
        return f"{x:g}"

    if q.min is not None and q.max is not None:
        return f"Enter a number from {fmt(q.min)} to {fmt(q.max)}"
    if q.min is not None:
        return f"Enter a number of at least {fmt(q.min)}"
    return f"Enter a number no bigger than {fmt(q.max)}"


def build_page_form(section: Section) -> type[PageForm]:
    """A new FlaskForm subclass holding one field per answer on this page."""

    class SectionForm(PageForm):
        pass

    for q in section.questions:
        for name, field in _fields(q):
            setattr(SectionForm, name, field)
    return SectionForm


def page_form(section: Section) -> type[PageForm]:
    """The form class of a page, built once per section object: `build_page_form`'s class, shared.

    Sharing is safe because nothing changes a form class once built (`apply_visibility` drops fields from the
    form, not its class), and it spares every request the building and WTForms' sorting of the fields. A
    published definition is parsed once per process, so its sections are the same objects on every request.
    """
    found = _page_forms.get(id(section))
    if found is None or found[0] is not section:
        if len(_page_forms) >= PAGE_FORMS_KEPT:
            _page_forms.clear()  # definitions parsed again and again (a check, an import) must not pile up
        found = _page_forms[id(section)] = (section, build_page_form(section))
    return found[1]


PAGE_FORMS_KEPT = 512
# id(section) -> (that section, its class): holding the section keeps its id from being reused by another.
_page_forms: dict[int, tuple[Section, type[PageForm]]] = {}


def form_data(section: Section, answers: dict[str, Any]) -> dict[str, Any]:
    """Saved answers shaped as the page form's `data=` (rankings become their positions)."""
    data: dict[str, Any] = {}
    for q in section.questions:
        if q.type == "ranking":
            ranked = answers.get(q.id) or []
            data[q.id] = {f"rank_{n}": (ranked[n - 1] if n <= len(ranked) else "")
                          for n in range(1, q.ranked_positions + 1)}
        else:
            data.update({a: answers[a] for a in q.answer_ids() if a in answers})
    return data


def read_answers(form: PageForm, q: Question) -> dict[str, Any]:
    """The typed answers a validated form holds for one question; unanswered ones are left out."""
    found: dict[str, Any] = {}
    for answer_id in q.answer_ids():
        if answer_id not in form:
            continue
        value = form[answer_id].data
        if q.type == "ranking":
            value = [v for v in value.values() if v]
        elif q.type == "consent":
            value = True if value else None
        elif q.type == "number" and isinstance(value, float) and value.is_integer():
            value = int(value)
        if value not in (None, "", []):
            found[answer_id] = value
    return found


def apply_visibility(form: PageForm, section: Section, earlier: dict[str, Any]) -> list[Question]:
    """Keep the questions that apply, given earlier answers and what this page holds; drop the rest's fields.

    Conditions are judged in page order on the posted (not yet validated) values,
    so a hidden question is neither validated nor stored.
    """
    on_page = {a for q in section.questions for a in q.answer_ids()}
    answers = {k: v for k, v in earlier.items() if k not in on_page}
    shown = []
    for q in section.questions:
        if holds(q.show_if, answers):
            shown.append(q)
            answers.update(read_answers(form, q))
        else:
            for name in {q.id, *q.answer_ids()} & set(form._fields):
                del form[name]
    return shown


def error_links(form: PageForm, questions: list[Question]) -> list[tuple[str, str]]:
    """(message, anchor) for every error on the page, in question order, for the error summary."""
    links = []
    for q in questions:
        for answer_id in q.answer_ids():
            if answer_id not in form:
                continue
            field = form[answer_id]
            ranked = q.type == "ranking"
            subfields = [field[f"rank_{n}"] for n in range(1, q.ranked_positions + 1)] if ranked else [field]
            for sub in subfields:
                anchor = f"{sub.id}-0" if q.type in ("likert", "single_choice", "yes_no", "multi_choice") else sub.id
                label = sub.label.text if q.is_grid or q.type == "ranking" else q.prompt
                if q.type == "ranking":
                    label = f"{q.prompt} ({sub.label.text.lower()})"
                # "Do you agree?: Tick the box" reads badly: drop the prompt's own closing mark before the colon.
                links += [(f"{label.rstrip(' .?!:')}: {error}", anchor) for error in sub.errors]
    return links


def _typed(field: Any) -> bool:
    """Whether the teacher put anything in a field (a ranking: in any of its positions); blanks do not count."""
    if isinstance(field, FormField):
        return any(_typed(sub) for sub in field)
    return any(str(v).strip() for v in field.raw_data or [])


def _messages(field: Any) -> list[str]:
    if isinstance(field, FormField):
        return [e for sub in field for e in sub.errors]
    return list(field.errors)


def draft_answers(form: PageForm, questions: list[Question]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    """What a page holds when the teacher leaves it by going back: answers kept, and the values that were not.

    Call after `form.validate()`. A missing answer is no reason to lose the rest, so "required" errors on an
    empty field are ignored; a value that fails its checks (a number out of range, too many ticks) cannot be
    kept as an answer, so it is left out and reported as (question id, question or statement, why).
    """
    kept: dict[str, Any] = {}
    dropped: list[tuple[str, str, str]] = []
    for q in questions:
        for answer_id in q.answer_ids():
            if answer_id not in form:
                continue
            field = form[answer_id]
            errors = _messages(field)
            if errors and _typed(field):
                label = field.label.text if q.is_grid else q.prompt
                dropped.append((q.id, label, "; ".join(errors)))
            elif not errors:
                kept.update({k: v for k, v in read_answers(form, q).items() if k == answer_id})
    return kept, dropped
