"""Import responses from CSV (all rows valid, or nothing imported) and export them as CSV or JSON.

Rows are validated with the very forms the teacher's pages use, so a CSV row
is accepted exactly when the same answers would be accepted on the web.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import Field, FormField
from wtforms.fields.choices import SelectChoice

from diagnostic.services.journey import missing_required, new_response
from forms.builder import apply_visibility, build_page_form, read_answers
from forms.schema import Definition, Question
from forms.scoring import score

MAX_CSV_BYTES = 20_000_000
# A spreadsheet runs a cell as a formula when it starts with one of these. A tab or a carriage return counts only
# as the very first character; the others also behind whitespace and invisible characters (see neutralise).
FORMULA_START = ("=", "+", "-", "@", "|", "%", "\t", "\r")
TRUE_WORDS, FALSE_WORDS = {"yes", "true", "1", "y"}, {"no", "false", "0", "n", ""}


class ImportProblems(Exception):
    """Rows that cannot be imported; nothing was imported. `lines` are `FILE:ROW: message`."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def form_pairs(q: Question, row: dict[str, str]) -> list[tuple[str, str]]:
    """The form fields a teacher's browser would post for this question, from CSV cells."""
    pairs: list[tuple[str, str]] = []
    for answer_id in q.answer_ids():
        cell = (row.get(answer_id) or "").strip()
        if not cell:
            continue
        if q.type == "multi_choice":
            pairs += [(answer_id, part.strip()) for part in cell.split(";") if part.strip()]
        elif q.type == "ranking":
            pairs += _ranking_pairs(q, answer_id, cell)
        elif q.type == "consent":
            pairs += _consent_pairs(q, answer_id, cell)
        else:
            pairs.append((answer_id, cell))
    return pairs


def _ranking_pairs(q: Question, answer_id: str, cell: str) -> list[tuple[str, str]]:
    """A ranking cell ("b; a") as one field per position, as the ranking's selects post it."""
    parts = [p.strip() for p in cell.split(";") if p.strip()]
    if len(parts) > q.ranked_positions:
        raise ValueError(f"{q.id}: ranks {len(parts)} choices but at most {q.ranked_positions} may be ranked")
    return [(f"{answer_id}-rank_{n}", part) for n, part in enumerate(parts, start=1)]


def _consent_pairs(q: Question, answer_id: str, cell: str) -> list[tuple[str, str]]:
    """A yes-or-no cell as a checkbox posts it: ticked for yes, absent for no."""
    if cell.lower() not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"{q.id}: {cell!r} is not yes or no")
    return [(answer_id, "y")] if cell.lower() in TRUE_WORDS else []


def validate_row(definition: Definition, row: dict[str, str], classes: dict[str, type] | None = None
                 ) -> tuple[dict[str, Any], list[str]]:
    """Typed answers for one CSV row and its problems, checked page by page like the web form."""
    answers: dict[str, Any] = {}
    problems: list[str] = []
    for section in definition.sections:
        pairs, cell_problems = _posted(section.questions, row)
        form_class = classes[section.id] if classes else build_page_form(section)
        form = form_class(formdata=MultiDict(pairs), meta={"csrf": False})
        # Which questions apply depends on the answers of the pages before, as it does on the web.
        shown = apply_visibility(form, section, answers)
        problems += cell_problems + _answered_but_hidden(section.questions, shown, row)
        form.validate()
        problems += [p for name, errors in form.errors.items() if name != "revision"
                     for p in _field_problems(form[name], name, errors, pairs, row.get(name, ""))]
        answers.update(_accepted(form, shown))
    return answers, problems + _missing(definition, answers, problems)


def _accepted(form: Any, shown: list[Question]) -> dict[str, Any]:
    """The typed answers of the shown questions that passed the form's checks."""
    return {k: v for q in shown for k, v in read_answers(form, q).items()
            if k not in form.errors and q.id not in form.errors}


def _missing(definition: Definition, answers: dict[str, Any], problems: list[str]) -> list[str]:
    """A problem for each required question left empty, unless a problem about its cells is already there."""
    return [f"{q.id}: required but empty" for q in missing_required(definition, answers)
            if not any(p.startswith(f"{a}:") for a in q.answer_ids() for p in problems)]


def _posted(questions: list[Question], row: dict[str, str]) -> tuple[list[tuple[str, str]], list[str]]:
    """What a browser would post for these questions from the row's cells, and the cells that cannot be posted."""
    pairs: list[tuple[str, str]] = []
    problems: list[str] = []
    for q in questions:
        try:
            pairs += form_pairs(q, row)
        except ValueError as exc:
            problems.append(str(exc))
    return pairs, problems


