"""Aggregate records as the engine keeps them: their bytes in the Faust table, and decoded between batches.

The table (its compacted changelog) is the durable copy; every change is written to it. Decoding a
record (JSON, then pydantic) and encoding it whole on every batch was most of the engine's own cost,
so a worker keeps the records it decoded in an `AggregateCache` and encodes only what a batch
changed (`AggregateStore.encode`): the state only when the version moved, each outcome once. The
bytes stored are exactly `AggregateStore.dump`'s.

No Faust here: the engine tells the cache about rebalances.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from pydantic import TypeAdapter

from streams.domain import Domain
from streams.state_json import state_dump
from streams.step import AggregateRecord


@dataclass
class KeptAggregate:
    """A decoded record with the encodings of its parts made when it was last written."""

    record: AggregateRecord
    # The state's JSON and the version it was made at: the state changes only with the version.
    state_json: bytes | None = None
    state_version: int = -1
    # The stored outcomes' JSON (comma-separated `[command id, outcome]`s, the first of `record.outcomes`
    # in order) and each one's length, to drop the forgotten from the front. Remembered outcomes never change.
    outcomes_json: bytes = b""
    outcome_sizes: deque[int] = field(default_factory=deque)


VERSION_PREFIX = b'{"version":'


def record_version(raw: bytes) -> int:
    """The version of a stored aggregate record, read from its first field (records written before the
    version came first are parsed whole)."""
    if raw.startswith(VERSION_PREFIX):
        end = raw.index(b",", len(VERSION_PREFIX))
        return int(raw[len(VERSION_PREFIX) : end])
    version: int = orjson.loads(raw)["version"]
    return version


class AggregateStore:
    """Serialises aggregate records for the Faust table (JSON: readable in the changelog)."""

    def __init__(self, domain: Domain):
        self.domain = domain
        self._state: TypeAdapter[Any] = TypeAdapter(domain.state_type)
        self._dump_state = state_dump(domain.state_type, self._state)

    def load(self, raw: bytes | None) -> AggregateRecord:
        if raw is None:
            return AggregateRecord(state=self.domain.decider.initial_state)
        data = orjson.loads(raw)
        return AggregateRecord(
            state=self._state.validate_python(data["state"]),
            version=data["version"],
            outcomes={command_id: memory for command_id, memory in data["outcomes"]},
        )

    def dump(self, record: AggregateRecord) -> bytes:
        # Keep only the most recent outcomes; dicts keep insertion order.
        outcomes = list(record.outcomes.items())[-self.domain.remembered_outcomes :]
        return orjson.dumps(
            {
                "version": record.version,  # first: `record_version` reads it without parsing the rest
                "state": orjson.Fragment(self._dump_state(record.state)),
                "outcomes": outcomes,
            }
        )

    def kept(self, raw: bytes | None) -> KeptAggregate:
        return KeptAggregate(self.load(raw))

    def encode(self, kept: KeptAggregate) -> bytes:
        """`dump(kept.record)`, byte for byte, encoding only the state if its version moved and the new outcomes.

        The record forgets the outcomes the table forgets, so a kept record answers a repeated
        command id exactly as one reloaded from the table would.
        """
        record, sizes = kept.record, kept.outcome_sizes
        outcomes = record.outcomes
        if len(outcomes) > len(sizes):
            # orjson writes no whitespace, so joined parts are the bytes it writes for the whole.
            new = [orjson.dumps(item) for item in itertools.islice(outcomes.items(), len(sizes), None)]
            sizes.extend(len(part) for part in new)
            kept.outcomes_json = b",".join([kept.outcomes_json, *new] if kept.outcomes_json else new)
        limit = self.domain.remembered_outcomes
        if 0 < limit < len(sizes):
            forgotten = len(sizes) - limit
            kept.outcomes_json = kept.outcomes_json[sum(sizes.popleft() for _ in range(forgotten)) + forgotten :]
            for _ in range(forgotten):
                del outcomes[next(iter(outcomes))]
        if kept.state_json is None or kept.state_version != record.version:
            # A copy: orjson's bytes keep a 4 KiB buffer however short, which a cache of many would hold.
            kept.state_json = bytes(memoryview(self._dump_state(record.state)))
            kept.state_version = record.version
        return b'{"version":%d,"state":%b,"outcomes":[%b]}' % (record.version, kept.state_json, kept.outcomes_json)


class AggregateCache:
    """A worker's decoded aggregates between batches, keyed by (table, aggregate key); least recently used go first.

    Only the table is durable, and after a rebalance another worker may have written a partition's
    changelog, so: entries of revoked partitions are dropped, and every rebalance starts a new
    generation; `put` with the generation a batch began in is refused once it has moved on. A batch
    `take`s its aggregates out, so one that fails midway leaves nothing half-changed behind.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.generation = 0
        # (table, key) -> (partition, aggregate); in order of use, oldest first.
        self._entries: OrderedDict[tuple[str, bytes], tuple[int, KeptAggregate]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def take(self, table: str, key: bytes) -> KeptAggregate | None:
        """The aggregate kept for `key`, removed until `put` back; None: decode it from the table."""
        entry = self._entries.pop((table, key), None)
        return entry[1] if entry is not None else None

    def put(self, table: str, key: bytes, partition: int, kept: KeptAggregate, generation: int) -> bool:
        """Keep `kept` (as written to the table) unless a rebalance began since `generation`."""
        if generation != self.generation or self.capacity <= 0:
            return False
        self._entries[table, key] = (partition, kept)
        self._entries.move_to_end((table, key))
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return True

    def revoke(self, partitions: Iterable[tuple[str, int]]) -> None:
        """Drop the aggregates of these (table, partition)s and start a new generation."""
        self.generation += 1
        gone = set(partitions)
        for where in [where for where, (partition, _) in self._entries.items() if (where[0], partition) in gone]:
            del self._entries[where]

    def rebalanced(self) -> None:
        """Start a new generation (partitions were assigned): batches begun before put nothing back."""
        self.generation += 1
