"""The expertise map: where in a network of schools teachers can coach each learning focus, and where the gaps are.

Pure functions over plain data (the teacher facts of `diagnostic.services.partnerships`),
so the page, the downloads and the tests all read the same result. Only what a
coordinator needs to set up coaching is kept: names, schools, the chosen focus,
whether a teacher is at the top of the confidence scale and whether they offered
to coach. Beliefs and barriers never enter.
"""

from __future__ import annotations

from typing import Any

NO_SCHOOL = "No school given"
TOP = 1.0  # confidence levels run 0..1; only the top of the scale counts as confident
CSV_HEADER = ["focus", "focus_title", "school", "chose_focus", "confident", "confident_and_willing", "gap",
              "could_cover_from_other_schools", "confident_and_willing_names", "confident_not_offering_names",
              "could_cover_names"]

Teacher = dict[str, Any]


def expertise_map(teachers: list[Teacher], focuses: dict[str, str], schools: list[str]) -> dict[str, Any]:
    """Per learning focus and school: who is confident, who of them will coach, how many chose it, and the gaps.

    Parameters
    ----------
    teachers : list of dict
        Submitted teachers as `diagnostic.services.partnerships.teacher_facts` gives them. Read are
        `name`, `ref`, `school`, `focus` (the chosen focus id or None), `confidence`
        ({focus id: level from 0 to 1}) and `coach` (True if willing to coach a colleague).
    focuses : dict of str to str
        The programme's menu, focus id to title, in the order the rows should follow.
    schools : list of str
        The cohort's schools, in the order the columns should follow.

    Returns
    -------
    dict
        ``schools``: the columns: the cohort's schools, then any other school a teacher
        named (alphabetically), then `NO_SCHOOL` if some teachers gave none.
        ``rows``: one per focus, in menu order, with ``focus``, ``title``, ``cells`` (one per
        column) and ``total`` (the whole network). A cell has ``school``, ``demand`` (teachers
        who chose the focus), ``confident`` (teachers at the top of the confidence scale in it),
        ``coaches`` (those of them willing to coach), ``coach_names``, ``confident_names`` (the
        confident teachers who did not offer to coach), ``gap``, ``cover`` and ``cover_names``.
        ``gaps``: every cell that is a gap, in row then column order, each with a ``sentence``.
        ``teachers``: how many teachers were read.

    Notes
    -----
    A gap is a focus and school where at least one teacher chose the focus but no
    one in that school is both confident in it and willing to coach. Its ``cover`` is
    how many confident and willing teachers elsewhere in the network could coach it,
    named in ``cover_names`` as "Name (School)". Teachers who chose a focus that is not
    on the menu add to no row. Names are sorted, so the result is the same whatever
    order the teachers come in.
    """
    teachers = sorted(teachers, key=lambda t: (_name(t).casefold(), _name(t), str(t.get("ref"))))
    columns = _columns(teachers, schools)
    by_school = {school: [t for t in teachers if _school(t) == school] for school in columns}
    rows, gaps = [], []
    for focus, title in focuses.items():
        cells = [_cell(focus, school, by_school[school]) for school in columns]
        coaches = [t for t in teachers if _coaches(t, focus)]
        for cell in (c for c in cells if c["gap"]):
            cell["cover_names"] = [f"{_name(t)} ({_school(t)})" for t in coaches]
            cell["cover"] = len(coaches)  # the school has none of its own, so every coach is elsewhere
            gaps.append({"focus": focus, "title": title, "school": cell["school"], "demand": cell["demand"],
                         "cover": cell["cover"], "cover_names": cell["cover_names"],
                         "sentence": gap_sentence(title, cell["school"], cell["demand"], cell["cover"])})
        total = {"demand": sum(c["demand"] for c in cells), "confident": sum(c["confident"] for c in cells),
                 "coaches": len(coaches), "gaps": sum(c["gap"] for c in cells)}
        rows.append({"focus": focus, "title": title, "cells": cells, "total": total})
    # How many teachers each school has, so each count on the map can say what it is out of.
    sizes = {school: len(members) for school, members in by_school.items()}
    return {"schools": columns, "rows": rows, "gaps": gaps, "teachers": len(teachers), "sizes": sizes}


def gap_sentence(title: str, school: str, demand: int, cover: int) -> str:
    """A gap in words, for the coordinator's list."""
    chose = f"{demand} teacher{'s' if demand != 1 else ''}"
    if school == NO_SCHOOL:
        where = f"{chose} who gave no school chose {title}, and none of them is confident and willing to coach it"
    else:
        where = f"{school}: {chose} chose {title}, no one there is confident and willing to coach it"
    if cover == 0:
        return f"{where}; no one elsewhere in the network could either."
    return f"{where}; {cover} in {'another school' if cover == 1 else 'other schools'} could."


def csv_rows(found: dict[str, Any]) -> list[list[Any]]:
    """One row per focus and school, in the order of `CSV_HEADER` (names joined with '; ')."""
    return [[row["focus"], row["title"], c["school"], c["demand"], c["confident"], c["coaches"],
             "yes" if c["gap"] else "no", c["cover"] if c["gap"] else "", "; ".join(c["coach_names"]),
             "; ".join(c["confident_names"]), "; ".join(c["cover_names"])]
            for row in found["rows"] for c in row["cells"]]


def _name(teacher: Teacher) -> str:
    return teacher.get("name") or f"Teacher {teacher.get('ref')}"


def _school(teacher: Teacher) -> str:
    return teacher.get("school") or NO_SCHOOL


def _confident(teacher: Teacher, focus: str) -> bool:
    level = (teacher.get("confidence") or {}).get(focus)
    return level is not None and level >= TOP


def _coaches(teacher: Teacher, focus: str) -> bool:
    # An unanswered coaching question (None) is not an offer to coach.
    return _confident(teacher, focus) and teacher.get("coach") is True


def _columns(teachers: list[Teacher], schools: list[str]) -> list[str]:
    named = {t.get("school") for t in teachers if t.get("school")}
    columns = list(dict.fromkeys(schools)) + sorted(named - set(schools))
    if any(not t.get("school") for t in teachers):
        columns.append(NO_SCHOOL)
    return columns


def _cell(focus: str, school: str, here: list[Teacher]) -> dict[str, Any]:
    confident = [t for t in here if _confident(t, focus)]
    coaches = [t for t in confident if _coaches(t, focus)]
    demand = sum(t.get("focus") == focus for t in here)
    return {"school": school, "demand": demand, "confident": len(confident), "coaches": len(coaches),
            "coach_names": [_name(t) for t in coaches],
            "confident_names": [_name(t) for t in confident if not _coaches(t, focus)],
            "gap": demand > 0 and not coaches, "cover": 0, "cover_names": []}
