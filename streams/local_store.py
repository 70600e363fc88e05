"""Where a stream worker keeps its tables locally: Faust's RocksDB store (rocksdict) or memory.

With `rocksdb://` (the default) a restarted worker opens the aggregates it had on disk and reads only the
changelog's tail since the offset it last persisted; with `memory://` it rebuilds every table from the whole
changelog. `benchmarks/recovery_bench.py` measures both after a kill -9.

Faust's RocksDB store chooses the partition database of a key by the partition of the stream's *current
event*. The engine handles a batch spanning partitions and writes each aggregate under its own command's
partition (`AggregateTable.write`), so this store writes a key into the database of the partition the table
names for it and reads a key from whichever assigned partition holds it (bloom filters make the misses cheap).

Recovery replays the changelog from the last offset whose acknowledgement the worker saw, over a database the
worker wrote ahead of the changelog (a write goes to disk at once and to Kafka a little later). Faust lets every
replayed record replace the local one, which after a kill -9 rolled some aggregates back to their last acknowledged
record while the table's position in the commands (written after them, never acknowledged) stayed ahead: their
commands in between were then neither in the state nor run again. So a replayed record replaces a local one only
where the table says it is not older (`replaces`: the engine compares versions and offsets); a record another
worker wrote while it held the partition is newer, and still wins.

Each worker on a host needs a data folder of its own (RocksDB locks a database for one process): it is named
by `STREAMS_WORKER_NAME` and held with a lock for the worker's lifetime, so a second worker started with the
same name stops at once with a clear message instead of waiting for the database locks.
"""

from __future__ import annotations

import fcntl
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import rocksdict
from faust.stores.rocksdb import Store as RocksStore
from faust.types import TP, EventT

MEMORY, ROCKSDB = "memory://", "rocksdb://"
STORES = (MEMORY, ROCKSDB)


class WorkerFolderInUse(RuntimeError):
    pass


# (key, local record, replayed record) -> whether the replayed one replaces the local one.
Replaces = Callable[[bytes, bytes, bytes], bool]


def replayed_writes(
    records: Iterable[tuple[int, bytes, bytes | None]], local: Callable[[int, bytes], bytes | None], replaces: Replaces
) -> dict[tuple[int, bytes], bytes | None]:
    """What a replayed changelog batch writes, per (partition, key): its last record of the key, unless that is
    older than what the database holds (None: a deletion). Records come as (partition, key, value), in order."""
    writes: dict[tuple[int, bytes], bytes | None] = {}
    for partition, key, value in records:
        where = (partition, key)
        current = writes[where] if where in writes else local(partition, key)
        if value is None or current is None or replaces(key, current, value):
            writes[where] = value
    return writes


class KeyPartitionedRocksStore(RocksStore):  # type: ignore[misc]
    """Faust's RocksDB store with each key kept in the database of its own partition, which recovery does not
    roll back (see the module's docstring)."""

    def apply_changelog_batch(
        self, batch: Iterable[EventT], to_key: Callable[[Any], Any], to_value: Callable[[Any], Any]
    ) -> None:
        replaces: Replaces = self.table.replaces  # type: ignore[attr-defined]  # only AggregateTable makes this store
        offsets: dict[TP, int] = {}
        records: list[tuple[int, bytes, bytes | None]] = []
        for event in batch:
            message = event.message
            offsets[message.tp] = max(message.offset, offsets.get(message.tp, message.offset))
            if message.key is not None:  # a table record always has a key; nothing else is restored
                records.append((message.partition, message.key, message.value))
        found = replayed_writes(records, lambda partition, key: self._db_for_partition(partition).get(key), replaces)
        batches: defaultdict[int, Any] = defaultdict(lambda: rocksdict.WriteBatch(raw_mode=True))
        for (partition, key), value in found.items():
            if value is None:
                batches[partition].delete(key)
            else:
                batches[partition].put(key, value)
        for partition, writes in batches.items():
            self._db_for_partition(partition).write(writes)
        for tp, offset in offsets.items():
            self.set_persisted_offset(tp, offset)

    def _set(self, key: bytes, value: bytes | None) -> None:
        partition = self.table.partition_for_key(key)
        if partition is None:  # a table without a partition of its own for the key: Faust's rule
            super()._set(key, value)
            return
        self._key_index[key] = partition
        self._db_for_partition(partition).put(key, value)

    def _get(self, key: bytes) -> bytes | None:
        found = self._get_bucket_for_key(key)
        return None if found is None else found.value  # type: ignore[no-any-return]

    def _contains(self, key: bytes) -> bool:
        return self._get(key) is not None

    def revoke_partitions(self, table: Any, tps: set[Any]) -> None:
        # Faust drops the database and runs a full garbage collection per table, hoping that closes it: with
        # ~20 tables that stalls the worker past its session timeout, and a database still referenced stays
        # locked, so taking the partition back retries for 30 s. Close it here, explicitly.
        for tp in tps:
            if tp.topic in table.changelog_topic.topics:
                db = self._dbs.pop(tp.partition, None)
                if db is not None:
                    db.close()
        self._key_index.clear()


def store_url(value: str) -> str:
    """The `STREAMS_STORE` setting, checked: a typo must not silently fall back to another store."""
    url = value.strip() or ROCKSDB
    if url not in STORES:
        raise ValueError(f"STREAMS_STORE must be one of {', '.join(STORES)}, not {value!r}")
    return url


def worker_folder(root: Path, app_id: str, worker_name: str) -> Path:
    """The worker's own data folder under the app's, e.g. .local/streams-data/<app>/<worker>."""
    if not worker_name or "/" in worker_name or worker_name.startswith("."):
        raise ValueError(f"STREAMS_WORKER_NAME must be a plain folder name, not {worker_name!r}")
    folder = root / app_id / worker_name
    folder.mkdir(parents=True, exist_ok=True)  # Faust makes only the last folder
    return folder


def hold_folder(folder: Path) -> IO[Any]:
    """Lock the folder for this process (released by the kernel when the process dies, kill -9 included)."""
    lock = open(folder / "worker.lock", "a+")  # noqa: SIM115 - held open for the worker's lifetime
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise WorkerFolderInUse(
            f"another stream worker uses {folder}: give each worker on this host its own STREAMS_WORKER_NAME"
        ) from None
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock
