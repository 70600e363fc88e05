"""The fast Fetch v11 codec produces exactly what aiokafka's generic schema code produces."""

from __future__ import annotations

import random
from io import BytesIO
from typing import Any

import pytest
from aiokafka.protocol.fetch import FetchRequest, FetchRequest_v11, FetchResponse_v11

from wellwon.fetch_codec import decode_fetch_response_v11, encode_fetch_request_v11


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
