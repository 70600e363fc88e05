"""Purchase orders for the tests: a supplier in Germany paid in euros, and the events that reach each state."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from streams.decider import CommandContext
from streams.payment.commands import Party
from streams.purchase_order.commands import (
    ApprovePurchaseOrder,
    BalanceDue,
    ConfirmPurchaseOrder,
    CreatePurchaseOrder,
    Incoterm,
    OrderLine,
    OrderTerms,
    PaymentTerms,
    ReceiveGoods,
    SendToSupplier,
    Supplier,
)
from streams.purchase_order.domain import PURCHASE_ORDER
from tests.unit.deciders import context

SUPPLIER = Supplier(
    bank=Party("Maschinenbau GmbH", "DE", "DE89370400440532013000", "Commerzbank", bank_bic="COBADEFFXXX"),
    tax_id="DE136695976",
    address="Hauptstr. 1, Köln",
)
PAYING = Party("OOO Romashka", "RU", "40702978000000000001", "Sberbank", bank_bic="SABRRUMMXXX")
LINES = (
    OrderLine(1, "Hydraulic pump", Decimal(10), "796", Decimal("1250.00"), "8413602000", "DE"),
    OrderLine(2, "Seal kit", Decimal("2.5"), "166", Decimal("99.99")),
)
TERMS = OrderTerms(
    supplier=SUPPLIER,
    currency="EUR",
    lines=LINES,
    incoterm=Incoterm.FCA,
    incoterm_place="Köln",
    payment_terms=PaymentTerms(Decimal(30), BalanceDue.ON_ARRIVAL, 0),
    delivery_terms="one shipment",
    paying_account=PAYING,
)
NO_PREPAYMENT = replace(TERMS, payment_terms=PaymentTerms(Decimal(0), BalanceDue.NET_DAYS, 30))
TOTAL = Decimal("12749.98")  # 10 x 1250.00 + 2.5 x 99.99 = 249.975 -> 249.98
OWNER = context(role="owner")
PROCESS = context(role="process", process="purchase-order-prepayment")


def events_of(commands: list[tuple[Any, CommandContext]]) -> list[Any]:
    """The events of these commands applied in turn (each must be accepted)."""
    decider, state, events = PURCHASE_ORDER.decider, PURCHASE_ORDER.decider.initial_state, []
    for command, ctx in commands:
        decided = decider.decide(state, command, ctx)
        assert isinstance(decided, list), decided
        events += decided
        state = decider.fold(decided, state)
    return events


def created(terms: OrderTerms = TERMS) -> list[tuple[Any, CommandContext]]:
    return [(CreatePurchaseOrder("PO-2026-0042", terms), OWNER)]


def confirmed() -> list[tuple[Any, CommandContext]]:
    return [
        *created(NO_PREPAYMENT),
        (ApprovePurchaseOrder(), OWNER),
        (SendToSupplier(), OWNER),
        (ConfirmPurchaseOrder("SO-1", date(2026, 4, 1)), OWNER),
    ]


def partly_received() -> list[tuple[Any, CommandContext]]:
    return [*confirmed(), (ReceiveGoods(1, Decimal(4), date(2026, 4, 2)), OWNER)]


def fully_received() -> list[tuple[Any, CommandContext]]:
    return [
        *partly_received(),
        (ReceiveGoods(1, Decimal(6), date(2026, 4, 3)), OWNER),
        (ReceiveGoods(2, Decimal("2.5"), date(2026, 4, 3)), OWNER),
    ]
