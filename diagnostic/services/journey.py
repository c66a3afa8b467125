"""The teacher's journey through a questionnaire, as plain functions over plain records.

Views and the importer call these inside `Store.update_response`, so each
change is checked and applied under the response's lock: a stale tab cannot
overwrite newer answers, and a response is submitted exactly once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from forms.conditions import holds, visible_answers
from forms.schema import Definition, Question, Section
from forms.scoring import score

Record = dict[str, Any]
TOKEN_RE = re.compile(r"^([a-z0-9-]{1,40})\.([0-9a-f]{16})\.([0-9a-f]{48})$")


class JourneyError(Exception):
    """A journey step that cannot be done; `status` is the HTTP status a view should answer, `title` its heading."""

    status = 400
    title: str | None = None  # None: the usual heading for the status


class StaleRevision(JourneyError):
    """The page was sent from an out-of-date copy (another tab saved since)."""

    status = 409
    title = "These answers changed elsewhere"


class AlreadySubmitted(JourneyError):
    """The response was submitted and can no longer change."""

    status = 409
    title = "This questionnaire is already submitted"


class Incomplete(JourneyError):
    """Required answers are missing, so the response cannot be submitted."""

    status = 422

    def __init__(self, missing: list[Question]):
        self.missing = missing
        super().__init__("Some required questions are not answered: " + ", ".join(q.id for q in missing))


def now() -> str:
    """The current time as an ISO 8601 UTC string (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_secret(secret: str) -> str:
    """What the store keeps of a resume token's secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_response(cohort: Record, *, school: str | None = None, respondent: str | None = None,
                 source: str = "web") -> tuple[Record, str]:
    """A new draft response for a cohort and the private resume token that opens it.

    The token holds 192 random bits; only its SHA-256 is stored.
    """
    response_id = secrets.token_hex(8)
    secret = secrets.token_hex(24)  # hex: survives copying from e-mails and chat intact
    stamp = now()
    record = {
        "id": response_id, "cohort": cohort["id"], "form_id": cohort["form_id"],
        "form_version": cohort["form_version"], "token_hash": hash_secret(secret), "status": "draft",
        "revision": 0, "answers": {}, "warned": [], "school": school, "respondent": respondent,
        "source": source, "created_at": stamp, "updated_at": stamp, "submitted_at": None, "scores": {},
    }
    return record, f"{cohort['id']}.{response_id}.{secret}"


def new_link(record: Record) -> tuple[Record, str]:
    """A new private link for a response: the old link stops working, and so does every session opened with it."""
    secret = secrets.token_hex(24)
    return {**record, "token_hash": hash_secret(secret)}, f"{record['cohort']}.{record['id']}.{secret}"


def session_ref(record: Record) -> list[str]:
    """What a browser's session keeps to find its response: ids and a check of the link, never the link.

    The check is the start of the stored hash, so a session ends when its link is replaced, and a copied
    session cookie reveals nothing that opens the response once that session is over.
    """
    return [record["cohort"], record["id"], record.get("token_hash", "")[:16]]


def session_matches(record: Record, check: str) -> bool:
    """Whether a session's check still fits the response's private link (constant time)."""
    current = record.get("token_hash", "")[:16]
    return bool(current) and hmac.compare_digest(current, check)


def parse_token(token: str) -> tuple[str, str, str] | None:
    """Split a resume token into (cohort id, response id, secret), or None if malformed."""
    match = TOKEN_RE.match(token or "")
    return match.groups() if match else None


def token_matches(record: Record, secret: str) -> bool:
    """Constant-time check of a token's secret against the stored hash."""
    return hmac.compare_digest(record.get("token_hash", ""), hash_secret(secret))


def visible_sections(definition: Definition, answers: dict[str, Any]) -> list[int]:
    """Indexes of the pages that have at least one question shown for these answers."""
    return [i for i, s in enumerate(definition.sections) if page_shown(s, answers)]


def page_shown(section: Section, answers: dict[str, Any]) -> bool:
    """Whether a page has at least one question shown for these answers (`shown_on_page` of any of them)."""
    same_page = _answer_ids(section.questions)
    return any(_shown(q, same_page, answers) for q in section.questions)


def page_count(definition: Definition, answers: dict[str, Any], index: int) -> tuple[int, int, bool]:
    """Page `index`'s number among the pages shown, how many pages there may be, and whether that is "up to".

    A hidden page later on counts as one that may still appear while a question on it depends on an answer on
    this page or a later one, since those answers can still change on the way forward. So, going forward, the
    total never rises: a page appearing was already counted ("of up to 8"), and one ruled out lowers it.
    """
    visible = visible_sections(definition, answers)
    page_of = {a: i for i, s in enumerate(definition.sections) for q in s.questions for a in q.answer_ids()}
    may_appear = [i for i, s in enumerate(definition.sections) if i > index and i not in visible and any(
        q.show_if and any(page_of.get(a, -1) >= index for a in q.show_if.questions()) for q in s.questions)]
    return sum(1 for i in visible if i < index) + 1, len(visible) + len(may_appear), bool(may_appear)


def shown_on_page(q: Question, page: list[Question], answers: dict[str, Any]) -> bool:
    """Whether to show a question: its condition holds, or it depends on a question on the same page.

    A condition on the same page can change while the teacher fills the page
    in, so such questions are shown (marked as conditional) and judged on save.
    """
    return _shown(q, _answer_ids(page), answers)


def _answer_ids(page: list[Question]) -> set[str]:
    return {a for q in page for a in q.answer_ids()}


def _shown(q: Question, same_page: set[str], answers: dict[str, Any]) -> bool:
    return holds(q.show_if, answers) or bool(q.show_if and set(q.show_if.questions()) & same_page)


def _check_open(record: Record, expected_revision: int) -> None:
    if record["status"] == "submitted":
        raise AlreadySubmitted("This questionnaire has already been submitted.")
    if record["revision"] != expected_revision:
        raise StaleRevision("These answers were changed in another window since this page was opened.")


def save_page(record: Record, definition: Definition, section_index: int, page_answers: dict[str, Any],
              expected_revision: int, warned: list[str] = (), *, advance: bool = True) -> Record:
    """Replace one page's answers, drop answers whose questions are now hidden, bump the revision.

    `advance=False` keeps a draft of a page the teacher left by going back: it is not counted as done, so the
    resume link still brings them to it.
    """
    _check_open(record, expected_revision)
    section = definition.sections[section_index]
    on_page = {a for q in section.questions for a in q.answer_ids()}
    answers = {k: v for k, v in record["answers"].items() if k not in on_page}
    answers.update(page_answers)
    record.update(
        answers=visible_answers(definition, answers),
        revision=record["revision"] + 1,
        updated_at=now(),
        warned=sorted(set(record.get("warned", [])) | set(warned)),
        page=max(record.get("page", 0), section_index + 1) if advance else record.get("page", 0),
    )
    return record


def missing_required(definition: Definition, answers: dict[str, Any]) -> list[Question]:
    """Visible hard-required questions that have no answer (a grid needs every item)."""
    missing = []
    for q in definition.questions():
        unanswered = any(answers.get(a) in (None, "", []) for a in q.answer_ids())
        if q.required is True and unanswered and holds(q.show_if, answers):
            missing.append(q)
    return missing


def submit(record: Record, definition: Definition, expected_revision: int) -> Record:
    """Mark a draft as submitted with its construct scores; submitting twice changes nothing."""
    if record["status"] == "submitted":
        return record
    _check_open(record, expected_revision)
    missing = missing_required(definition, record["answers"])
    if missing:
        raise Incomplete(missing)
    stamp = now()
    record.update(status="submitted", submitted_at=stamp, updated_at=stamp, revision=record["revision"] + 1,
                  scores=score(definition, record["answers"]))
    return record
