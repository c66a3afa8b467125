"""Find definitions by id: the shipped ones in forms/definitions/ and any in the data directory.

A follow-up questionnaire is checked here against the questionnaire it follows, because only here are
the folders to find that one known (see forms/checks/follow_up.py).
"""

from __future__ import annotations

from pathlib import Path

from forms.checks.follow_up import followed_problems
from forms.loader import load_definition
from forms.schema import Definition
from forms.yamlfile import FileProblems, Problem, line_of, read_yaml

SHIPPED = Path(__file__).parent / "definitions"


class UnknownForm(LookupError):
    """No definition file has that id (and version); `found` says what there is instead."""

    def __init__(self, message: str, found: str = ""):
        super().__init__(message)
        self.found = found


def definition_files(dirs: list[Path]) -> list[Path]:
    """YAML files in these folders that look like questionnaire definitions (they have sections)."""
    found = []
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.yaml")) if Path(folder).is_dir() else []:
            try:
                data, _ = read_yaml(path)
            except FileProblems:
                continue  # reported when that file is checked or asked for by id
            if isinstance(data, dict) and "sections" in data:
                found.append(path)
    return found


def load_checked(path: Path | str, dirs: list[Path]) -> Definition:
    """`load_definition`, and for a follow-up, its matches checked against the questionnaire it follows in `dirs`.

    Raises `FileProblems` with every problem at its line: the follow-up's own first, then, if it has
    none, what names an unknown questionnaire or differs from it.
    """
    definition = load_definition(path, dirs)
    wanted = definition.follows
    if wanted is None:
        return definition
    data, lines = read_yaml(path)
    # Neither message below names a folder: an admin's upload is checked this way too, and the server's paths
    # stay hidden.
    try:
        # Unchecked: the followed one is refused below if it is a follow-up itself, so no chain is walked.
        followed, _ = find_definition(wanted.form, wanted.version, dirs, checked=False)
    except UnknownForm as exc:
        problems = [Problem(("follows",), f"follows: there is no {wanted.form} version {wanted.version} among the "
                                          f"definitions in the data directory or shipped with the app; {exc.found}")]
    except FileProblems as exc:
        problems = [Problem(("follows",), f"follows: {wanted.form} version {wanted.version} cannot be used: its file "
                                          f"{Path(exc.path).name} has problems (run diagnostic forms check on it)")]
    else:
        problems = followed_problems(data, definition, followed)
    if problems:
        raise FileProblems(path, [(line_of(lines, p.where), p.message) for p in problems])
    return definition


def find_definition(form_id: str, version: str | None, dirs: list[Path],
                    checked: bool = True) -> tuple[Definition, Path]:
    """The definition with this id (and version, else the highest version found), with its file.

    A follow-up is checked against the questionnaire it follows (`load_checked`) unless `checked` is False.
    Raises `UnknownForm`, or `FileProblems` when the matching file is invalid.
    """
    matches: list[tuple[Definition, Path]] = []
    available: dict[str, set[str]] = {}  # every id found, with its versions, to say what could be asked for
    for path in definition_files(dirs):
        data, _ = read_yaml(path)
        available.setdefault(str(data.get("id")), set()).add(str(data.get("version")))
        if data.get("id") == form_id and (version is None or str(data.get("version")) == version):
            matches.append((load_checked(path, dirs) if checked else load_definition(path, dirs), path))
    if not matches:
        wanted = f"{form_id!r}" + (f" version {version!r}" if version else "")
        folders = ", ".join(str(d) for d in dirs)
        if version and form_id in available:
            found = f"versions of {form_id} found: {', '.join(sorted(available[form_id], key=_version_key))}"
        else:
            found = "definitions found: " + (", ".join(
                f"{i} (version {', '.join(sorted(v, key=_version_key))})" for i, v in sorted(available.items()))
                or "none")
        raise UnknownForm(f"no definition {wanted} in {folders}; {found}", found)
    return max(matches, key=lambda m: _version_key(m[0].version))


def _version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.replace("-", ".").split("."))