def _answered_but_hidden(questions: list[Question], shown: list[Question], row: dict[str, str]) -> list[str]:
    """A problem for each question answered in the row that the earlier answers hide."""
    return [f"{q.id}: answered, but this question does not apply given the earlier answers"
            for q in questions if q not in shown and any((row.get(a) or "").strip() for a in q.answer_ids())]


def _field_problems(field: Field, name: str, errors: list | dict, pairs: list[tuple[str, str]], cell: str
                    ) -> list[str]:
    """The form's errors for one field, as lines naming the field and the cell found."""
    # A ranking's errors come per position ({position: [errors]}); every other field's as a list.
    flat = [e for group in errors.values() for e in group] if isinstance(errors, dict) else errors
    allowed = _allowed(field)
    unknown = _not_allowed(name, pairs, allowed)
    problems = []
    if unknown:
        # WTForms says only "Not a valid choice": say which answers the cell may hold instead.
        flat = [e for e in flat if not _is_choice_error(e)]
        problems.append(f"{name}: {_quoted(unknown)} {'is' if len(unknown) == 1 else 'are'} not among "
                        f"the answers allowed: {', '.join(allowed)}")
    return problems + [f"{name}: {e} (found {cell!r})" if cell else f"{name}: {e}" for e in flat]


def _not_allowed(name: str, pairs: list[tuple[str, str]], allowed: list[str] | None) -> list[str]:
    """The values posted for field `name` (or a ranking's positions, `name-rank_N`) outside `allowed`."""
    return [v for k, v in pairs if (k == name or k.startswith(f"{name}-")) and v not in (allowed or [v])]


def _allowed(field: Field) -> list[str] | None:
    """The values a choice field accepts, as written in a CSV cell; None for a field without choices."""
    if isinstance(field, FormField):  # a ranking: one select per position, each offering the same choices
        field = next(iter(field.form))
    choices = getattr(field, "choices", None)
    if choices is None:
        return None
    values = [str(c.value if isinstance(c, SelectChoice) else c[0]) for c in choices]
    return [v for v in values if v != ""]  # "" is a ranking's "not chosen"


def _is_choice_error(message: str) -> bool:
    # WTForms' own wording for a value outside the choices ("Not a valid choice.", "'x' is not a valid choice
    # for this field.", "Invalid Choice: could not coerce.").
    return "valid choice" in message.lower() or "invalid choice" in message.lower()


def _quoted(values: list[str]) -> str:
    return ", ".join(repr(v) for v in dict.fromkeys(values))


def import_csv(path: Path | str, cohort: dict, definition: Definition, existing: list[dict],
               progress: Callable[[int], None] | None = None, starting_points: dict[str, dict] | None = None,
               cycle: int = 1) -> list[dict]:
    """Read and validate a whole CSV; return the submitted responses to store, or raise ImportProblems.

    `progress`, if given, is told the line reached after each row. For a later `cycle`, `existing` is that
    cycle's responses and `starting_points` each imported teacher's first response by respondent: a row
    must name one of them, and its response is linked to that teacher.
    """
    name = str(path)
    reader = csv.reader(io.StringIO(_read_text(Path(path)), newline=""))
    header = _read_header(reader, name, definition)
    rows = _RowChecker(cohort, definition, existing, starting_points, cycle)
    problems: list[str] = []
    records = []
    for line, end, row in _rows(reader, header, name, problems):
        record, row_problems = rows.check(row, line)
        problems += [f"{name}:{line}: {p}" for p in row_problems]
        if record is not None:
            records.append(record)
        if progress:
            progress(end)
    if problems:
        raise ImportProblems(problems)
    return records


def _read_text(path: Path) -> str:
    """The whole file as text, or ImportProblems if it is too large, unreadable, not UTF-8 or binary."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise ImportProblems([f"{name}:1: the file is larger than {MAX_CSV_BYTES} bytes"])
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ImportProblems([f"{name}:0: cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise ImportProblems([f"{name}:1: not a UTF-8 text file (save the CSV as UTF-8)"]) from None
    if "\x00" in text:
        raise ImportProblems([f"{name}:1: the file holds binary data, not CSV text"])
    return text


def _read_header(reader: Any, name: str, definition: Definition) -> list[str]:
    """The header's column names, or ImportProblems naming every column that is wrong."""
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportProblems([f"{name}:1: not a readable CSV file ({exc})"]) from None
    if not header or not any(h.strip() for h in header):
        raise ImportProblems([f"{name}:1: the file is empty; the first line must be a header starting 'respondent'"])
    header = [h.strip() for h in header]
    problems = _header_problems(header, definition)
    if problems:
        raise ImportProblems([f"{name}:1: {p}" for p in problems])
    return header


