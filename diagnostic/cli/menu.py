"""The `diagnostic recommend` command: each teacher's ranked menu of learning focuses, with the reasons."""

from __future__ import annotations

import gc

import click
from flask.cli import with_appcontext

from diagnostic.cli.common import cohort_or_exit
from diagnostic.cli.jsonout import echo_list
from diagnostic.cli.watching import steps
from diagnostic.services import audit, menu
from diagnostic.services.cohorts import published_definition
from diagnostic.storage.interface import StoreError
from diagnostic.web.pages import get_store


@click.command("recommend")
@with_appcontext
@click.option("--cohort", "cohort_id", required=True, help="Cohort id.")
@click.option("--respondent", help="Only this teacher (their import reference or response id).")
@click.option("--json", "as_json_", is_flag=True, help="Print every ranked focus with its score, parts and reasons.")
def recommend_cmd(cohort_id: str, respondent: str | None, as_json_: bool) -> None:
    """Rank the menu of learning focuses for each submitted teacher, with the reasons."""
    from diagnostic.services.partnerships import display_name

    record, store = cohort_or_exit(cohort_id), get_store()
    say = steps()
    say("ranking the menu of learning focuses for " + (respondent or "every submitted teacher"))
    # The collector is kept out while the responses are read and the menus ranked: neither makes reference cycles
    # for it to find, and it would walk the responses (read once, they live until the command ends) and a national
    # cohort's 200,000 menu items again and again, a third of the time at 20,000 teachers.
    gc.disable()
    try:
        count, menus = menu.each_for_cohort(store, record, respondent)
        gc.freeze()
        if as_json_:
            # Printed as each batch is ranked: a national cohort's menus never sit in memory all at once.
            say(f"ranking for {audit.plural(count, 'teacher')}")
            echo_list(menus)
            return
        found = list(menus)
        plan = menu.plan_for(store, record)
        groups = _group_names(store, record)
    except (LookupError, ValueError, StoreError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        gc.enable()
    say(f"ranked for {audit.plural(len(found), 'teacher')}")
    # In words for the person reading: teachers by name, focuses and groups by title; --json keeps the ids.
    definition = published_definition(store, record["form_id"], record["form_version"])
    responses = {r["id"]: r for r in store.list_responses(cohort_id, status="submitted", cycle=1)}
    titles = {f["id"]: f["title"] for f in plan["focuses"]}
    best = sum(plan["weights"].values())  # every part of a score is at most 1, so this is the highest possible
    for teacher in found:
        reference = teacher["respondent"] or teacher["response_id"]
        chosen = (", ".join(titles.get(f, f) for f in teacher["chosen"]["focuses"]) if teacher["chosen"]
                  else "nothing yet")
        group = f"group {teacher['group']}: {groups.get(teacher['group'], '')}" if teacher["group"] else "no group yet"
        name = display_name(definition, responses[teacher["response_id"]])
        click.echo(f"{name if reference in name else f'{name} ({reference})'}, {group}; has chosen {chosen}")
        for rank, item in enumerate(teacher["recommendations"][:3], start=1):
            click.echo(f"  {rank}. {titles.get(item['focus'], item['focus'])}, fit {item['score']:.2f} of {best:g}: "
                       f"{' '.join(item['reasons'][:2])}")


def _group_names(store, record: dict) -> dict[str, str]:  # noqa: ANN001
    """Each group key's name as the specialists see it: the one they gave, else the one generated."""
    grouping_record = store.load_grouping(record["id"])
    if grouping_record is None:
        return {}
    labels = store.group_labels(record["id"])
    return {g["key"]: (labels.get(g["key"]) or {}).get("name") or g["generated_name"]
            for g in grouping_record["groups"]}


