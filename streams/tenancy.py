"""Tenancy, as a combinator around a domain's decider: a command reaches only aggregates of its own tenant.

An aggregate belongs to the tenant of the command that created it. A command must carry a tenant
(else UNAUTHORIZED); one whose tenant differs from the aggregate's is answered exactly as if the
aggregate did not exist (NOT_FOUND), so one tenant cannot even learn that another's aggregate id is
taken. Every tenant-scoped domain names, in its `Domain`, where its state keeps the tenant; the
`Domain` wraps its decider with `tenant_scoped`, so a new domain cannot forget the check.

An aggregate two companies share (a conversation between a forwarder and its client) names, in `guests`,
the other tenants its own rules may admit; every other tenant is still answered NOT_FOUND here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from streams.decider import Command as CommandT
from streams.decider import CommandContext, Decider, Event, Rejection, RejectionCode, State, reject


@dataclass(frozen=True)
class Tenancy:
    """Where a domain's state keeps its tenant (None: the aggregate does not exist yet), and its name in reasons."""

    tenant_of: Callable[[Any], str | None]
    what: str  # e.g. "shipment" gives "no such shipment"
    # Further tenants the aggregate is shared with (their commands reach its own rules), e.g. an invited company.
    guests: Callable[[Any], Collection[str]] | None = None


def guard_tenant(
    aggregate_tenant: str | None, context: CommandContext, what: str, guests: Collection[str] = ()
) -> Rejection | None:
    """None when the command may reach the aggregate; `aggregate_tenant` None means it does not exist yet."""
    if not context.tenant_id:
        return reject(RejectionCode.UNAUTHORIZED, f"a {what} command must carry the tenant it acts for")
    if aggregate_tenant is not None and aggregate_tenant != context.tenant_id and context.tenant_id not in guests:
        return reject(RejectionCode.NOT_FOUND, f"no such {what}")
    return None


def tenant_to_record(aggregate_tenant: str | None, context: CommandContext) -> str:
    """The tenant an aggregate belongs to once a command passed the guard: a new one takes the command's."""
    tenant = aggregate_tenant or context.tenant_id
    if tenant is None:
        raise ValueError("tenant_to_record is called only after guard_tenant admitted the command")
    return tenant


def tenant_scoped(decider: Decider[State, CommandT, Event], tenancy: Tenancy) -> Decider[State, CommandT, Event]:
    """The decider, deciding only commands of the aggregate's own tenant (see the module's docstring)."""

    def decide(state: State, command: CommandT, context: CommandContext) -> Sequence[Event] | Rejection:
        guests = tenancy.guests(state) if tenancy.guests is not None else ()
        if problem := guard_tenant(tenancy.tenant_of(state), context, tenancy.what, guests):
            return problem
        return decider.decide(state, command, context)

    return dataclasses.replace(decider, decide=decide)
