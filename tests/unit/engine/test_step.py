"""The engine's pure step without Kafka: dedupe by command id, decide, version, outcome, remembered/recalled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from streams.decider import CommandContext, Decider, RejectionCode, reject
from streams.step import AggregateRecord, recalled, remembered, step
from wellwon.envelope import CommandOutcome, Envelope, command_fields, derived_id


@dataclass(frozen=True)
class Add:
    count: int  # how many Added events; below zero is refused


@dataclass(frozen=True)
class Added:
    index: int


def decide(total: int, command: Add, context: Any) -> Any:
    if command.count < 0:
        return reject(RejectionCode.INVALID, "count must not be negative", "count")
    if command.count == 13:
        raise RuntimeError("a bug in decide")
    return [Added(i) for i in range(command.count)]


COUNTER: Decider[int, Add, Added] = Decider(0, decide, lambda total, event: total + 1)


def envelope(command_id: str | None = None) -> Envelope:
    fields = command_fields("counter", "agg-1", command_id or str(uuid.uuid4()), "actor", "tenant")
    fields["occurred_at"] = datetime(2026, 3, 2, tzinfo=UTC)
    return Envelope(**fields, schema_name="counter.Add", schema_version=1, payload=b"")


def kept(record: AggregateRecord) -> AggregateRecord:
    """The record after a trip through the table's JSON, as a restarted worker reads it."""
    outcomes = orjson.loads(orjson.dumps(list(record.outcomes.items())))
    return AggregateRecord(record.state, record.version, dict(outcomes))


def test_an_accepted_command_numbers_its_events_after_the_aggregate_s_version() -> None:
    record = AggregateRecord(state=0, version=4)
    command = envelope()
    done = step(COUNTER, record, command, Add(3))
    assert [(e.event_id, e.aggregate_version, e.event) for e in done.events] == [
        (derived_id(command.message_id, i), 5 + i, Added(i)) for i in range(3)
    ]
    assert done.outcome == CommandOutcome(
        command.message_id, "accepted", event_ids=tuple(e.event_id for e in done.events), aggregate_version=7
    )
    assert (record.state, record.version, done.repeated, done.failure) == (3, 7, False, None)


def test_a_repeated_command_gets_its_first_outcome_with_the_same_event_ids_and_emits_nothing() -> None:
    record = AggregateRecord(state=0)
    command = envelope()
    first = step(COUNTER, record, command, Add(3))
    step(COUNTER, record, envelope(), Add(2))  # another command in between
    again = step(COUNTER, kept(record), command, Add(3))
    assert again.repeated and again.events == ()
    assert again.outcome == first.outcome
    assert again.outcome.event_ids == tuple(e.event_id for e in first.events)


def test_a_rejection_changes_nothing_and_is_recalled_with_its_code_reason_and_field() -> None:
    record = AggregateRecord(state=2, version=2)
    command = envelope()
    first = step(COUNTER, record, command, Add(-1))
    assert first.events == () and (record.state, record.version) == (2, 2)
    assert (first.outcome.status, first.outcome.code, first.outcome.field) == ("rejected", "invalid", "count")
    assert first.outcome.aggregate_version == 2
    again = step(COUNTER, kept(record), command, Add(-1))
    assert again.repeated and again.outcome == first.outcome


def test_remembered_and_recalled_round_trip_every_outcome_field() -> None:
    command_id = str(uuid.uuid4())
    accepted = CommandOutcome(command_id, "accepted", event_ids=(derived_id(command_id, 0),), aggregate_version=9)
    rejected = CommandOutcome(command_id, "rejected", "conflict", "taken", "email", aggregate_version=3)
    empty = CommandOutcome(command_id, "accepted", aggregate_version=3)
    for outcome in (accepted, rejected, empty):
        assert recalled(command_id, orjson.loads(orjson.dumps(remembered(outcome)))) == outcome


def test_a_decide_that_raises_answers_internal_error_and_reports_the_failure() -> None:
    record = AggregateRecord(state=1, version=1)
    done = step(COUNTER, record, envelope(), Add(13))
    assert done.events == () and (record.state, record.version) == (1, 1)
    assert (done.outcome.status, done.outcome.code) == ("rejected", "internal_error")
    assert done.failure is not None and "a bug in decide" in done.failure


def test_the_versions_of_successive_commands_follow_on() -> None:
    record = AggregateRecord(state=0)
    versions = [e.aggregate_version for n in (2, 0, 1, 3) for e in step(COUNTER, record, envelope(), Add(n)).events]
    assert versions == [1, 2, 3, 4, 5, 6] and record.version == 6 == record.state


def test_decide_sees_the_current_state_and_the_envelope_s_context_and_evolve_sees_each_event() -> None:
    seen: list[Any] = []

    def recording(state: int, command: Add, context: Any) -> Any:
        seen.append((state, context))
        return [Added(state)]

    folded: list[Any] = []

    def folding(total: int, event: Added) -> int:
        folded.append(event)
        return total + 10

    decider: Decider[int, Add, Added] = Decider(0, recording, folding)
    fields = command_fields(
        "counter", "agg-1", "c0ffee00-0000-4000-8000-000000000002", "actor", "tenant", {"role": "owner", "a": "1"}
    )
    fields["occurred_at"] = datetime(2026, 3, 2, tzinfo=UTC)
    command = Envelope(**fields, schema_name="counter.Add", schema_version=1, payload=b"")
    record = AggregateRecord(state=5, version=5)
    done = step(decider, record, command, Add(1))
    assert seen == [
        (5, CommandContext(command.message_id, command.occurred_at, "actor", "tenant", (("a", "1"), ("role", "owner"))))
    ]
    assert folded == [Added(5)] and record.state == 15
    assert [e.event for e in done.events] == [Added(5)]


def test_a_refusal_keeps_its_reason_and_a_failing_decide_answers_a_fixed_reason() -> None:
    refused = step(COUNTER, AggregateRecord(state=0), envelope(), Add(-1))
    assert refused.outcome.reason == "count must not be negative"
    failed = step(COUNTER, AggregateRecord(state=0), envelope(), Add(13))
    assert failed.outcome.reason == "the command could not be processed"


def test_a_failure_deep_in_decide_reports_only_the_three_outermost_frames() -> None:
    """The reason goes into a dead letter: bounded, whatever the depth of the bug."""

    def deep(depth: int) -> Any:
        if depth == 0:
            raise ValueError("deep bug")
        return deep(depth - 1)

    decider: Decider[int, Add, Added] = Decider(0, lambda state, command, context: deep(6), lambda s, e: s)
    failed = step(decider, AggregateRecord(state=0), envelope(), Add(1))
    assert failed.failure is not None and failed.failure.startswith("decide raised ValueError('deep bug'): ")
    assert failed.failure.count('  File "') == 3