def _header_problems(header: list[str], definition: Definition) -> list[str]:
    """What is wrong with a header: the first column, columns that are not questions, columns given twice."""
    known = set(definition.answer_ids())
    problems = []
    if header[0] != "respondent":
        problems.append(f"the first column must be 'respondent', found {header[0]!r}")
    problems += [f"unknown column {column!r}: not a question in {definition.id} version {definition.version}"
                 for column in header[1:] if column != "school" and column not in known]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        problems.append(f"columns appear twice: {', '.join(dupes)}")
    return problems


def _rows(reader: Any, header: list[str], name: str, problems: list[str]) -> Iterator[tuple[int, int, dict]]:
    """Each row that is not blank as {column: cell}, with the line it starts on and the line it ends on.

    A row with the wrong number of cells is left out, and CSV that cannot be read ends the rows; both are
    added to `problems`.
    """
    end_of_previous = reader.line_num
    try:
        for cells in reader:
            # A quoted cell may span lines: report the line the row starts on.
            line, end_of_previous = end_of_previous + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                problems.append(f"{name}:{line}: has {len(cells)} cells but the header has {len(header)}")
                continue
            yield line, end_of_previous, dict(zip(header, cells, strict=True))
    except csv.Error as exc:
        problems.append(f"{name}:{reader.line_num}: not a readable CSV row ({exc})")


class _RowChecker:
    """Checks one import's rows in turn, remembering the respondents already seen in the file."""

    def __init__(self, cohort: dict, definition: Definition, existing: list[dict],
                 starting_points: dict[str, dict] | None = None, cycle: int = 1):
        self.cohort, self.definition, self.cycle = cohort, definition, cycle
        self.taken = {r.get("respondent") for r in existing if r.get("respondent")}
        self.starting_points = starting_points
        # The page forms are built once for the whole file: building them is what a row would spend most on.
        self.classes = {s.id: build_page_form(s) for s in definition.sections}
        self.seen: dict[str, int] = {}

    def check(self, row: dict[str, str], line: int) -> tuple[dict | None, list[str]]:
        """The submitted response for a row starting on `line`, or None; and the row's problems."""
        respondent = row["respondent"].strip()
        school = (row.get("school") or "").strip() or None
        problems = self._respondent_problems(respondent)
        self.seen.setdefault(respondent, line)
        schools = self.cohort["schools"]
        if school and schools and school not in schools:
            problems.append(f"school {school!r} is not one of the cohort's schools ({', '.join(schools)})")
        answers, answer_problems = validate_row(self.definition, row, self.classes)
        problems += answer_problems
        if problems:
            return None, problems
        record = submitted_response(self.cohort, self.definition, answers, respondent, school)
        if self.starting_points is not None:
            first = self.starting_points[respondent]
            record.update(cycle=self.cycle, teacher=first["id"], school=school or first.get("school"))
        return record, []

    def _respondent_problems(self, respondent: str) -> list[str]:
        if not respondent:
            return ["respondent is empty"]
        if respondent in self.seen:
            return [f"respondent {respondent!r} appears again (first on row {self.seen[respondent]})"]
        if respondent in self.taken:
            where = f"cycle {self.cycle} of " if self.cycle > 1 else ""
            return [f"respondent {respondent!r} is already in {where}cohort {self.cohort['id']}"]
        if self.starting_points is not None and respondent not in self.starting_points:
            return [f"respondent {respondent!r} has no starting point in cohort {self.cohort['id']}: later cycles "
                    "are matched to the respondent a teacher's cycle 1 answers were imported with"]
        return []


def submitted_response(cohort: dict, definition: Definition, answers: dict, respondent: str,
                       school: str | None) -> dict:
    """A submitted response built from validated answers (imports and demo data)."""
    record, _ = new_response(cohort, school=school, respondent=respondent, source="import")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    record.update(answers=answers, status="submitted", submitted_at=stamp, revision=1, token_hash="",
                  scores=score(definition, answers))
    return record


def first_visible(text: str) -> str:
    """The first character a reader would see: leading whitespace and format characters are skipped."""
    # Format characters (category Cf) are invisible: zero-width spaces and joiners, the word joiner, a
    # byte-order mark. A spreadsheet may drop them, and leading spaces, on import and then read a formula.
    return next((ch for ch in text if not (ch.isspace() or unicodedata.category(ch) == "Cf")), "")


