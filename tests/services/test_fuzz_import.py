"""Fuzzing the CSV import: arbitrary bytes, and rows built from the real columns with hostile cells.

`import_csv` either returns one submitted response per row or raises `ImportProblems` whose every line is
`FILE:ROW: message`, with ROW the line a row starts on; and through the command line, a refused file leaves
every file under `DATA/store/` exactly as it was, while an accepted one adds exactly its rows.
(tests/services/test_csvio.py has the hand-written cases; this throws generated ones at the same code.)
"""

from __future__ import annotations

import csv
import io
import random
import re
from pathlib import Path

import pytest
from fuzz_strategies import FORMULAS, HUGE_TEXT, TEXT, UNICODE, WORDS, World
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from stored import digests

from diagnostic.cli import cli
from diagnostic.services.csvio import MAX_CSV_BYTES, ImportProblems, import_csv
from diagnostic.services.demo import PROFILES, teacher_row
from diagnostic.services.journey import new_response
from forms.catalog import SHIPPED
from forms.loader import load_definition

DEFINITION = load_definition(SHIPPED / "starting-point.yaml")
COLUMNS = ["respondent", "school", *DEFINITION.answer_ids()]
CHOICE_IDS = sorted({c.id for q in DEFINITION.questions() for c in q.options})
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
CELLS = st.one_of(
    st.just(""), WORDS, UNICODE, FORMULAS, HUGE_TEXT, TEXT,
    st.sampled_from(CHOICE_IDS),  # a real choice id, usually of another question
    st.lists(st.sampled_from(CHOICE_IDS), min_size=2, max_size=5).map(";".join),
    st.integers(-10**6, 10**6).map(str), st.floats().map(str), st.sampled_from(["9" * 5000, "1" + "0" * 400]),
)


@pytest.fixture
def world(app, store, cohort, tmp_path):
    """A cohort that already holds two imported responses and a teacher's draft, inside an app context."""
    with app.app_context():
        earlier = tmp_path / "earlier.csv"
        earlier.write_text(render(COLUMNS, [base_row(0), base_row(1)], ["\n"] * 3), encoding="utf-8")
        store.add_responses(cohort["id"], import_csv(earlier, cohort, DEFINITION, []))
        store.add_responses(cohort["id"], [new_response(cohort, school="Ashfield")[0]])
        yield World(app=app, store=store, cohort=cohort, dir=tmp_path)


def base_row(n: int) -> dict[str, str]:
    """A valid row for synthetic teacher `n` (`teacher-0` and `teacher-1` are already in the cohort)."""
    return {"respondent": f"teacher-{n}", "school": "Ashfield",
            **teacher_row(DEFINITION, PROFILES[n % len(PROFILES)], random.Random(n))}


def records_of(header: list[str], rows: list[dict | list]) -> list[str]:
    """The header and each row as one CSV record without its line ending (a list row is written as is)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # quote any cell holding \r or \n
    found = []
    for row in [header, *rows]:
        out.seek(0)
        out.truncate()
        writer.writerow(row if isinstance(row, list) else [row.get(h, "") for h in header])
        found.append(out.getvalue()[:-2])
    return found


def ended(records: list[str], endings: list[str]) -> list[str]:
    """Each record with a line ending taken in turn from `endings` (mixed line endings)."""
    found, previous = [], ""
    for n, record in enumerate(records):
        ending = endings[n % len(endings)]
        if not record and previous == "\r":
            ending = "\r"  # "\r" then an empty "\n" line would read as one "\r\n", not a blank line
        found.append(record + ending)
        previous = ending
    return found


def render(header: list[str], rows: list[dict | list], endings: list[str]) -> str:
    return "".join(ended(records_of(header, rows), endings))


@st.composite
def csv_files(draw) -> tuple[bytes, list[int]]:
    """(file content, the line each non-blank data row starts on) from the real columns, with hostile changes."""
    header = list(COLUMNS)
    if draw(st.integers(0, 3)) == 0:
        header = header[:1] + draw(st.permutations(header[1:]))
    if draw(st.integers(0, 5)) == 0:
        header = header[:1] + [h for h in header[1:] if draw(st.integers(0, 9))]  # drop about one in ten
    if draw(st.integers(0, 4)) == 0:
        header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from([*COLUMNS, "colour", "", "Role"])))
    if draw(st.integers(0, 4)) == 0:
        header = [draw(st.sampled_from(["", " ", "\ufeff"])) + h + draw(st.sampled_from(["", " "])) for h in header]
    rows: list[dict | list] = []
    for _ in range(draw(st.integers(0, 3) | st.integers(1, 3))):
        row = base_row(draw(st.integers(0, 6)))
        # Mostly new teachers (teacher-0 and teacher-1 are already in the cohort), often with a new name.
        row["respondent"] = draw(st.one_of(st.just(row["respondent"]), st.uuids().map(str)))
        if draw(st.integers(0, 2)) == 0:
            for column in draw(st.lists(st.sampled_from([*COLUMNS, "colour"]), max_size=4)):
                row[column] = draw(CELLS)
        shape = draw(st.integers(0, 9))
        if shape == 0:
            rows.append([])  # a blank line
        elif shape == 1:
            cells = [row.get(h, "") for h in header]
            rows.append(cells[: draw(st.integers(0, len(cells)))] or [""] + draw(st.lists(CELLS, max_size=2)))
        else:
            rows.append(row)
    endings = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3))
    lines = ended(records_of(header, rows), endings)
    text = "".join(lines)
    starts, line = [], 1 + _breaks(lines[0])
    for row, record in zip(rows, lines[1:], strict=True):
        cells = row if isinstance(row, list) else [row.get(h, "") for h in header]
        if any(c.strip() for c in cells):
            starts.append(line)
        line += _breaks(record)  # a quoted cell may hold line breaks of its own
    content = text.encode("utf-8")
    if draw(st.booleans()):
        content = b"\xef\xbb\xbf" + content
    return content, starts


def _breaks(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


RAW = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([*COLUMNS[:6], ",", '"', "\n", "\r", "\r\n", ";", "\ufeff", "\x00", "=1+1", "é",
                              "teacher-9", "yes", "3", " "]), max_size=80).map(lambda parts: "".join(parts).encode()),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"respondent\n", b"respondent\nt9\n", b'respondent\n"unclosed\n',
                     b"respondent,school\n" + b"x" * 140_000 + b",Ashfield\n", "respondent\n\u2028\n".encode(),
                     "respondent,school\ncafé,Ashfield\n".encode("utf-16")]),
)


def assert_problems_located(problems: ImportProblems, path: Path, content: bytes, starts: list[int] | None) -> None:
    """Every line is `FILE:ROW: message`; ROW is 1 (the header) or a row's first line, when those are known."""
    assert problems.lines, "ImportProblems without a single problem"
    last = _breaks(content.decode("utf-8", "replace")) + 1
    pattern = re.compile(rf"{re.escape(str(path))}:(\d+): (\S.*)")
    for text in problems.lines:
        found = pattern.fullmatch(text)
        assert found, f"not a FILE:ROW: message line: {text!r}"
        row = int(found.group(1))
        assert 0 <= row <= last, text
        if starts is not None and "not a readable CSV" not in text:
            assert row == 1 or row in starts, (text, starts)


