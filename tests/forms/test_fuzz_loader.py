"""Fuzzing definitions: the shipped questionnaire and its menu, mutated at random, and the admin upload.

Whatever is thrown at `load_definition`, `load_menu` or `add_upload`, the answer is a loaded object or the
loader's own error listing `PATH:LINE: message` lines for the right file, never any other exception; a
definition that loads can be built into page forms and published; a refused upload writes nothing.
(tests/forms/test_loader.py already fuzzes a small definition from scratch; these start from the real files.)
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
import yaml
from flask import Flask
from fuzz_strategies import MUTATIONS, SCALARS, TEXT, UNICODE, VALUES, file_snapshot, mutate, paths
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diagnostic.services.cohorts import create_cohort
from diagnostic.services.definitions import UploadProblems, add_upload, current_dirs, file_name
from diagnostic.storage.tinydb_store import TinyDBStore as Store
from forms.builder import build_page_form
from forms.loader import digest, load_definition, load_menu, snapshot
from forms.schema import Definition, Menu
from forms.yamlfile import FileProblems

DEFINITIONS = Path(__file__).resolve().parents[2] / "forms" / "definitions"
SHIPPED = DEFINITIONS / "starting-point.yaml"
SHIPPED_MENU = DEFINITIONS / "learning-focuses.yaml"
SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")
SHIPPED_DATA = yaml.safe_load(SHIPPED_TEXT)
MENU_DATA = yaml.safe_load(SHIPPED_MENU.read_text(encoding="utf-8"))
DEFINITION_PATHS = list(paths(SHIPPED_DATA))
MENU_PATHS = list(paths(MENU_DATA))
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
# Page forms are Flask-WTF forms: instantiating one needs an app context, not a whole app.
FORMS_APP = Flask(__name__)
FORMS_APP.config.update(SECRET_KEY="fuzz", WTF_CSRF_ENABLED=False)


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder holding a copy of the shipped definition and its menu, as `forms check` would see them."""
    shutil.copy(SHIPPED, tmp_path / SHIPPED.name)
    shutil.copy(SHIPPED_MENU, tmp_path / SHIPPED_MENU.name)
    return tmp_path


def dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def assert_located(problems: FileProblems, path: Path) -> None:
    """Every problem is one `PATH:LINE: message` line naming `path`, with a line inside the file."""
    lines = problems.lines()
    assert lines, "refused without a single problem listed"
    try:  # YAML's own line breaks: \r, \x85 and \u2028 start a line too
        last = len(re.findall("\r\n|[\r\n\x85\u2028\u2029]", path.read_bytes().decode("utf-8", "replace"))) + 1
    except OSError:
        last = 1
    pattern = re.compile(rf"{re.escape(str(path))}:(\d+): (\S.*)")
    for text in lines:
        found = pattern.fullmatch(text)
        assert found, f"not a PATH:LINE: message line for {path}: {text!r}"
        assert 0 <= int(found.group(1)) <= last, text


def assert_usable(definition: Definition) -> None:
    """A definition that loads can be fingerprinted, published and read back, and built into page forms."""
    assert isinstance(definition, Definition)
    again = Definition.model_validate(snapshot(definition))
    assert digest(again) == digest(definition)
    with FORMS_APP.test_request_context():
        for section in definition.sections:
            build_page_form(section)(formdata=None)


def load_or_report(path: Path) -> Definition | None:
    try:
        definition = load_definition(path)
    except FileProblems as problems:
        assert_located(problems, path)
        return None
    assert_usable(definition)
    return definition


# -- the shipped definition, changed in one place ---------------------------------------------------------


@FUZZ
@given(where=st.sampled_from(DEFINITION_PATHS), how=st.sampled_from(MUTATIONS), value=VALUES)
@example(where=("scales", "agree5", "max"), how="replace", value=10**4000)
@example(where=("scales", "agree5", "max"), how="replace", value=1_000_000)
@example(where=("scales", "agree5", "min"), how="replace", value=float("-inf"))
@example(where=("version",), how="replace", value=float("nan"))
@example(where=("sections", 0, "questions", 0), how="replace", value=[[[[[]]]]])
@example(where=("pairing", "strong"), how="empty", value=None)
def test_the_shipped_definition_changed_anywhere_loads_or_is_reported(folder, where, how, value):
    data = copy.deepcopy(SHIPPED_DATA)
    mutate(data, where, how, value)
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    load_or_report(path)


