"""Invoice events compared whole (who, when, which tenant, which lines), what each leaves in the invoice's
state, and a too long credited invoice id refused naming its field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from streams.decider import Rejection, RejectionCode
from streams.invoice.commands import (
    DraftInvoice,
    InvoiceKind,
    IssueInvoice,
    MatchToOrder,
    ReceiveSupplierInvoice,
    RecordInvoiceNumber,
    VatRate,
)
from streams.invoice.decider import InvoiceStatus, _events_of_step, evolve
from streams.invoice.domain import INVOICE
from streams.invoice.events import InvoiceIssued, InvoiceMatched, MatchedLine, SupplierInvoiceReceived, Totals, VatLine
from tests.unit.deciders import AT, context, given
from tests.unit.invoice.invoices import CUSTOMER, ORDER_LINES, OWNER, PAYABLE, RECEIVABLE, SUPPLIER, events_of, received

DECIDER = INVOICE.decider
PAYABLE_TOTALS = Totals(
    Decimal("12749.98"),
    Decimal("0.00"),
    Decimal("12749.98"),
    (VatLine(VatRate.NONE, Decimal("12749.98"), Decimal("0.00")),),
)
STORAGE_ONLY = replace(RECEIVABLE, lines=RECEIVABLE.lines[1:])  # 3 x 1500.00 + 22% VAT
STORAGE_TOTALS = Totals(
    Decimal("4500.00"),
    Decimal("990.00"),
    Decimal("5490.00"),
    (VatLine(VatRate.RATE_22, Decimal("4500.00"), Decimal("990.00")),),
)


def test_a_received_invoice_names_its_tenant_who_received_it_and_when() -> None:
    receive = ReceiveSupplierInvoice("RE-2026-77", date(2026, 3, 1), PAYABLE)
    state = (
        given(DECIDER)
        .when(receive, context(actor="user-4"))
        .then(
            SupplierInvoiceReceived("tenant-a", "RE-2026-77", date(2026, 3, 1), PAYABLE, PAYABLE_TOTALS, "user-4", AT)
        )
    )
    assert (state.tenant_id, state.kind, state.status) == ("tenant-a", InvoiceKind.PAYABLE, InvoiceStatus.RECEIVED)


def test_a_matched_invoice_names_the_order_the_time_each_line_compared_and_the_supplier_s_number() -> None:
    given(DECIDER, *events_of(received())).when(MatchToOrder("po-1", "EUR", ORDER_LINES), OWNER).then(
        InvoiceMatched(
            "po-1",
            AT,
            (
                MatchedLine(1, 1, Decimal(10), Decimal(10), Decimal(10), Decimal("1250.00"), Decimal("1250.00"), True),
                MatchedLine(
                    2, 2, Decimal("2.5"), Decimal("2.5"), Decimal("2.5"), Decimal("99.99"), Decimal("99.99"), True
                ),
            ),
            "RE-2026-77",
            Decimal("12749.98"),
            "EUR",
            date(2026, 4, 30),
            SUPPLIER,
        )
    )


def test_a_credit_note_is_drafted_for_its_tenant_as_a_credit_note_and_issued_naming_the_invoice_it_credits() -> None:
    note = DraftInvoice(STORAGE_ONLY, credited_invoice_id="inv-1", reason="damaged")
    drafted = given(DECIDER).when(note, OWNER).then_accepted()
    state = DECIDER.fold(drafted)
    assert (state.tenant_id, state.kind, state.status) == ("tenant-a", InvoiceKind.CREDIT_NOTE, InvoiceStatus.DRAFT)
    issuing = given(DECIDER, *drafted).when(IssueInvoice(date(2026, 3, 2)), OWNER).then_accepted()
    given(DECIDER, *drafted, *issuing).when(RecordInvoiceNumber("2026-000002", 2026, 2), OWNER).then(
        InvoiceIssued(
            "2026-000002", 2026, 2, date(2026, 3, 2), InvoiceKind.CREDIT_NOTE, CUSTOMER, "RUB", STORAGE_TOTALS,
            date(2026, 3, 20), "inv-1",
        )
    )  # fmt: skip


@pytest.mark.parametrize("length", [64, 65])
def test_a_credited_invoice_id_is_at_most_sixty_four_characters(length: int) -> None:
    note = DraftInvoice(STORAGE_ONLY, credited_invoice_id="i" * length, reason="damaged")
    decision = given(DECIDER).when(note, OWNER).decision
    if length == 64:
        assert not isinstance(decision, Rejection) and decision[0].credited_invoice_id == "i" * 64
    else:
        assert decision == Rejection(
            RejectionCode.INVALID, "credited_invoice_id must be 1 to 64 characters", "credited_invoice_id"
        )


def test_what_is_not_an_invoice_step_or_event_is_a_programming_error_naming_it() -> None:
    state = DECIDER.fold(events_of(received()))
    with pytest.raises(TypeError, match=r"^not an invoice step: 'match'$"):
        _events_of_step(state, "match", OWNER)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^not an invoice event: 'matched'$"):
        evolve(state, "matched")  # type: ignore[arg-type]


def test_a_vat_rate_sent_as_its_text_is_kept_as_the_rate() -> None:
    as_text = replace(STORAGE_ONLY, lines=(replace(STORAGE_ONLY.lines[0], vat_rate="22"),))  # type: ignore[arg-type]
    [drafted] = given(DECIDER).when(DraftInvoice(as_text), OWNER).then_accepted()
    assert drafted.content.lines[0].vat_rate is VatRate.RATE_22
    assert drafted.totals == STORAGE_TOTALS
