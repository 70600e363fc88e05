"""The stream worker's local table store: RocksDB by default, each key in its own partition's database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from faust.types import TP

from streams.engine import AggregateTable, create_app
from streams.local_store import (
    MEMORY,
    ROCKSDB,
    KeyPartitionedRocksStore,
    WorkerFolderInUse,
    hold_folder,
    store_url,
    worker_folder,
)
from streams.registry import DOMAINS, codec
from wellwon.config import Settings


def test_the_store_setting_takes_rocksdb_by_default_and_refuses_a_typo() -> None:
    assert store_url("") == ROCKSDB
    assert store_url(" memory:// ") == MEMORY
    with pytest.raises(ValueError, match="STREAMS_STORE must be one of memory://, rocksdb://, not 'rocksdb:/'"):
        store_url("rocksdb:/")


def test_each_worker_has_a_folder_of_its_own_and_a_name_cannot_leave_it(tmp_path: Path) -> None:
    assert worker_folder(tmp_path, "app", "w2") == tmp_path / "app" / "w2"
    assert (tmp_path / "app" / "w2").is_dir()
    for bad in ("", "../w", ".hidden", "a/b"):
        with pytest.raises(ValueError, match="STREAMS_WORKER_NAME"):
            worker_folder(tmp_path, "app", bad)


def test_a_second_worker_with_the_same_folder_stops_with_a_clear_message(tmp_path: Path) -> None:
    held = hold_folder(tmp_path)
    try:
        with pytest.raises(WorkerFolderInUse, match="give each worker on this host its own STREAMS_WORKER_NAME"):
            hold_folder(tmp_path)
        # Another process is refused as well (flock, not a pid file: a killed worker's lock goes with it).
        code = f"import pathlib, streams.local_store as s; s.hold_folder(pathlib.Path({str(tmp_path)!r}))"
        other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert other.returncode == 1 and "WorkerFolderInUse" in other.stderr
    finally:
        held.close()
    hold_folder(tmp_path).close()  # free again once the holder is gone


def test_a_key_is_written_to_and_read_from_its_own_partitions_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMS_WORKER_NAME", "store-unit-test")
    app = create_app(Settings(namespace="tlocalstore"), DOMAINS, codec())
    table: AggregateTable = app.domain_agents[0].table  # type: ignore[attr-defined]
    store = table.data
    assert isinstance(store, KeyPartitionedRocksStore)
    for partition in range(3):
        store._db_for_partition(partition)
    try:
        # As in a batch spanning partitions: Faust would use the current event's partition for both.
        table._writing_partition = 2
        store._set(b"aggregate-a", b"state-a")
        table._writing_partition = 0
        store._set(b"aggregate-b", b"state-b")
        table._writing_partition = None
        assert store._dbs[2].get(b"aggregate-a") == b"state-a"
        assert store._dbs[0].get(b"aggregate-a") is None
        assert store._dbs[0].get(b"aggregate-b") == b"state-b"
        store._key_index.clear()  # as after a restart: found by looking in every assigned partition
        assert store._get(b"aggregate-a") == b"state-a"
        assert store._get(b"aggregate-b") == b"state-b"
        assert store._get(b"aggregate-c") is None
        assert store._contains(b"aggregate-a") and not store._contains(b"aggregate-c")

        # A rebalance that takes partition 2 away and gives it back: Faust left the database open (locked) and
        # retried for 30 s; it is closed on revocation and reopens at once, with its data.
        changelog = next(iter(table.changelog_topic.topics))
        store.revoke_partitions(table, {TP(changelog, 2)})
        assert 2 not in store._dbs and store._get(b"aggregate-a") is None
        assert store._db_for_partition(2).get(b"aggregate-a") == b"state-a"
        assert store._get(b"aggregate-a") == b"state-a"
    finally:
        for db in store._dbs.values():
            db.close()
        store._dbs.clear()


def test_the_memory_store_is_still_there_for_those_who_choose_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMS_STORE", MEMORY)
    app = create_app(Settings(namespace="tmemorystore"), DOMAINS, codec())
    store = app.domain_agents[0].table.data  # type: ignore[attr-defined]
    assert not isinstance(store, KeyPartitionedRocksStore)
    assert type(store).__module__ == "faust.stores.memory"
