"""Payment rules whose refusals and repeats are compared whole: a repeated request at another time, a rouble
payer's own details, who may mark money reserved, and what no command or event may be."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from streams.decider import CommandContext, Rejection, RejectionCode
from streams.payment.commands import ApprovePayment, MarkReserved
from streams.payment.decider import PaymentStatus, _events_of_step, payment_decider
from streams.payment.domain import PAYMENT
from tests.unit.deciders import AT, context, given
from tests.unit.payment.parties import OUR_ROUBLE_ACCOUNT, euro_request, rouble_request

DECIDER = PAYMENT.decider
A_DAY_LATER = CommandContext("c0ffee00-0000-4000-8000-000000000002", AT + timedelta(days=1), "user-2", "tenant-a")


def test_a_request_repeated_a_day_later_by_someone_else_changes_nothing() -> None:
    request = rouble_request(execution_date=date(2026, 3, 10), purchase_order_id="po-7", invoice_id="inv-7")
    events = given(DECIDER).when(request, context()).then_accepted()
    assert (events[0].execution_date, events[0].vat_note) == (date(2026, 3, 10), "В т.ч. НДС 20% - 16333.33 руб.")
    given(DECIDER, *events).when(request, A_DAY_LATER).then()


def test_a_repeated_request_with_another_execution_date_or_vat_note_is_a_conflict_naming_it() -> None:
    events = given(DECIDER).when(rouble_request(execution_date=date(2026, 3, 10)), context()).then_accepted()
    later = rouble_request(execution_date=date(2026, 3, 11))
    assert given(DECIDER, *events).when(later, context()).decision == Rejection(
        RejectionCode.CONFLICT,
        "this idempotency key already made a payment with another execution_date",
        "execution_date",
    )
    other_note = rouble_request(execution_date=date(2026, 3, 10), vat_note="Без НДС")
    assert given(DECIDER, *events).when(other_note, context()).decision == Rejection(
        RejectionCode.CONFLICT, "this idempotency key already made a payment with another vat_note", "vat_note"
    )


@pytest.mark.parametrize(
    ("payer", "reason"),
    [
        (replace(OUR_ROUBLE_ACCOUNT, inn="7707083894"), "INN '7707083894': the check digit does not match"),
        (replace(OUR_ROUBLE_ACCOUNT, inn=None), "a rouble payment order names the INN"),
    ],
)
def test_a_rouble_payer_needs_valid_russian_details_even_with_a_swift_code(payer: object, reason: str) -> None:
    assert given(DECIDER).when(rouble_request(payer=payer), context()).decision == Rejection(
        RejectionCode.INVALID, reason, "payer.inn"
    )


def test_a_person_marking_money_reserved_is_told_it_is_a_process_step() -> None:
    events = given(DECIDER).when(euro_request(), context()).then_accepted()
    approved = given(DECIDER, *events).when(ApprovePayment(), context(role="owner")).then_accepted()
    assert given(DECIDER, *events, *approved).when(MarkReserved("res-1"), context(role="owner")).decision == (
        Rejection(RejectionCode.FORBIDDEN, "reserving a payment's money is a step of a process, not of a person")
    )


def test_what_is_not_a_payment_step_is_a_programming_error_naming_it() -> None:
    state = replace(payment_decider.initial_state, status=PaymentStatus.REQUESTED)
    with pytest.raises(TypeError, match=r"^not a payment step: 'approve'$"):
        _events_of_step(state, "approve", context())  # type: ignore[arg-type]
