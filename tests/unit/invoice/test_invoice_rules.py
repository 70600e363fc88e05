"""An invoice's rules exactly as the API answers them: each refusal's field and words, each limit at its edge."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import RejectionCode
from streams.invoice.commands import (
    AcceptMismatch,
    ApplyCredit,
    AssignInvoiceNumber,
    DraftInvoice,
    EditDraft,
    InvoiceKind,
    InvoiceLine,
    IssueInvoice,
    MatchToOrder,
    ReceiveSupplierInvoice,
    RecordInvoiceNumber,
    RecordPayment,
    SchedulePayment,
    VatRate,
    VoidInvoice,
)
from streams.invoice.decider import (
    NUMBERING_NAMESPACE,
    RECENT_ASSIGNMENTS,
    Invoice,
    InvoiceStatus,
    is_overdue,
    number_for,
    numbering_id_for,
)
from streams.invoice.domain import INVOICE, INVOICE_NUMBERING
from streams.invoice.events import (
    CreditApplied,
    DraftEdited,
    InvoiceDrafted,
    InvoiceMismatched,
    InvoiceNumberAssigned,
    InvoicePaymentRecorded,
    IssueRequested,
    MismatchAccepted,
    PaymentScheduled,
    SupplierInvoiceReceived,
)
from tests.unit.deciders import AT, context, given
from tests.unit.invoice.invoices import (
    ORDER_LINES,
    OWNER,
    PAYABLE,
    RECEIVABLE,
    SUPPLIER,
    drafted,
    events_of,
    issued,
    matched,
    received,
)

DECIDER = INVOICE.decider
TODAY = AT.date()
ISSUING = [*drafted(), (IssueInvoice(date(2026, 3, 2)), OWNER)]


def _first_line(**changes: Any) -> Any:
    return replace(PAYABLE, lines=(replace(PAYABLE.lines[0], **changes), PAYABLE.lines[1]))


@pytest.mark.parametrize(
    ("content", "field", "reason"),
    [
        (replace(PAYABLE, currency="EUX"), "content.currency", "'EUX' is not an ISO 4217 currency code"),
        (replace(PAYABLE, lines=()), "content.lines", "an invoice has at least one line"),
        (_first_line(line_no=0), "content.lines", "line numbers are positive and unique"),
        (_first_line(line_no=2), "content.lines", "line numbers are positive and unique"),
        (_first_line(unit="kg"), "content.lines[0].unit",
         "a unit is its three-digit OKEI code, e.g. 796 pieces, 166 kg"),
        (_first_line(vat_rate="18"), "content.lines[0].vat_rate", "'18' is not a VAT rate (22, 20, 10, 0, none)"),
        (_first_line(order_line_no=0), "content.lines[0].order_line_no", "an order line number is positive"),
        (_first_line(description=" "), "content.lines[0].description",
         "content.lines[0].description must be 1 to 500 characters"),
        (_first_line(quantity=Decimal(0)), "content.lines[0].quantity", "must be a positive decimal number"),
        (_first_line(unit_price=Decimal("0.001")), "content.lines[0].unit_price", "EUR has 2 decimals; 0.001 has more"),
        (replace(PAYABLE, purchase_order_id="p" * 65), "content.purchase_order_id",
         "content.purchase_order_id must be 1 to 64 characters"),
        (replace(PAYABLE, counterparty=replace(SUPPLIER, bank_bic=None)), "content.counterparty.bank_bic",
         "a foreign-currency transfer names the bank's SWIFT code"),
        (replace(PAYABLE, due_on=date(2026, 2, 28)), "content.due_on", "the due date is before the invoice's date"),
    ],
)  # fmt: skip
def test_a_bad_supplier_invoice_is_refused_with_the_field_and_the_exact_reason(
    content: Any, field: str, reason: str
) -> None:
    refused = given(DECIDER).when(ReceiveSupplierInvoice("RE-1", date(2026, 3, 1), content), OWNER)
    assert refused.then_rejected(RejectionCode.INVALID, field).reason == reason


def test_an_invoice_has_at_most_five_hundred_lines() -> None:
    lines = tuple(InvoiceLine(n, "Bolt", Decimal(1), "796", Decimal("0.01"), VatRate.NONE) for n in range(1, 501))
    [event] = given(DECIDER).when(DraftInvoice(replace(RECEIVABLE, lines=lines)), OWNER).then_accepted()
    assert len(event.content.lines) == 500
    more = replace(RECEIVABLE, lines=(*lines, InvoiceLine(501, "Bolt", Decimal(1), "796", Decimal(1), VatRate.NONE)))
    refused = given(DECIDER).when(DraftInvoice(more), OWNER).then_rejected(RejectionCode.INVALID, "content.lines")
    assert refused.reason == "an invoice has at most 500 lines"


def test_a_supplier_invoice_is_kept_normalised_and_due_on_its_own_date_is_allowed() -> None:
    content = replace(
        PAYABLE,
        currency=" eur ",
        lines=(replace(PAYABLE.lines[0], unit=" 796 "), PAYABLE.lines[1]),
        counterparty_tax_id="  DE 1366 " + "9" * 50,
        purchase_order_id=" ",
        notes="  two   pallets " + "n" * 1200,
        due_on=date(2026, 3, 1),
    )
    [event] = given(DECIDER).when(ReceiveSupplierInvoice(" RE-1 ", date(2026, 3, 1), content), OWNER).then_accepted()
    assert isinstance(event, SupplierInvoiceReceived)
    assert (event.supplier_invoice_number, event.issued_on, event.received_by) == ("RE-1", date(2026, 3, 1), "user-1")
    assert (event.content.currency, event.content.lines[0].unit, event.content.purchase_order_id) == (
        "EUR",
        "796",
        None,
    )
    assert event.content.counterparty_tax_id == ("DE 1366 " + "9" * 50)[:40]
    assert event.content.notes == ("two pallets " + "n" * 1200)[:1000]
    state = DECIDER.fold([event])
    assert (state.status, state.kind, state.supplier_invoice_number, state.issued_on) == (
        InvoiceStatus.RECEIVED, InvoiceKind.PAYABLE, "RE-1", date(2026, 3, 1)
    )  # fmt: skip
    blank = given(DECIDER).when(ReceiveSupplierInvoice(" ", date(2026, 3, 1), PAYABLE), OWNER)
    assert blank.then_rejected(RejectionCode.INVALID, "supplier_invoice_number").reason == (
        "supplier_invoice_number must be 1 to 64 characters"
    )


def test_a_second_create_with_other_details_conflicts_naming_the_field_of_its_kind() -> None:
    payable = given(DECIDER, *events_of(received()))
    refused = payable.when(ReceiveSupplierInvoice("RE-2026-77", date(2026, 3, 1), RECEIVABLE), OWNER)
    assert refused.then_rejected(RejectionCode.CONFLICT, "supplier_invoice_number").reason == (
        "this invoice already exists with other details"
    )
    receivable = given(DECIDER, *events_of(drafted()))
    receivable.when(DraftInvoice(RECEIVABLE), OWNER).then()
    assert receivable.when(ReceiveSupplierInvoice("RE-1", date(2026, 3, 1), RECEIVABLE), OWNER).then_rejected(
        RejectionCode.CONFLICT, "supplier_invoice_number"
    )
    other = receivable.when(DraftInvoice(RECEIVABLE, credited_invoice_id="inv-1", reason="damaged"), OWNER)
    assert other.then_rejected(RejectionCode.CONFLICT, "content").reason == (
        "this invoice already exists with other details"
    )
    payable.when(DraftInvoice(PAYABLE), OWNER).then_rejected(RejectionCode.CONFLICT, "content")


def test_a_draft_keeps_who_made_it_and_a_credit_note_its_collapsed_reason() -> None:
    given(DECIDER).when(DraftInvoice(RECEIVABLE, credited_invoice_id=" "), context(actor="user-8")).then(
        InvoiceDrafted("tenant-a", InvoiceKind.RECEIVABLE, RECEIVABLE, DECIDER.fold(events_of(drafted())).totals,
                       "user-8", AT, None, "")
    )  # fmt: skip
    note = DraftInvoice(RECEIVABLE, credited_invoice_id=" inv-1 ", reason="  goods   damaged ")
    state = given(DECIDER).when(note, OWNER).then_accepted()
    assert (state[0].kind, state[0].credited_invoice_id, state[0].reason) == (
        InvoiceKind.CREDIT_NOTE, "inv-1", "goods damaged"
    )  # fmt: skip
    kept = DECIDER.fold(state)
    assert (kept.status, kept.credited_invoice_id, kept.reason) == (InvoiceStatus.DRAFT, "inv-1", "goods damaged")
    why = given(DECIDER).when(replace(note, reason=" "), OWNER).then_rejected(RejectionCode.INVALID, "reason")
    assert why.reason == "a credit note says why"


def test_steps_refused_for_the_kind_or_the_state_name_both() -> None:
    receivable = given(DECIDER, *events_of(drafted()))
    kind = receivable.when(MatchToOrder("po-1", "EUR", ORDER_LINES), OWNER).then_rejected(
        RejectionCode.ILLEGAL_STATE, "kind"
    )
    assert kind.reason == "a receivable invoice cannot take MatchToOrder"
    state = receivable.when(RecordPayment("p1", Decimal(1), TODAY), OWNER).then_rejected(
        RejectionCode.ILLEGAL_STATE, "status"
    )
    assert (
        state.reason
        == "an invoice that is draft cannot take RecordPayment (only when issued, matched, partly_paid, scheduled)"
    )
    missing = given(DECIDER).when(VoidInvoice("x"), OWNER).then_rejected(RejectionCode.NOT_FOUND)
    assert missing.reason == "no such invoice"


def test_matching_names_the_order_and_a_mismatch_keeps_the_lines_compared() -> None:
    invoice = given(DECIDER, *events_of(received()))
    other = invoice.when(MatchToOrder("po-2", "EUR", ORDER_LINES), OWNER)
    assert other.then_rejected(RejectionCode.CONFLICT, "purchase_order_id").reason == (
        "the invoice bills another purchase order"
    )
    blank = invoice.when(MatchToOrder(" ", "EUR", ORDER_LINES), OWNER)
    assert blank.then_rejected(RejectionCode.INVALID, "purchase_order_id").reason == (
        "purchase_order_id must be 1 to 64 characters"
    )
    [mismatched] = invoice.when(MatchToOrder("po-1", "USD", ORDER_LINES), OWNER).then_accepted()
    assert isinstance(mismatched, InvoiceMismatched)
    assert (mismatched.purchase_order_id, mismatched.matched_at) == ("po-1", AT)
    assert [line.invoice_line_no for line in mismatched.lines] == [1, 2]


def test_accepting_a_mismatch_carries_what_the_payment_saga_needs_and_needs_a_reason() -> None:
    invoice = given(DECIDER, *events_of(received()))
    state = invoice.when(AcceptMismatch("  agreed  by phone "), context(actor="user-6")).then(
        MismatchAccepted("agreed by phone", "user-6", AT, "RE-2026-77", Decimal("12749.98"), "EUR",
                         date(2026, 4, 30), SUPPLIER)
    )  # fmt: skip
    assert state.status is InvoiceStatus.MATCHED
    blank = invoice.when(AcceptMismatch(" "), OWNER).then_rejected(RejectionCode.INVALID, "reason")
    assert blank.reason == "reason must be 1 to 500 characters"


def test_a_payment_is_scheduled_from_today_on_and_rescheduled_to_another_day() -> None:
    invoice = given(DECIDER, *events_of(matched()))
    past = invoice.when(SchedulePayment(date(2026, 3, 1)), OWNER).then_rejected(RejectionCode.INVALID, "pay_on")
    assert past.reason == "the payment date is in the past"
    state = invoice.when(SchedulePayment(TODAY), OWNER).then(
        PaymentScheduled(TODAY, Decimal("12749.98"), "EUR", SUPPLIER, "RE-2026-77", "po-1", "user-1", AT)
    )
    assert (state.status, state.pay_on) == (InvoiceStatus.SCHEDULED, TODAY)
    scheduled = given(DECIDER).with_state(**state.__dict__)
    later = scheduled.when(SchedulePayment(date(2026, 4, 1)), OWNER).then_accepted()
    assert DECIDER.fold(later, state).pay_on == date(2026, 4, 1)
    saga = context(role="process", process="trade")
    scheduled.when(SchedulePayment(date(2026, 2, 1)), saga).then()  # past due: paid today, as it already is


def test_a_draft_is_edited_and_its_totals_follow() -> None:
    draft = given(DECIDER, *events_of(drafted()))
    draft.when(EditDraft(RECEIVABLE), OWNER).then()
    one = replace(RECEIVABLE, lines=RECEIVABLE.lines[:1])
    [edited] = draft.when(EditDraft(one), context(actor="user-2")).then_accepted()
    assert isinstance(edited, DraftEdited)
    assert (edited.content, edited.totals.total, edited.edited_by, edited.edited_at) == (
        one, Decimal("12200.00"), "user-2", AT
    )  # fmt: skip
    state = DECIDER.fold([edited], draft.state)
    assert (state.content, state.totals) == (one, edited.totals)


def test_issuing_is_asked_once_for_one_date_and_fixes_the_year() -> None:
    draft = given(DECIDER, *events_of(drafted()))
    state = draft.when(IssueInvoice(date(2026, 3, 20)), context(actor="user-3")).then(
        IssueRequested(date(2026, 3, 20), 2026, "user-3")
    )
    assert (state.status, state.issued_on, state.year) == (InvoiceStatus.ISSUING, date(2026, 3, 20), 2026)
    issuing = given(DECIDER, *events_of(ISSUING))
    other = issuing.when(IssueInvoice(date(2026, 3, 3)), OWNER).then_rejected(RejectionCode.CONFLICT, "issued_on")
    assert other.reason == "the invoice is being issued on 2026-03-02"
    late = draft.when(IssueInvoice(date(2026, 3, 21)), OWNER).then_rejected(RejectionCode.INVALID, "content.due_on")
    assert late.reason == "the due date is before the invoice's date"


@pytest.mark.parametrize(
    ("number", "year", "sequence"),
    [("2026-1", 2026, 1), ("2027-000001", 2026, 1), ("2026-000002", 2026, 1), ("x2026-000001", 2026, 1),
     ("2026-000001x", 2026, 1)],
)  # fmt: skip
def test_a_number_must_read_as_its_year_and_sequence(number: str, year: int, sequence: int) -> None:
    refused = given(DECIDER, *events_of(ISSUING)).when(RecordInvoiceNumber(number, year, sequence), OWNER)
    assert (
        refused.then_rejected(RejectionCode.INVALID, "number").reason == "a number is <year>-<sequence of six digits>"
    )


def test_a_number_for_another_year_or_a_second_number_conflicts() -> None:
    issuing = given(DECIDER, *events_of(ISSUING))
    year = issuing.when(RecordInvoiceNumber("2027-000001", 2027, 1), OWNER).then_rejected(
        RejectionCode.CONFLICT, "year"
    )
    assert year.reason == "the invoice is issued in 2026, not 2027"
    [long] = issuing.when(RecordInvoiceNumber("2026-1000000", 2026, 1000000), OWNER).then_accepted()
    assert (long.number, long.sequence) == ("2026-1000000", 1000000)  # past six digits the sequence grows
    done = given(DECIDER, *events_of(issued()))
    assert (done.state.number, done.state.year, done.state.status) == ("2026-000001", 2026, InvoiceStatus.ISSUED)
    second = done.when(RecordInvoiceNumber("2026-000002", 2026, 2), OWNER).then_rejected(
        RejectionCode.CONFLICT, "number"
    )
    assert second.reason == "the invoice is already issued as 2026-000001"


def test_credits_reduce_what_is_owed_to_zero_and_the_invoice_is_then_paid() -> None:
    invoice = given(DECIDER, *events_of(issued()))
    state = invoice.when(ApplyCredit(" cn-1 ", Decimal("17690.00")), OWNER).then(
        CreditApplied("cn-1", Decimal("17690.00"), Decimal("0.00"))
    )
    assert (state.status, state.credited, state.credit_note_ids, state.outstanding) == (
        InvoiceStatus.PAID, Decimal("17690.00"), ("cn-1",), Decimal(0)
    )  # fmt: skip
    above = invoice.when(ApplyCredit("cn-1", Decimal("17690.01")), OWNER).then_rejected(RejectionCode.CONFLICT)
    assert (above.field, above.reason) == ("amount", "17690.01 RUB is more than the 17690.00 still owed")
    blank = invoice.when(ApplyCredit(" ", Decimal(1)), OWNER).then_rejected(RejectionCode.INVALID, "credit_note_id")
    assert blank.reason == "credit_note_id must be 1 to 64 characters"
    part = DECIDER.fold(invoice.when(ApplyCredit("cn-2", Decimal(1)), OWNER).then_accepted(), invoice.state)
    assert (part.status, part.outstanding) == (InvoiceStatus.ISSUED, Decimal("17689.00"))


def test_payments_add_up_in_the_paid_total_and_each_is_remembered() -> None:
    invoice = given(DECIDER, *events_of([*issued(), (RecordPayment("p1", Decimal("90.00"), TODAY), OWNER)]))
    state = invoice.when(RecordPayment(" p2 ", Decimal("10.00"), TODAY, "RUB"), OWNER).then(
        InvoicePaymentRecorded("p2", Decimal("10.00"), TODAY, Decimal("100.00"), Decimal("17590.00"), False)
    )
    assert (state.paid, state.payment_ids, state.status) == (Decimal("100.00"), ("p1", "p2"), InvoiceStatus.PARTLY_PAID)
    blank = invoice.when(RecordPayment(" ", Decimal(1), TODAY), OWNER).then_rejected(RejectionCode.INVALID)
    assert (blank.field, blank.reason) == ("payment_id", "payment_id must be 1 to 64 characters")


def test_voiding_needs_a_reason_and_no_money_received() -> None:
    invoice = given(DECIDER, *events_of(issued()))
    blank = invoice.when(VoidInvoice(" "), OWNER).then_rejected(RejectionCode.INVALID, "reason")
    assert blank.reason == "reason must be 1 to 500 characters"
    # A credit leaves the invoice issued (a payment would make it partly paid, where voiding is no step at all).
    credited = given(DECIDER, *events_of([*issued(), (ApplyCredit("cn-1", Decimal(1)), OWNER)]))
    refused = credited.when(VoidInvoice("x"), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE, "status")
    assert refused.reason == "an invoice with payments or credits cannot be voided"
    voided = DECIDER.fold(invoice.when(VoidInvoice("  wrong  customer "), OWNER).then_accepted(), invoice.state)
    assert (voided.status, voided.reason) == (InvoiceStatus.VOID, "wrong customer")


@pytest.mark.parametrize(
    ("status", "kind", "overdue"),
    [(status, InvoiceKind.RECEIVABLE, status in {
        InvoiceStatus.ISSUED, InvoiceStatus.MATCHED, InvoiceStatus.MISMATCHED, InvoiceStatus.RECEIVED,
        InvoiceStatus.SCHEDULED, InvoiceStatus.PARTLY_PAID}) for status in InvoiceStatus]
    + [(InvoiceStatus.ISSUED, InvoiceKind.CREDIT_NOTE, False), (InvoiceStatus.RECEIVED, InvoiceKind.PAYABLE, True)],
)  # fmt: skip
def test_overdue_is_only_what_is_still_owed_past_its_due_date(
    status: InvoiceStatus, kind: InvoiceKind, overdue: bool
) -> None:
    invoice = Invoice(status=status, kind=kind, content=RECEIVABLE)
    assert is_overdue(invoice, date(2026, 3, 21)) is overdue
    assert is_overdue(invoice, date(2026, 3, 20)) is False  # the due date itself is not overdue
    assert is_overdue(Invoice(status=status, kind=kind), date(2026, 3, 21)) is False  # no content: nothing owed


def test_a_numbering_is_for_one_year_from_2000_to_9999() -> None:
    numbering = INVOICE_NUMBERING.decider
    for year in (1999, 10000):
        refused = given(numbering).when(AssignInvoiceNumber("inv-a", year), OWNER)
        assert refused.then_rejected(RejectionCode.INVALID, "year").reason == "a numbering year is from 2000 to 9999"
    for year in (2000, 9999):
        given(numbering).when(AssignInvoiceNumber("inv-a", year), OWNER).then(
            InvoiceNumberAssigned("tenant-a", "inv-a", year, 1, f"{year}-000001")
        )
    state = numbering.fold([InvoiceNumberAssigned("tenant-a", "inv-a", 2026, 1, "2026-000001")])
    other = given(numbering).with_state(**state.__dict__).when(AssignInvoiceNumber("inv-b", 2027), OWNER)
    assert other.then_rejected(RejectionCode.CONFLICT, "year").reason == "this numbering is for 2026"
    blank = given(numbering).when(AssignInvoiceNumber(" ", 2026), OWNER).then_rejected(RejectionCode.INVALID)
    assert (blank.field, blank.reason) == ("invoice_id", "invoice_id must be 1 to 64 characters")


def test_numbers_have_six_digits_at_least_and_ids_are_stable_per_tenant_and_year() -> None:
    assert (number_for(2026, 7), number_for(2026, 1234567)) == ("2026-000007", "2026-1234567")
    # Pinned: the numbering aggregate of a year must be found again after a deploy.
    assert numbering_id_for("tenant-a", 2026) == str(uuid.uuid5(NUMBERING_NAMESPACE, "tenant-a\n2026"))


def test_the_numbering_remembers_the_latest_assignments_only() -> None:
    numbering = INVOICE_NUMBERING.decider
    events = [
        InvoiceNumberAssigned("tenant-a", f"inv-{n}", 2026, n, number_for(2026, n))
        for n in range(1, RECENT_ASSIGNMENTS + 2)
    ]
    state = numbering.fold(events)
    assert (state.tenant_id, state.year, state.last, len(state.recent)) == (
        "tenant-a", 2026, RECENT_ASSIGNMENTS + 1, RECENT_ASSIGNMENTS
    )  # fmt: skip
    assert state.number_of("inv-1") is None and state.number_of("inv-2") == "2026-000002"
    given(numbering).with_state(**state.__dict__).when(AssignInvoiceNumber("inv-2", 2026), OWNER).then()
