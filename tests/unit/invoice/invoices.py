"""Invoices for the tests: a supplier's invoice on a purchase order, and a receivable in roubles."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from streams.decider import CommandContext
from streams.invoice.commands import (
    DraftInvoice,
    InvoiceContent,
    InvoiceLine,
    IssueInvoice,
    MatchToOrder,
    OrderLineFacts,
    ReceiveSupplierInvoice,
    RecordInvoiceNumber,
    VatRate,
)
from streams.invoice.domain import INVOICE
from streams.payment.commands import Party
from tests.unit.deciders import context

SUPPLIER = Party("Maschinenbau GmbH", "DE", "DE89370400440532013000", "Commerzbank", bank_bic="COBADEFFXXX")
CUSTOMER = Party(
    "ООО Ромашка", "RU", "40702810938000000001", "ПАО Сбербанк", inn="7707083893", kpp="773601001",
    bik="044525225", correspondent_account="30101810400000000225",
)  # fmt: skip
PAYABLE = InvoiceContent(
    counterparty=SUPPLIER,
    currency="EUR",
    lines=(
        InvoiceLine(1, "Hydraulic pump", Decimal(10), "796", Decimal("1250.00"), VatRate.NONE, order_line_no=1),
        InvoiceLine(2, "Seal kit", Decimal("2.5"), "166", Decimal("99.99"), VatRate.NONE, order_line_no=2),
    ),
    due_on=date(2026, 4, 30),
    purchase_order_id="po-1",
)
ORDER_LINES = (
    OrderLineFacts(1, Decimal(10), Decimal("1250.00"), Decimal(10)),
    OrderLineFacts(2, Decimal("2.5"), Decimal("99.99"), Decimal("2.5")),
)
RECEIVABLE = InvoiceContent(
    counterparty=CUSTOMER,
    currency="RUB",
    lines=(
        InvoiceLine(1, "Customs brokerage", Decimal(1), "796", Decimal("10000.00"), VatRate.RATE_22),
        InvoiceLine(2, "Storage", Decimal(3), "796", Decimal("1500.00"), VatRate.RATE_22),
    ),
    due_on=date(2026, 3, 20),
)  # 14500.00 + 22% = 17690.00
OWNER = context(role="owner")


def events_of(commands: list[tuple[Any, CommandContext]]) -> list[Any]:
    decider, state, events = INVOICE.decider, INVOICE.decider.initial_state, []
    for command, ctx in commands:
        decided = decider.decide(state, command, ctx)
        assert isinstance(decided, list), decided
        events += decided
        state = decider.fold(decided, state)
    return events


def received() -> list[tuple[Any, CommandContext]]:
    return [(ReceiveSupplierInvoice("RE-2026-77", date(2026, 3, 1), PAYABLE), OWNER)]


def matched() -> list[tuple[Any, CommandContext]]:
    return [*received(), (MatchToOrder("po-1", "EUR", ORDER_LINES), OWNER)]


def drafted() -> list[tuple[Any, CommandContext]]:
    return [(DraftInvoice(RECEIVABLE), OWNER)]


def issued() -> list[tuple[Any, CommandContext]]:
    return [
        *drafted(),
        (IssueInvoice(date(2026, 3, 2)), OWNER),
        (RecordInvoiceNumber("2026-000001", 2026, 1), OWNER),
    ]
