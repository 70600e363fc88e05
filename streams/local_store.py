"""Where a stream worker keeps its tables locally: Faust's RocksDB store (rocksdict) or memory.

With `rocksdb://` (the default) a restarted worker opens the aggregates it had on disk and reads only the
changelog's tail since the offset it last persisted; with `memory://` it rebuilds every table from the whole
changelog. `benchmarks/recovery_bench.py` measures both after a kill -9.

Faust's RocksDB store chooses the partition database of a key by the partition of the stream's *current
event*. The engine handles a batch spanning partitions and writes each aggregate under its own command's
partition (`AggregateTable.write`), so this store writes a key into the database of the partition the table
names for it and reads a key from whichever assigned partition holds it (bloom filters make the misses cheap).

Each worker on a host needs a data folder of its own (RocksDB locks a database for one process): it is named
by `STREAMS_WORKER_NAME` and held with a lock for the worker's lifetime, so a second worker started with the
same name stops at once with a clear message instead of waiting for the database locks.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, Any

from faust.stores.rocksdb import Store as RocksStore

MEMORY, ROCKSDB = "memory://", "rocksdb://"
STORES = (MEMORY, ROCKSDB)


class WorkerFolderInUse(RuntimeError):
    pass


class KeyPartitionedRocksStore(RocksStore):  # type: ignore[misc]
    """Faust's RocksDB store with each key kept in the database of its own partition."""

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
