"""A payment's rules exactly as the API answers them: each refusal's field and words, each limit at its edge,
and what each step hands the ledger's process."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import RejectionCode
from streams.payment.commands import (
    ApprovePayment,
    CancelPayment,
    MarkReserved,
    MarkSent,
    RecordIncomingPayment,
    RejectPayment,
    ReturnPayment,
    SettlePayment,
)
from streams.payment.decider import (
    INCOMING_NAMESPACE,
    PAYMENT_NAMESPACE,
    PaymentStatus,
    end_to_end_id_for,
    incoming_payment_id_for,
    payment_decider,
    payment_id_for,
)
from streams.payment.domain import PAYMENT
from streams.payment.events import (
    PaymentApproved,
    PaymentCancelled,
    PaymentRejected,
    PaymentRequested,
    PaymentReserved,
    PaymentReturned,
    PaymentSent,
    PaymentSettled,
)
from tests.unit.deciders import AT, context, given
from tests.unit.payment.parties import GERMAN_SUPPLIER, OUR_EURO_ACCOUNT, euro_request

DECIDER = PAYMENT.decider
BY_PROCESS = context(role="process", process="payment-ledger")
REQUESTED = PaymentRequested(
    "tenant-a", "key-1", Decimal("1250.50"), "EUR", OUR_EURO_ACCOUNT, GERMAN_SUPPLIER,
    "Invoice HM-2026-118, machine parts", end_to_end_id_for(payment_id_for("tenant-a", "key-1")), AT, "user-1",
    "inv-118", "po-7",
)  # fmt: skip
APPROVED = PaymentApproved(
    "user-1", "owner", AT, Decimal("1250.50"), "EUR", OUR_EURO_ACCOUNT.account, GERMAN_SUPPLIER.account,
    GERMAN_SUPPLIER.name, "inv-118", "po-7",
)  # fmt: skip
RESERVED = PaymentReserved("res-1", AT)
SENT = PaymentSent("BANK-REF-1", AT)
INCOMING = RecordIncomingPayment(
    "stmt-1/L2", Decimal("500.00"), "EUR", GERMAN_SUPPLIER, OUR_EURO_ACCOUNT, "Invoice WW-7", date(2026, 3, 3), "inv-7"
)


def test_ids_derive_from_the_tenant_and_the_key_or_statement_line_and_never_change() -> None:
    # Pinned to the namespaces: a retried request after a deploy must reach the same payment.
    assert payment_id_for("tenant-a", "key-1") == str(uuid.uuid5(PAYMENT_NAMESPACE, "tenant-a\nkey-1"))
    assert incoming_payment_id_for("tenant-a", "stmt-1/L2") == str(
        uuid.uuid5(INCOMING_NAMESPACE, "tenant-a\nstmt-1/L2")
    )
    assert incoming_payment_id_for("tenant-a", "k") != payment_id_for("tenant-a", "k")
    assert end_to_end_id_for("8c4e2a71-5f0b-4b9e-a3d2-6e1f0c9b7a55") == "8c4e2a715f0b4b9ea3d26e1f0c9b7a55"


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"idempotency_key": " "}, "idempotency_key", "idempotency_key must be 1 to 255 characters"),
        ({"idempotency_key": "k" * 256}, "idempotency_key", "idempotency_key must be 1 to 255 characters"),
        ({"currency": "XYZ"}, "currency", "'XYZ' is not an ISO 4217 currency code"),
        ({"amount": Decimal("1e15")}, "amount", "the amount must be below 1,000,000,000,000,000"),
        ({"amount": Decimal("1.001")}, "amount", "EUR has 2 decimals; 1.001 has more"),
        ({"purpose": "p" * 211}, "purpose", "purpose must be 1 to 210 characters"),
        ({"invoice_id": "i" * 65}, "invoice_id", "invoice_id must be 1 to 64 characters"),
        ({"purchase_order_id": "o" * 65}, "purchase_order_id", "purchase_order_id must be 1 to 64 characters"),
        ({"beneficiary": OUR_EURO_ACCOUNT}, "beneficiary.account", "the beneficiary's account is the payer's own"),
        ({"payer": replace(OUR_EURO_ACCOUNT, bank_bic=None)}, "payer.bank_bic",
         "a foreign-currency transfer names the bank's SWIFT code"),
        ({"execution_date": date(2026, 3, 1)}, "execution_date", "the execution date is in the past"),
    ],
)  # fmt: skip
def test_a_bad_request_is_refused_with_the_field_and_the_exact_reason(
    changes: dict[str, Any], field: str, reason: str
) -> None:
    refused = given(DECIDER).when(euro_request(**changes), context()).then_rejected(RejectionCode.INVALID, field)
    assert refused.reason == reason


def test_a_request_at_its_limits_is_kept_normalised() -> None:
    request = euro_request(
        key=" key-1 ",
        currency=" eur ",
        amount="999999999999999.99",
        purpose="p" * 210,
        invoice_id=" ",
        purchase_order_id=" po-7 ",
        execution_date=AT.date(),
        vat_note="  VAT   included " + "v" * 300,
    )
    [event] = given(DECIDER).when(request, context()).then_accepted()
    assert isinstance(event, PaymentRequested)
    assert (event.idempotency_key, event.currency, event.amount, len(event.purpose)) == (
        "key-1", "EUR", Decimal("999999999999999.99"), 210
    )  # fmt: skip
    assert (event.invoice_id, event.purchase_order_id, event.execution_date) == (None, "po-7", AT.date())
    assert event.vat_note == ("VAT included " + "v" * 300)[:210]
    state = DECIDER.fold([event])
    assert (state.idempotency_key, state.purchase_order_id, state.execution_date, state.vat_note) == (
        "key-1", "po-7", AT.date(), event.vat_note
    )  # fmt: skip
    assert (state.requested_at, state.requested_by, state.end_to_end_id) == (AT, "user-1", event.end_to_end_id)


def test_the_same_key_with_other_details_names_every_detail_that_differs() -> None:
    requested = given(DECIDER, REQUESTED)
    one = requested.when(euro_request(amount="99.00", purchase_order_id="po-7"), context()).then_rejected(
        RejectionCode.CONFLICT
    )
    assert (one.field, one.reason) == ("amount", "this idempotency key already made a payment with another amount")
    two = requested.when(euro_request(purpose="other", invoice_id="inv-9", purchase_order_id="po-7"), context())
    refused = two.then_rejected(RejectionCode.CONFLICT, "purpose")
    assert refused.reason == "this idempotency key already made a payment with another purpose, invoice_id"
    requested.when(euro_request(purchase_order_id="po-7"), context(actor="user-2")).then()


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"statement_line_ref": " "}, "statement_line_ref", "statement_line_ref must be 1 to 255 characters"),
        ({"currency": "XYZ"}, "currency", "'XYZ' is not an ISO 4217 currency code"),
        ({"amount": Decimal(0)}, "amount", "must be greater than zero"),
        ({"payer": replace(GERMAN_SUPPLIER, name=" ")}, "payer.name", "payer.name must be 1 to 160 characters"),
        ({"beneficiary": replace(OUR_EURO_ACCOUNT, name="b" * 161)}, "beneficiary.name",
         "beneficiary.name must be 1 to 160 characters"),
        ({"invoice_id": "i" * 65}, "invoice_id", "invoice_id must be 1 to 64 characters"),
    ],
)  # fmt: skip
def test_bad_incoming_money_is_refused_with_the_field_and_the_exact_reason(
    changes: dict[str, Any], field: str, reason: str
) -> None:
    refused = given(DECIDER).when(replace(INCOMING, **changes), context()).then_rejected(RejectionCode.INVALID, field)
    assert refused.reason == reason


def test_incoming_money_is_kept_with_its_line_and_a_repeat_with_other_details_conflicts() -> None:
    raw = replace(
        INCOMING, statement_line_ref=" stmt-1/L2 ", currency="eur", purpose="  Invoice   WW-7 " + "w" * 300,
        payer=replace(GERMAN_SUPPLIER, name="  Maschinenbau  GmbH "), invoice_id=" ",
    )  # fmt: skip
    [event] = given(DECIDER).when(raw, context()).then_accepted()
    assert (event.statement_line_ref, event.currency, event.payer.name, event.invoice_id) == (
        "stmt-1/L2", "EUR", "Maschinenbau GmbH", None
    )  # fmt: skip
    assert event.purpose == ("Invoice WW-7 " + "w" * 300)[:210]
    state = DECIDER.fold([event])
    assert (state.statement_line_ref, state.settled_on, state.idempotency_key) == (
        "stmt-1/L2", date(2026, 3, 3), "stmt-1/L2"
    )  # fmt: skip
    conflict = given(DECIDER, event).when(replace(raw, amount=Decimal("1.00")), context())
    assert conflict.then_rejected(RejectionCode.CONFLICT, "amount").reason == (
        "this idempotency key already made a payment with another amount"
    )


def test_a_step_out_of_its_states_names_the_direction_the_state_and_the_states_it_needs() -> None:
    refused = given(DECIDER, REQUESTED).when(MarkSent("REF-1"), context()).then_rejected(RejectionCode.ILLEGAL_STATE)
    assert (refused.field, refused.reason) == (
        "status", "a outgoing payment that is requested cannot take MarkSent (only when reserved)"
    )  # fmt: skip
    incoming = given(DECIDER).when(INCOMING, context()).then_accepted()
    cancel = given(DECIDER, *incoming).when(CancelPayment("x"), context()).then_rejected(RejectionCode.ILLEGAL_STATE)
    assert cancel.reason == (
        "a incoming payment that is settled cannot take CancelPayment (only when approved, requested, reserved)"
    )
    missing = given(DECIDER).when(MarkSent("REF-1"), context()).then_rejected(RejectionCode.NOT_FOUND)
    assert missing.reason == "no such payment"


def test_an_approval_hands_the_ledger_the_amount_the_accounts_and_the_documents() -> None:
    state = given(DECIDER, REQUESTED).when(ApprovePayment(), context(role="owner")).then(APPROVED)
    assert (state.status, state.approved_by) == (PaymentStatus.APPROVED, "user-1")
    nobody = given(DECIDER, REQUESTED).when(ApprovePayment(), context()).then_rejected(RejectionCode.FORBIDDEN)
    assert (nobody.field, nobody.reason) == ("amount", "role (none) may not approve payments")


def test_a_rejection_needs_a_reason_and_the_ledger_s_process_may_reject_an_approved_payment() -> None:
    blank = given(DECIDER, REQUESTED).when(RejectPayment(" "), context()).then_rejected(RejectionCode.INVALID)
    assert (blank.field, blank.reason) == ("reason", "reason must be 1 to 500 characters")
    state = (
        given(DECIDER, REQUESTED, APPROVED)
        .when(RejectPayment("  no  funds "), BY_PROCESS)
        .then(PaymentRejected("no funds", "user-1", AT, "inv-118", "po-7"))
    )
    assert (state.status, state.reason) == (PaymentStatus.REJECTED, "no funds")
    person = given(DECIDER, REQUESTED, APPROVED).when(RejectPayment("changed"), context(role="owner"))
    assert person.then_rejected(RejectionCode.ILLEGAL_STATE, "status").reason == (
        "an approved payment is cancelled, not rejected"
    )


def test_reserving_sending_and_settling_keep_what_each_names() -> None:
    blank = given(DECIDER, REQUESTED, APPROVED).when(MarkReserved(" "), BY_PROCESS).then_rejected(RejectionCode.INVALID)
    assert (blank.field, blank.reason) == ("reservation_id", "reservation_id must be 1 to 255 characters")
    reserved = given(DECIDER, REQUESTED, APPROVED).when(MarkReserved(" res-1 "), BY_PROCESS).then(RESERVED)
    assert (reserved.status, reserved.reservation_id) == (PaymentStatus.RESERVED, "res-1")
    long = given(DECIDER, REQUESTED, APPROVED, RESERVED).when(MarkSent("R" * 36), context())
    assert long.then_rejected(RejectionCode.INVALID, "bank_reference").reason == (
        "bank_reference must be 1 to 35 characters"
    )
    sent = given(DECIDER, REQUESTED, APPROVED, RESERVED).when(MarkSent("R" * 35), context()).then_accepted()
    assert DECIDER.fold(sent, reserved).bank_reference == "R" * 35
    line = given(DECIDER, REQUESTED, APPROVED, RESERVED, SENT).when(SettlePayment(" ", date(2026, 3, 3)), context())
    assert line.then_rejected(RejectionCode.INVALID, "statement_line_ref").reason == (
        "statement_line_ref must be 1 to 255 characters"
    )
    settled = (
        given(DECIDER, REQUESTED, APPROVED, RESERVED, SENT)
        .when(SettlePayment(" stmt-1/L1 ", date(2026, 3, 3)), context())
        .then(PaymentSettled("stmt-1/L1", date(2026, 3, 3), Decimal("1250.50"), "EUR", "res-1", "inv-118", "po-7"))
    )
    assert (settled.status, settled.statement_line_ref, settled.settled_on) == (
        PaymentStatus.SETTLED, "stmt-1/L1", date(2026, 3, 3)
    )  # fmt: skip


def test_a_return_says_where_it_came_from_and_what_to_undo() -> None:
    sent = given(DECIDER, REQUESTED, APPROVED, RESERVED, SENT)
    state = sent.when(ReturnPayment("  account  closed ", " stmt-2/L4 "), context()).then(
        PaymentReturned("account closed", AT, "stmt-2/L4", "sent", Decimal("1250.50"), "EUR", "res-1", "inv-118",
                        "po-7")
    )  # fmt: skip
    assert (state.status, state.reason) == (PaymentStatus.RETURNED, "account closed")
    blank_line = sent.when(ReturnPayment("closed", " "), context()).then_rejected(RejectionCode.INVALID)
    assert (blank_line.field, blank_line.reason) == (
        "statement_line_ref",
        "statement_line_ref must be 1 to 255 characters",
    )
    blank_reason = sent.when(ReturnPayment(" "), context()).then_rejected(RejectionCode.INVALID, "reason")
    assert blank_reason.reason == "reason must be 1 to 500 characters"


def test_a_cancellation_needs_a_reason_and_names_no_reservation_before_there_is_one() -> None:
    state = (
        given(DECIDER, REQUESTED)
        .when(CancelPayment("  duplicate "), context(actor="user-4"))
        .then(PaymentCancelled("duplicate", "user-4", AT, None, "inv-118", "po-7"))
    )
    assert (state.status, state.reason) == (PaymentStatus.CANCELLED, "duplicate")
    blank = given(DECIDER, REQUESTED).when(CancelPayment(" "), context()).then_rejected(RejectionCode.INVALID)
    assert (blank.field, blank.reason) == ("reason", "reason must be 1 to 500 characters")


def test_an_unknown_payment_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a payment event"):
        payment_decider.fold(["paid"])  # type: ignore[list-item]
