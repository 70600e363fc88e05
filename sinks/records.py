"""What every sink reads: decoded records from the event and result topics, and their JSON form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

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
