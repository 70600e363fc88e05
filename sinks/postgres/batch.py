"""The pure half of the Postgres sink's batches: which events each aggregate's stored position admits, and which
projection gets which of them, so one batch is a few statements per table instead of several per event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sinks.postgres.projection import Projection
from sinks.records import SinkRecord
from sinks.runner import RecordFault
from wellwon.envelope import Envelope

AggregateKey = tuple[str, str]  # (aggregate type, aggregate id)


@dataclass(frozen=True)
class Position:
    """An aggregate's last applied version, and the version of its event that could not be applied, if any."""

    version: int
    parked_at: int | None = None


class ParkedAggregate(RecordFault):
    """An event of an aggregate waiting for an earlier event of its own that could not be applied."""


def aggregate_key(record: SinkRecord) -> AggregateKey:
    return record.envelope.aggregate_type, record.envelope.aggregate_id


def admit(
    positions: Mapping[AggregateKey, Position], events: Iterable[SinkRecord]
) -> tuple[list[SinkRecord], dict[AggregateKey, int]]:
    """The events to apply, in order, and the version each aggregate they touch ends at (its parking cleared).

    An event at or below its aggregate's version was applied already (a duplicate or a replay): skipped. An
    aggregate parked at version v admits only v, its replayed dead letter, which lets it go on; any later event of
    it raises `ParkedAggregate`, since a fold must not skip an event.
    """
    current = dict(positions)
    admitted: list[SinkRecord] = []
    versions: dict[AggregateKey, int] = {}
    for record in events:
        key, version = aggregate_key(record), record.envelope.aggregate_version
        position = current.get(key)
        if position is not None:
            if version <= position.version:
                continue
            if position.parked_at is not None and version != position.parked_at:
                raise ParkedAggregate(
                    f"{key[0]} {key[1]} waits for its event v{position.parked_at}, "
                    "which could not be applied (see the earlier dead letter)"
                )
        current[key] = Position(version)
        versions[key] = version
        admitted.append(record)
    return admitted, versions


Applied = list[tuple[Envelope, Any]]


def per_projection(
    events: Sequence[SinkRecord], projections: Mapping[str, Projection], for_every_event: Sequence[Projection]
) -> list[tuple[Projection, Applied]]:
    """Each projection with its events in record order: the domains' own in order of first appearance, then
    those that take every event (the audit trail). Projections write only their own tables, and a batch spans
    partitions whose relative order Kafka never fixed, so only each aggregate's own order matters."""
    grouped: dict[str, Applied] = {}
    for record in events:
        if record.envelope.aggregate_type in projections:
            grouped.setdefault(record.envelope.aggregate_type, []).append((record.envelope, record.message))
    out = [(projections[domain], applied) for domain, applied in grouped.items()]
    every: Applied = [(record.envelope, record.message) for record in events]
    return out + [(projection, every) for projection in for_every_event if every]
