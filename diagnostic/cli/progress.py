"""`diagnostic progress`: how a cohort moved from its starting point to a later cycle, in figures and in words."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from diagnostic.cli.common import cohort_or_exit
from diagnostic.services import progress
from diagnostic.web.pages import get_store


@click.command("progress")
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--cycle", "number", type=click.IntRange(min=2), help="The later cycle (default: the latest).")
@click.option("--impact", is_flag=True, help="The coordinators' impact report instead (no beliefs; no figures "
                                             "about fewer than MIN_GROUP_SIZE teachers).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@with_appcontext
def progress_cmd(cohort_id: str, number: int | None, impact: bool, as_json: bool) -> None:
    """Paired change from the starting point: each measure's mean, 95% range and effect size, and who is counted."""
    store, cohort = get_store(), cohort_or_exit(cohort_id)
    try:
        if impact:
            found = progress.impact(store, cohort, current_app.config["MIN_GROUP_SIZE"], number)
        else:
            found = progress.figures(progress.gather(store, cohort, number))
    except progress.ProgressError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for line in (_impact_lines if impact else _figure_lines)(found):
        click.echo(line)


def _counted(found: dict) -> str:
    state = "still open" if found["cycle_open"] else "closed"
    return f"cycle {found['cycle']} ({state}): {found['answered']} of {found['started']} teachers who answered " \
           f"the starting point answered the follow-up"


def _goal_line(goal: dict | None) -> list[str]:
    if not goal or not goal["n"]:
        return []
    return [f"progress towards their goal: {goal['some']} of {goal['n']} ({goal['share']:.0%}) report some"]


def _figure_lines(found: dict) -> list[str]:
    lines = [_counted(found), *(progress.in_words(m) for m in found["measures"]), *_goal_line(found["goal"])]
    lines += [f"pupils' evidence: {e['label']}: {e['teachers']}" for e in found["evidence"]]
    return lines + [f"note: {text}" for text in found["limitations"]]


def _impact_lines(found: dict) -> list[str]:
    lines = [_counted(found)]
    lines += [f"{s['school'] or '(no school)'}: {s['joined']} joined, {s['started']} answered the starting point, "
              f"{s['answered']} the follow-up; {s['partnerships']} partnerships, {s['with_log']} with log entries, "
              f"{s['observations']} observations logged" for s in found["schools"]]
    if found["goal"] is None:
        lines.append(f"fewer than {found['min_group']} teachers answered the follow-up: no figures about them yet")
        return lines + [f"note: {text}" for text in found["limitations"]]
    lines += _goal_line(found["goal"])
    lines += [f"pupils' evidence: {e['label']}: {e['teachers']}" for e in found["evidence"]]
    if found["confidence"]:
        lines.append(progress.in_words(found["confidence"]))
    for f in found["focuses"]:
        lines.append(f"{f['title']}: confidence {_focus_change(f, found['min_group'])}")
    return lines + [f"note: {text}" for text in found["limitations"]]


def _focus_change(row: dict, smallest: int) -> str:
    if not row["shown"]:
        return f"not shown (fewer than {smallest} teachers chose it)"
    low, high = row["ci"] or (row["change"], row["change"])
    return f"{progress.signed(row['change'])} (95% range {progress.signed(low)} to {progress.signed(high)}), " \
           f"{row['n']} teachers"
