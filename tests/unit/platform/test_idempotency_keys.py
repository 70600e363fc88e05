"""Idempotency keys: whose key it is, which requests are the same, and the command ids they give."""

from __future__ import annotations

import uuid
from datetime import timedelta

import jwt

from api.idempotency import (
    ANONYMOUS,
    KeyedRequest,
    _current,
    caller_scope,
    command_id_for,
    created_id,
    fingerprint,
    takes_key,
)
from wellwon.envelope import now

SECRET = "unit-test-secret-long-enough-for-hs256-keys"


def token(**claims: object) -> bytes:
    encoded = jwt.encode({"exp": now() + timedelta(minutes=5), **claims}, SECRET, "HS256")
    return f"Bearer {encoded}".encode()


def test_the_scope_is_the_verified_caller() -> None:
    assert caller_scope({b"authorization": token(sub="u1", tid="t1")}, SECRET) == "t1/u1"
    assert caller_scope({b"authorization": token(sub="u1")}, SECRET) == "-/u1"
    assert (
        caller_scope({b"authorization": token(sub="u1", tid="t1")}, "another secret, also long enough for hs256")
        is None
    )
    assert caller_scope({b"x-api-key": b"wwk_a"}, SECRET) != caller_scope({b"x-api-key": b"wwk_b"}, SECRET)
    assert caller_scope({b"x-gateway-key": b"g.1"}, SECRET) not in (
        ANONYMOUS,
        caller_scope({b"x-api-key": b"g.1"}, SECRET),
    )
    assert caller_scope({}, SECRET) == ANONYMOUS


def test_the_fingerprint_covers_method_path_query_and_body() -> None:
    base = {"method": "PATCH", "path": "/api/auth/profile", "query_string": b""}
    prints = {
        fingerprint(base, b'{"a":1}'),
        fingerprint({**base, "method": "PUT"}, b'{"a":1}'),
        fingerprint({**base, "path": "/api/auth/profilex"}, b'{"a":1}'),
        fingerprint({**base, "query_string": b"x=1"}, b'{"a":1}'),
        fingerprint(base, b'{"a":2}'),
    }
    assert len(prints) == 5
    assert fingerprint(base, b'{"a":1}') == fingerprint(dict(base), b'{"a":1}')


def test_commands_of_a_keyed_request_get_ids_from_the_key_in_order() -> None:
    assert command_id_for(None) is None  # outside a keyed request: the bus picks a random id
    first, second = KeyedRequest("t/u", "k"), KeyedRequest("t/u", "k")
    token_ = _current.set(first)
    try:
        ids = [command_id_for(None), command_id_for(None)]
    finally:
        _current.reset(token_)
    assert ids == [second.next_command_id(), second.next_command_id()] and ids[0] != ids[1]
    assert KeyedRequest("t/other", "k").next_command_id() != ids[0]


def test_a_routes_own_command_id_stands() -> None:
    token_ = _current.set(KeyedRequest("t/u", "k"))
    try:
        assert command_id_for("00000000-0000-0000-0000-000000000001") is None
    finally:
        _current.reset(token_)


def created_in(request: KeyedRequest, namespace: uuid.UUID) -> str:
    token_ = _current.set(request)
    try:
        return created_id(namespace)
    finally:
        _current.reset(token_)


def test_a_retried_create_names_the_same_aggregate_and_only_for_the_same_caller_and_key() -> None:
    companies, declarations = uuid.UUID(int=1), uuid.UUID(int=2)
    first = created_in(KeyedRequest("t/u", "k"), companies)
    assert created_in(KeyedRequest("t/u", "k"), companies) == first  # the retry after a cut-off create
    others = {
        created_in(KeyedRequest("t/other", "k"), companies),  # another caller with the same key
        created_in(KeyedRequest("t/u", "k2"), companies),  # another key
        created_in(KeyedRequest("t/u", "k"), declarations),  # another domain's aggregate
    }
    assert first not in others and len(others) == 3
    assert created_id(companies) != created_id(companies)  # no key: a fresh aggregate each time


def test_which_routes_take_a_key() -> None:
    assert takes_key("POST", "/api/shipments") and takes_key("delete", "/api/companies/x/participants/y")
    assert not takes_key("GET", "/api/shipments")
    assert not takes_key("POST", "/api/auth/login") and not takes_key("POST", "/api/auth/refresh")
    assert not takes_key("POST", "/health")
