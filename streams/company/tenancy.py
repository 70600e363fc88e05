"""The tenancy guard every domain applies: a command reaches only aggregates of its own tenant.

An aggregate belongs to the tenant of the command that created it. A later command whose
context names another tenant is answered exactly as if the aggregate did not exist (NOT_FOUND),
so one tenant cannot even learn that another's aggregate id is taken. The engine keeps the
recorded tenant beside each aggregate's state and calls these two functions for every domain;
a decider may also keep the tenant in its own state and call `guard_tenant` itself.
"""

from __future__ import annotations

from streams.decider import CommandContext, Rejection, RejectionCode, reject


def guard_tenant(aggregate_tenant: str | None, context: CommandContext, what: str) -> Rejection | None:
    """None when the command may reach the aggregate; `aggregate_tenant` None means it does not exist yet.

    `what` names the aggregate in the reason, e.g. "shipment" gives "no such shipment".
    """
    if not context.tenant_id:
        return reject(RejectionCode.UNAUTHORIZED, f"a {what} command must carry the tenant it acts for")
    if aggregate_tenant is not None and aggregate_tenant != context.tenant_id:
        return reject(RejectionCode.NOT_FOUND, f"no such {what}")
    return None


def tenant_to_record(aggregate_tenant: str | None, context: CommandContext) -> str:
    """The tenant an aggregate belongs to once a command passed the guard: a new one takes the command's."""
    tenant = aggregate_tenant or context.tenant_id
    if tenant is None:
        raise ValueError("tenant_to_record is called only after guard_tenant admitted the command")
    return tenant
