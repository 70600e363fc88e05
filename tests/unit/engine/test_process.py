"""The pure part of processes (sagas): which commands follow an event or a refusal, under which ids."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from streams.decider import CommandContext
from streams.process import (
    INSTANCE_CLAIM,
    PROCESS_CLAIM,
    PROCESS_ROLE,
    STEP_CLAIM,
    Happened,
    Process,
    Refused,
    Send,
    reactions,
    sent_by_process,
)
from wellwon.envelope import COMMAND, EVENT, OUTCOME, CommandOutcome, Envelope


@dataclass(frozen=True)
class Approved:
    payment_id: str


@dataclass(frozen=True)
class Other:
    pass


@dataclass(frozen=True)
class Reserve:
    reference: str


@dataclass(frozen=True)
class Reject:
    reason: str


def react(happened: Happened) -> Sequence[Send]:
    if isinstance(happened.event, Approved):
        instance = f"payment:{happened.event.payment_id}"
        return [Send("ledger", happened.tenant_id, Reserve(instance), instance, "reserve")]
    return []


def refused(refusal: Refused) -> Sequence[Send]:
    payment = refusal.instance.removeprefix("payment:")
    return [Send("payment", payment, Reject(refusal.reason), refusal.instance, f"reject after {refusal.step}")]


SAGA = Process("payment-reservation", follows=("payment",), react=react, refused=refused, commands=("ledger",))
AT = datetime(2026, 11, 30, 12, tzinfo=UTC)


def envelope(kind: str, domain: str, claims: dict[str, str] | None = None, tenant: str = "t1") -> Envelope:
    return Envelope(
        message_id=str(uuid.uuid4()),
        kind=kind,
        correlation_id=str(uuid.uuid4()),
        causation_id=str(uuid.uuid4()),
        tenant_id=tenant,
        actor_id="u1",
        occurred_at=AT,
        aggregate_type=domain,
        aggregate_id="p-1",
        aggregate_version=1,
        schema_name="x",
        schema_version=1,
        payload=b"",
        claims=claims or {},
    )


def test_an_event_of_a_followed_domain_gives_the_process_commands_in_the_event_tenant() -> None:
    sends = reactions([SAGA], envelope(EVENT, "payment"), Approved("p-1"))
    assert [(p.name, s) for p, s in sends] == [
        ("payment-reservation", Send("ledger", "t1", Reserve("payment:p-1"), "payment:p-1", "reserve"))
    ]


def test_events_of_other_domains_commands_and_unrelated_events_give_nothing() -> None:
    assert reactions([SAGA], envelope(EVENT, "shipment"), Approved("p-1")) == []
    assert reactions([SAGA], envelope(COMMAND, "payment"), Approved("p-1")) == []
    assert reactions([SAGA], envelope(EVENT, "payment"), Other()) == []


def test_a_rejected_outcome_of_the_process_own_command_gives_its_compensation() -> None:
    claims = Send("ledger", "t1", Reserve("payment:p-1"), "payment:p-1", "reserve").claims(SAGA.name)
    outcome = CommandOutcome(command_id="c1", status="rejected", code="conflict", reason="over the limit", field="x")
    sends = reactions([SAGA], envelope(OUTCOME, "ledger", claims), outcome)
    assert [s for _, s in sends] == [
        Send("payment", "p-1", Reject("over the limit"), "payment:p-1", "reject after reserve")
    ]


def test_accepted_outcomes_and_refusals_of_others_commands_give_nothing() -> None:
    mine = Send("ledger", "t1", Reserve("r"), "payment:p-1", "reserve").claims(SAGA.name)
    accepted = CommandOutcome(command_id="c1", status="accepted")
    rejected = CommandOutcome(command_id="c1", status="rejected", code="conflict", reason="no")
    assert reactions([SAGA], envelope(OUTCOME, "ledger", mine), accepted) == []
    assert reactions([SAGA], envelope(OUTCOME, "ledger", {**mine, PROCESS_CLAIM: "another"}), rejected) == []
    assert reactions([SAGA], envelope(OUTCOME, "ledger", {}), rejected) == []


def test_command_ids_are_the_same_for_the_same_cause_and_step_and_differ_otherwise() -> None:
    send = Send("ledger", "t1", Reserve("r"), "payment:p-1", "reserve")
    cause, other_cause = str(uuid.uuid4()), str(uuid.uuid4())
    assert send.command_id(cause) == send.command_id(cause)  # a re-read record re-sends the same id
    assert send.command_id(cause) != send.command_id(other_cause)
    assert send.command_id(cause) != Send("ledger", "t1", Reserve("r"), "payment:p-1", "post").command_id(cause)
    assert send.command_id(cause) != Send("ledger", "t1", Reserve("r"), "payment:p-2", "reserve").command_id(cause)


def test_claims_name_the_process_instance_and_step_and_only_they_count_as_a_process() -> None:
    claims = Send("ledger", "t1", Reserve("r"), "payment:p-1", "reserve").claims("saga")
    assert claims == {"role": PROCESS_ROLE, PROCESS_CLAIM: "saga", INSTANCE_CLAIM: "payment:p-1", STEP_CLAIM: "reserve"}
    context = CommandContext("c", AT, "process:saga", "t1", tuple(claims.items()))
    assert sent_by_process(context)
    assert not sent_by_process(CommandContext("c", AT, "u1", "t1", (("role", "owner"),)))
    assert not sent_by_process(CommandContext("c", AT, "u1", "t1", (("role", PROCESS_ROLE),)))
