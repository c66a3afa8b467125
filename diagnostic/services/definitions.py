"""Definitions an admin adds through the web: checked as hostile files, then kept in the data directory.

An uploaded file is checked exactly as `diagnostic forms check` checks it (safe
YAML, no aliases, size and depth limits, every problem with its line), with the
menus it may name available beside it. Only a file that passes is written, to
`DATA/definitions/`, under a name made from its own id and version, never from
the uploaded file name.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from diagnostic.services import audit
from diagnostic.services.cohorts import definition_dirs, why_not_a_start
from diagnostic.storage.atomic import write_atomic
from diagnostic.storage.interface import Store
from forms.catalog import SHIPPED, definition_files, load_checked
from forms.loader import digest, load_menu
from forms.yamlfile import FileProblems, read_yaml

UPLOAD_LIMIT = 200 * 1024  # the shipped questionnaire is about 25 KB


class UploadProblems(ValueError):
    """The uploaded file cannot be added: `lines` says why, `NAME:LINE: message` each."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def available(data_dir: Path) -> list[dict]:
    """The definitions teachers can be given: id, version, title, file, whether each is valid and can start a cohort.

    A follow-up counts as valid only if it also fits the questionnaire it follows (as `forms check` says).

    Reading and checking every definition takes a while and the admin's pages ask on every request, so the
    answer is kept until a YAML file in the folders changes, appears or goes (a menu beside a definition too).
    """
    dirs = definition_dirs(data_dir)
    files = _yaml_files(dirs)
    kept = _available.get(str(data_dir))
    if kept is None or kept[0] != files:
        kept = _available[str(data_dir)] = (files, _read_available(dirs))
    return [dict(d) for d in kept[1]]


def _yaml_files(dirs: list[Path]) -> tuple:
    """Each YAML file in these folders, with what changes when it is written (a file replaced is a new inode)."""
    found = []
    for folder in dirs:
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            try:
                info = path.stat()
            except FileNotFoundError:
                continue  # removed while we looked
            found.append((str(path), info.st_ino, info.st_mtime_ns, info.st_size))
    return tuple(found)


# The last answer of `available` for each data directory, with the files it was read from.
_available: dict[str, tuple[tuple, list[dict]]] = {}


def _read_available(dirs: list[Path]) -> list[dict]:
    found = []
    for path in definition_files(dirs):
        try:
            d = load_checked(path, dirs)
        except FileProblems as exc:
            found.append({"file": path.name, "problems": len(exc.problems), "shipped": path.parent == SHIPPED})
            continue
        found.append({"id": d.id, "version": d.version, "title": d.title, "file": path.name,
                      "respondent": d.respondent, "kind": d.kind, "starts_cohort": why_not_a_start(d) is None,
                      "follows": [d.follows.form, d.follows.version] if d.follows else None,
                      "shipped": path.parent == SHIPPED})
    return found


def add_upload(store: Store, data_dir: Path, name: str, content: bytes, actor: str = "system") -> str:
    """Check an uploaded definition or menu and keep it; returns what was added ("id version N").

    Raises `UploadProblems` (nothing written) if it is too big, not YAML, invalid, or
    changes a published version.
    """
    # The name is the browser's: keep it on one line, so each problem stays one `NAME:LINE: message` line.
    shown = " ".join(Path(name or "").name.splitlines()) or "upload.yaml"
    if len(content) > UPLOAD_LIMIT:
        raise UploadProblems([f"{shown}:0: the file is larger than {UPLOAD_LIMIT // 1024} KB"])
    target_dir = Path(data_dir) / "definitions"
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        checked = Path(tmp) / "upload.yaml"
        checked.write_bytes(content)
        # Menus a definition names are looked up beside it: offer the data directory's and the shipped ones.
        for folder in (SHIPPED, target_dir):
            for menu in folder.glob("*.yaml") if folder.is_dir() else []:
                shutil.copyfile(menu, Path(tmp) / menu.name)
        try:
            data, _ = read_yaml(checked)
            if isinstance(data, dict) and "focuses" in data and "sections" not in data:
                menu = load_menu(checked)
                final = f"{menu.id.replace('_', '-')}.yaml"
                added = f"menu {menu.id} version {menu.version}"
            else:
                # A follow-up is checked against the questionnaire it follows, as `forms check` does.
                definition = load_checked(checked, definition_dirs(data_dir))
                published = store.get_form(definition.id, definition.version)
                if published and published["digest"] != digest(definition):
                    raise UploadProblems([f"{shown}:1: {definition.id} version {definition.version} is already "
                                          "published with different content; give the changed definition a new "
                                          "version"])
                final = f"{definition.id}-{definition.version}.yaml"
                added = f"{definition.id} version {definition.version}"
        except FileProblems as exc:
            raise UploadProblems([line.replace(str(checked), shown) for line in exc.lines()]) from None
    target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(target_dir / final, content)
    audit.record(store, actor, "add definition", f"Added {added} (kept as {final}).")
    return added
