"""Definitions an admin adds through the web: checked as hostile files, then kept in the store for every server.

An uploaded file is checked exactly as `diagnostic forms check` checks it (safe
YAML, no aliases, size and depth limits, every problem with its line), with the
menus it may name available beside it. Only a file that passes is kept, in the
store (`Store.add_definition_file`), so that every app server sharing the store
finds it. The definitions are looked up as files, so each server writes the
store's ones out to its own `DATA/uploaded-definitions/` (`current_dirs`), under
names made from their own id and version, never from the uploaded file name.
Files an operator puts into `DATA/definitions/` by hand are read too, first.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from diagnostic.services import audit
from diagnostic.services.cohorts import UPLOADED, definition_dirs, why_not_a_start
from diagnostic.services.journey import now
from diagnostic.storage.atomic import write_atomic
from diagnostic.storage.interface import Record, Store, VersionConflict
from forms.catalog import SHIPPED, definition_files, load_checked
from forms.loader import digest, load_menu
from forms.yamlfile import FileProblems, read_yaml

UPLOAD_LIMIT = 200 * 1024  # the shipped questionnaire is about 25 KB


class UploadProblems(ValueError):
    """The uploaded file cannot be added: `lines` says why, `NAME:LINE: message` each."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def current_dirs(store: Store) -> list[Path]:
    """Where definitions are looked up (`cohorts.definition_dirs`), with the store's files written out first.

    Another server may have added one a moment ago, so the store is asked on every call; only a file that is
    new, or not as this process last wrote it, is read from the store and written.
    """
    folder = Path(store.data_dir) / UPLOADED
    started = time.time()
    wanted = {file_name(r): r for r in store.list_definition_files()}  # a later menu of one id replaces the earlier
    written = _written.setdefault(str(folder), {})
    for name, record in wanted.items():
        key, path = (record["kind"], record["id"], record["version"]), folder / name
        if written.get(name) != (key, _signature(path)):
            content = store.get_definition_file(*key)["content"].encode("utf-8")
            if not path.is_file() or path.read_bytes() != content:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                write_atomic(path, content)
            written[name] = (key, _signature(path))
    # A file the store does not hold came from another database; one written after the store was asked is
    # another process's newer copy, which stays.
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        if path.name not in wanted and _older(path, started):
            path.unlink(missing_ok=True)
            written.pop(path.name, None)
    return definition_dirs(store.data_dir)


def file_name(record: Record) -> str:
    """The name a kept file is written under: a menu's is what definitions name in `menu:`."""
    if record["kind"] == "menu":
        return f"{record['id'].replace('_', '-')}.yaml"
    return f"{record['id']}-{record['version']}.yaml"


# What each process last wrote in each folder: file name -> ((kind, id, version), the file's signature then).
_written: dict[str, dict[str, tuple]] = {}


