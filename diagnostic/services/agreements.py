"""A partnership's learning agreement: its form, who is in it, what to show, and saving it.

Plain functions over the store, no Flask. Both (or all three) partners edit the
same answers. A save is checked and applied under the partnership's lock
(`Store.update_partnership`), so a copy opened before a partner saved is
refused instead of overwriting their newer answers.

By convention two questions are filled in before anyone types: `focus` (a
`short_text`) gets the focus the partnership was made around, and `goals` (a
`long_text`) gets each member's goal, one line each, starting with their name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from diagnostic.services.choice import current_choice
from diagnostic.services.cohorts import published_definition
from diagnostic.services.journey import JourneyError, now
from diagnostic.services.partnerships import display_name
from diagnostic.storage.interface import Record, Store
from forms.conditions import visible_answers
from forms.limits import PARTNER_CONTACT
from forms.schema import Definition, Section

KINDS = {"co-coaching": "Co-coaching", "mentoring": "Mentoring", "specialist": "Specialist coaching"}
# Partners who meet as colleagues see how to reach each other; in specialist coaching the specialist and the
# coordinator arrange the sessions, so the teachers in one allocation do not see each other's contact.
CONTACT_MODES = ("co-coaching", "mentoring")
ROLES = {"co-coaching": ("co-coach", "co-coach"), "mentoring": ("mentor", "mentee"),
         "specialist": ("specialist", "teacher")}  # (first member, the others)


class NotYours(JourneyError):
    """No partnership with this id has this teacher in it (whether or not it exists is not said)."""

    status = 404


class NoAgreement(JourneyError):
    """The partnership has no learning agreement to fill in (specialist coaching)."""

    status = 409
    title = "There is no learning agreement to fill in"


class Dissolved(JourneyError):
    """The partnership was undone by the coordinator, so its agreement is closed."""

    status = 409
    title = "This learning agreement is closed"


class StaleAgreement(JourneyError):
    """A partner saved the agreement after this copy was opened; `latest` is the partnership as it is now."""

    status = 409
    title = "This learning agreement changed elsewhere"

    def __init__(self, latest: Record):
        self.latest = latest
        super().__init__("A partner saved this learning agreement after this page was opened.")


def teachers_in(partnership: Record) -> list[str]:
    """The response ids of the teachers in a partnership (in specialist coaching the first member is not one)."""
    members = partnership["members"]
    return members[1:] if partnership["mode"] == "specialist" else list(members)


def kind(partnership: Record) -> str:
    """The kind of partnership in plain words, e.g. "Co-coaching"."""
    return KINDS.get(partnership["mode"], partnership["mode"])


def find(store: Store, cohort: Record, partnership_id: str, response_id: str) -> Record:
    """The partnership if this teacher is in it; `NotYours` for any other id, so none is revealed."""
    partnership = store.get_partnership(cohort["id"], partnership_id)
    if partnership is None or response_id not in teachers_in(partnership):
        raise NotYours("There is no learning agreement for you at this address. Open it from your partner page.")
    return partnership


def check_open(partnership: Record) -> None:
    """Raise `Dissolved` or `NoAgreement` unless partners can fill in this partnership's agreement."""
    status = partnership.get("status", "confirmed")
    if status == "withdrawn":
        raise Dissolved("Your partner has withdrawn from the programme, so this learning agreement is closed. "
                        "Your coordinator will help you find a new partner.")
    if status != "confirmed":
        raise Dissolved("This partnership has been ended by your coordinator, so its learning agreement is closed.")
    if not partnership.get("agreement"):
        raise NoAgreement("This partnership has no learning agreement to fill in: your specialist plans the "
                          "coaching with you.")


def open_for(store: Store, cohort: Record, partnership_id: str, response_id: str) -> Record:
    """The partnership whose agreement this teacher may see and edit (`find`, then `check_open`)."""
    partnership = find(store, cohort, partnership_id, response_id)
    check_open(partnership)
    return partnership


def definition_of(store: Store, partnership: Record) -> Definition:
    """The published learning agreement definition the partnership was confirmed with."""
    return published_definition(store, *partnership["agreement"]["form"])


def one_page(definition: Definition) -> Section:
    """Every question of the agreement as one page, so partners see and save it all at once."""
    return Section(id="agreement", title=definition.title, questions=definition.questions())


