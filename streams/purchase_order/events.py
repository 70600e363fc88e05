"""Events of a purchase order: facts, named in the past tense.

They carry what a stateless saga needs (amounts, currency, the supplier's bank details, payment terms,
the order's owner), so the saga reads nothing but the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from streams.invoice.commands import OrderLineFacts
from streams.payment.commands import Party
from streams.purchase_order.commands import OrderTerms, PaymentTerms


@dataclass(frozen=True)
class PurchaseOrderCreated:
    tenant_id: str
    reference: str
    terms: OrderTerms
    total: Decimal  # the sum of the lines, each rounded to the currency's minor units
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class PurchaseOrderEdited:
    terms: OrderTerms
    total: Decimal
    edited_by: str | None
    edited_at: datetime


@dataclass(frozen=True)
class PurchaseOrderApproved:
    approved_by: str | None
    approver_role: str
    approved_at: datetime
    # What the prepayment saga asks the payment domain for, carried with the fact.
    reference: str
    currency: str
    total: Decimal
    prepayment_amount: Decimal  # 0 when no prepayment is due: the order can be sent at once
    payment_terms: PaymentTerms
    supplier: Party  # the beneficiary of the prepayment
    paying_account: Party | None
    owner_id: str | None  # who created the order


@dataclass(frozen=True)
class PrepaymentRequested:
    payment_id: str
    requested_at: datetime


@dataclass(frozen=True)
class PrepaymentSettled:
    payment_id: str
    settled_on: date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PurchaseOrderReopened:
    """The prepayment came back: the order is a draft again and its owner is told why."""

    payment_id: str
    reason: str
    reopened_at: datetime
    reference: str
    owner_id: str | None


@dataclass(frozen=True)
class PurchaseOrderSent:
    sent_at: datetime
    sent_by: str | None
    after_prepayment: bool  # released by the saga once the prepayment settled


@dataclass(frozen=True)
class PurchaseOrderConfirmed:
    confirmed_at: datetime
    supplier_reference: str = ""
    confirmed_delivery: date | None = None


@dataclass(frozen=True)
class GoodsReceived:
    line_no: int
    quantity: Decimal
    received_on: date
    line_received: Decimal  # the line's received total after this receipt
    fully_received: bool  # every line of the order is now received in full
    shipment_id: str | None = None


@dataclass(frozen=True)
class PurchaseOrderClosed:
    closed_at: datetime
    reason: str = ""


@dataclass(frozen=True)
class PurchaseOrderCancelled:
    reason: str
    cancelled_by: str | None
    cancelled_at: datetime
    prepayment_id: str | None = None  # a prepayment already asked for, which the saga cancels or recovers


@dataclass(frozen=True)
class ShipmentLinked:
    shipment_id: str


@dataclass(frozen=True)
class DeclarationLinked:
    declaration_id: str


@dataclass(frozen=True)
class OrderFactsShared:
    """What the order says now, for the three-way match of `invoice_id` (the saga sends it on as `MatchToOrder`)."""

    invoice_id: str
    currency: str
    order_lines: tuple[OrderLineFacts, ...]


PurchaseOrderEvent = (
    PurchaseOrderCreated
    | PurchaseOrderEdited
    | PurchaseOrderApproved
    | PrepaymentRequested
    | PrepaymentSettled
    | PurchaseOrderReopened
    | PurchaseOrderSent
    | PurchaseOrderConfirmed
    | GoodsReceived
    | PurchaseOrderClosed
    | PurchaseOrderCancelled
    | ShipmentLinked
    | DeclarationLinked
    | OrderFactsShared
)
EVENTS: tuple[type, ...] = PurchaseOrderEvent.__args__
