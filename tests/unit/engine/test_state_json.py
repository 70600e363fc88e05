"""An aggregate's state (in the engine's table and the Postgres sink's state tables) is written by orjson only where
orjson writes what pydantic writes; otherwise, and for a value orjson refuses, by pydantic. Checked on states of
every domain's type, built by hypothesis."""

from __future__ import annotations

import dataclasses
import functools
from datetime import timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from streams.aggregates import AggregateStore, KeptAggregate
from streams.domain import Domain
from streams.registry import DOMAINS
from streams.state_json import state_dump, written_alike
from streams.step import AggregateRecord


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_every_domain_state_is_written_by_orjson(domain: Domain) -> None:
    assert written_alike(domain.state_type)


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_orjson_writes_the_state_pydantic_reads_back_equal(domain: Domain, data: st.DataObject) -> None:
    state = data.draw(st.from_type(domain.state_type))
    adapter: TypeAdapter[Any] = TypeAdapter(domain.state_type)
    written, by_pydantic = state_dump(domain.state_type, adapter)(state), adapter.dump_json(state)
    assert orjson.loads(written) == orjson.loads(by_pydantic)
    try:
        read_back = adapter.validate_json(by_pydantic)
    except ValidationError:
        return  # e.g. an infinite Decimal, which pydantic writes and will not read: no state holds one
    assert adapter.validate_json(written) == read_back


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_the_engine_table_keeps_the_state_it_was_given(domain: Domain, data: st.DataObject) -> None:
    """The engine's table records (`AggregateStore`) write states the same way: read back, the state is the one
    pydantic reads from its own JSON, and the incremental encoding is the whole record's bytes."""
    state = data.draw(st.from_type(domain.state_type))
    adapter: TypeAdapter[Any] = TypeAdapter(domain.state_type)
    try:
        expected = adapter.validate_json(adapter.dump_json(state))
        adapter.validate_python(orjson.loads(adapter.dump_json(state)))
    except ValidationError:
        return  # as above, or an integer past 64 bits (orjson reads it as a float): no state holds one
    store = AggregateStore(domain)
    record = AggregateRecord(state=state, version=3)
    raw = store.dump(record)
    assert store.load(raw).state == expected
    assert store.encode(KeptAggregate(record)) == raw


@dataclasses.dataclass(frozen=True)
class WithSet:
    tags: frozenset[str]


@dataclasses.dataclass(frozen=True)
class WithDuration:
    took: timedelta


@dataclasses.dataclass(frozen=True)
class Cached:
    n: int

    @functools.cached_property
    def doubled(self) -> int:
        return self.n * 2


@dataclasses.dataclass(frozen=True)
class Holding:
    inner: Cached | None


@pytest.mark.parametrize("kind", [WithSet, WithDuration, Cached, Holding])
def test_a_type_orjson_would_write_otherwise_goes_to_pydantic(kind: type) -> None:
    assert not written_alike(kind)


def test_a_cached_property_is_not_written() -> None:
    value = Holding(Cached(2))
    assert value.inner is not None and value.inner.doubled == 4  # now in the instance dictionary
    adapter: TypeAdapter[Any] = TypeAdapter(Holding)
    assert orjson.loads(state_dump(Holding, adapter)(value)) == {"inner": {"n": 2}}


@dataclasses.dataclass(frozen=True)
class Counter:
    n: int


def test_a_value_orjson_refuses_is_written_by_pydantic() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(Counter)
    assert state_dump(Counter, adapter)(Counter(2**70)) == b'{"n":1180591620717411303424}'
