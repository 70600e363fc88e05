"""Commands on a tenant's ledger: the contract other domains' sagas send (see `streams.ledger.decider` for the rules).

One ledger per tenant (aggregate id `streams.ledger.decider.ledger_id_for(tenant_id)`, topic
`ledger.commands`) holds every currency, so linked transfers in several currencies (an FX deal) are
decided together. Amounts are Decimal with an ISO 4217 code;
the ledger keeps them as integers of the minor unit and refuses more decimals than the currency has.

An account is a chart code (`data/chart_of_accounts.csv`, the Russian План счетов: 51 roubles at
the bank, 52 currency accounts, 57 transfers in transit / FX clearing, 60 payables, 62 receivables,
68 taxes, 19 input VAT, 76 other settlements incl. customs duties, 91 FX differences...), the
transfer's currency and an optional sub-account (a counterparty id, a bank account id). Bank and
cash accounts (50, 51, 52, 55) are opened explicitly with `OpenAccount` (with an optional overdraft);
the others open on first use.

Every transfer has a caller-chosen `transfer_id` (e.g. "payment:<id>:reserve"): recording the same
id with the same fields again is "already recorded" (no second movement); the same id with other
fields is refused (409) naming the field that differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AccountRef:
    """An account within the transfer's currency: a chart code and an optional sub-account."""

    chart: str  # e.g. "60"
    sub: str = ""  # e.g. a supplier's id; "" for the chart account itself


@dataclass(frozen=True)
class OpenAccount:
    chart: str
    currency: str  # ISO 4217
    sub: str = ""
    name: str = ""  # e.g. "Sberbank 40702810..." (the chart's name is shown when empty)
    # The overdraft allowed to an account that may not go negative (bank accounts); None: no overdraft.
    overdraft: Decimal | None = None


@dataclass(frozen=True)
class TransferSpec:
    transfer_id: str  # caller-chosen, unique in the tenant's ledger; letters, digits and : . _ / -
    debit: AccountRef
    credit: AccountRef
    amount: Decimal  # > 0, no more decimals than the currency has
    currency: str  # ISO 4217; both accounts are in it
    pending: bool = False  # two-phase: reserve now, post or void later
    timeout_seconds: int | None = None  # a pending's lifetime; after it the reservation is released
    reference: str = ""  # what it is for, e.g. "payment:<id>", "declaration:<id>"
    code: str = ""  # a short kind for reports, e.g. "prepayment", "duty", "fx"
    description: str = ""


@dataclass(frozen=True)
class RecordTransfers:
    """Record transfers. Linked: all apply or none (the first failure is refused, naming it).

    Not linked: each stands alone; those that fail are listed in the event's `refused` (the command
    is refused only when none applies).
    """

    transfers: tuple[TransferSpec, ...]
    linked: bool = False


@dataclass(frozen=True)
class PostPendingTransfer:
    """Post a pending transfer, at most once: all of it (amount None) or part, the rest is released."""

    transfer_id: str  # the id of this posting transfer
    pending_id: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class VoidPendingTransfer:
    """Release a pending transfer's reservation, at most once."""

    transfer_id: str
    pending_id: str


@dataclass(frozen=True)
class ReverseTransfer:
    """Correct a posted transfer by a new one in the opposite direction, at most once; nothing is changed."""

    transfer_id: str
    original_id: str
    reason: str


LedgerCommand = OpenAccount | RecordTransfers | PostPendingTransfer | VoidPendingTransfer | ReverseTransfer
COMMANDS: tuple[type, ...] = LedgerCommand.__args__
