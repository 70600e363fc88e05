"""The fast Fetch v11 codec produces exactly what aiokafka's generic schema code produces."""

from __future__ import annotations

import random
from io import BytesIO
from typing import Any

import pytest
from aiokafka.protocol.fetch import FetchRequest, FetchRequest_v11, FetchResponse_v11

from wellwon.fetch_codec import FetchSession, decode_fetch_response_v11, encode_fetch_request_v11


def some_topics(rng: random.Random) -> list[tuple[str, list[tuple[int, int, int]]]]:
    return [
        (f"t{rng.randrange(10**6)}.доменный.events", [(p, rng.randrange(2**40), 4 * 1024 * 1024) for p in range(6)])
        for _ in range(rng.randrange(1, 30))
    ]


@pytest.mark.parametrize("seed", range(5))
def test_a_request_encodes_as_aiokafkas_schema_encodes_it(seed: int) -> None:
    rng = random.Random(seed)
    request = FetchRequest(50, 1, 52428800, rng.choice([0, 1]), some_topics(rng), rack_id=rng.choice(["", "r1"]))
    built = request.build(FetchRequest_v11)
    built.forgotten_topics_data = rng.choice([[], [("gone", [1, 2])], None])
    reference = FetchRequest_v11.SCHEMA.encode([built.__dict__[name] for name in FetchRequest_v11.SCHEMA.names])
    assert encode_fetch_request_v11(built) == reference


def response_fields(rng: random.Random) -> list[Any]:
    topics = []
    for topic, partitions in some_topics(rng):
        rows = []
        for number, offset, _ in partitions:
            aborted = rng.choice([None, [], [(rng.randrange(2**50), rng.randrange(2**40)) for _ in range(3)]])
            records = rng.choice([None, b"", rng.randbytes(rng.randrange(1, 300))])
            rows.append((number, rng.choice([0, 1, 6]), offset + 10, offset + 5, -1, aborted, -1, records))
        topics.append((topic, rows))
    return [rng.randrange(100), 0, rng.randrange(2**31), topics]


@pytest.mark.parametrize("seed", range(5))
def test_a_response_decodes_as_aiokafkas_schema_decodes_it(seed: int) -> None:
    rng = random.Random(seed)
    raw = FetchResponse_v11.SCHEMA.encode(response_fields(rng))
    reference = FetchResponse_v11.SCHEMA.decode(BytesIO(raw))
    stream = BytesIO(b"header" + raw + b"after")
    stream.seek(len(b"header"))
    decoded = decode_fetch_response_v11(FetchResponse_v11, stream)
    assert [decoded.__dict__[name] for name in FetchResponse_v11.SCHEMA.names] == list(reference)
    assert stream.read() == b"after"  # left where the response ends
    assert decode_fetch_response_v11(FetchResponse_v11, raw).topics == decoded.topics


def test_a_truncated_response_is_refused() -> None:
    fields = response_fields(random.Random(7))
    fields[3] = [("topic", [(0, 0, 10, 5, -1, [], -1, b"x" * 100)])]
    raw = FetchResponse_v11.SCHEMA.encode(fields)
    with pytest.raises(ValueError, match="underrun"):
        decode_fetch_response_v11(FetchResponse_v11, raw[:-10])


# ---- fetch sessions (KIP-227)


def full_request(offsets: dict[tuple[str, int], int]) -> FetchRequest_v11:
    """aiokafka's request naming every partition it fetches, at these offsets."""
    topics: dict[str, list[tuple[int, int, int]]] = {}
    for (topic, partition), offset in offsets.items():
        topics.setdefault(topic, []).append((partition, offset, 1024))
    return FetchRequest(50, 1, 52428800, 0, list(topics.items())).build(FetchRequest_v11)


def answer(session_id: int, error_code: int = 0) -> bytes:
    return FetchResponse_v11.SCHEMA.encode([0, error_code, session_id, []])


def on_the_wire(request: FetchRequest_v11) -> dict[str, Any]:
    """The request as the broker reads it."""
    decoded = FetchRequest_v11.SCHEMA.decode(BytesIO(encode_fetch_request_v11(request)))
    return dict(zip(FetchRequest_v11.SCHEMA.names, decoded, strict=True))


OFFSETS = {("a", 0): 10, ("a", 1): 20, ("b", 0): 30}


def test_a_session_starts_with_a_full_fetch_then_names_only_what_changed() -> None:
    session = FetchSession()
    first = full_request(OFFSETS)
    session.shape(first)
    wire = on_the_wire(first)
    assert (wire["session_id"], wire["session_epoch"]) == (0, 0)  # asks the broker for a session
    assert sum(len(p) for _, p in wire["topics"]) == 3
    assert first.RESPONSE_TYPE is session  # the answer comes back through the session
    session.decode(answer(session_id=77))

    second = full_request({("a", 0): 15, ("a", 1): 20})  # a/0 moved on; b/0 is not fetched now (records untaken)
    session.shape(second)
    wire = on_the_wire(second)
    assert (wire["session_id"], wire["session_epoch"]) == (77, 1)
    assert wire["topics"] == [("a", [(0, -1, 15, -1, 1024)])]
    assert wire["forgotten_topics_data"] == [("b", [0])]
    session.decode(answer(session_id=77))

    third = full_request({("a", 0): 15, ("a", 1): 20, ("b", 0): 31})
    session.shape(third)
    wire = on_the_wire(third)
    assert (wire["session_id"], wire["session_epoch"]) == (77, 2)
    assert wire["topics"] == [("b", [(0, -1, 31, -1, 1024)])]
    assert wire["forgotten_topics_data"] == []
    assert (session.full_fetches, session.incremental_fetches) == (1, 2)


def established() -> FetchSession:
    session = FetchSession()
    session.shape(full_request(OFFSETS))
    session.decode(answer(session_id=77))
    return session


@pytest.mark.parametrize("error_code", [70, 71])
def test_a_session_the_broker_lost_or_refused_starts_again_with_a_full_fetch(error_code: int) -> None:
    session = established()
    session.shape(full_request(OFFSETS))
    session.decode(answer(session_id=0, error_code=error_code))
    again = full_request(OFFSETS)
    session.shape(again)
    wire = on_the_wire(again)
    assert (wire["session_id"], wire["session_epoch"]) == (0, 0)
    assert sum(len(p) for _, p in wire["topics"]) == 3


def test_an_unanswered_request_makes_the_next_one_full() -> None:
    session = established()
    session.shape(full_request(OFFSETS))  # e.g. the connection broke: never answered
    again = full_request(OFFSETS)
    session.shape(again)
    assert (on_the_wire(again)["session_id"], on_the_wire(again)["session_epoch"]) == (0, 0)


def test_a_broker_that_gives_no_session_gets_full_fetches() -> None:
    session = FetchSession()
    for _ in range(3):
        request = full_request(OFFSETS)
        session.shape(request)
        assert (on_the_wire(request)["session_id"], on_the_wire(request)["session_epoch"]) == (0, 0)
        session.decode(answer(session_id=0))
    assert session.incremental_fetches == 0
