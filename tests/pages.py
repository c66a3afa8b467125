"""What a browser posts for a questionnaire page, and what a person reads on a page, shared by the tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags inside a line of text: a reader sees "Bea, co-coach" in "<strong>Bea</strong>, co-coach", not "Bea , co-coach".
INLINE = {"a", "abbr", "b", "bdi", "cite", "code", "em", "i", "kbd", "mark", "q", "s", "small", "span", "strong",
          "sub", "sup", "time", "u", "var"}


class _Text(HTMLParser):
    """Collects the text a reader sees: no tags, no scripts or styles, entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ARG002
        self.hidden += tag in ("script", "style", "title")
        self.parts.append("" if tag in INLINE else " ")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style", "title")
        self.parts.append("" if tag in INLINE else " ")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """A page's text as a person reads it, whitespace collapsed: assert on words, not on today's markup."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


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