@FUZZ
@given(changes=st.lists(st.tuples(st.sampled_from(DEFINITION_PATHS), st.sampled_from(MUTATIONS), SCALARS),
                        min_size=2, max_size=6))
def test_several_changes_at_once_load_or_are_reported(folder, changes):
    data = copy.deepcopy(SHIPPED_DATA)
    for where, how, value in changes:
        try:
            mutate(data, where, how, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this place
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    load_or_report(path)


SNIPPETS = st.one_of(
    UNICODE, TEXT,
    st.sampled_from(["- ", ": ", "  ", "\t", "[", "]", "{", "}", "&a ", "*a", "!!str ", "!!binary x", "? ",
                     "'", '"', "#", "---\n", "...\n", "%YAML 1.1\n", "<<: {}", "\ufeff", "\u2028", "\x85",
                     "type: likert", "id: x", "show_if: {question: role, equals: other}", "choices: menu"]),
)


@FUZZ
@given(line=st.integers(0, SHIPPED_TEXT.count("\n")), cut=st.integers(0, 40), snippet=SNIPPETS)
@example(line=9, cut=0, snippet="\u2028")
@example(line=9, cut=0, snippet="\ufeff")
def test_text_spliced_into_the_shipped_file_loads_or_is_reported(folder, line, cut, snippet):
    lines = SHIPPED_TEXT.splitlines(keepends=True)
    lines[line:line] = [snippet]
    text = "".join(lines)
    if cut:
        text = text[: len(text) * cut // 41]  # a file cut short, as by a failed copy
    path = folder / SHIPPED.name
    path.write_bytes(text.encode("utf-8"))
    load_or_report(path)


@settings(FUZZ, max_examples=25)
@given(depth=st.integers(1, 300), where=st.sampled_from(["title", "sections", "scales", "recommend", "menu"]))
def test_deep_nesting_anywhere_is_reported(folder, depth, where):
    data = copy.deepcopy(SHIPPED_DATA)
    data[where] = _deep(depth)
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    assert load_or_report(path) is None


def _deep(depth: int):
    value = "x"
    for level in range(depth):
        value = {"k": value} if level % 3 else [value]
    return value


# -- the menu beside it ---------------------------------------------------------------------------------


@FUZZ
@given(where=st.sampled_from(MENU_PATHS), how=st.sampled_from(MUTATIONS), value=VALUES)
@example(where=("focuses", 0, "weight"), how="replace", value=float("nan"))
@example(where=("focuses", 0, "school_weights"), how="replace", value={1: 2})
@example(where=("focuses", 1, "id"), how="replace", value="assessment_for_learning")
def test_the_shipped_menu_changed_anywhere_loads_or_is_reported(folder, where, how, value):
    data = copy.deepcopy(MENU_DATA)
    mutate(data, where, how, value)
    menu_file = folder / SHIPPED_MENU.name
    menu_file.write_text(dump(data), encoding="utf-8")
    try:
        menu = load_menu(menu_file)
    except FileProblems as problems:
        assert_located(problems, menu_file)
    else:
        assert isinstance(menu, Menu)
    # The definition that names the menu reports the menu's problems under its own path, or loads.
    load_or_report(folder / SHIPPED.name)


@settings(FUZZ, max_examples=40)
@given(content=st.one_of(st.binary(max_size=300), UNICODE.map(str.encode),
                         st.sampled_from([b"", b"\xef\xbb\xbf", b"focuses: []\n", b"id: x\nfocuses: 7\n",
                                          b"- a\n- b\n", b"\x00", b"focuses:\n  - " + b"[" * 3000])))
def test_any_bytes_as_the_menu_load_or_are_reported(folder, content):
    menu_file = folder / SHIPPED_MENU.name
    menu_file.write_bytes(content)
    try:
        load_menu(menu_file)
    except FileProblems as problems:
        assert_located(problems, menu_file)
    assert load_or_report(folder / SHIPPED.name) is None  # the definition cannot use a broken menu


# -- the admin's upload --------------------------------------------------------------------------------


@pytest.fixture
def upload_world(tmp_path):
    """A data directory whose store has the shipped definition published (a cohort uses it)."""
    data = tmp_path / "data"
    store = Store(data)
    create_cohort(store, load_definition(SHIPPED), "Published", ["Ashfield"])
    return store, data


def _mutated_yaml(source: dict, where, how, value) -> bytes:
    data = copy.deepcopy(source)
    mutate(data, where, how, value)
    return dump(data).encode("utf-8")


WHOLE_FILES = [SHIPPED.read_bytes(), SHIPPED_MENU.read_bytes(), b"x" * (200 * 1024 + 1),
               SHIPPED.read_bytes().replace(b'version: "2"', b'version: "../../x"'),
               SHIPPED.read_bytes().replace(b'version: "2"', b'version: "9"'),
               SHIPPED_MENU.read_bytes().replace(b"id: learning_focuses", b"id: ../learning")]
UPLOADS = st.one_of(
    st.binary(max_size=400),
    UNICODE.map(lambda text: text.encode("utf-8")),
    st.builds(_mutated_yaml, st.just(SHIPPED_DATA), st.sampled_from(DEFINITION_PATHS), st.sampled_from(MUTATIONS),
              VALUES),
    st.builds(_mutated_yaml, st.just(MENU_DATA), st.sampled_from(MENU_PATHS), st.sampled_from(MUTATIONS), VALUES),
    st.sampled_from(range(len(WHOLE_FILES))).map(WHOLE_FILES.__getitem__),  # (a short repr in reports)
)
NAMES = st.one_of(st.sampled_from(["form.yaml", "", "../../etc/passwd", "/abs/path.yaml", ".", "..", "a\\b.yaml",
                                   "con.yaml", "x" * 300, "\u202eevil.yaml"]), UNICODE)


@FUZZ
@given(name=NAMES, content=UPLOADS)
@example(name="\n", content=b"@")
@example(name="a\u2028b.yaml\r", content=SHIPPED_MENU.read_bytes())
def test_an_upload_is_added_or_refused_with_located_problems_and_nothing_written(upload_world, name, content):
    store, data = upload_world
    before, published = file_snapshot(data / "definitions"), file_snapshot(store.root)
    kept = store.list_definition_files()
    logged = len(store.audit_log())
    try:
        added = add_upload(store, name, content)
    except UploadProblems as problems:
        assert len(store.audit_log()) == logged, "a refused upload was logged as added"
        assert problems.lines, "refused without a reason"
        assert all(re.fullmatch(r".*:\d+: \S.*", line) and len(line.splitlines()) == 1
                   for line in problems.lines), problems.lines
        assert store.list_definition_files() == kept, "a refused upload was kept"
    else:
        (new,) = store.list_definition_files()[len(kept):]
        assert added
        # what was kept loads from where this server writes it out, with the menus it names
        path = current_dirs(store)[1] / file_name(new)
        if added.startswith("menu "):
            assert isinstance(load_menu(path), Menu)
        else:
            assert_usable(load_definition(path, current_dirs(store)))
        assert [e["action"] for e in store.audit_log()[logged:]] == ["add definition"]
    assert file_snapshot(data / "definitions") == before, "an upload changed the operator's definitions folder"
    # Uploading never publishes or changes a published version (the audit log and the kept files aside).
    assert without_log(file_snapshot(store.root)) == without_log(published)


def without_log(snapshot: dict[str, str]) -> dict[str, str]:
    return {path: digest for path, digest in snapshot.items() if path not in ("audit.json", "definition-files.json")}


# -- bugs the fuzzing found, kept as plain examples --------------------------------------------------------

# Each change to the shipped definition crashed the cross-reference checks (TypeError: unhashable type, or
# '<' between None and str) instead of being reported.
CRASHED = [
    pytest.param(("choice_lists", "pupil_groups", 0, "id"), {"k": "v"}, id="pupil group id a mapping (menu check)"),
    pytest.param(("choice_lists", "coaching_roles", 1, "id"), ["be_coached"], id="coaching role id a list (pairing)"),
    pytest.param(("choice_lists", "barriers", 2, "id"), ["x"], id="barrier id a list (recommend)"),
    pytest.param(("choice_lists", "barriers", 6, "id"), None, id="barrier id missing, others text (sorting)"),
    pytest.param(("recommend", "time_barriers", 1), ["workload"], id="time barrier a list"),
    pytest.param(("recommend", "time_barriers"), 3, id="time barriers a number"),
    pytest.param(("grouping", "blocks", 0, "id"), {"k": "beliefs"}, id="grouping block id a mapping"),
    pytest.param(("grouping", "blocks", 1, "questions"), 7, id="grouping block questions a number"),
    pytest.param(("grouping", "describe"), True, id="grouping describe a boolean"),
    pytest.param(("pairing", "coaches", 0), ["coach"], id="pairing coach choice a list"),
    pytest.param(("pairing", "mentees"), 5, id="pairing mentees a number"),
    pytest.param(("pairing", "mentors"), [1, "trainee", {"k": 1}], id="pairing mentors of mixed kinds"),
    pytest.param(("sections", 3, "questions", 1, "items_from_menu", "text"), "", id="menu item text empty"),
]


@pytest.mark.parametrize(("where", "value"), CRASHED)
def test_wrong_shapes_found_by_fuzzing_are_reported_not_crashed_on(folder, where, value):
    data = copy.deepcopy(SHIPPED_DATA)
    mutate(data, where, "replace", value)
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_definition(path)
    assert_located(caught.value, path)


@pytest.mark.parametrize(("where", "value", "fragment"), [
    # Loaded, but a question naming the empty list had no choices and the published copy could not be read back.
    (("choice_lists", "subjects"), [], "choice list 'subjects': List should have at least 1 item"),
    # Loaded, with NaN switching the bound off and the published (JSON) copy losing it.
    (("sections", 0, "questions", 4, "min"), float("nan"), "question 'years_teaching': min: Input should be a finite"),
    (("sections", 0, "questions", 4, "max"), float("inf"), "question 'years_teaching': max: Input should be a finite"),
])
def test_definitions_that_loaded_but_could_not_be_used_are_refused(folder, where, value, fragment):
    data = copy.deepcopy(SHIPPED_DATA)
    mutate(data, where, "replace", value)
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_definition(path)
    assert any(fragment in line for line in caught.value.lines()), caught.value.lines()


def test_a_pairing_without_a_strength_threshold_keeps_none_when_published(folder):
    # The published snapshot dropped `strong: null` (no threshold), so cohorts read back the default of 4.
    data = copy.deepcopy(SHIPPED_DATA)
    data["pairing"]["strong"] = None
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    definition = load_definition(path)
    published = Definition.model_validate(snapshot(definition))
    assert definition.pairing.strong is None and published.pairing.strong is None
    assert digest(published) == digest(definition)


def test_a_problem_in_a_grouping_block_after_a_malformed_one_is_reported_at_its_own_line(folder):
    data = copy.deepcopy(SHIPPED_DATA)
    data["grouping"]["blocks"][0] = "not a block"
    data["grouping"]["blocks"][2]["id"] = "confidence"  # the same id as block 1
    path = folder / SHIPPED.name
    path.write_text(dump(data), encoding="utf-8")
    with pytest.raises(FileProblems) as caught:
        load_definition(path)
    duplicate = [line for line in caught.value.lines() if "duplicate block id" in line]
    lines = path.read_text(encoding="utf-8").splitlines()
    second = [n for n, text in enumerate(lines, start=1) if text.strip() == "- id: confidence"][1]
    assert duplicate == [f"{path}:{second}: grouping block 'confidence': duplicate block id"]


def test_an_uploaded_definition_naming_a_shipped_menu_can_be_used_where_it_is_kept(upload_world):
    # The upload was checked with the shipped menus beside it, then kept where no menu was: it could not be loaded.
    store, data = upload_world
    content = SHIPPED.read_bytes().replace(b'version: "2"', b'version: "3"')
    assert add_upload(store, "mine.yaml", content) == "starting_point version 3"
    definition = load_definition(data / "uploaded-definitions" / "starting_point-3.yaml")
    assert definition.version == "3" and definition.learning_focuses.id == "learning_focuses"


@pytest.mark.parametrize("name", ["\n", "bad\nname.yaml", "x\ry.yaml", "a\u2028b.yaml", "a\x85b\x0c.yaml"])
def test_an_upload_named_with_line_breaks_is_reported_one_line_per_problem(upload_world, name):
    # The browser's file name was put into each problem as it came, so "\n" split one problem over two lines.
    store, _ = upload_world
    with pytest.raises(UploadProblems) as caught:
        add_upload(store, name, b"id: [unclosed\n")
    (line,) = caught.value.lines
    assert len(line.splitlines()) == 1 and re.fullmatch(r".+:\d+: not valid YAML: .+", line), line
