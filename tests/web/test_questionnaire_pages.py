"""The questionnaire pages through the test client: going back keeps a draft, the page count, conditional questions."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from pages import page_fields
from test_journey import answer_all, checked, post_page, start

BACK = ("go", "back")


def saved(store, cohort) -> dict:
    (record,) = store.list_responses(cohort["id"])
    return record


# ---- Back to the previous page keeps what was typed -------------------------------------------------------------

def test_going_back_keeps_what_was_typed_as_a_draft(client, store, cohort, shipped, row):
    first = start(client, cohort)
    post_page(client, 1, page_fields(shipped.sections[0], row), first.text)
    back = post_page(client, 2, [("pupil_groups", "whole_class"), ("pupil_groups", "send"),
                                 ("pupil_priorities-rank_1", "reasoning"), BACK])
    assert back.status_code == 302 and back.location.endswith("/questionnaire/page/1")

    record = saved(store, cohort)
    assert record["answers"]["pupil_groups"] == ["whole_class", "send"]
    assert record["answers"]["pupil_priorities"] == ["reasoning"]
    page2 = client.get("/questionnaire/page/2").text
    assert set(checked(page2, "pupil_groups")) == {"whole_class", "send"}
    assert 'value="reasoning" selected' in page2 or 'selected value="reasoning"' in page2
    # A draft is not a finished page: the private link still brings the teacher back to page 2.
    assert client.get("/questionnaire/").location.endswith("/questionnaire/page/2")


def test_going_back_does_not_ask_for_required_answers(client, store, cohort, shipped, row):
    first = start(client, cohort)
    post_page(client, 1, page_fields(shipped.sections[0], row), first.text)
    # "Which pupils do you most want to help?" is required and left empty; going back is still allowed.
    back = post_page(client, 2, [("pupil_priorities-rank_1", "reasoning"), BACK])
    assert back.status_code == 302 and back.location.endswith("/questionnaire/page/1")
    assert "pupil_groups" not in saved(store, cohort)["answers"]
    assert saved(store, cohort)["answers"]["pupil_priorities"] == ["reasoning"]
    returned = client.get("/questionnaire/page/2").text
    assert "There is a problem" not in returned and "not kept" not in returned


def test_going_back_replaces_this_pages_saved_answers(client, store, cohort, shipped, row):
    """What is on the page when the teacher goes back is the draft, including an answer they cleared."""
    first = start(client, cohort)
    post_page(client, 1, page_fields(shipped.sections[0], row), first.text)
    post_page(client, 2, [("pupil_groups", "whole_class"), ("pupil_priorities-rank_1", "reasoning")])
    post_page(client, 2, [("pupil_groups", "send"), BACK])
    answers = saved(store, cohort)["answers"]
    assert answers["pupil_groups"] == ["send"] and "pupil_priorities" not in answers


# (page, what the teacher typed, the answer that cannot be kept, its question's id, the question or statement
#  the note names, why, an answer on the same page that is kept)
NOT_KEPT = [
    (2, [("pupil_groups", g) for g in ("whole_class", "send", "eal", "disadvantaged")]
        + [("pupil_priorities-rank_1", "reasoning")], "pupil_groups", "pupil_groups",
     "Which pupils do you most want to help?", "Choose no more than 3", ("pupil_priorities", ["reasoning"])),
    (2, [("pupil_groups", "send"), ("pupil_priorities-rank_1", "reasoning"), ("pupil_priorities-rank_2", "reasoning")],
     "pupil_priorities", "pupil_priorities", "What matters most for these pupils right now?",
     "You chose this already", ("pupil_groups", ["send"])),
    (3, [("lc1", "9"), ("lc2", "4")], "lc1", "beliefs_learning",
     "Pupils learn most when they work ideas out for themselves, with support.", "Not a valid choice", ("lc2", 4)),
    (8, [("teacher_name", "A" * 81), ("coaching_notes", "Only on Tuesdays")], "teacher_name", "teacher_name",
     "Your name", "Use no more than 80 characters", ("coaching_notes", "Only on Tuesdays")),
]


@pytest.mark.parametrize(("number", "pairs", "dropped", "question", "prompt", "why", "kept"), NOT_KEPT)
def test_a_value_that_fails_its_checks_is_dropped_with_a_note_on_return(client, store, cohort, shipped, row, number,
                                                                        pairs, dropped, question, prompt, why, kept):
    start(client, cohort)
    answer_all(client, shipped, row)  # every page saved once, so every page has one before it
    before = saved(store, cohort)["answers"]
    back = post_page(client, number, [*pairs, BACK])
    assert back.status_code == 302

    answers = saved(store, cohort)["answers"]
    assert answers[kept[0]] == kept[1]  # the rest of the page is kept
    on_page = {a for q in shipped.sections[number - 1].questions for a in q.answer_ids()}
    assert {k: v for k, v in answers.items() if k not in on_page} == {
        k: v for k, v in before.items() if k not in on_page}  # other pages untouched
    assert dropped not in answers  # the bad value is not stored, nor the answer it replaced

    returned = client.get(f"/questionnaire/page/{number}")
    assert returned.status_code == 200
    note = returned.text.split('id="not-kept-title"')[1].split("</div>")[0]
    assert prompt.replace("'", "&#39;") in note and why in note and f'href="#q-{question}"' in note
    # Told once: the note is not shown again.
    assert "not-kept-title" not in client.get(f"/questionnaire/page/{number}").text


def test_going_back_from_a_stale_copy_saves_nothing(client, store, cohort, shipped, row):
    first = start(client, cohort)
    post_page(client, 1, page_fields(shipped.sections[0], row), first.text)
    stale = client.get("/questionnaire/page/2").text
    post_page(client, 2, [("pupil_groups", "send")])  # another tab saves first
    back = post_page(client, 2, [("pupil_groups", "eal"), BACK], html=stale)
    assert back.status_code == 409
    assert saved(store, cohort)["answers"]["pupil_groups"] == ["send"]


# ---- Check your answers: question, then answer ------------------------------------------------------------------

class _Terms(HTMLParser):
    """The <dt> and <dd> texts of a page in reading order; a <dd> holding a list of its own gives just its own text."""

    def __init__(self):
        super().__init__()
        self.found, self.open = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("dt", "dd"):
            self.open.append([tag, ""])

    def handle_endtag(self, tag):
        if tag in ("dt", "dd") and self.open:
            kind, text = self.open.pop()
            self.found.append((kind, " ".join(text.split())))

    def handle_data(self, data):
        if self.open:
            self.open[-1][1] += data


def terms(html: str) -> list[tuple[str, str]]:
    parser = _Terms()
    parser.feed(html)
    return parser.found


def test_check_your_answers_lists_each_question_then_its_answer(client, cohort, shipped, row):
    start(client, cohort)
    answer_all(client, shipped, row)
    review = client.get("/questionnaire/review").text
    found = terms(review)
    grid = shipped.question("beliefs_learning")
    agree = grid.scale
    for item in grid.items:  # each statement is a term of its own, followed by its answer
        position = found.index(("dt", item.text))
        assert found[position + 1] == ("dd", agree.label(int(row[item.id])))
    role = shipped.question("role")
    position = found.index(("dt", role.prompt))
    assert found[position + 1] == ("dd", role.option_label(row["role"]))
    assert f"{grid.items[0].text}: " not in review  # no more "…with support.: Disagree"


def test_an_unanswered_statement_says_so_on_check_your_answers(client, cohort, shipped, row):
    start(client, cohort)
    answer_all(client, shipped, {**row, "lc2": ""})
    found = terms(client.get("/questionnaire/review").text)
    position = found.index(("dt", shipped.question("beliefs_learning").items[1].text))
    assert found[position + 1] == ("dd", "Not answered")


# ---- the page count never rises on the way forward --------------------------------------------------------------

COUNT = re.compile(r'class="progress-text">Page (\d+) of (up to )?(\d+)<')


@pytest.mark.parametrize("barriers", ["", "time;workload"])
def test_the_page_count_never_rises_on_the_way_forward(client, cohort, shipped, row, barriers):
    start(client, cohort)
    row = {**row, "barriers": barriers, "barrier_time": "3", "barrier_workload": "4"}
    seen = []
    for number, section in enumerate(shipped.sections, start=1):
        page = client.get(f"/questionnaire/page/{number}")
        if page.status_code == 302:
            continue
        step, up_to, total = COUNT.search(page.text).groups()
        assert f"({step} of {up_to or ''}{total})" in page.text.split("</title>")[0]  # the title says it too
        seen.append((int(step), bool(up_to), int(total)))
        response = post_page(client, number, page_fields(section, row), page.text)
        if "check=1" in response.location:
            post_page(client, number, page_fields(section, row))
    steps = [s for s, _, _ in seen]
    totals = [t for _, _, t in seen]
    assert steps == list(range(1, len(seen) + 1))
    assert all(b <= a for a, b in zip(totals, totals[1:], strict=False)), totals
    assert seen[0] == (1, True, len(shipped.sections))  # at first the barrier page may appear: "of up to 8"
    assert seen[-1] == (len(seen), False, len(seen))  # by the end the count is exact
    assert (len(seen) == len(shipped.sections)) == bool(barriers)


# ---- a question that depends on an answer on the same page ------------------------------------------------------

def test_without_script_the_follow_up_question_is_on_the_page(client, cohort):
    first = start(client, cohort)
    assert "What is your role?" in first.text and 'name="role_other"' in first.text  # not hidden by the server
    assert 'id="q-role_other"' in first.text and "data-show-if=" in first.text
    assert re.search(r'<script src="/static/questionnaire\.js" defer></script>', first.text)
    assert "<script>" not in first.text  # nothing inline: the CSP forbids it
    script = client.get("/static/questionnaire.js")
    assert script.status_code == 200 and "javascript" in script.content_type


def test_the_follow_up_is_judged_on_saving_as_before(client, store, cohort, shipped, row):
    start(client, cohort)
    fields = [p for p in page_fields(shipped.sections[0], row) if p[0] not in ("role", "role_other")]
    post_page(client, 1, [*fields, ("role", "class_teacher"), ("role_other", "Cover supervisor")])
    assert "role_other" not in saved(store, cohort)["answers"]  # sent from a hidden question: not kept
    post_page(client, 1, [*fields, ("role", "other"), ("role_other", "Cover supervisor")])
    assert saved(store, cohort)["answers"]["role_other"] == "Cover supervisor"
