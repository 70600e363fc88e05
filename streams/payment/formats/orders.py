"""A payment order as the bank formats see it, built from a payment's state.

Foreign-currency transfers go out as ISO 20022 pain.001 (`PaymentOrder`); rouble payment orders as the
1C exchange text (`RoubleOrder`, exactly what that format carries, so parsing an export gives it back).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from streams.immutable import replace
from streams.payment.commands import Party
from streams.payment.decider import Payment, PaymentStatus

EXPORTABLE = frozenset({PaymentStatus.APPROVED, PaymentStatus.RESERVED, PaymentStatus.SENT})
ORDER_NUMBER_MODULUS = 999_999  # a rouble order's number has at most 6 digits
DEFAULT_PRIORITY = 5  # очередность 5: ordinary payments to counterparties (Civil Code art. 855)


@dataclass(frozen=True)
class PaymentOrder:
    """One credit transfer of a pain.001 file."""

    end_to_end_id: str
    amount: Decimal
    currency: str
    payer: Party
    beneficiary: Party
    purpose: str
    execution_date: date


@dataclass(frozen=True)
class RoubleOrder:
    """One платёжное поручение of the 1C exchange file."""

    number: str
    order_date: date
    amount: Decimal
    payer: Party
    beneficiary: Party
    purpose: str  # the purpose with its VAT note, as the bank prints it
    priority: int = DEFAULT_PRIORITY


def order_number(payment_id: str) -> str:
    """A rouble order's number, stable per payment, 1 to 999999 (the matcher also checks amount and account)."""
    return str(uuid.UUID(payment_id).int % ORDER_NUMBER_MODULUS + 1)


def export_problem(payment: Payment) -> str | None:
    """Why the payment cannot be exported as an order, or None."""
    if payment.status not in EXPORTABLE:
        return f"a {payment.status} payment is not exported (only approved, reserved or sent)"
    if payment.payer is None or payment.beneficiary is None:
        return "the payment has no parties"
    return None


def payment_order(payment: Payment, today: date) -> PaymentOrder:
    assert payment.payer is not None and payment.beneficiary is not None
    return PaymentOrder(
        payment.end_to_end_id, payment.amount, payment.currency, payment.payer, payment.beneficiary,
        payment.purpose, max(payment.execution_date or today, today),
    )  # fmt: skip


def rouble_party(party: Party) -> Party:
    """A party as a rouble order names it: Russian details only (no SWIFT code)."""
    return replace(party, bank_bic=None)


def rouble_order(payment_id: str, payment: Payment, today: date) -> RoubleOrder:
    assert payment.payer is not None and payment.beneficiary is not None
    purpose = f"{payment.purpose} {payment.vat_note}".strip() if payment.vat_note else payment.purpose
    return RoubleOrder(
        order_number(payment_id), max(payment.execution_date or today, today), payment.amount,
        rouble_party(payment.payer), rouble_party(payment.beneficiary), purpose,
    )  # fmt: skip
