"""What a browser posts for a questionnaire page, shared by the journey, security and fuzz tests."""

from __future__ import annotations


def page_fields(section, row: dict[str, str]) -> list[tuple[str, str]]:  # noqa: ANN001
    """The (name, value) pairs a browser posts for one page, from CSV-style cells (`a;b` for several)."""
    pairs = []
    for q in section.questions:
        for answer_id in q.answer_ids():
            cell = row.get(answer_id)
            if not cell:
                continue
            if q.type == "multi_choice":
                pairs += [(answer_id, v) for v in cell.split(";")]
            elif q.type == "ranking":
                pairs += [(f"{answer_id}-rank_{n}", v) for n, v in enumerate(cell.split(";"), start=1)]
            elif q.type == "consent":
                pairs.append((answer_id, "y"))
            else:
                pairs.append((answer_id, cell))
    return pairs
