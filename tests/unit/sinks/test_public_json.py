"""`public_json` writes exactly what `orjson.dumps(public_payload(...))` wrote, only faster."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum

import orjson
import pytest

from sinks.records import public_json, public_payload


class Colour(StrEnum):
    RED = "red"


class Level(Enum):
    HIGH = 3


@dataclass(frozen=True)
class Line:
    amount: Decimal
    _internal: str = "kept, as to_avro keeps it"  # orjson's own dataclass writer would drop it
    colour: Colour = Colour.RED

    def __post_init__(self) -> None:
        object.__setattr__(self, "cached", 42)  # not a field: orjson's own writer would add it


@dataclass(frozen=True)
class Happened:
    token: str = field(metadata={"secret": True})
    lines: tuple[Line, ...]
    at: datetime
    on: date
    level: Level
    notes: dict[str, Line]
    maybe: Line | None = None
    count: int = 7


def happened(**changes: object) -> Happened:
    values: dict[str, object] = {
        "token": "s3cret", "lines": (Line(Decimal("1.50")), Line(Decimal("-0.001"), "x")),
        "at": datetime(2026, 11, 1, 12, 30, 1, 5, tzinfo=UTC), "on": date(2026, 11, 2), "level": Level.HIGH,
        "notes": {"a": Line(Decimal("2"))}, **changes,
    }  # fmt: skip
    return Happened(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("event", [happened(), happened(maybe=Line(Decimal("3"))), happened(lines=())])
def test_the_same_bytes_as_the_public_payload(event: Happened) -> None:
    written = public_json(event)
    assert written == orjson.dumps(public_payload(event))
    assert public_json(event, anything_as_text=True) == orjson.dumps(public_payload(event), default=str)
    assert b"s3cret" not in written and b"cached" not in written and b"_internal" in written


def test_what_orjson_cannot_write_fails_as_before_or_becomes_text_as_before() -> None:
    odd = happened(notes={"a": b"bytes"})
    with pytest.raises(TypeError):
        orjson.dumps(public_payload(odd))
    with pytest.raises(TypeError):
        public_json(odd)
    assert public_json(odd, anything_as_text=True) == orjson.dumps(public_payload(odd), default=str)
