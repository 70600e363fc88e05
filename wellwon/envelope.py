"""The one envelope every record carries, and the platform's own message types.

A record value is one byte naming the envelope schema version, then the Avro-encoded envelope,
whose `payload` is the message itself, Avro-encoded with the schema the envelope names.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, Protocol

import fastavro

from wellwon.schemas import MessageGroup, PayloadCodec, SchemaVersion, load_committed

COMMAND, EVENT, OUTCOME, DEAD_LETTER = "command", "event", "outcome", "dead_letter"


@dataclass(frozen=True)
class Envelope:
    message_id: str
    kind: str  # command | event | outcome | dead_letter (and edi_result on edi.results)
    correlation_id: str
    causation_id: str | None
    tenant_id: str | None
    actor_id: str | None
    occurred_at: datetime
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    schema_name: str
    schema_version: int
    payload: bytes
    # Claims the API vouches for (e.g. the actor's role in the tenant), for decide to check.
    claims: dict[str, str] = field(default_factory=dict)


_ENVELOPE_FIELDS = frozenset(f.name for f in fields(Envelope))
assert not hasattr(Envelope, "__post_init__") and not hasattr(Envelope, "__slots__")  # see `decode_envelope`


@dataclass(frozen=True)
class CommandOutcome:
    """What became of a command: the API waits for this on the domain's results topic."""

    command_id: str
    status: str  # accepted | rejected
    code: str | None = None
    reason: str | None = None
    field: str | None = None
    event_ids: tuple[str, ...] = ()
    aggregate_version: int = 0


@dataclass(frozen=True)
class DeadLetter:
    """A record that could not be read or handled, kept with the reason so it can be replayed."""

    source_topic: str
    source_partition: int
    source_offset: int
    key: bytes | None
    value: bytes | None
    reason: str
    failed_at: datetime


PLATFORM_GROUP: MessageGroup = ("platform", (Envelope, CommandOutcome, DeadLetter))


def now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def derived_id(parent: str, index: int) -> str:
    """A deterministic id from a parent id, so re-deciding a command yields the same event ids."""
    return str(uuid.uuid5(uuid.UUID(parent), str(index)))


def command_fields(
    aggregate_type: str,
    aggregate_id: str,
    command_id: str,
    actor_id: str | None,
    tenant_id: str | None = None,
    claims: dict[str, str] | None = None,
    occurred_at: datetime | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
) -> dict[str, Any]:
    """The envelope of a new command (a command starts its own correlation unless it continues one)."""
    return {
        "message_id": command_id,
        "kind": COMMAND,
        "correlation_id": correlation_id or command_id,
        "causation_id": causation_id,
        "tenant_id": tenant_id,
        "actor_id": actor_id,
        "occurred_at": occurred_at or now(),
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "aggregate_version": 0,
        "claims": claims or {},
    }


def event_fields(command: Envelope, event_id: str, aggregate_version: int) -> dict[str, Any]:
    """The envelope of an event a command caused: same correlation, tenant, actor, claims and time as the
    command (the claims say in what capacity the actor acted, e.g. as the customs authority's gateway)."""
    return {
        "message_id": event_id,
        "kind": EVENT,
        "correlation_id": command.correlation_id,
        "causation_id": command.message_id,
        "tenant_id": command.tenant_id,
        "actor_id": command.actor_id,
        "occurred_at": command.occurred_at,
        "aggregate_type": command.aggregate_type,
        "aggregate_id": command.aggregate_id,
        "aggregate_version": aggregate_version,
        "claims": command.claims,
    }


def outcome_id(command_id: str) -> str:
    """The outcome's id derives from the command's: a command answered again is answered under the same id."""
    return str(uuid.uuid5(uuid.UUID(command_id), "outcome"))


def outcome_fields(command: Envelope, outcome: CommandOutcome) -> dict[str, Any]:
    """The envelope of a command's outcome on the domain's results topic.

    Like an event's, it carries the command's claims, so whoever sent the command (a process) knows what
    the answer is about.
    """
    return {**event_fields(command, outcome_id(command.message_id), outcome.aggregate_version), "kind": OUTCOME}


def dead_letter_fields(letter: DeadLetter) -> dict[str, Any]:
    """The envelope of a dead letter: a platform message about a record of `letter.source_topic`."""
    return {
        "message_id": new_id(),
        "kind": DEAD_LETTER,
        "correlation_id": new_id(),
        "causation_id": None,
        "tenant_id": None,
        "actor_id": None,
        "occurred_at": letter.failed_at,
        "aggregate_type": "platform",
        "aggregate_id": letter.source_topic,
        "aggregate_version": 0,
    }


