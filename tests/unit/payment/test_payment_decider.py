"""Payment rules, given/when/then: requesting, idempotency, approval limits, and the lifecycle over every pair."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import RejectionCode
from streams.payment.commands import (
    ApprovePayment,
    CancelPayment,
    Direction,
    MarkReserved,
    MarkSent,
    RecordIncomingPayment,
    RejectPayment,
    ReturnPayment,
    SettlePayment,
)
from streams.payment.decider import (
    PaymentStatus,
    end_to_end_id_for,
    payment_decider,
    payment_id_for,
)
from streams.payment.domain import PAYMENT
from streams.payment.events import (
    IncomingPaymentRecorded,
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
from tests.unit.payment.parties import GERMAN_SUPPLIER, OUR_EURO_ACCOUNT, euro_request, rouble_request

TENANT = "tenant-a"
DECIDER = PAYMENT.decider  # with the platform's tenancy and control-character rules around it


def requested(key: str = "key-1", amount: str = "1250.50") -> PaymentRequested:
    return PaymentRequested(
        TENANT, key, Decimal(amount), "EUR", OUR_EURO_ACCOUNT, GERMAN_SUPPLIER,
        "Invoice HM-2026-118, machine parts", end_to_end_id_for(payment_id_for(TENANT, key)), AT, "user-1",
        "inv-118",
    )  # fmt: skip


def approved(role: str = "owner", amount: str = "1250.50") -> PaymentApproved:
    return PaymentApproved(
        "user-1", role, AT, Decimal(amount), "EUR", OUR_EURO_ACCOUNT.account, GERMAN_SUPPLIER.account,
        GERMAN_SUPPLIER.name, "inv-118",
    )  # fmt: skip


APPROVED = approved()
RESERVED = PaymentReserved("res-1", AT)
SENT = PaymentSent("BANK-REF-1", AT)
SETTLED = PaymentSettled("stmt-1/L1", date(2026, 3, 3), Decimal("1250.50"), "EUR", "res-1", "inv-118")
BY_PROCESS = context(role="process", process="payment-ledger")


def test_a_request_becomes_a_requested_payment_with_its_end_to_end_id() -> None:
    state = given(DECIDER).when(euro_request(), context()).then(requested())
    assert state.status is PaymentStatus.REQUESTED
    assert len(state.end_to_end_id) == 32  # fits ISO 20022 Max35Text


def test_a_rouble_request_checks_and_keeps_russian_bank_details() -> None:
    events = given(DECIDER).when(rouble_request(), context()).then_accepted()
    assert (events[0].payer.bik, events[0].beneficiary.bik) == ("044525225", "044525593")
    assert events[0].beneficiary.inn == "7728168971" and events[0].vat_note.startswith("В т.ч. НДС")


@pytest.mark.parametrize(
    ("command", "field", "reason"),
    [
        (euro_request(currency="XYZ"), "currency", "not an ISO 4217 currency code"),
        (euro_request(amount="-5.00"), "amount", "greater than zero"),
        (euro_request(amount="0"), "amount", "greater than zero"),
        (euro_request(amount="10.005"), "amount", "EUR has 2 decimals"),
        (euro_request(currency="JPY", amount="100.5"), "amount", "JPY has 0 decimals"),
        (euro_request(amount="NaN"), "amount", "greater than zero"),
        (euro_request(beneficiary=replace(GERMAN_SUPPLIER, account="DE00370400440532013000")), "beneficiary.account",
         "IBAN"),
        (euro_request(beneficiary=replace(GERMAN_SUPPLIER, bank_bic=None)), "beneficiary.bank_bic", "SWIFT"),
        (euro_request(beneficiary=replace(GERMAN_SUPPLIER, country="XX")), "beneficiary.country", "ISO 3166"),
        (euro_request(purpose=" "), "purpose", "1 to 210"),
        (rouble_request(beneficiary=replace(rouble_request().beneficiary, inn="7728168972")), "beneficiary.inn",
         "check digit"),
        (rouble_request(beneficiary=replace(rouble_request().beneficiary, account="40702810300000067891")),
         "beneficiary.account", "control key"),
        (rouble_request(beneficiary=replace(rouble_request().beneficiary, bik=None)), "beneficiary.bik", "BIK"),
        (rouble_request(beneficiary=rouble_request().payer), "beneficiary.account", "payer's own"),
        (euro_request(execution_date=date(2026, 3, 1)), "execution_date", "past"),
    ],
)  # fmt: skip
def test_a_bad_request_is_refused_naming_the_field(command: Any, field: str, reason: str) -> None:
    given(DECIDER).when(command, context()).then_rejected(RejectionCode.INVALID, field, reason)


def test_the_same_key_and_details_again_changes_nothing() -> None:
    given(DECIDER, requested()).when(euro_request(), context(actor="user-2")).then()


def test_the_same_key_with_another_amount_is_a_conflict_naming_it() -> None:
    given(DECIDER, requested()).when(euro_request(amount="99.00"), context()).then_rejected(
        RejectionCode.CONFLICT, "amount", "another amount"
    )


def test_the_payment_id_is_one_per_tenant_and_key() -> None:
    assert payment_id_for("t1", "k") == payment_id_for("t1", "k")
    assert len({payment_id_for("t1", "k"), payment_id_for("t2", "k"), payment_id_for("t1", "k2")}) == 3


@pytest.mark.parametrize(
    ("role", "amount", "allowed"),
    [
        ("owner", "999999999.00", True),
        ("accountant", "11000.00", True),
        ("accountant", "11000.01", False),
        ("admin", "1.00", False),
        ("operator", "1.00", False),
        ("viewer", "1.00", False),
    ],
)
def test_approval_needs_a_role_within_its_limit(role: str, amount: str, allowed: bool) -> None:
    when = given(DECIDER, requested(amount=amount)).when(ApprovePayment(), context(role=role))
    if allowed:
        when.then(approved(role, amount))
    else:
        when.then_rejected(RejectionCode.FORBIDDEN, "amount")


def test_approval_above_the_limit_says_the_limit() -> None:
    rejection = given(DECIDER, requested(amount="20000.00")).when(ApprovePayment(), context(role="accountant"))
    rejection.then_rejected(RejectionCode.FORBIDDEN, "amount", "above the accountant's approval limit of 11000 EUR")


def test_an_accountant_has_no_limit_in_a_currency_not_listed() -> None:
    chf = replace(requested(), currency="CHF")
    given(DECIDER, chf).when(ApprovePayment(), context(role="accountant")).then_rejected(
        RejectionCode.FORBIDDEN, "amount", "no approval limit in CHF"
    )


def test_the_lifecycle_to_settled_and_returned() -> None:
    state = given(DECIDER, requested()).when(ApprovePayment(), context(role="owner")).then(APPROVED)
    state = given(DECIDER, requested(), APPROVED).when(MarkReserved("res-1"), BY_PROCESS).then(RESERVED)
    state = given(DECIDER, requested(), APPROVED, RESERVED).when(MarkSent("BANK-REF-1")).then(SENT)
    state = (
        given(DECIDER, requested(), APPROVED, RESERVED, SENT)
        .when(SettlePayment("stmt-1/L1", date(2026, 3, 3)))
        .then(SETTLED)
    )
    assert (state.reservation_id, state.bank_reference, state.statement_line_ref) == (
        "res-1",
        "BANK-REF-1",
        "stmt-1/L1",
    )
    returned = given(DECIDER, requested(), APPROVED, RESERVED, SENT, SETTLED).when(ReturnPayment("account closed"))
    back = PaymentReturned("account closed", AT, None, "settled", Decimal("1250.50"), "EUR", "res-1", "inv-118")
    assert returned.then(back).status is PaymentStatus.RETURNED


def test_only_the_ledger_s_process_marks_the_money_reserved() -> None:
    for person in ("owner", "accountant", "admin"):
        given(DECIDER, requested(), APPROVED).when(MarkReserved("res-1"), context(role=person)).then_rejected(
            RejectionCode.FORBIDDEN, reason_has="step of a process"
        )
    unnamed = context(role="process")  # the role without the process's name is not a process
    given(DECIDER, requested(), APPROVED).when(MarkReserved("res-1"), unnamed).then_rejected(RejectionCode.FORBIDDEN)


def test_a_cancellation_names_the_reservation_to_void() -> None:
    given(DECIDER, requested(), APPROVED, RESERVED).when(CancelPayment("duplicate"), context()).then(
        PaymentCancelled("duplicate", "user-1", AT, "res-1", "inv-118")
    )


SENT_HISTORY = (requested(), APPROVED, RESERVED, SENT)
SENT_HISTORY = (requested(), APPROVED, RESERVED, SENT)
# Events that bring a payment into each state.
HISTORY: dict[PaymentStatus, tuple[Any, ...]] = {
    PaymentStatus.REQUESTED: (requested(),),
    PaymentStatus.APPROVED: (requested(), APPROVED),
    PaymentStatus.RESERVED: (requested(), APPROVED, RESERVED),
    PaymentStatus.SENT: (requested(), APPROVED, RESERVED, SENT),
    PaymentStatus.SETTLED: (requested(), APPROVED, RESERVED, SENT, SETTLED),
    PaymentStatus.REJECTED: (requested(), PaymentRejected("no", "user-1", AT)),
    PaymentStatus.RETURNED: (*SENT_HISTORY, PaymentReturned("closed", AT, None, "sent", Decimal(1), "EUR", "res-1")),
    PaymentStatus.CANCELLED: (requested(), PaymentCancelled("dup", "user-1", AT)),
}
STEPS: dict[str, Any] = {
    "approve": ApprovePayment(),
    "reject": RejectPayment("not needed"),
    "reserve": MarkReserved("res-9"),
    "send": MarkSent("REF-9"),
    "settle": SettlePayment("stmt-9/L9", date(2026, 3, 4)),
    "return": ReturnPayment("wrong account"),
    "cancel": CancelPayment("duplicate"),
}
# The lifecycle, written out: the states each step is legal in (every other pair is refused).
LEGAL: dict[str, set[PaymentStatus]] = {
    "approve": {PaymentStatus.REQUESTED},
    "reject": {PaymentStatus.REQUESTED, PaymentStatus.APPROVED},  # approved: by the ledger's process only
    "reserve": {PaymentStatus.APPROVED},
    "send": {PaymentStatus.RESERVED},
    "settle": {PaymentStatus.SENT},
    "return": {PaymentStatus.SENT, PaymentStatus.SETTLED},
    "cancel": {PaymentStatus.REQUESTED, PaymentStatus.APPROVED, PaymentStatus.RESERVED},
}
RESULT: dict[str, PaymentStatus] = {
    "approve": PaymentStatus.APPROVED,
    "reject": PaymentStatus.REJECTED,
    "reserve": PaymentStatus.RESERVED,
    "send": PaymentStatus.SENT,
    "settle": PaymentStatus.SETTLED,
    "return": PaymentStatus.RETURNED,
    "cancel": PaymentStatus.CANCELLED,
}


def test_the_history_reaches_every_state() -> None:
    assert {payment_decider.fold(list(events)).status for events in HISTORY.values()} == set(HISTORY)
    assert set(HISTORY) == set(PaymentStatus) - {PaymentStatus.NONE}


@pytest.mark.parametrize("status", list(HISTORY))
@pytest.mark.parametrize("step", list(STEPS))
def test_every_step_is_legal_only_in_its_states(status: PaymentStatus, step: str) -> None:
    by_process = step == "reserve" or (step == "reject" and status is PaymentStatus.APPROVED)
    actor = BY_PROCESS if by_process else context(role="owner")
    when = given(DECIDER, *HISTORY[status]).when(STEPS[step], actor)
    if status in LEGAL[step]:
        events = when.then_accepted()
        assert payment_decider.fold(events, when.state).status is RESULT[step]
    else:
        when.then_rejected(RejectionCode.ILLEGAL_STATE, "status", f"that is {status}")


def test_a_person_cancels_an_approved_payment_rather_than_rejecting_it() -> None:
    approved = given(DECIDER, *HISTORY[PaymentStatus.APPROVED])
    approved.when(RejectPayment("changed my mind"), context(role="owner")).then_rejected(
        RejectionCode.ILLEGAL_STATE, "status", "cancelled, not rejected"
    )


@pytest.mark.parametrize("step", list(STEPS))
def test_no_step_reaches_a_payment_that_does_not_exist(step: str) -> None:
    given(DECIDER).when(STEPS[step], context(role="owner")).then_rejected(RejectionCode.NOT_FOUND)


INCOMING = RecordIncomingPayment(
    "stmt-1/L2", Decimal("500.00"), "EUR", GERMAN_SUPPLIER, OUR_EURO_ACCOUNT, "Invoice WW-7", date(2026, 3, 3), "inv-7"
)


def test_incoming_money_is_recorded_settled_and_only_returnable() -> None:
    state = (
        given(DECIDER)
        .when(INCOMING, context())
        .then(
            IncomingPaymentRecorded(
                TENANT,
                "stmt-1/L2",
                Decimal("500.00"),
                "EUR",
                GERMAN_SUPPLIER,
                OUR_EURO_ACCOUNT,
                "Invoice WW-7",
                date(2026, 3, 3),
                "inv-7",
            )
        )
    )
    assert (state.status, state.direction) == (PaymentStatus.SETTLED, Direction.INCOMING)
    events = given(DECIDER).when(INCOMING, context()).then_accepted()
    given(DECIDER, *events).when(INCOMING, context()).then()  # the same line again: nothing
    given(DECIDER, *events).when(CancelPayment("x"), context()).then_rejected(RejectionCode.ILLEGAL_STATE)
    given(DECIDER, *events).when(ReturnPayment("sent back"), context()).then_accepted()


def test_nothing_is_decided_for_another_tenant() -> None:
    given(DECIDER, requested()).when(ApprovePayment(), context(tenant="tenant-b", role="owner")).then_rejected(
        RejectionCode.NOT_FOUND
    )


def test_replay_gives_the_same_state() -> None:
    events = [requested(), APPROVED, RESERVED, SENT, SETTLED]
    assert payment_decider.fold(events) == payment_decider.fold(events[3:], payment_decider.fold(events[:3]))
