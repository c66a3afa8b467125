"""Finding your way through a large cohort's partnerships: the summary, the filters in the address, and pages.

The coordinator of a network of 2,000 teachers reads a summary of the whole
proposal first, then narrows the lists by school, learning focus, name and flag.
Filters are plain GET parameters, so a filtered view can be bookmarked or shared
and works without script. A value the page does not know is ignored with a
note saying so, never an error page. Only one page of each list is rendered.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

PAGE_SIZE = 25  # rows per page: a phone screen or two, and quick to render at any cohort size
NAME_LIMIT = 80  # characters of a name search that are read
# A partnership has a weak point when one criterion is met less than half: worth a look before confirming.
WEAK_POINT = 0.5
FLAGS = {"weak": "With a weak point", "locked": "Locked by you",
         "trio": "Trios and larger"}
SORTS = {"proposed": "As proposed (by learning focus)", "weakest": "Weakest fit first", "name": "By name"}


@dataclass(frozen=True)
class Filters:
    """What the coordinator asked to see; empty strings mean no filter."""

    school: str = ""
    focus: str = ""
    name: str = ""
    flag: str = ""
    sort: str = "proposed"

    def args(self) -> dict[str, str]:
        """The query parameters that reproduce these filters (the defaults left out, for short addresses)."""
        return {k: v for k, v in asdict(self).items() if v and not (k == "sort" and v == "proposed")}

    @property
    def active(self) -> bool:
        return bool(self.school or self.focus or self.name or self.flag)


def read_filters(args: Any, schools: list[str], focuses: dict[str, str], flags: dict[str, str]
                 ) -> tuple[Filters, list[str]]:
    """The filters in the address, each checked against what this page offers, and a note for each one ignored."""
    notes = []

    def pick(key: str, allowed: Any, what: str) -> str:
        value = (args.get(key) or "").strip()
        if value and value not in allowed:
            notes.append(f"The {what} “{value[:40]}” is not one this page offers, so the list is not filtered "
                         f"by {what}.")
            return ""
        return value

    school = pick("school", schools, "school")
    focus = pick("focus", focuses, "learning focus")
    flag = pick("flag", flags, "flag")
    sort = pick("sort", SORTS, "order") or "proposed"
    name = " ".join((args.get("name") or "").split())
    if len(name) > NAME_LIMIT:
        notes.append(f"Only the first {NAME_LIMIT} characters of the name you searched for were used.")
        name = name[:NAME_LIMIT]
    return Filters(school, focus, name, flag, sort), notes


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, where it sits in the whole list, and the parameter that names it."""

    rows: list
    number: int
    pages: int
    total: int
    param: str

    @property
    def first(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * PAGE_SIZE, self.total)


def page_of(rows: list, args: Any, param: str, notes: list[str], what: str) -> Page:
    """The page of `rows` named by `args[param]` (1 when missing; a number past the end shows the last page)."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    raw = (args.get(param) or "").strip()
    number = 1
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            notes.append(f"“{raw[:20]}” is not a page number, so the first page of {what} is shown.")
        elif int(raw) > pages:
            number = pages
            notes.append(f"There {'is' if pages == 1 else 'are'} only {pages} page{'s' if pages != 1 else ''} of "
                         f"{what} with these filters, so the last one is shown.")
        else:
            number = int(raw)
    return Page(rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], number, pages, len(rows), param)


def weak(row: dict[str, Any]) -> bool:
    """Whether one of the partnership's criteria is met less than half (figures withheld count as not weak)."""
    return bool(row.get("criteria")) and min(row["criteria"].values()) < WEAK_POINT


def _named(needle: str, names: list[str]) -> bool:
    return not needle or any(needle.casefold() in (n or "").casefold() for n in names)


def partnership_matches(row: dict[str, Any], f: Filters) -> bool:
    """Whether a proposed (or confirmed) partnership fits the filters: anyone in it at the school or named."""
    if f.school and f.school not in (row.get("schools") or []):
        return False
    if f.focus and row.get("focus") != f.focus:
        return False
    if not _named(f.name, row.get("names") or []):
        return False
    if f.flag == "weak":
        return weak(row)
    if f.flag == "locked":
        return bool(row.get("locked"))
    if f.flag == "trio":
        return len(row.get("members") or []) >= 3
    return True


def teacher_matches(teacher: dict[str, Any], f: Filters) -> bool:
    """Whether a teacher not placed fits the filters (flags describe partnerships, so they do not apply)."""
    return ((not f.school or teacher.get("school") == f.school) and (not f.focus or teacher.get("focus") == f.focus)
            and _named(f.name, [teacher.get("name") or ""]))


def sort_rows(rows: list[dict[str, Any]], how: str) -> list[dict[str, Any]]:
    if how == "weakest":
        return sorted(rows, key=lambda r: (r["share"] is None, r["share"] or 0))
    if how == "name":
        return sorted(rows, key=lambda r: [(n or "").casefold() for n in r["names"]])
    return rows


def summary(rows: list[dict[str, Any]], unpaired: list[dict[str, Any]], mode: str) -> dict[str, Any]:
    """The whole proposal in figures, whatever the filters: sizes, who is placed, why others are not."""
    sizes = Counter(len(r["members"]) for r in rows)
    leads = len({r["members"][0] for r in rows}) if mode != "co-coaching" else 0
    placed = sum(len(r["members"]) - (0 if mode == "co-coaching" else 1) for r in rows)
    shares = [r["share"] for r in rows if r["share"] is not None]
    return {"partnerships": len(rows), "pairs": sizes.get(2, 0), "trios": sizes.get(3, 0),
            "larger": sum(n for size, n in sizes.items() if size > 3), "leads": leads, "placed": placed,
            "unpaired": len(unpaired), "why": Counter(u["reason"] for u in unpaired).most_common(),
            "weak": sum(weak(r) for r in rows), "locked": sum(bool(r["locked"]) for r in rows),
            "fit": sum(shares) / len(shares) if shares else None}
