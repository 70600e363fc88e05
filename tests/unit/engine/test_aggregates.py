"""The worker's decoded aggregates between batches: the bytes it writes, its LRU bound, and rebalances."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from streams.aggregates import AggregateCache, AggregateStore, KeptAggregate, record_version
from streams.step import AggregateRecord, step
from streams.user_account.commands import RegisterUserAccount, UpdateProfile
from streams.user_account.decider import account_id_for_email
from streams.user_account.domain import USER_ACCOUNT
from wellwon.config import Settings
from wellwon.envelope import Envelope, command_fields

ACCOUNT = account_id_for_email("kept@example.com")
# A short memory, so a few batches already forget outcomes.
DOMAIN = replace(USER_ACCOUNT, remembered_outcomes=3)


def command(command_id: str | None = None) -> Envelope:
    fields = command_fields("user_account", ACCOUNT, command_id or str(uuid.uuid4()), ACCOUNT)
    return Envelope(**fields, schema_name="user_account.UpdateProfile", schema_version=1, payload=b"")


def batches() -> list[list[tuple[Envelope, object]]]:
    """Registration, renames, a rejection (a second registration), repeats of a recent and a forgotten id."""
    first, second = command(), command()
    register = RegisterUserAccount("kept@example.com", "h", "Kept", "User", "v")
    return [
        [(first, register), (second, UpdateProfile(first_name="Ann"))],
        [(command(), register), (command(), UpdateProfile(first_name="Bea"))],
        [(second, UpdateProfile(first_name="Ann")), (command(), UpdateProfile(last_name="Ray"))],
        [(first, register)],  # forgotten by now: decided again, and rejected as a second registration
        [(command(), UpdateProfile(first_name="Cy")) for _ in range(5)],
    ]


def test_encoding_what_changed_writes_the_bytes_a_whole_record_dump_writes() -> None:
    store = AggregateStore(DOMAIN)
    stored: bytes | None = None  # the old path: load from the table, step, dump the whole record
    kept: KeptAggregate | None = None  # the new path: the same decoded record across batches
    for number, batch in enumerate(batches()):
        old = store.load(stored)
        if kept is None or number == 3:  # a cache miss midway: decoded from the table
            kept = store.kept(stored)
        for envelope, body in batch:
            assert step(DOMAIN.decider, old, envelope, body) == step(DOMAIN.decider, kept.record, envelope, body)
        stored = store.dump(old)
        assert store.encode(kept) == stored
        assert kept.record == store.load(stored)  # forgets what the table forgets
    assert kept is not None and kept.record.version > 3


def test_a_repeat_only_batch_encodes_the_same_bytes_again() -> None:
    store = AggregateStore(DOMAIN)
    kept = store.kept(None)
    envelope = command()
    step(DOMAIN.decider, kept.record, envelope, RegisterUserAccount("kept@example.com", "h", "K", "U", "v"))
    first = store.encode(kept)
    assert step(DOMAIN.decider, kept.record, envelope, UpdateProfile(first_name="X")).repeated
    assert store.encode(kept) == first == store.dump(kept.record)


def kept(version: int = 0) -> KeptAggregate:
    return KeptAggregate(AggregateRecord(state=None, version=version))


def test_the_least_recently_used_aggregate_goes_first() -> None:
    cache = AggregateCache(2)
    a, b, c = kept(1), kept(2), kept(3)
    cache.put("t", b"a", 0, a, cache.generation)
    cache.put("t", b"b", 0, b, cache.generation)
    assert cache.take("t", b"a") is a
    cache.put("t", b"a", 0, a, cache.generation)  # used again: now the most recent
    cache.put("t", b"c", 0, c, cache.generation)
    assert len(cache) == 2
    assert cache.take("t", b"b") is None
    assert cache.take("t", b"a") is a and cache.take("t", b"c") is c


def test_a_taken_aggregate_is_out_of_the_cache_until_put_back() -> None:
    cache = AggregateCache(10)
    a = kept()
    cache.put("t", b"a", 0, a, cache.generation)
    assert cache.take("t", b"a") is a
    assert cache.take("t", b"a") is None  # a batch that fails now leaves the table's copy to be decoded


def test_a_miss_is_decoded_from_the_table() -> None:
    store = AggregateStore(DOMAIN)
    cache = AggregateCache(10)
    record = AggregateRecord(state=DOMAIN.decider.initial_state, version=7, outcomes={"c": [7, 1]})
    table = {b"k": store.dump(record)}
    found = cache.take("t", b"k") or store.kept(table.get(b"k"))
    assert found.record == record
    assert (cache.take("t", b"new") or store.kept(table.get(b"new"))).record == store.load(None)


def test_tables_keep_their_own_keys() -> None:
    cache = AggregateCache(10)
    a, b = kept(1), kept(2)
    cache.put("one", b"k", 0, a, cache.generation)
    cache.put("two", b"k", 0, b, cache.generation)
    assert cache.take("two", b"k") is b and cache.take("one", b"k") is a


def test_revoking_partitions_drops_their_aggregates_only() -> None:
    cache = AggregateCache(10)
    kept_here, moved, other_table = kept(), kept(), kept()
    cache.put("t", b"here", 1, kept_here, cache.generation)
    cache.put("t", b"moved", 2, moved, cache.generation)
    cache.put("u", b"other", 2, other_table, cache.generation)
    cache.revoke([("t", 2)])
    assert cache.take("t", b"moved") is None
    assert cache.take("t", b"here") is kept_here
    assert cache.take("u", b"other") is other_table


def test_a_batch_begun_before_a_rebalance_puts_nothing_back() -> None:
    for rebalance in (lambda cache: cache.revoke([]), AggregateCache.rebalanced):
        cache = AggregateCache(10)
        began = cache.generation
        rebalance(cache)
        assert not cache.put("t", b"k", 0, kept(), began)
        assert cache.take("t", b"k") is None
        assert cache.put("t", b"k", 0, kept(), cache.generation)  # a batch begun after it does


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = AggregateCache(0)
    assert not cache.put("t", b"k", 0, kept(), cache.generation)
    assert len(cache) == 0


def test_the_cache_size_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().aggregate_cache_size > 0
    monkeypatch.setenv("STREAMS_AGGREGATE_CACHE_SIZE", "17")
    assert Settings().aggregate_cache_size == 17


def test_a_records_version_is_read_from_its_first_field_and_from_the_older_layout_too() -> None:
    store = AggregateStore(DOMAIN)
    kept = KeptAggregate(AggregateRecord(state=DOMAIN.decider.initial_state, version=1234))
    written = store.encode(kept)
    assert written.startswith(b'{"version":1234,') and record_version(written) == 1234
    assert record_version(store.dump(kept.record)) == 1234
    assert record_version(b'{"state":{"version":7},"version":12,"outcomes":[]}') == 12
