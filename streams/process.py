"""Processes (sagas): whenever something happened, send the commands that follow from it.

A process is pure, like a decider: `react` maps an event of the domains it follows to the commands
that follow (a payment was approved: reserve its money in the ledger), and `refused` maps a refusal
of one of its own commands to the compensation (the ledger refused the reservation: reject the
payment). The state a process needs lives in the aggregates it drives (a payment knows its purchase
order, a declaration its duty reservation), so a process keeps none of its own: its progress is the
offsets of the topics it reads, and every step is idempotent because a command's id derives from
the message that caused it and the step's name. A worker killed between steps reads the same
messages again and sends the same command ids, which the engine answers once.

The Faust adapter is `streams.process_agent`; the platform's processes are listed in
`streams.registry.PROCESSES`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.decider import CommandContext, Rejection, RejectionCode, reject
from wellwon.envelope import EVENT, OUTCOME, CommandOutcome, Envelope

# The role claim of a process's commands: deciders accept the steps only a process may take
# (e.g. "the money is reserved") from this role, which the API never grants to a person.
PROCESS_ROLE = "process"
PROCESS_CLAIM = "process"  # the process's name
INSTANCE_CLAIM = "process.instance"  # what the step is about, e.g. "payment:<id>"
STEP_CLAIM = "process.step"  # the step's name, e.g. "reserve"


@dataclass(frozen=True)
class Happened:
    """An event a process follows, with what its envelope says about it."""

    domain: str
    aggregate_id: str
    event: Any
    event_id: str
    tenant_id: str
    context: CommandContext  # the command that caused the event: its time, actor and claims


@dataclass(frozen=True)
class Refused:
    """One of the process's own commands was refused by its aggregate."""

    instance: str
    step: str
    tenant_id: str
    command_id: str
    code: str
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class Send:
    """A command a process sends: to which aggregate, and under which step of which instance."""

    domain: str
    aggregate_id: str
    command: Any
    instance: str  # what this step is about, e.g. "payment:<id>"; refusals come back with it
    step: str  # unique per instance and cause: with the cause's id it makes the command id

    def command_id(self, cause_id: str) -> str:
        """Deterministic: the same cause and step always give the same command id (so the engine dedupes)."""
        return str(uuid.uuid5(uuid.UUID(cause_id), f"{self.instance}|{self.step}"))

    def claims(self, process: str) -> dict[str, str]:
        return {"role": PROCESS_ROLE, PROCESS_CLAIM: process, INSTANCE_CLAIM: self.instance, STEP_CLAIM: self.step}


def nothing_to_compensate(refused: Refused) -> Sequence[Send]:
    return ()


@dataclass(frozen=True)
class Process:
    name: str
    follows: tuple[str, ...]  # the domains whose events it reacts to
    react: Callable[[Happened], Sequence[Send]]
    refused: Callable[[Refused], Sequence[Send]] = nothing_to_compensate
    # The domains it sends commands to (their outcomes are read for refusals of its commands).
    commands: tuple[str, ...] = field(default=())


def sent_by_process(context: CommandContext) -> bool:
    """Whether a command came from a process (deciders let only processes take their steps)."""
    return context.claim("role") == PROCESS_ROLE and bool(context.claim(PROCESS_CLAIM))


def require_process(context: CommandContext, step: str) -> Rejection | None:
    """None when a process sent the command; else FORBIDDEN, naming the step a person may not take."""
    if sent_by_process(context):
        return None
    return reject(RejectionCode.FORBIDDEN, f"{step} is a step of a process, not of a person")


def refusal_of(process: str, claims: dict[str, str], outcome: CommandOutcome, tenant_id: str | None) -> Refused | None:
    """The refusal, when an outcome answers one of this process's commands with a rejection; else None."""
    if claims.get(PROCESS_CLAIM) != process or outcome.status != "rejected":
        return None
    return Refused(
        instance=claims.get(INSTANCE_CLAIM, ""),
        step=claims.get(STEP_CLAIM, ""),
        tenant_id=tenant_id or "",
        command_id=outcome.command_id,
        code=outcome.code or "",
        reason=outcome.reason or "",
        field=outcome.field,
    )


def reactions(processes: Sequence[Process], envelope: Envelope, payload: Any) -> list[tuple[Process, Send]]:
    """What each process sends in answer to a record of a topic it follows (an event, or an outcome)."""
    if envelope.kind == EVENT:
        happened = Happened(
            domain=envelope.aggregate_type,
            aggregate_id=envelope.aggregate_id,
            event=payload,
            event_id=envelope.message_id,
            tenant_id=envelope.tenant_id or "",
            context=CommandContext(
                command_id=envelope.causation_id or envelope.message_id,
                issued_at=envelope.occurred_at,
                actor_id=envelope.actor_id,
                tenant_id=envelope.tenant_id,
                claims=tuple(envelope.claims.items()),
            ),
        )
        return [(p, s) for p in processes if happened.domain in p.follows for s in p.react(happened)]
    if envelope.kind == OUTCOME and isinstance(payload, CommandOutcome):
        sends: list[tuple[Process, Send]] = []
        for process in processes:
            refused = refusal_of(process.name, envelope.claims, payload, envelope.tenant_id)
            if refused is not None:
                sends += [(process, s) for s in process.refused(refused)]
        return sends
    return []
