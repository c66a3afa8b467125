"""What the teacher's and the specialist's coaching-log pages share: an entry's form filled from the store, and
the error summary for a refused entry (the field errors, with the service's reason first)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm


def filled(form_class: type[FlaskForm], entry: dict) -> FlaskForm:
    """The entry form showing `entry` as stored, at its revision (what a stale edit is shown)."""
    return form_class(formdata=None, data={"kind": entry["kind"], "on": date.fromisoformat(entry["on"]),
                                           "revision": str(entry["revision"]), **entry["text"]})


def entry_errors(form: FlaskForm, problem: str | None) -> list[tuple[str, str]]:
    """(message, field id) for the error summary: the service's reason for refusing, then each field's errors."""
    errors = [(f"{form[name].label.text}: {e}", form[name].id) for name, found in form.errors.items()
              if name != "csrf_token" for e in found]
    if problem:
        errors.insert(0, (problem[:1].upper() + problem[1:] + ("" if problem.endswith(".") else "."), "entry"))
    return errors