def note(what: str) -> None:
    if currently_in_test_context():  # shown by --hypothesis-show-statistics
        event(what)


def assert_records(records: list[dict], cohort: dict, rows: int) -> None:
    assert len(records) == rows
    assert len({r["respondent"] for r in records}) == len(records)
    answer_ids = set(DEFINITION.answer_ids())
    for record in records:
        assert record["status"] == "submitted" and record["cohort"] == cohort["id"]
        assert record["respondent"] and record["school"] in (None, *cohort["schools"])
        assert set(record["answers"]) <= answer_ids


def run_import(world, content: bytes, starts: list[int] | None) -> None:
    """Import directly, then through the command line; check both agree and what each leaves behind."""
    store, cohort = world["store"], world["cohort"]
    path = world["dir"] / "fuzz.csv"
    path.write_bytes(content)
    before, responses = digests(store), store.list_responses(cohort["id"])
    try:
        records = import_csv(path, cohort, DEFINITION, responses)
    except ImportProblems as problems:
        assert_problems_located(problems, path, content, starts)
        note("refused at the header" if all(":1: " in line for line in problems.lines) else "refused rows")
        records = None
    else:
        assert_records(records, cohort, len(starts) if starts is not None else len(records))
        note(f"imported {len(records)} row(s)")
    result = world["app"].test_cli_runner().invoke(cli, ["import-responses", "--cohort", cohort["id"], str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if records is None:
        assert result.exit_code == 1 and "nothing imported" in result.output
        assert digests(store) == before, "a refused file changed the store"
    else:
        assert result.exit_code == 0, result.output
        after = store.list_responses(cohort["id"])
        assert len(after) == len(responses) + len(records)
        kept = {r["id"]: r for r in after}
        assert all(kept[r["id"]] == r for r in responses), "an import changed a response already stored"


@FUZZ
@given(file=csv_files())
@example(file=((b"respondent,school,role,role\nteacher-9,Ashfield,x,y\n"), [2]))
@example(file=(("respondent,school,years_teaching\nteacher-9,Ashfield," + "9" * 5000 + "\n").encode(), [2]))
def test_rows_from_the_real_columns_import_wholly_or_not_at_all(world, file):
    content, starts = file
    run_import(world, content, starts)


def test_a_number_too_large_for_a_float_is_a_problem_line_not_a_crash(world):
    # int() read the 401 digits, then the range check's math.isnan() raised OverflowError out of import_csv.
    row = {**base_row(5), "years_teaching": "1" + "0" * 400}
    content = render(COLUMNS, [row], ["\n"]).encode()
    path = world["dir"] / "huge.csv"
    path.write_bytes(content)
    with pytest.raises(ImportProblems) as caught:
        import_csv(path, world["cohort"], DEFINITION, [])
    assert caught.value.lines == [f"{path}:2: years_teaching: Enter a number (found '1{'0' * 400}')"]
    run_import(world, content, [2])


@FUZZ
@given(content=RAW)
@example(content=b"\xef\xbb\xbfrespondent,school\r\n\r\n\xef\xbb\xbf,Ashfield\r")
@example(content=b"respondent,respondent\nt9,t9\n")
@example(content=b'respondent\n"=HYPERLINK(""x"")"\n')
def test_any_bytes_import_wholly_or_not_at_all(world, content):
    assert len(content) < MAX_CSV_BYTES
    run_import(world, content, None)