def members(store: Store, cohort: Record, partnership: Record, response_id: str | None = None) -> list[Record]:
    """Each member's name, school, role, whether a teacher, goal (teachers only) and whether they are `response_id`."""
    first, others = ROLES[partnership["mode"]]
    teachers = set(teachers_in(partnership))
    found = []
    for n, member in enumerate(partnership["members"]):
        record = store.get_response(cohort["id"], member) if member in teachers else None
        goal = ""
        if record is not None:
            goal = current_choice(record, published_definition(store, record["form_id"],
                                                               record["form_version"]))["goal"] or ""
        found.append({"id": member, "name": _at(partnership.get("names"), n) or "Your partner",
                      "school": _at(partnership.get("schools"), n), "role": first if n == 0 else others,
                      "teacher": member in teachers, "goal": goal.strip(), "you": member == response_id,
                      "contact": (record or {}).get("partner_contact", "")
                      if partnership["mode"] in CONTACT_MODES else ""})
    return found


class BadContact(JourneyError):
    """What the teacher wrote about how to reach them is too long."""

    status = 422


def save_contact(store: Store, cohort: Record, response_id: str, text: str) -> Record:
    """Keep how the teacher's partner can reach them (an empty answer removes it); seen by confirmed partners only."""
    text = text.strip()
    if len(text) > PARTNER_CONTACT[1]:
        raise BadContact(f"Write how your partner can reach you in at most {PARTNER_CONTACT[1]} characters.")

    def change(record: Record) -> Record:
        kept = {k: v for k, v in record.items() if k != "partner_contact"}
        return {**kept, "partner_contact": text} if text else kept

    return store.update_response(cohort["id"], response_id, change)


def _at(values: list | None, n: int) -> Any:
    return values[n] if values and n < len(values) else None


def prefill(definition: Definition, partnership: Record, people: list[Record]) -> dict[str, Any]:
    """The answers an agreement starts with: the shared focus in `focus`, each member's goal in `goals`."""
    filled = {"focus": partnership.get("focus_title") or "",
              "goals": "\n".join(f"{p['name']}: {p['goal']}" for p in people if p["goal"])}
    kinds = {"focus": "short_text", "goals": "long_text"}
    answers = {}
    for key, text in filled.items():
        q = next((q for q in definition.questions() if q.id == key and q.type == kinds[key]), None)
        if q is not None and text:
            answers[key] = text[:q.text_limit]
    return answers


def answers_to_show(store: Store, cohort: Record, partnership: Record, definition: Definition) -> dict[str, Any]:
    """The saved answers, or the pre-filled ones while nobody has saved the agreement yet."""
    agreement = partnership["agreement"]
    if agreement["revision"]:
        return agreement["answers"]
    return prefill(definition, partnership, members(store, cohort, partnership))


def save(store: Store, cohort: Record, partnership_id: str, response_id: str, answers: dict[str, Any],
         revision: int) -> Record:
    """Store validated answers from a copy opened at `revision`; return the partnership as saved.

    Raises `NotYours`, `Dissolved`, `NoAgreement`, or `StaleAgreement` when a
    partner saved since that copy was opened (nothing is changed then).
    """
    partnership = open_for(store, cohort, partnership_id, response_id)
    record = store.get_response(cohort["id"], response_id)
    definition = definition_of(store, partnership)
    saver = display_name(published_definition(store, record["form_id"], record["form_version"]), record)
    kept = visible_answers(definition, answers)
    # What the page started from: the pre-filled answers the first time, the saved ones after that.
    started = answers_to_show(store, cohort, partnership, definition)

    def change(current: Record) -> Record:
        check_open(current)  # the coordinator may have ended it since the page was opened
        agreement = current["agreement"]
        if agreement["revision"] != revision:
            raise StaleAgreement(current)
        return {**current, "agreement": {**agreement, "answers": kept, "revision": revision + 1,
                                         "authors": authors(agreement, started, kept, response_id),
                                         "updated_at": now(), "updated_by": saver}}

    return store.update_partnership(cohort["id"], partnership_id, change)


def authors(agreement: Record, started: dict[str, Any], saved: dict[str, Any], saver: str) -> dict[str, str | None]:
    """Who wrote each answer: the saver for what they changed; an unchanged answer keeps its author.

    Pre-filled answers left as they were belong to no one (None). Erasure uses this to take out exactly the
    answers a teacher typed themselves.
    """
    before = agreement.get("authors") or {}
    return {key: before.get(key) if started.get(key) == value else saver for key, value in saved.items()}


def last_saved(partnership: Record) -> str | None:
    """Who last saved the agreement and when, in words; None if nobody has yet."""
    agreement = partnership.get("agreement") or {}
    if not agreement.get("updated_at"):
        return None
    stamp = datetime.fromisoformat(agreement["updated_at"])
    who = agreement.get("updated_by") or "A partner"
    return f"{who}, on {stamp.day} {stamp:%B %Y} at {stamp:%H:%M} (UTC)"
