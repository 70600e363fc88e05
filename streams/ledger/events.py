"""Events of a tenant's ledger: facts in minor units (see `streams.money`), applied as they are by evolve and sinks.

A `Transfer` is immutable once recorded; posting, voiding, expiring and reversing are new facts
that name the transfer they resolve or correct. Balances follow TigerBeetle's: per account, debits
and credits, posted and pending, each an integer of the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TransferKind(StrEnum):
    POSTED = "posted"  # a single-phase transfer
    PENDING = "pending"  # a reservation (pending debits and credits)
    POST = "post"  # posts (part of) a pending
    VOID = "void"  # releases a pending
    REVERSAL = "reversal"  # the opposite of a posted transfer


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    kind: TransferKind
    debit_account: str  # account id "<chart>:<currency>[:<sub>]"
    credit_account: str
    amount: int  # minor units; for a void, the amount released
    currency: str
    recorded_at: datetime
    reference: str = ""
    code: str = ""
    description: str = ""
    related_id: str | None = None  # the pending a post/void resolves, the transfer a reversal corrects
    timeout_seconds: int | None = None  # pendings only
    expires_at: datetime | None = None


@dataclass(frozen=True)
class LedgerOpened:
    tenant_id: str


@dataclass(frozen=True)
class AccountOpened:
    account_id: str
    chart: str
    currency: str
    sub: str
    name: str
    may_go_negative: bool
    overdraft: int  # minor units; 0 unless configured
    on_first_use: bool  # opened implicitly by the first transfer that needed it


@dataclass(frozen=True)
class RefusedTransfer:
    """A member of an unlinked batch that was not applied, and why (as a rejection would say)."""

    index: int
    transfer_id: str
    code: str
    reason: str
    field: str | None = None


@dataclass(frozen=True)
class TransfersRecorded:
    transfers: tuple[Transfer, ...]  # as applied, in the batch's order (kinds POSTED or PENDING)
    linked: bool
    refused: tuple[RefusedTransfer, ...] = ()


@dataclass(frozen=True)
class PendingTransferPosted:
    transfer: Transfer  # kind POST: the amount posted
    released: int  # what was reserved and not posted, returned to the accounts


@dataclass(frozen=True)
class PendingTransferVoided:
    transfer: Transfer  # kind VOID: the amount released


@dataclass(frozen=True)
class PendingTransferExpired:
    """A pending's timeout passed: its reservation was released when the next command reached the ledger."""

    pending_id: str
    released: int
    expired_at: datetime


@dataclass(frozen=True)
class TransferReversed:
    transfer: Transfer  # kind REVERSAL, debit and credit swapped
    reason: str


LedgerEvent = (
    LedgerOpened
    | AccountOpened
    | TransfersRecorded
    | PendingTransferPosted
    | PendingTransferVoided
    | PendingTransferExpired
    | TransferReversed
)
EVENTS: tuple[type, ...] = LedgerEvent.__args__
