"""The one given/when/then helper for decider tests: given events, when a command, then events or a rejection.

given(SHIPMENT.decider, created).when(CancelShipment("late"), ctx).then(ShipmentCancelled("late"))
given(SHIPMENT.decider).when(command, other_tenant).then_rejected(RejectionCode.NOT_FOUND)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from streams.decider import AnyDecider, CommandContext, Rejection, RejectionCode

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def context(tenant: str | None = "tenant-a", actor: str | None = "user-1", **claims: str) -> CommandContext:
    """A command's context at a fixed time; claims as keyword arguments (e.g. role="owner")."""
    return CommandContext("c0ffee00-0000-4000-8000-000000000001", AT, actor, tenant, tuple(sorted(claims.items())))


@dataclass(frozen=True)
class Given:
    decider: AnyDecider
    state: Any

    def when(self, command: Any, ctx: CommandContext | None = None) -> When:
        decision = self.decider.decide(self.state, command, ctx or context())
        return When(self.decider, self.state, decision)

    def with_state(self, **changes: Any) -> Given:
        """The same given with fields of the state replaced (e.g. the tenant an aggregate belongs to)."""
        return replace(self, state=replace(self.state, **changes))


@dataclass(frozen=True)
class When:
    decider: AnyDecider
    state: Any
    decision: Sequence[Any] | Rejection

    def then(self, *events: Any) -> Any:
        """Asserts exactly these events were decided; returns the state after them."""
        assert not isinstance(self.decision, Rejection), f"rejected: {self.decision}"
        assert list(self.decision) == list(events)
        return self.decider.fold(list(events), self.state)

    def then_accepted(self) -> list[Any]:
        assert not isinstance(self.decision, Rejection), f"rejected: {self.decision}"
        return list(self.decision)

    def then_rejected(self, code: RejectionCode, field: str | None = None, reason_has: str = "") -> Rejection:
        assert isinstance(self.decision, Rejection), f"accepted: {self.decision}"
        assert self.decision.code is code, self.decision
        if field is not None:
            assert self.decision.field == field, self.decision
        assert reason_has in self.decision.reason, self.decision
        return self.decision


def given(decider: AnyDecider, *events: Any) -> Given:
    """The aggregate after these events (none: a new aggregate)."""
    return Given(decider, decider.fold(list(events)))