def _signature(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


def _older(path: Path, than: float) -> bool:
    try:
        return path.stat().st_mtime < than
    except FileNotFoundError:
        return False


def available(store: Store) -> list[dict]:
    """The definitions teachers can be given: id, version, title, file, whether each is valid and can start a cohort.

    A follow-up counts as valid only if it also fits the questionnaire it follows (as `forms check` says).
    One id and version is listed once, as it is found first (`DATA/definitions/` before the store's).

    Reading and checking every definition takes a while and the admin's pages ask on every request, so the
    answer is kept until a YAML file in the folders changes, appears or goes (a menu beside a definition too).
    """
    dirs = current_dirs(store)
    files = _yaml_files(dirs)
    kept = _available.get(str(store.data_dir))
    if kept is None or kept[0] != files:
        kept = _available[str(store.data_dir)] = (files, _read_available(dirs))
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
    found, seen = [], set()
    for path in definition_files(dirs):
        where = {"shipped": path.parent == SHIPPED, "uploaded": path.parent.name == UPLOADED}
        try:
            d = load_checked(path, dirs)
        except FileProblems as exc:
            found.append({"file": path.name, "problems": len(exc.problems), **where})
            continue
        if (d.id, d.version) in seen:
            continue  # the same one copied into the store, say: the first is the one looked up
        seen.add((d.id, d.version))
        found.append({"id": d.id, "version": d.version, "title": d.title, "file": path.name,
                      "respondent": d.respondent, "kind": d.kind, "starts_cohort": why_not_a_start(d) is None,
                      "follows": [d.follows.form, d.follows.version] if d.follows else None, **where})
    return found


def add_upload(store: Store, name: str, content: bytes, actor: str = "system") -> str:
    """Check an uploaded definition or menu and keep it in the store; returns what was added ("id version N").

    Raises `UploadProblems` (nothing kept) if it is too big, not YAML, invalid, changes a published version,
    or has the id and version of a definition or menu the installation already has.
    """
    # The name is the browser's: keep it on one line, so each problem stays one `NAME:LINE: message` line.
    shown = " ".join(Path(name or "").name.splitlines()) or "upload.yaml"
    if len(content) > UPLOAD_LIMIT:
        raise UploadProblems([f"{shown}:0: the file is larger than {UPLOAD_LIMIT // 1024} KB"])
    dirs = current_dirs(store)
    with tempfile.TemporaryDirectory(prefix="upload-") as tmp:
        checked = Path(tmp) / "upload.yaml"
        checked.write_bytes(content)
        # Menus a definition names are looked up beside it, else in the other folders: offer the shipped ones, the
        # data directory's, then the store's, beside which it will be written out.
        for folder in (SHIPPED, dirs[0], dirs[1]):
            for menu in folder.glob("*.yaml") if folder.is_dir() else []:
                shutil.copyfile(menu, Path(tmp) / menu.name)
        try:
            data, _ = read_yaml(checked)
            if kind_of(data) == "menu":
                menu = load_menu(checked)
                record = {"kind": "menu", "id": menu.id, "version": menu.version}
                added = f"menu {menu.id} version {menu.version}"
                _refuse_a_second(store, shown, "menu", menu.id, menu.version, dirs)
            else:
                # A follow-up is checked against the questionnaire it follows, as `forms check` does.
                definition = load_checked(checked, dirs)
                published = store.get_form(definition.id, definition.version)
                if published and published["digest"] != digest(definition):
                    raise UploadProblems([f"{shown}:1: {definition.id} version {definition.version} is already "
                                          "published with different content; give the changed definition a new "
                                          "version"])
                record = {"kind": "definition", "id": definition.id, "version": definition.version}
                added = f"{definition.id} version {definition.version}"
                _refuse_a_second(store, shown, "definition", definition.id, definition.version, dirs)
        except FileProblems as exc:
            raise UploadProblems([line.replace(str(checked), shown) for line in exc.lines()]) from None
    try:
        store.add_definition_file({**record, "content": content.decode("utf-8"), "added_by": actor,
                                   "added_at": now()})
    except VersionConflict:  # another admin added the same one meanwhile
        raise UploadProblems([f"{shown}:1: {added} has just been added by someone else; give yours a new "
                              "version"]) from None
    current_dirs(store)  # this server's copy at once
    audit.record(store, actor, "add definition", f"Added {added}.")
    return added


def _refuse_a_second(store: Store, shown: str, kind: str, file_id: str, version: str, dirs: list[Path]) -> None:
    """Refuse a definition or menu whose id and version the installation already has: which one is meant would
    be unclear. A shipped menu's id and version may be given an installation's own menu, since definitions name
    menus by file, and the shipped definitions keep the shipped one beside them.
    """
    named = f"{'menu ' if kind == 'menu' else ''}{file_id} version {version}"
    for r in store.list_definition_files():
        if (r["kind"], r["id"], r["version"]) == (kind, file_id, version):
            raise UploadProblems([f"{shown}:1: {named} was already added by {r['added_by']} on "
                                  f"{r['added_at'][:10]}; give the new {kind} another version"])
    for folder in [dirs[0]] + ([SHIPPED] if kind == "definition" else []):
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            try:
                data, _ = read_yaml(path)
            except FileProblems:
                continue  # not one the installation can use
            if kind_of(data) == kind and data.get("id") == file_id and str(data.get("version")) == version:
                where = "shipped with the app" if folder == SHIPPED else "in the data directory's definitions folder"
                raise UploadProblems([f"{shown}:1: {named} is already {where}; give the new {kind} another "
                                      "version"])


def kind_of(data: object) -> str | None:
    """What a YAML file holds: "definition" (it has sections), "menu" (it has focuses) or None (neither)."""
    if isinstance(data, dict) and "sections" in data:
        return "definition"
    return "menu" if isinstance(data, dict) and "focuses" in data else None
