"""The partition of a keyed record: Kafka's default (murmur2 of the key, as the Java client computes it), with each
key's hash remembered.

aiokafka computes murmur2 in pure Python, about 5 us for an aggregate id, and the platform asks for it on every
record it writes with a key: each event and outcome the stream engine writes, each command the API sends. The keys
are aggregate ids, few beside the records written about them, so a dictionary lookup answers almost every time. The
partitions are exactly those of aiokafka's `DefaultPartitioner` (`tests/unit/platform/test_partitioner.py`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from aiokafka.partitioner import murmur2

# Keys remembered; past this the memory starts over (a bound, not an eviction policy: a wave of new ids costs
# each its hash once more).
KEYS = 100_000


class RememberingPartitioner:
    def __init__(self, keys: int = KEYS):
        self.keys = keys
        self._hashes: dict[bytes, int] = {}

    def __call__(self, key: bytes | None, all_partitions: Sequence[int], available: Sequence[int]) -> int:
        if key is None:
            return random.choice(available or all_partitions)
        if type(key) is not bytes:
            key = bytes(key)  # a bytearray or memoryview: not a dictionary key
        hashed = self._hashes.get(key)
        if hashed is None:
            if len(self._hashes) >= self.keys:
                self._hashes.clear()
            hashed = self._hashes[key] = murmur2(key) & 0x7FFFFFFF
        return all_partitions[hashed % len(all_partitions)]
