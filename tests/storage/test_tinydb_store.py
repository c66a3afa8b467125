"""What only the TinyDB backend promises about its own files: private files, no temporary files left,
responses split into shards, a damaged JSON file reported with its path, a damaged grouping file as such."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from diagnostic.services.journey import new_response
from diagnostic.storage.interface import DamagedGrouping, StoreError
from diagnostic.storage.tinydb_store import TinyDBStore

COHORT = {"id": "north", "form_id": "f", "form_version": "1"}


@pytest.fixture
def data_dir(tmp_path):
    return str(tmp_path / "data")


def test_data_files_are_private_and_no_temporary_files_remain(data_dir):
    store = TinyDBStore(data_dir)
    record, _ = new_response(COHORT)
    store.add_responses("north", [record])
    store.add_cohort({"id": "north", "invite": "abc"})
    files = [p for p in Path(data_dir).rglob("*.json")]
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    assert not list(Path(data_dir).rglob("*.tmp"))


def test_responses_are_split_so_one_write_touches_a_small_file(data_dir):
    store = TinyDBStore(data_dir)
    records = [new_response(COHORT)[0] for _ in range(500)]
    store.add_responses("north", records)
    shards = list((Path(data_dir) / "store" / "cohorts" / "north").glob("responses-*.json"))
    assert len(shards) > 100  # 500 responses spread over many files, not one
    assert len(store.list_responses("north")) == 500


def test_damaged_file_is_reported_with_its_path(data_dir):
    store = TinyDBStore(data_dir)
    store.add_cohort({"id": "north", "invite": "abc"})
    path = Path(data_dir) / "store" / "cohorts.json"
    path.write_text("{not json")
    with pytest.raises(StoreError, match="cohorts.json"):
        store.get_cohort("north")


@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe", b'{"groups": []}'], ids=["json", "utf-8", "shape"])
def test_a_damaged_grouping_file_is_reported_as_a_damaged_grouping(data_dir, damage):
    # Services catch DamagedGrouping alone (a page without groups, or "re-run the grouping"); any other
    # damaged file must still reach the error page, so the store has to tell the two apart.
    store = TinyDBStore(data_dir)
    folder = Path(data_dir) / "store" / "cohorts" / "north"
    folder.mkdir(parents=True)
    (folder / "grouping.json").write_bytes(damage)
    with pytest.raises(DamagedGrouping, match="re-run the grouping"):
        store.load_grouping("north")
    with pytest.raises(DamagedGrouping):
        store.update_grouping("north", lambda record, model: (record, model))
    assert store.keep_earlier_grouping("north", {}, 3) is None  # nothing readable to keep
    assert issubclass(DamagedGrouping, StoreError)  # commands and the error page still catch it as a store error
