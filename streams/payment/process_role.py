"""The steps only a process (saga) may take: its commands carry role "process" and the process's name.

Mirrors `streams.process.sent_by_process` on main (the lead's processes); the merge replaces this
module by an import of it. The API never grants the role to a person.
"""

from __future__ import annotations

from streams.company.permissions import ROLE_CLAIM
from streams.decider import CommandContext, Rejection, RejectionCode, reject

PROCESS_ROLE = "process"
PROCESS_CLAIM = "process"


def sent_by_process(context: CommandContext) -> bool:
    return context.claim(ROLE_CLAIM) == PROCESS_ROLE and bool(context.claim(PROCESS_CLAIM))


def require_process(context: CommandContext, step: str) -> Rejection | None:
    """None when a process sent the command; FORBIDDEN otherwise."""
    if sent_by_process(context):
        return None
    return reject(RejectionCode.FORBIDDEN, f"{step} is a step of the ledger's process, not of a person")