class UnreadableRecord(ValueError):
    """A record whose bytes are not a WellWon envelope with a known payload."""


class MessageCodec:
    """Encodes and decodes whole records: envelope plus payload, for every registered message."""

    def __init__(self, groups: list[MessageGroup], committed: dict[str, list[SchemaVersion]]):
        message_types = {f"{group}.{cls.__name__}": cls for group, types_ in groups for cls in types_}
        self.payloads = PayloadCodec(message_types, committed)
        self._envelope_versions = {v.version: v for v in committed["platform.Envelope"]}
        self._envelope_latest = committed["platform.Envelope"][-1]

    def encode(self, envelope_fields: dict[str, Any], message: Any) -> tuple[Envelope, bytes]:
        name, version, payload = self.payloads.encode(message)
        envelope = Envelope(**envelope_fields, schema_name=name, schema_version=version, payload=payload)
        return envelope, self.encode_envelope(envelope)

    def encode_envelope(self, envelope: Envelope) -> bytes:
        buffer = io.BytesIO()
        buffer.write(bytes([self._envelope_latest.version]))
        record = {k: getattr(envelope, k) for k in envelope.__dataclass_fields__}
        fastavro.schemaless_writer(buffer, self._envelope_latest.parsed, record)
        return buffer.getvalue()

    def decode_envelope(self, value: bytes | None) -> Envelope:
        if not value:
            raise UnreadableRecord("empty record value")
        writer = self._envelope_versions.get(value[0])
        if writer is None:
            raise UnreadableRecord(f"unknown envelope version byte {value[0]}")
        try:
            record = fastavro.schemaless_reader(io.BytesIO(value[1:]), writer.parsed, self._envelope_latest.parsed)
        except Exception as exc:
            raise UnreadableRecord(f"envelope is not valid Avro: {exc}") from exc
        if not isinstance(record, dict):
            raise UnreadableRecord("envelope is not a record")
        occurred = record["occurred_at"]
        if isinstance(occurred, datetime) and occurred.tzinfo is None:
            record["occurred_at"] = occurred.replace(tzinfo=UTC)
        if record.keys() != _ENVELOPE_FIELDS:
            return Envelope(**record)  # its own checks: an unknown field, or a missing one without default, raises
        # Every consumer makes one envelope per record: the frozen dataclass's `__init__` sets its 14 fields one by
        # one (3.8 us); its instance dictionary filled at once is the same envelope (1.0 us). Envelope has no
        # `__post_init__`, and the decoded record has exactly its fields.
        envelope: Envelope = object.__new__(Envelope)
        envelope.__dict__.update(record)
        return envelope

    def decode_payload(self, envelope: Envelope) -> Any:
        try:
            return self.payloads.decode(envelope.schema_name, envelope.schema_version, envelope.payload)
        except Exception as exc:
            raise UnreadableRecord(f"payload {envelope.schema_name} v{envelope.schema_version}: {exc}") from exc

    def dead_letter_value(self, letter: DeadLetter) -> bytes:
        """A dead letter as the record value on a dead-letter topic."""
        _, value = self.encode(dead_letter_fields(letter), letter)
        return value

    def decode(self, value: bytes | None) -> tuple[Envelope, Any]:
        envelope = self.decode_envelope(value)
        return envelope, self.decode_payload(envelope)


class DomainMessages(Protocol):
    """What the kernel needs to know of a domain to encode its messages (streams.domain.Domain is one)."""

    @property
    def name(self) -> str: ...

    @property
    def commands(self) -> tuple[type, ...]: ...

    @property
    def events(self) -> tuple[type, ...]: ...


def message_groups(domains: Iterable[DomainMessages]) -> list[MessageGroup]:
    """The platform's own messages and every domain's commands and events, named by group."""
    return [PLATFORM_GROUP, *((d.name, (*d.commands, *d.events)) for d in domains)]


_codecs: dict[tuple[str, ...], MessageCodec] = {}


def codec_for(domains: Sequence[DomainMessages]) -> MessageCodec:
    """The codec of these domains' messages against the committed schemas (built once per set of domains)."""
    names = tuple(d.name for d in domains)
    if names not in _codecs:
        _codecs[names] = MessageCodec(message_groups(domains), load_committed())
    return _codecs[names]