def neutralise(value: Any) -> Any:
    """Stop a spreadsheet running typed text as a formula: prefix a quote to risky text cells."""
    if not isinstance(value, str):
        return value
    # NFKC turns full-width forms (＝ ＋ － ＠ ｜ ％), which spreadsheets may read as formula starts too, into ASCII.
    if value.startswith(FORMULA_START) or unicodedata.normalize("NFKC", first_visible(value)).startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return neutralise(";".join(str(v) for v in value))
    if value is True:
        return "yes"
    return neutralise(value) if value is not None else ""


def export_rows(definition: Definition, responses: list[dict]) -> list[dict[str, Any]]:
    """Submitted responses as plain records: who, where, when, answers and construct scores."""
    return [
        {"response_id": r["id"], "respondent": r.get("respondent"), "school": r.get("school"),
         "form_id": r["form_id"], "form_version": r["form_version"], "submitted_at": r.get("submitted_at"),
         "answers": {a: r["answers"][a] for a in definition.answer_ids() if a in r["answers"]},
         "scores": r.get("scores", {})}
        for r in responses if r["status"] == "submitted"
    ]


def export_csv(definition: Definition, responses: list[dict]) -> str:
    """Submitted responses as CSV text, one column per answer then one per construct score."""
    answer_ids = definition.answer_ids()
    constructs = [c.id for c in definition.constructs]
    out = io.StringIO()
    # The default "\r\n" line ending makes the writer quote any cell holding a lone "\r" too.
    writer = csv.writer(out)
    meta = ["response_id", "respondent", "school", "form_id", "form_version", "submitted_at"]
    writer.writerow([neutralise(h) for h in meta + answer_ids + [f"score_{c}" for c in constructs]])
    for row in export_rows(definition, responses):
        writer.writerow([_cell(row[m]) for m in meta] + [_cell(row["answers"].get(a)) for a in answer_ids]
                        + [_cell(row["scores"].get(c)) for c in constructs])
    return out.getvalue()


def export_json(definition: Definition, responses: list[dict]) -> str:
    """Submitted responses as a JSON document (text as typed: JSON is not run by spreadsheets)."""
    return json.dumps({"form_id": definition.id, "form_version": definition.version,
                       "responses": export_rows(definition, responses)}, indent=2, ensure_ascii=False)


def export_cycles_csv(definitions: dict[int, Definition], responses: list[dict], layout: str = "long") -> str:
    """Submitted responses of every cycle as CSV, for analysts: `long` or `wide`.

    `definitions` gives each cycle's questionnaire by cycle number. Long has one row per teacher per cycle,
    with a `cycle` column and the answer columns of every cycle's questionnaire (matched items share a
    column, since they share an id); wide has one row per teacher, each cycle's columns prefixed `cN_`.
    A teacher is their first response's id (`teacher`), the same in every cycle.
    """
    numbers = sorted(definitions)
    by_cycle = {n: [r for r in responses if r.get("cycle", 1) == n and r["status"] == "submitted"] for n in numbers}
    columns = {n: [*definitions[n].answer_ids(), *(f"score_{c.id}" for c in definitions[n].constructs)]
               for n in numbers}

    def cells(record: dict, names: list[str]) -> list[Any]:
        return [_cell(record.get("scores", {}).get(name[6:]) if name.startswith("score_")
                      else record["answers"].get(name)) for name in names]

    out = io.StringIO()
    writer = csv.writer(out)
    if layout == "long":
        every = list(dict.fromkeys(name for n in numbers for name in columns[n]))
        writer.writerow([neutralise(h) for h in ["teacher", "respondent", "school", "cycle", "form_id",
                                                 "form_version", "submitted_at", *every]])
        for n in numbers:
            for r in by_cycle[n]:
                writer.writerow([_cell(r.get("teacher", r["id"])), _cell(r.get("respondent")), _cell(r.get("school")),
                                 n, _cell(r["form_id"]), _cell(r["form_version"]), _cell(r.get("submitted_at")),
                                 *cells(r, every)])
        return out.getvalue()
    if layout != "wide":
        raise ValueError(f"unknown layout {layout!r}: choose long or wide")
    writer.writerow([neutralise(h) for h in ["teacher", "respondent", "school", *(
        f"c{n}_{name}" for n in numbers for name in ["submitted_at", *columns[n]])]])
    teachers: dict[str, dict[int, dict]] = {}
    for n in numbers:
        for r in by_cycle[n]:
            teachers.setdefault(r.get("teacher", r["id"]), {})[n] = r
    for teacher, found in teachers.items():
        first = found.get(1) or next(iter(found.values()))
        row = [_cell(teacher), _cell(first.get("respondent")), _cell(first.get("school"))]
        for n in numbers:
            record = found.get(n)
            row += ([_cell(record.get("submitted_at")), *cells(record, columns[n])] if record
                    else [""] * (1 + len(columns[n])))
        writer.writerow(row)
    return out.getvalue()
