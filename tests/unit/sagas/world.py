"""The platform in memory for saga tests: the real deciders (tenancy included), the real processes, no Kafka.

Commands are decided against aggregates kept here; each event and each refused command of a process
is handed to `streams.process.reactions` (the function the Faust agent calls), and what the
processes send is decided in turn, until nothing follows. Like the engine, an aggregate remembers
the command ids it applied, so re-delivering a record (what a crash between steps does) sends the
same command ids again and changes nothing.
"""

from __future__ import annotations

import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from streams.decider import CommandContext, Rejection
from streams.domain import Domain
from streams.process import Process, reactions
from wellwon.envelope import EVENT, OUTCOME, CommandOutcome, Envelope

AT = datetime(2026, 11, 30, 10, tzinfo=UTC)


@dataclass
class Record:
    """A message the processes read: an event, or the outcome of a command a process sent."""

    envelope: Envelope
    payload: Any


@dataclass
class World:
    domains: dict[str, Domain]
    processes: tuple[Process, ...]
    tenant: str
    states: dict[tuple[str, str], Any] = field(default_factory=dict)
    applied: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    events: list[tuple[str, str, Any]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)  # everything the processes were handed
    refusals: list[tuple[str, Any, Rejection]] = field(default_factory=list)

    def state(self, domain: str, aggregate_id: str) -> Any:
        return self.states.get((domain, aggregate_id), self.domains[domain].decider.initial_state)

    def send(
        self,
        domain: str,
        aggregate_id: str,
        command: Any,
        claims: dict[str, str] | None = None,
        command_id: str | None = None,
        cause: Envelope | None = None,
    ) -> list[Any] | Rejection:
        """Decides a command and lets the processes follow it to the end; returns its own decision."""
        queue: deque[Record] = deque()
        decision = self._decide(domain, aggregate_id, command, claims or {}, command_id or str(uuid.uuid4()), queue)
        self.settle(queue)
        return decision

    def settle(self, queue: deque[Record]) -> None:
        while queue:
            self.deliver(queue.popleft(), queue)

    def deliver(self, record: Record, queue: deque[Record]) -> None:
        self.records.append(record)
        for process, sent in reactions(self.processes, record.envelope, record.payload):
            self._decide(
                sent.domain,
                sent.aggregate_id,
                sent.command,
                sent.claims(process.name),
                sent.command_id(record.envelope.message_id),
                queue,
            )

    def redeliver_everything(self) -> None:
        """What a worker killed before committing any offset does: every record is read and reacted to again."""
        queue: deque[Record] = deque()
        for record in list(self.records):
            self.deliver(record, queue)
        self.settle(queue)

    def _decide(
        self,
        domain: str,
        aggregate_id: str,
        command: Any,
        claims: dict[str, str],
        command_id: str,
        queue: deque[Record],
    ) -> list[Any] | Rejection:
        key = (domain, aggregate_id)
        if command_id in self.applied.setdefault(key, set()):
            return []  # the engine answers a repeated command id with its first outcome and emits nothing
        actor = f"process:{claims['process']}" if "process" in claims else "user-1"
        context = CommandContext(command_id, AT, actor, self.tenant, tuple(claims.items()))
        decider = self.domains[domain].decider
        decision = decider.decide(self.state(domain, aggregate_id), command, context)
        self.applied[key].add(command_id)
        if isinstance(decision, Rejection):
            self.refusals.append((domain, command, decision))
            outcome = CommandOutcome(command_id, "rejected", decision.code, decision.reason, decision.field)
            queue.append(Record(self._envelope(OUTCOME, domain, aggregate_id, claims), outcome))
            return decision
        state = self.state(domain, aggregate_id)
        for event in decision:
            state = decider.evolve(state, event)
            self.events.append((domain, aggregate_id, event))
            queue.append(Record(self._envelope(EVENT, domain, aggregate_id, {}), event))
        self.states[key] = state
        return list(decision)

    def _envelope(self, kind: str, domain: str, aggregate_id: str, claims: dict[str, str]) -> Envelope:
        return Envelope(
            message_id=str(uuid.uuid4()),
            kind=kind,
            correlation_id=str(uuid.uuid4()),
            causation_id=None,
            tenant_id=self.tenant,
            actor_id=None,
            occurred_at=AT,
            aggregate_type=domain,
            aggregate_id=aggregate_id,
            aggregate_version=0,
            schema_name="",
            schema_version=1,
            payload=b"",
            claims=claims,
        )

    def of_type(self, event_type: type) -> list[Any]:
        return [event for _, _, event in self.events if isinstance(event, event_type)]
