"""The definitions an admin can give teachers: read from the folders, and read again only when a file changes."""

from __future__ import annotations

from pathlib import Path

from diagnostic.services import definitions
from diagnostic.storage.tinydb_store import TinyDBStore

SMALL = """\
id: small_check
version: "1"
title: {title}
sections:
  - id: one
    title: Page one
    questions:
      - id: mood
        type: likert
        prompt: "How are you?"
        scale: {{min: 1, max: 5}}
"""


def test_the_definitions_are_read_once_and_again_when_a_file_changes_appears_or_goes(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "definitions"
    folder.mkdir(parents=True)
    small = folder / "small-check-1.yaml"
    small.write_text(SMALL.format(title="Check-in"), encoding="utf-8")
    read = []
    load = definitions.load_checked
    monkeypatch.setattr(definitions, "load_checked",
                        lambda path, dirs: read.append(Path(path).name) or load(path, dirs))

    def titles() -> list[str]:
        return sorted(d.get("title", d["file"]) for d in definitions.available(TinyDBStore(tmp_path / "data")))

    assert "Check-in" in titles() and "small-check-1.yaml" in read
    read.clear()
    first = definitions.available(TinyDBStore(tmp_path / "data"))
    assert read == [] and sorted(d.get("title", d["file"]) for d in first) == titles()  # nothing read again
    first[0]["title"] = "changed by a caller"  # what a caller does with its list does not reach the next one
    assert "changed by a caller" not in titles()

    small.write_text(SMALL.format(title="Check-in, edited"), encoding="utf-8")  # changed in place
    assert "Check-in, edited" in titles() and "Check-in" not in titles() and "small-check-1.yaml" in read
    (folder / "other-1.yaml").write_text(SMALL.format(title="Another").replace("small_check", "other"),
                                         encoding="utf-8")
    assert "Another" in titles()
    small.unlink()
    assert "Check-in, edited" not in titles() and "Another" in titles()


def test_a_file_that_stops_being_valid_is_shown_with_its_problems(tmp_path):
    folder = tmp_path / "data" / "definitions"
    folder.mkdir(parents=True)
    small = folder / "small-check-1.yaml"
    small.write_text(SMALL.format(title="Check-in"), encoding="utf-8")
    store = TinyDBStore(tmp_path / "data")
    assert [d.get("problems") for d in definitions.available(store) if d["file"] == small.name] == [None]
    small.write_text(SMALL.format(title="Check-in").replace("type: likert", "type: no_such_type"), encoding="utf-8")
    (found,) = [d for d in definitions.available(store) if d["file"] == small.name]
    assert found["problems"] >= 1 and "title" not in found
