"""Given/when/then for every rule of an invoice and of its numbering, and the transition table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.invoice.commands import (
    AcceptMismatch,
    ApplyCredit,
    AssignInvoiceNumber,
    DraftInvoice,
    EditDraft,
    InvoiceKind,
    IssueInvoice,
    MatchToOrder,
    OrderLineFacts,
    ReceiveSupplierInvoice,
    RecordInvoiceNumber,
    RecordPayment,
    SchedulePayment,
    VoidInvoice,
)
from streams.invoice.decider import LEGAL_FROM, InvoiceStatus, is_overdue, numbering_id_for
from streams.invoice.domain import INVOICE, INVOICE_NUMBERING
from streams.invoice.events import (
    CreditApplied,
    InvoiceIssued,
    InvoiceMatched,
    InvoiceMismatched,
    InvoiceNumberAssigned,
    InvoicePaymentRecorded,
    InvoiceVoided,
    PaymentScheduled,
)
from streams.invoice.matching import MismatchKind
from tests.unit.deciders import AT, context, given
from tests.unit.invoice.invoices import (
    CUSTOMER,
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


def test_a_supplier_invoice_is_received_with_its_totals() -> None:
    state = given(DECIDER).when(ReceiveSupplierInvoice("RE-2026-77", date(2026, 3, 1), PAYABLE), OWNER).then_accepted()
    assert state[0].totals.total == Decimal("12749.98")
    again = given(DECIDER, *state)
    again.when(ReceiveSupplierInvoice("RE-2026-77", date(2026, 3, 1), PAYABLE), OWNER).then()
    again.when(ReceiveSupplierInvoice("RE-2026-78", date(2026, 3, 1), PAYABLE), OWNER).then_rejected(
        RejectionCode.CONFLICT
    )


@pytest.mark.parametrize(
    ("content", "field", "reason"),
    [
        (replace(PAYABLE, currency="EUX"), "content.currency", "ISO 4217"),
        (
            replace(PAYABLE, lines=(replace(PAYABLE.lines[0], unit_price=Decimal("0.001")),)),
            "content.lines[0].unit_price",
            "EUR has 2 decimals",
        ),
        (
            replace(PAYABLE, lines=(replace(PAYABLE.lines[0], unit_price=Decimal("-1.00")),)),
            "content.lines[0].unit_price",
            "greater than zero",
        ),
        (replace(PAYABLE, lines=(replace(PAYABLE.lines[0], vat_rate="18"),)), "content.lines[0].vat_rate", "VAT"),
        (replace(PAYABLE, due_on=date(2026, 2, 1)), "content.due_on", "before"),
    ],
)
def test_bad_input_is_refused_naming_the_field(content: Any, field: str, reason: str) -> None:
    given(DECIDER).when(ReceiveSupplierInvoice("RE-1", date(2026, 3, 1), content), OWNER).then_rejected(
        RejectionCode.INVALID, field, reason
    )


def test_a_matching_invoice_carries_what_the_payment_saga_needs() -> None:
    events = given(DECIDER, *events_of(received())).when(MatchToOrder("po-1", "EUR", ORDER_LINES), OWNER)
    matched_event = events.then_accepted()[0]
    assert isinstance(matched_event, InvoiceMatched)
    assert (matched_event.total, matched_event.currency, matched_event.due_on, matched_event.supplier) == (
        Decimal("12749.98"), "EUR", date(2026, 4, 30), SUPPLIER,
    )  # fmt: skip


def test_a_mismatch_is_recorded_with_the_line_and_reason_and_a_person_may_accept_it() -> None:
    short = (replace(ORDER_LINES[0], received=Decimal(8)), ORDER_LINES[1])
    invoice = given(DECIDER, *events_of(received()))
    decided = invoice.when(MatchToOrder("po-1", "EUR", short), OWNER).then_accepted()
    assert isinstance(decided[0], InvoiceMismatched)
    assert [(m.invoice_line_no, m.problem, m.reason) for m in decided[0].mismatches] == [
        (1, MismatchKind.QUANTITY_ABOVE_RECEIVED, "invoice line 1 (order line 1): invoiced 10, received 8")
    ]
    mismatched = given(DECIDER, *events_of(received()), *decided)
    assert mismatched.state.status is InvoiceStatus.MISMATCHED
    mismatched.when(SchedulePayment(date(2026, 4, 30)), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE)
    # Once the rest arrives the invoice matches on a second try.
    assert isinstance(
        mismatched.when(MatchToOrder("po-1", "EUR", ORDER_LINES), OWNER).then_accepted()[0], InvoiceMatched
    )
    accepted = mismatched.when(AcceptMismatch("price agreed by phone"), OWNER).then_accepted()
    assert given(DECIDER, *events_of(received()), *decided, *accepted).state.status is InvoiceStatus.MATCHED


def test_matching_against_another_order_is_a_conflict() -> None:
    given(DECIDER, *events_of(received())).when(MatchToOrder("po-2", "EUR", ORDER_LINES), OWNER).then_rejected(
        RejectionCode.CONFLICT, "purchase_order_id"
    )


def test_a_matched_invoice_is_scheduled_for_payment_on_a_date_not_in_the_past() -> None:
    invoice = given(DECIDER, *events_of(matched()))
    invoice.when(SchedulePayment(date(2026, 3, 1)), OWNER).then_rejected(RejectionCode.INVALID, "pay_on")
    state = invoice.when(SchedulePayment(date(2026, 4, 30)), OWNER).then(
        PaymentScheduled(date(2026, 4, 30), Decimal("12749.98"), "EUR", SUPPLIER, "RE-2026-77", "po-1", "user-1", AT)
    )
    given(DECIDER).with_state(**state.__dict__).when(SchedulePayment(date(2026, 4, 30)), OWNER).then()


def test_the_saga_schedules_an_invoice_already_due_for_today() -> None:
    saga = context(role="process", process="trade")
    scheduled = given(DECIDER, *events_of(matched())).when(SchedulePayment(date(2026, 3, 1)), saga).then_accepted()
    assert isinstance(scheduled[0], PaymentScheduled) and scheduled[0].pay_on == TODAY


def test_issuing_freezes_the_draft_then_records_its_number() -> None:
    draft = given(DECIDER, *events_of(drafted()))
    assert draft.state.totals.total == Decimal("17690.00")
    issuing = given(DECIDER, *events_of([*drafted(), (IssueInvoice(date(2026, 3, 2)), OWNER)]))
    assert issuing.state.status is InvoiceStatus.ISSUING
    issuing.when(IssueInvoice(date(2026, 3, 2)), OWNER).then()
    issuing.when(EditDraft(RECEIVABLE), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE)
    issuing.when(VoidInvoice("oops"), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE)  # its number is on the way
    issuing.when(RecordInvoiceNumber("2025-000001", 2025, 1), OWNER).then_rejected(RejectionCode.CONFLICT, "year")
    issuing.when(RecordInvoiceNumber("2026-1", 2026, 1), OWNER).then_rejected(RejectionCode.INVALID, "number")
    state = issuing.when(RecordInvoiceNumber("2026-000001", 2026, 1), OWNER).then(
        InvoiceIssued(
            "2026-000001", 2026, 1, date(2026, 3, 2), InvoiceKind.RECEIVABLE, CUSTOMER, "RUB",
            draft.state.totals, date(2026, 3, 20),
        )
    )  # fmt: skip
    done = given(DECIDER).with_state(**state.__dict__)
    done.when(RecordInvoiceNumber("2026-000001", 2026, 1), OWNER).then()
    done.when(RecordInvoiceNumber("2026-000002", 2026, 2), OWNER).then_rejected(RejectionCode.CONFLICT, "number")


def test_issued_before_its_due_date_only() -> None:
    given(DECIDER, *events_of(drafted())).when(IssueInvoice(date(2026, 3, 21)), OWNER).then_rejected(
        RejectionCode.INVALID, "content.due_on"
    )


def test_payments_reduce_what_is_owed_once_each_never_below_zero() -> None:
    invoice = given(DECIDER, *events_of(issued()))
    invoice.when(RecordPayment("pay-1", Decimal("17690.01"), TODAY), OWNER).then_rejected(
        RejectionCode.CONFLICT, "amount", "more than the 17690.00 still owed"
    )
    invoice.when(RecordPayment("pay-1", Decimal("0.001"), TODAY), OWNER).then_rejected(RejectionCode.INVALID, "amount")
    invoice.when(RecordPayment("pay-1", Decimal(1), TODAY, "USD"), OWNER).then_rejected(
        RejectionCode.CONFLICT, "currency", "the payment is in USD, the invoice in RUB"
    )
    partly = invoice.when(RecordPayment("pay-1", Decimal("7690.00"), TODAY), OWNER).then(
        InvoicePaymentRecorded("pay-1", Decimal("7690.00"), TODAY, Decimal("7690.00"), Decimal("10000.00"), False)
    )
    assert partly.status is InvoiceStatus.PARTLY_PAID
    again = given(DECIDER).with_state(**partly.__dict__)
    again.when(RecordPayment("pay-1", Decimal("7690.00"), TODAY), OWNER).then()  # the same payment: nothing
    paid = again.when(RecordPayment("pay-2", Decimal("10000.00"), TODAY), OWNER).then_accepted()
    assert paid[0].fully_paid
    state = again.decider.fold(paid, again.state)
    assert state.status is InvoiceStatus.PAID and state.outstanding == 0
    given(DECIDER).with_state(**state.__dict__).when(VoidInvoice("x"), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE)


def test_a_credit_note_is_a_numbered_invoice_that_reduces_another() -> None:
    note = DraftInvoice(replace(RECEIVABLE, lines=RECEIVABLE.lines[1:]), credited_invoice_id="inv-1", reason="damaged")
    state = given(DECIDER).when(note, OWNER).then_accepted()
    assert state[0].kind is InvoiceKind.CREDIT_NOTE
    given(DECIDER).when(replace(note, reason=""), OWNER).then_rejected(RejectionCode.INVALID, "reason")
    original = given(DECIDER, *events_of(issued()))
    credited = original.when(ApplyCredit("cn-1", Decimal("5490.00")), OWNER).then(
        CreditApplied("cn-1", Decimal("5490.00"), Decimal("12200.00"))
    )
    after = given(DECIDER).with_state(**credited.__dict__)
    after.when(ApplyCredit("cn-1", Decimal("5490.00")), OWNER).then()
    after.when(ApplyCredit("cn-2", Decimal("12200.01")), OWNER).then_rejected(RejectionCode.CONFLICT, "amount")
    after.when(VoidInvoice("x"), OWNER).then_rejected(RejectionCode.ILLEGAL_STATE, reason_has="credits")


def test_a_voided_invoice_keeps_its_number() -> None:
    state = (
        given(DECIDER, *events_of(issued()))
        .when(VoidInvoice("wrong customer"), OWNER)
        .then(InvoiceVoided("wrong customer", "user-1", AT, "2026-000001"))
    )
    assert (state.status, state.number) == (InvoiceStatus.VOID, "2026-000001")


def test_overdue_is_read_time_past_the_due_date_and_unpaid() -> None:
    invoice = given(DECIDER, *events_of(issued())).state
    assert not is_overdue(invoice, date(2026, 3, 20))
    assert is_overdue(invoice, date(2026, 3, 21))
    paid = DECIDER.fold([InvoicePaymentRecorded("p", Decimal(1), TODAY, Decimal(1), Decimal(0), True)], invoice)
    assert not is_overdue(replace(paid, status=InvoiceStatus.PAID), date(2026, 3, 21))
    assert not is_overdue(given(DECIDER, *events_of(drafted())).state, date(2026, 3, 21))


# The numbering: 1, 2, 3 ... per tenant and year; the same invoice again keeps its number.


def test_numbers_are_handed_out_in_sequence_and_again_the_same() -> None:
    numbering = INVOICE_NUMBERING.decider
    first = (
        given(numbering)
        .when(AssignInvoiceNumber("inv-a", 2026), OWNER)
        .then(InvoiceNumberAssigned("tenant-a", "inv-a", 2026, 1, "2026-000001"))
    )
    after = given(numbering).with_state(**first.__dict__)
    after.when(AssignInvoiceNumber("inv-a", 2026), OWNER).then()
    after.when(AssignInvoiceNumber("inv-b", 2026), OWNER).then(
        InvoiceNumberAssigned("tenant-a", "inv-b", 2026, 2, "2026-000002")
    )
    after.when(AssignInvoiceNumber("inv-b", 2027), OWNER).then_rejected(RejectionCode.CONFLICT, "year")
    assert numbering_id_for("tenant-a", 2026) != numbering_id_for("tenant-a", 2027)
    assert numbering_id_for("tenant-a", 2026) != numbering_id_for("tenant-b", 2026)


def test_many_invoices_get_every_number_once() -> None:
    numbering = INVOICE_NUMBERING.decider
    state, numbers = numbering.initial_state, []
    for index in range(600):  # beyond the remembered window: numbers keep counting
        decided = numbering.decide(state, AssignInvoiceNumber(f"inv-{index}", 2026), OWNER)
        assert isinstance(decided, list)
        state = numbering.fold(decided, state)
        numbers += [event.sequence for event in decided]
    assert numbers == list(range(1, 601))


# The transition table over every state and step.

STATES: dict[InvoiceStatus, list[tuple[Any, Any]]] = {
    InvoiceStatus.DRAFT: drafted(),
    InvoiceStatus.ISSUING: [*drafted(), (IssueInvoice(date(2026, 3, 2)), OWNER)],
    InvoiceStatus.ISSUED: issued(),
    InvoiceStatus.RECEIVED: received(),
    InvoiceStatus.MISMATCHED: [
        *received(),
        (MatchToOrder("po-1", "EUR", (OrderLineFacts(1, Decimal(10), Decimal(1), Decimal(10)),)), OWNER),
    ],
    InvoiceStatus.MATCHED: matched(),
    InvoiceStatus.SCHEDULED: [*matched(), (SchedulePayment(date(2026, 4, 30)), OWNER)],
    InvoiceStatus.PARTLY_PAID: [*issued(), (RecordPayment("p1", Decimal(1), TODAY), OWNER)],
    InvoiceStatus.PAID: [*issued(), (RecordPayment("p1", Decimal("17690.00"), TODAY), OWNER)],
    InvoiceStatus.VOID: [*issued(), (VoidInvoice("x"), OWNER)],
}
STEPS: list[Any] = [
    MatchToOrder("po-1", "EUR", ORDER_LINES),
    AcceptMismatch("agreed"),
    SchedulePayment(date(2026, 4, 30)),
    EditDraft(RECEIVABLE),
    IssueInvoice(date(2026, 3, 2)),
    RecordInvoiceNumber("2026-000001", 2026, 1),
    ApplyCredit("cn-1", Decimal(1)),
    RecordPayment("p9", Decimal(1), TODAY),
    VoidInvoice("x"),
]


def test_the_table_covers_every_state_and_step() -> None:
    assert set(STATES) == set(InvoiceStatus) - {InvoiceStatus.NONE}
    assert {type(command) for command in STEPS} == set(LEGAL_FROM)


@pytest.mark.parametrize("status", list(STATES))
@pytest.mark.parametrize("command", STEPS, ids=[type(c).__name__ for c in STEPS])
def test_every_step_is_legal_exactly_in_its_states_and_kinds(status: InvoiceStatus, command: Any) -> None:
    invoice = given(DECIDER, *events_of(STATES[status]))
    assert invoice.state.status is status
    statuses, kinds = LEGAL_FROM[type(command)]
    decision = DECIDER.decide(invoice.state, command, OWNER)
    illegal = isinstance(decision, Rejection) and decision.code is RejectionCode.ILLEGAL_STATE
    legal = status in statuses and invoice.state.kind in kinds
    assert illegal != legal, decision


@pytest.mark.parametrize("command", STEPS, ids=[type(c).__name__ for c in STEPS])
def test_no_step_reaches_an_invoice_that_does_not_exist(command: Any) -> None:
    given(DECIDER).when(command, context()).then_rejected(RejectionCode.NOT_FOUND, reason_has="no such invoice")
