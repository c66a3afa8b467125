"""Cohorts and the form versions they use: publishing a definition, creating a cohort."""

from __future__ import annotations

import re
import secrets
from datetime import date
from pathlib import Path

from diagnostic.services import audit
from diagnostic.services.journey import now
from diagnostic.storage.interface import Store, StoreError
from forms.catalog import SHIPPED
from forms.loader import digest, snapshot
from forms.schema import FOLLOW_UP, Definition

Record = dict
COHORT_NAME_LIMIT = 120  # characters, for the admin's form and `cohort create` alike


UPLOADED = "uploaded-definitions"  # this server's copy of the definition files kept in the store


def definition_dirs(data_dir: Path | str) -> list[Path]:
    """Where definitions are looked up: the data directory's own first, then the store's, then the shipped ones.

    The store's are read from this server's copy of them, which `services.definitions.current_dirs` brings up
    to date: call that instead wherever another server may have added one.
    """
    return [Path(data_dir) / "definitions", Path(data_dir) / UPLOADED, SHIPPED]


def publish(store: Store, definition: Definition) -> bool:
    """Record a definition version as published (immutable from now on); True if newly published.

    Raises `VersionConflict` if the same id and version was published with other content.
    """
    return store.publish_form(definition.id, definition.version, digest(definition), snapshot(definition))


def published_definition(store: Store, form_id: str, version: str) -> Definition:
    """The exact definition a cohort was created with, as stored when it was published."""
    # A published version never changes, so it is read and parsed once per process.
    key = (str(store.data_dir), form_id, version)
    if key not in _published:
        record = store.get_form(form_id, version)
        if record is None:
            raise StoreError(f"form {form_id!r} version {version!r} has not been published in this data directory")
        _published[key] = Definition.model_validate(record["definition"])
    return _published[key]


_published: dict[tuple[str, str, str], Definition] = {}


def create_cohort(store: Store, definition: Definition, name: str, schools: list[str] = (),
                  closes: date | None = None, cohort_id: str | None = None, actor: str = "system") -> Record:
    """Publish the definition if needed and store a new cohort using it (only a questionnaire teachers answer)."""
    check_questionnaire(definition)
    name = name.strip()
    if not name:
        raise ValueError("a cohort needs a name")
    if len(name) > COHORT_NAME_LIMIT:
        raise ValueError(f"a cohort's name is at most {COHORT_NAME_LIMIT} characters (this one has {len(name)})")
    schools = [s.strip() for s in schools if s.strip()]
    if len(set(schools)) != len(schools):
        raise ValueError("the same school is named twice")
    if cohort_id is not None and not re.fullmatch(r"[a-z0-9-]{1,40}", cohort_id):
        raise ValueError("a cohort id uses lower-case letters, digits and '-' only")
    publish(store, definition)
    cohort = {
        "id": cohort_id or secrets.token_hex(4),
        "name": name,
        "form_id": definition.id,
        "form_version": definition.version,
        "schools": schools,
        "invite": secrets.token_hex(12),
        "created_at": now(),
        "closes_on": closes.isoformat() if closes else None,
    }
    store.add_cohort(cohort)
    closing = f", closing on {closes.isoformat()}" if closes else ""
    audit.record(store, actor, "create cohort", f"Created {name} on {definition.id} version {definition.version}, "
                                                f"with {audit.plural(len(schools), 'school')}{closing}.", cohort["id"])
    return cohort


def check_questionnaire(definition: Definition) -> None:
    """Refuse as a cohort's questionnaire one that cannot start a cohort (see `why_not_a_start`)."""
    reason = why_not_a_start(definition)
    if reason:
        raise ValueError(reason)


def why_not_a_start(definition: Definition) -> str | None:
    """Why a definition cannot be the questionnaire a cohort starts with, or None if it can.

    Teachers must answer it on their own (not a learning agreement, say), and it must be a starting point:
    a follow-up asks about work done since one, so it belongs to a later cycle of a cohort.
    """
    named = f"{definition.id} version {definition.version}"
    if definition.respondent != "teacher":
        who = RESPONDENTS.get(definition.respondent, definition.respondent)
        return (f"{named} is filled in by {who}, not by each teacher, so it cannot be a cohort's questionnaire: "
                "choose one whose respondent is teacher")
    if definition.kind == FOLLOW_UP:
        followed = definition.follows
        return (f"{named} is a follow-up to {followed.form} version {followed.version}, so it cannot start a "
                f"cohort: create the cohort on {followed.form} version {followed.version}")
    return None


RESPONDENTS = {"pair": "coaching partners together", "specialist": "specialists", "coordinator": "coordinators"}


def is_closed(cohort: Record, today: date | None = None) -> bool:
    """Whether the cohort's closing date has passed (it closes at the end of that day)."""
    closes = cohort.get("closes_on")
    return bool(closes) and (today or date.today()) > date.fromisoformat(closes)
