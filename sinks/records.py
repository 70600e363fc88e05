"""What every sink reads: decoded records from the event and result topics, and their JSON form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from aiokafka.structs import ConsumerRecord

from wellwon.envelope import Envelope, MessageCodec, UnreadableRecord
from wellwon.schemas import to_avro


@dataclass(frozen=True)
class SinkRecord:
    topic: str
    partition: int
    offset: int
    envelope: Envelope
    message: Any
    # The record as it was on the topic, for a dead letter that can be replayed.
    key: bytes | None = None
    value: bytes | None = None

    def describe(self) -> str:
        """The record's identity, for a log line or a dead letter's reason."""
        e = self.envelope
        return (
            f"{e.kind} {e.message_id} ({e.schema_name}) of {e.aggregate_type} {e.aggregate_id} "
            f"v{e.aggregate_version}, {self.topic}[{self.partition}]@{self.offset}"
        )


def decode_records(
    codec: MessageCodec, records: list[ConsumerRecord[bytes, bytes]]
) -> tuple[list[SinkRecord], list[tuple[ConsumerRecord[bytes, bytes], str]]]:
    """The readable records, and the unreadable ones with the reason."""
    readable: list[SinkRecord] = []
    unreadable: list[tuple[ConsumerRecord[bytes, bytes], str]] = []
    for record in records:
        try:
            envelope, message = codec.decode(record.value)
        except UnreadableRecord as exc:
            unreadable.append((record, str(exc)))
            continue
        readable.append(
            SinkRecord(record.topic, record.partition, record.offset, envelope, message, record.key, record.value)
        )
    return readable, unreadable


def public_payload(message: Any) -> dict[str, Any]:
    """The message as JSON-ready data with secret fields (metadata {"secret": True}) removed.

    Used wherever an event leaves the operational store: analytics, pushes, audit.
    """
    data: dict[str, Any] = to_avro(message)
    for f in dataclasses.fields(message):
        if f.metadata.get("secret"):
            data.pop(f.name, None)
    return data


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_PUBLIC_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(value: Any) -> tuple[str, ...] | None:
    kind = type(value)
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    return names


def _as_avro(value: Any) -> Any:
    """What `to_avro` makes of the values orjson does not write itself: a nested dataclass, a Decimal."""
    if (names := _field_names(value)) is not None:
        return {name: getattr(value, name) for name in names}
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _as_avro_or_text(value: Any) -> Any:
    try:
        return _as_avro(value)
    except TypeError:
        return str(value)


def public_json(message: Any, anything_as_text: bool = False) -> bytes:
    """`orjson.dumps(public_payload(message))`, byte for byte, without building the intermediate dicts in Python:
    orjson walks the values itself and asks only for nested dataclasses (their fields, as `to_avro` takes them)
    and Decimals. `anything_as_text` writes any other value orjson cannot as its `str` (as `default=str`)."""
    kind = type(message)
    names = _PUBLIC_NAMES.get(kind)
    if names is None:
        names = _PUBLIC_NAMES[kind] = tuple(f.name for f in dataclasses.fields(message) if not f.metadata.get("secret"))
    top = {name: getattr(message, name) for name in names}
    default = _as_avro_or_text if anything_as_text else _as_avro
    return orjson.dumps(top, default=default, option=orjson.OPT_PASSTHROUGH_DATACLASS)


def public_event(record: SinkRecord) -> dict[str, Any]:
    envelope = record.envelope
    return {
        "event_id": envelope.message_id,
        "type": envelope.schema_name,
        "aggregate_type": envelope.aggregate_type,
        "aggregate_id": envelope.aggregate_id,
        "version": envelope.aggregate_version,
        "tenant_id": envelope.tenant_id,
        "actor_id": envelope.actor_id,
        "correlation_id": envelope.correlation_id,
        "causation_id": envelope.causation_id,
        "occurred_at": envelope.occurred_at.isoformat(),
        "payload": public_payload(record.message),
    }
