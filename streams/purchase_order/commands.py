"""Commands on a purchase order. Amounts are Decimal in the order's one currency (major unit, e.g. 1234.56 USD).

The steps a saga takes (the prepayment was requested, settled or returned; release to the supplier) are
accepted only from a process (`streams.process.sent_by_process`); people approve, send, confirm, receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict, with_config

from streams.payment.commands import Party

# Where these values enter over HTTP, a field they do not have is refused (422 naming it).
_ENTERED = with_config(ConfigDict(extra="forbid"))


class Incoterm(StrEnum):
    """Incoterms 2020: who carries cost and risk to where."""

    EXW = "EXW"
    FCA = "FCA"
    FAS = "FAS"
    FOB = "FOB"
    CFR = "CFR"
    CIF = "CIF"
    CPT = "CPT"
    CIP = "CIP"
    DAP = "DAP"
    DPU = "DPU"
    DDP = "DDP"


class BalanceDue(StrEnum):
    """When what is left after the prepayment falls due."""

    ON_SHIPMENT = "on_shipment"
    ON_ARRIVAL = "on_arrival"
    NET_DAYS = "net_days"  # `net_days` after the supplier's invoice


@_ENTERED
@dataclass(frozen=True)
class PaymentTerms:
    prepayment_percent: Decimal = Decimal(0)  # 0 to 100; above 0 the order goes out only once it is paid
    balance_due: BalanceDue = BalanceDue.NET_DAYS
    net_days: int = 30  # with NET_DAYS: days from the invoice date


@_ENTERED
@dataclass(frozen=True)
class Supplier:
    """The counterparty sold to us: its bank details are the payment's beneficiary (`streams.payment`)."""

    bank: Party  # name, country, account, bank's SWIFT/BIC (abroad) or INN/KPP/BIK (in roubles)
    tax_id: str = ""  # the supplier's tax number in its own country (VAT id, USCC, INN ...)
    address: str = ""


@_ENTERED
@dataclass(frozen=True)
class OrderLine:
    line_no: int  # 1-based, stable: receipts and invoices refer to it
    description: str
    quantity: Decimal
    unit: str  # OKEI code of the unit, e.g. "796" pieces, "166" kg
    unit_price: Decimal  # in the order's currency, at most its minor units
    hs_code: str | None = None  # EAEU CN FEA (10 digits) or HS (6); a suggestion from customs' classifier
    origin_country: str | None = None  # ISO 3166-1 alpha-2
    net_weight_kg: Decimal | None = None  # for the whole line, used to prefill customs
    gross_weight_kg: Decimal | None = None


@_ENTERED
@dataclass(frozen=True)
class OrderTerms:
    """What an order says, as created or edited as a whole in draft."""

    supplier: Supplier
    currency: str  # ISO 4217, one per order
    lines: tuple[OrderLine, ...]
    incoterm: Incoterm
    incoterm_place: str  # the named place, e.g. "Shanghai port"
    payment_terms: PaymentTerms = PaymentTerms()
    delivery_terms: str = ""  # free text: partial shipments, packing, lead time
    expected_delivery: date | None = None
    paying_account: Party | None = None  # the tenant's own account a prepayment leaves from


@dataclass(frozen=True)
class CreatePurchaseOrder:
    reference: str  # the tenant's order number, e.g. "PO-2026-0042"
    terms: OrderTerms


@dataclass(frozen=True)
class EditPurchaseOrder:
    """Replace what the draft says (only a draft can be edited; a reopened order is a draft again)."""

    terms: OrderTerms


@dataclass(frozen=True)
class ApprovePurchaseOrder:
    """The actor approves; their role (from the token's claims) must be allowed and within its limit."""


@dataclass(frozen=True)
class RecordPrepaymentRequested:
    """Process only: the saga asked the payment domain for the prepayment (`payment_id`)."""

    payment_id: str


@dataclass(frozen=True)
class RecordPrepaymentSettled:
    """Process only: the prepayment left the bank."""

    payment_id: str
    settled_on: date


@dataclass(frozen=True)
class ReopenAfterReturnedPayment:
    """Process only: the bank returned the prepayment; the order goes back to draft to be fixed."""

    payment_id: str
    reason: str


@dataclass(frozen=True)
class ReleaseToSupplier:
    """Process only: the prepayment is settled, the order goes to the supplier."""


@dataclass(frozen=True)
class SendToSupplier:
    """A person sends an approved order that needs no prepayment."""


@dataclass(frozen=True)
class ConfirmPurchaseOrder:
    """The supplier accepted the order (its own reference and the date it promises)."""

    supplier_reference: str = ""
    confirmed_delivery: date | None = None


@dataclass(frozen=True)
class ReceiveGoods:
    line_no: int
    quantity: Decimal  # in the line's unit; the total received never exceeds what was ordered
    received_on: date
    shipment_id: str | None = None  # the shipment it came with


@dataclass(frozen=True)
class ClosePurchaseOrder:
    """Nothing more is expected (a partly received order closes short)."""

    reason: str = ""


@dataclass(frozen=True)
class CancelPurchaseOrder:
    reason: str


@dataclass(frozen=True)
class LinkShipment:
    shipment_id: str


@dataclass(frozen=True)
class LinkDeclaration:
    declaration_id: str


@dataclass(frozen=True)
class ShareFactsForMatch:
    """Tell a supplier invoice's three-way match what this order says now (lines, prices, received).

    For the stateless saga "invoice received -> matched": the order answers with `OrderFactsShared`,
    which the saga passes on to the invoice as `MatchToOrder`.
    """

    invoice_id: str


PurchaseOrderCommand = (
    CreatePurchaseOrder
    | EditPurchaseOrder
    | ApprovePurchaseOrder
    | RecordPrepaymentRequested
    | RecordPrepaymentSettled
    | ReopenAfterReturnedPayment
    | ReleaseToSupplier
    | SendToSupplier
    | ConfirmPurchaseOrder
    | ReceiveGoods
    | ClosePurchaseOrder
    | CancelPurchaseOrder
    | LinkShipment
    | LinkDeclaration
    | ShareFactsForMatch
)
COMMANDS: tuple[type, ...] = PurchaseOrderCommand.__args__
