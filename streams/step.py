"""The engine's pure step: one command against one aggregate record, without Kafka.

`step` dedupes by command id (a repeated id gets its first outcome again and emits nothing),
decides, numbers the events (version and id derived from the command id), folds them into the
state and remembers the outcome compactly. The Faust engine (`streams.engine`) only reads records,
calls `step`, and writes what it returns.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

from streams.decider import AnyDecider, CommandContext, Rejection
from wellwon.envelope import CommandOutcome, Envelope, derived_id


@dataclass
class AggregateRecord:
    """What the engine keeps per aggregate: state, version, outcomes of recent commands."""

    state: Any
    version: int = 0
    # command id -> the outcome, compactly (see `remembered` / `recalled`)
    outcomes: dict[str, list[Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class EmittedEvent:
    event_id: str
    aggregate_version: int
    event: Any


@dataclass(frozen=True)
class Step:
    """What one command did: the events to publish (none for a repeat), its outcome, and why decide failed."""

    events: tuple[EmittedEvent, ...]
    outcome: CommandOutcome
    repeated: bool = False
    # Set when decide raised: the command is answered `internal_error` and dead-lettered with this reason.
    failure: str | None = None


def remembered(outcome: CommandOutcome) -> list[Any]:
    """An outcome as the aggregate keeps it: event ids derive from the command id, so only a count."""
    if outcome.status == "accepted":
        return [outcome.aggregate_version, len(outcome.event_ids)]
    return [outcome.aggregate_version, outcome.code, outcome.reason, outcome.field]


def recalled(command_id: str, memory: list[Any]) -> CommandOutcome:
    """The outcome `remembered` kept, as first given: the same event ids, version, code, reason and field."""
    if len(memory) == 2:
        version, events = memory
        ids = tuple(derived_id(command_id, i) for i in range(events))
        return CommandOutcome(command_id, "accepted", event_ids=ids, aggregate_version=version)
    version, code, reason, field_at_fault = memory
    return CommandOutcome(command_id, "rejected", code, reason, field_at_fault, aggregate_version=version)


def context_of(envelope: Envelope) -> CommandContext:
    """What decide may know of a command besides its body: from the envelope the API signed."""
    return CommandContext(
        command_id=envelope.message_id,
        issued_at=envelope.occurred_at,
        actor_id=envelope.actor_id,
        tenant_id=envelope.tenant_id,
        claims=tuple(sorted(envelope.claims.items())),
    )


def step(decider: AnyDecider, record: AggregateRecord, envelope: Envelope, command: Any) -> Step:
    """Apply one command to `record` (updated in place) and say what to publish."""
    command_id = envelope.message_id
    previous = record.outcomes.get(command_id)
    if previous is not None:
        return Step((), recalled(command_id, previous), repeated=True)
    failure = None
    try:
        decision = decider.decide(record.state, command, context_of(envelope))
    except Exception as exc:  # a bug in decide must not stop the partition
        failure = f"decide raised {exc!r}: {traceback.format_exc(limit=3)}"
        decision = Rejection(code="internal_error", reason="the command could not be processed")  # type: ignore[arg-type]
    if isinstance(decision, Rejection):
        outcome = CommandOutcome(
            command_id=command_id,
            status="rejected",
            code=str(decision.code),
            reason=decision.reason,
            field=decision.field,
            aggregate_version=record.version,
        )
        emitted: tuple[EmittedEvent, ...] = ()
    else:
        events = []
        for index, domain_event in enumerate(decision):
            record.version += 1
            events.append(EmittedEvent(derived_id(command_id, index), record.version, domain_event))
            record.state = decider.evolve(record.state, domain_event)
        emitted = tuple(events)
        outcome = CommandOutcome(
            command_id=command_id,
            status="accepted",
            event_ids=tuple(e.event_id for e in emitted),
            aggregate_version=record.version,
        )
    record.outcomes[command_id] = remembered(outcome)
    return Step(emitted, outcome, failure=failure)
