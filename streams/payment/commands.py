"""Commands on a payment. Amounts are Decimal in the payment currency's major unit (e.g. 1234.56 EUR).

The ledger is not this domain's: the lead's sagas react to the events and answer with `MarkReserved`
(the ledger holds the money), and the statement matcher answers with `SettlePayment`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Direction(StrEnum):
    OUTGOING = "outgoing"  # the tenant pays: a supplier invoice or a purchase order's prepayment
    INCOMING = "incoming"  # the tenant is paid: money seen on a bank statement


@dataclass(frozen=True)
class Party:
    """One side of a transfer: who holds the account and where.

    Abroad: `account` is an IBAN (or the bank's own account number) and `bank_bic` the SWIFT code.
    In roubles: `account` is the 20-digit settlement account, with INN, KPP, BIK and the bank's
    correspondent account (checked with the company domain's validators).
    """

    name: str
    country: str  # ISO 3166-1 alpha-2
    account: str
    bank_name: str = ""
    bank_bic: str | None = None  # SWIFT/BIC, for foreign-currency transfers
    inn: str | None = None
    kpp: str | None = None
    bik: str | None = None  # the Russian bank identification code (9 digits, 04...)
    correspondent_account: str | None = None


@dataclass(frozen=True)
class RequestPayment:
    """An outgoing payment is asked for; the aggregate id derives from the tenant and `idempotency_key`."""

    idempotency_key: str
    amount: Decimal
    currency: str  # ISO 4217
    payer: Party  # the tenant's own account the money leaves
    beneficiary: Party
    purpose: str  # remittance information / назначение платежа
    invoice_id: str | None = None
    purchase_order_id: str | None = None
    execution_date: date | None = None  # the date asked of the bank; None: as soon as possible
    vat_note: str = ""  # e.g. "В т.ч. НДС 20%" for rouble orders


@dataclass(frozen=True)
class RecordIncomingPayment:
    """Money came in (a statement line); the aggregate id derives from the tenant and the line's reference."""

    statement_line_ref: str
    amount: Decimal
    currency: str
    payer: Party
    beneficiary: Party  # the tenant's own account
    purpose: str
    received_on: date
    invoice_id: str | None = None  # the receivable it pays, when the matcher found it


@dataclass(frozen=True)
class ApprovePayment:
    """The actor approves; their role (from the token's claims) must be allowed and within its limit."""


@dataclass(frozen=True)
class RejectPayment:
    reason: str


@dataclass(frozen=True)
class MarkReserved:
    """The ledger reserved the amount on the payer's bank account (sent by the lead's saga)."""

    reservation_id: str


@dataclass(frozen=True)
class MarkSent:
    """The payment order went to the bank, which gave it this reference."""

    bank_reference: str


@dataclass(frozen=True)
class SettlePayment:
    """A bank statement line shows the money left (or arrived)."""

    statement_line_ref: str
    settled_on: date


@dataclass(frozen=True)
class ReturnPayment:
    """The bank sent the money back (wrong details, closed account ...)."""

    reason: str
    statement_line_ref: str | None = None


@dataclass(frozen=True)
class CancelPayment:
    """The tenant withdraws a payment before it is sent."""

    reason: str


PaymentCommand = (
    RequestPayment
    | RecordIncomingPayment
    | ApprovePayment
    | RejectPayment
    | MarkReserved
    | MarkSent
    | SettlePayment
    | ReturnPayment
    | CancelPayment
)
COMMANDS: tuple[type, ...] = PaymentCommand.__args__
