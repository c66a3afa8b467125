"""Find definitions by id: the shipped ones in forms/definitions/ and any in the data directory."""

from __future__ import annotations

from pathlib import Path

from forms.loader import load_definition
from forms.schema import Definition
from forms.yamlfile import FileProblems, read_yaml

SHIPPED = Path(__file__).parent / "definitions"


class UnknownForm(LookupError):
    """No definition file has that id (and version)."""


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


def find_definition(form_id: str, version: str | None, dirs: list[Path]) -> tuple[Definition, Path]:
    """The definition with this id (and version, else the highest version found), with its file.

    Raises `UnknownForm`, or `FileProblems` when the matching file is invalid.
    """
    matches: list[tuple[Definition, Path]] = []
    available: dict[str, set[str]] = {}  # every id found, with its versions, to say what could be asked for
    for path in definition_files(dirs):
        data, _ = read_yaml(path)
        available.setdefault(str(data.get("id")), set()).add(str(data.get("version")))
        if data.get("id") == form_id and (version is None or str(data.get("version")) == version):
            matches.append((load_definition(path), path))
    if not matches:
        wanted = f"{form_id!r}" + (f" version {version!r}" if version else "")
        folders = ", ".join(str(d) for d in dirs)
        if version and form_id in available:
            found = f"versions of {form_id} found: {', '.join(sorted(available[form_id], key=_version_key))}"
        else:
            found = "definitions found: " + (", ".join(
                f"{i} (version {', '.join(sorted(v, key=_version_key))})" for i, v in sorted(available.items()))
                or "none")
        raise UnknownForm(f"no definition {wanted} in {folders}; {found}")
    return max(matches, key=lambda m: _version_key(m[0].version))


def _version_key(version: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in version.replace("-", ".").split("."))
