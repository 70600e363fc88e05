"""The stream worker's local table store: RocksDB by default, each key in its own partition's database."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from faust.types import TP

from streams.edi.agent import interchange_key, submission_key
from streams.edi.interchange import InterchangeId
from streams.engine import AggregateTable, create_app, offset_key
from streams.local_store import (
    MEMORY,
    ROCKSDB,
    KeyPartitionedRocksStore,
    WorkerFolderInUse,
    hold_folder,
    replayed_writes,
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


def record(version: int, name: str) -> bytes:
    return b'{"version":%d,"state":{"name":"%b"},"outcomes":[]}' % (version, name.encode())


def test_recovery_does_not_roll_back_what_the_worker_wrote_ahead_of_the_changelog(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The kill -9 CI caught: on disk an aggregate at v16 and the position after its command; the changelog's
    acknowledged tail ends in an earlier batch, before that batch's position record. Faust's replay put v12 back
    under the later position, so the commands between were neither in the state nor run again."""
    monkeypatch.setenv("STREAMS_WORKER_NAME", "store-recovery-test")
    app = create_app(Settings(namespace="tlocalrecovery"), DOMAINS, codec())
    table: AggregateTable = app.domain_agents[0].table  # type: ignore[attr-defined]
    store = table.data
    assert isinstance(store, KeyPartitionedRocksStore)
    changelog = next(iter(table.changelog_topic.topics))
    tp = TP(changelog, 1)
    db = store._db_for_partition(1)
    try:
        for key in list(db.keys()):
            db.delete(key)
        db.put(b"account-k", record(16, "n14"))
        db.put(b"account-j", record(15, "n13"))
        db.put(offset_key(1), b"62")
        store.set_persisted_offset(tp, 50)

        def replayed(*records: tuple[int, bytes, bytes | None]) -> list[Any]:  # as Faust's events
            return [
                SimpleNamespace(message=SimpleNamespace(tp=tp, partition=1, offset=o, key=k, value=v))
                for o, k, v in records
            ]

        store.apply_changelog_batch(
            replayed(
                (51, b"account-x", record(13, "x")),
                (52, b"account-k", record(12, "n10")),
                (53, b"account-j", record(12, "n10")),
            ),
            to_key=lambda k: k,
            to_value=lambda v: v,
        )
        assert db.get(b"account-k") == record(16, "n14")
        assert db.get(b"account-j") == record(15, "n13")
        assert db.get(b"account-x") == record(13, "x")  # nothing local: the changelog's
        assert db.get(offset_key(1)) == b"62"
        assert store.persisted_offset(tp) == 53

        # What another worker wrote while it held the partition is newer, and wins; positions compare as numbers.
        store.apply_changelog_batch(
            replayed(
                (54, b"account-k", record(17, "n15")),
                (55, offset_key(1), b"100"),
                (56, b"account-k", record(16, "stale")),
                (57, b"account-j", None),
            ),
            to_key=lambda k: k,
            to_value=lambda v: v,
        )
        assert db.get(b"account-k") == record(17, "n15")
        assert db.get(offset_key(1)) == b"100"
        assert db.get(b"account-j") is None  # a deletion is applied as Faust would
        assert store.persisted_offset(tp) == 57
    finally:
        for opened in store._dbs.values():
            opened.close()
        store._dbs.clear()


def test_a_tie_keeps_the_changelogs_record_and_a_missing_local_one_takes_any() -> None:
    writes = replayed_writes(
        [(0, b"a", record(3, "changelog")), (0, b"b", record(1, "first")), (0, b"b", record(2, "second"))],
        lambda partition, key: {b"a": record(3, "local")}.get(key),
        AggregateTable.replaces,
    )
    assert writes == {(0, b"a"): record(3, "changelog"), (0, b"b"): record(2, "second")}


def test_the_edi_agents_bookkeeping_in_the_table_is_recovered_as_faust_would_without_a_version() -> None:
    """Its interchange logs and attempts share the partner table (keys starting with NUL); comparing their versions
    failed every recovery batch that met one already stored ("Error in recovery 'version'"), so a worker taking the
    partition over never finished recovering it."""
    log_key, attempts_key = interchange_key("p-1", InterchangeId("SENDER", "7")), submission_key("m-1")
    local = {log_key: orjson.dumps({"message_id": "m-1", "applied": True}), attempts_key: b'{"attempts":2}'}
    writes = replayed_writes(
        [(3, log_key, orjson.dumps({"message_id": "m-1"})), (3, attempts_key, b'{"attempts":1}')],
        lambda partition, key: local.get(key),
        AggregateTable.replaces,
    )
    assert writes == {(3, log_key): orjson.dumps({"message_id": "m-1"}), (3, attempts_key): b'{"attempts":1}'}


class RecordingProducer:
    """The app's producer as the table uses it: `send` hands back the record's delivery, resolved by the test."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes, int]] = []
        self.deliveries: list[asyncio.Future[Any]] = []

    async def send(
        self, topic: str, key: bytes, value: bytes, partition: int, timestamp: Any, headers: Any
    ) -> asyncio.Future[Any]:
        self.sent.append((topic, key, value, partition))
        self.deliveries.append(asyncio.get_running_loop().create_future())
        return self.deliveries[-1]


async def test_a_write_goes_to_its_partitions_database_and_changelog_and_persists_offsets_once_acknowledged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("STREAMS_WORKER_NAME", "store-write-test")
    app = create_app(Settings(namespace="tlocalwrite"), DOMAINS, codec())
    table: AggregateTable = app.domain_agents[0].table  # type: ignore[attr-defined]
    store = table.data
    assert isinstance(store, KeyPartitionedRocksStore)
    producer = RecordingProducer()
    app.producer = producer  # type: ignore[assignment]  # the one method the table calls
    changelog = next(iter(table.changelog_topic.topics))
    for partition in range(3):
        store._db_for_partition(partition).put(store.offset_key, b"5")
    try:
        for key, partition in ((b"a", 2), (b"b", 0), (b"c", 2)):
            await table.write(key, b"state-" + key, partition)
        assert producer.sent == [
            (changelog, b"a", b"state-a", 2), (changelog, b"b", b"state-b", 0), (changelog, b"c", b"state-c", 2)
        ]  # fmt: skip
        assert store._dbs[2].get(b"a") == b"state-a" and store._dbs[0].get(b"b") == b"state-b"
        assert store._dbs[0].get(b"a") is None  # the key's own partition, not the current event's

        # Not acknowledged yet: the persisted offsets (where a recovery reads the changelog from) stay.
        await asyncio.sleep(0)
        assert [store.persisted_offset(TP(changelog, p)) for p in range(3)] == [5, 5, 5]
        # Acknowledged together: each partition's highest offset, persisted once the callbacks have run.
        for delivery, offset in zip(producer.deliveries, (41, 7, 42), strict=True):
            delivery.set_result(SimpleNamespace(offset=offset))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert [store.persisted_offset(TP(changelog, p)) for p in range(3)] == [7, 5, 42]

        # A delivery that failed (after the producer's retries) persists nothing, and says so.
        await table.write(b"d", b"state-d", 1)
        producer.deliveries[-1].set_exception(RuntimeError("broker gone"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert store.persisted_offset(TP(changelog, 1)) == 5
        assert "changelog record not written" in caplog.text
    finally:
        for db in store._dbs.values():
            db.close()
        store._dbs.clear()
