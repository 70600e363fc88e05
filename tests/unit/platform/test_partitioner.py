"""The remembering partitioner puts every key where Kafka's default partitioner (aiokafka's, the Java client's
murmur2) puts it, however often it is asked and whether or not it still remembers the key."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st

from wellwon.partitioner import RememberingPartitioner

KEYS = st.lists(st.binary(max_size=64), min_size=1, max_size=50)
PARTITIONS = st.integers(min_value=1, max_value=48)


@given(keys=KEYS, count=PARTITIONS)
def test_every_key_goes_where_the_default_partitioner_puts_it(keys: list[bytes], count: int) -> None:
    partitions = list(range(count))
    remembering = RememberingPartitioner(keys=7)  # a small memory: it starts over within the run
    for key in keys + keys:  # asked twice: the second time from memory (or after starting over)
        assert remembering(key, partitions, partitions) == DefaultPartitioner()(key, partitions, partitions)


def test_the_same_key_is_remembered_and_partition_counts_are_not() -> None:
    remembering = RememberingPartitioner()
    key = b"2f1c0b6e-8f0c-5c0e-9a51-7d3c9d1f0a11"
    assert remembering(key, [0, 1, 2], [0, 1, 2]) == DefaultPartitioner()(key, [0, 1, 2], [0, 1, 2])
    assert remembering(key, list(range(12)), []) == DefaultPartitioner()(key, list(range(12)), [])
    assert remembering(bytearray(key), [0, 1, 2], [0, 1, 2]) == remembering(key, [0, 1, 2], [0, 1, 2])
    assert len(remembering._hashes) == 1


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    remembering = RememberingPartitioner()
    assert {remembering(None, [0, 1, 2, 3], [2]) for _ in range(20)} == {2}
    assert {remembering(None, [5], []) for _ in range(5)} == {5}
