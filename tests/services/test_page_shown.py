"""Whether a questionnaire page is shown: `page_shown` says the same as asking `shown_on_page` of each question."""

from __future__ import annotations

import random

from diagnostic.services.demo import synthetic_teacher
from diagnostic.services.journey import page_shown, shown_on_page
from forms.builder import build_page_form


def test_a_page_is_shown_exactly_when_one_of_its_questions_is(app, shipped):
    rng = random.Random(16)
    with app.test_request_context():
        classes = {s.id: build_page_form(s) for s in shipped.sections}
        teachers = [synthetic_teacher(shipped, rng, classes)[1] for _ in range(20)]
    # Whole answers, and answers with some left out, as a teacher part way through has them.
    for answers in teachers + [{k: v for k, v in a.items() if rng.random() < 0.5} for a in teachers] + [{}]:
        for section in shipped.sections:
            each = any(shown_on_page(q, section.questions, answers) for q in section.questions)
            assert page_shown(section, answers) == each
