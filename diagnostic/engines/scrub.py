"""Taking an erased teacher's words out of what other people wrote: their name in any form, and their goal.

Plain functions, no store. Partners and specialists write about each other in free
text ("Jo said...", "JO MARKER", "Ms Marker"), and a partner may copy a goal into
the learning agreement. Erasure runs every free-text field of the cohort through
`scrubber`, so none of that survives.

Names are matched as whole words in any case: the full name, the first name on
its own, and the surname after a title (Mr, Mrs, Ms, Miss, Mx, Dr). A first name
that is also an everyday word ("Will", "Grace") is replaced there too: after an
erasure we would rather lose a word than keep a name. Goals are matched whole,
in any case and spacing; goals shorter than `GOAL_MIN` are too common to tell
apart from ordinary writing and are left alone. What the teacher wrote about how their
partner can reach them goes whole, and so does each e-mail address and phone number in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

NAME_GONE = "[name removed]"
GOAL_GONE = "[removed]"
GOAL_MIN = 12  # characters; and at least two words
TITLES = ("mr", "mrs", "ms", "miss", "mx", "dr")
CONTACT_MIN = 3  # characters: a shorter contact answer ("no") says nothing that could reach anyone
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"\+?\d[\d ()-]{4,}\d")


def _words(text: str) -> str:
    """A pattern matching this text as whole words, in any spacing."""
    return r"\s+".join(re.escape(part) for part in text.split())


def _alternatives(texts: Iterable[str]) -> re.Pattern | None:
    """One case-insensitive pattern for any of these texts as whole words, longest first (so it wins)."""
    found = sorted({t for t in texts if t.strip()}, key=len, reverse=True)
    if not found:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(found) + r")(?!\w)", re.IGNORECASE)


def name_forms(name: str) -> list[str]:
    """Patterns for every form of a typed name that others might write: whole, first name, title and surname."""
    parts = name.split()
    if not parts:
        return []
    forms = [_words(name)]
    if len(parts) > 1:
        if len(parts[0]) >= 2:
            forms.append(re.escape(parts[0]))
        forms.append(r"(?:" + "|".join(TITLES) + r")\.?\s+" + re.escape(parts[-1]))
    return forms


def contact_forms(contact: str) -> list[str]:
    """Patterns for a contact answer: the whole of it, and each e-mail address and phone number in it."""
    if len(contact.strip()) < CONTACT_MIN:
        return []
    return [_words(contact), *(_words(m) for m in EMAIL.findall(contact)),
            *(_words(m.strip()) for m in PHONE.findall(contact))]


def scrubber(names: Iterable[str], goals: Iterable[str], typed: Iterable[str] = (),
             contacts: Iterable[str] = ()) -> Callable[[str], str]:
    """A function that takes these names and goals out of a piece of free text.

    Parameters
    ----------
    names : iterable of str
        Names the teacher is known by (whole names only: as shown to others, or as listed).
    goals : iterable of str
        Goals they wrote; each is taken out wherever it was copied.
    typed : iterable of str
        Names the teacher typed themselves: their first name and title-and-surname forms are taken out too.
    contacts : iterable of str
        What they wrote about how their partner can reach them (see `contact_forms`).

    Returns
    -------
    callable
        ``scrub(text) -> text``. A goals line written for the teacher ("Name: their goal") goes whole.
    """
    whole = [n for n in names if n.strip()]
    name_pattern = _alternatives([_words(n) for n in whole] + [f for n in typed for f in name_forms(n)])
    goal_pattern = _alternatives([_words(g) for g in goals if len(g.strip()) >= GOAL_MIN and len(g.split()) > 1]
                                 + [f for c in contacts for f in contact_forms(c)])
    line_start = re.compile(r"^\s*(?:" + "|".join(_words(n) for n in whole) + r")\s*:", re.IGNORECASE) \
        if whole else None

    def scrub(text: str) -> str:
        if line_start:
            text = "\n".join(line for line in text.split("\n") if not line_start.match(line))
        if goal_pattern:
            text = goal_pattern.sub(GOAL_GONE, text)
        if name_pattern:
            text = name_pattern.sub(NAME_GONE, text)
        return text

    return scrub
