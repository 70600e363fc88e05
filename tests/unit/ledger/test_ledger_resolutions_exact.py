"""Posting, voiding and reversing: each refusal compared whole (code, literal reason, field), and what a reversal
carries over from the transfer it corrects."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from streams.decider import Rejection, RejectionCode
from streams.ledger.commands import PostPendingTransfer, ReverseTransfer, VoidPendingTransfer
from streams.ledger.domain import LEDGER
from streams.ledger.events import TransferKind, TransferReversed
from tests.unit.deciders import AT, Given, context
from tests.unit.ledger.test_ledger_decider import BANK_RUB, SUPPLIER, funded, record, run, spec

BAD_ID = "a transfer id is 1 to 128 letters, digits or : . _ / @ - (starting with a letter or digit)"


def two_alike_pendings() -> Given:
    """Two reservations equal in every field but their ids, the first posted as p1."""
    held = run(
        record(
            spec("hold", SUPPLIER, BANK_RUB, "300", pending=True),
            spec("hold2", SUPPLIER, BANK_RUB, "300", pending=True),
        ),
        state=funded().state,
    )
    return Given(LEDGER.decider, run(PostPendingTransfer("p1", "hold"), state=held))


def paid_twice_alike() -> Given:
    """Two payments equal in every field but their ids (with a reference and a code), the first reversed."""
    paid = run(
        record(
            spec("pay", SUPPLIER, BANK_RUB, "100", reference="payment:7", code="prepayment"),
            spec("pay2", SUPPLIER, BANK_RUB, "100", reference="payment:7", code="prepayment"),
        ),
        state=funded().state,
    )
    return Given(LEDGER.decider, run(ReverseTransfer("pay:rev", "pay", "wrong supplier"), state=paid))


@pytest.mark.parametrize(
    "command",
    [
        PostPendingTransfer(" p1", "hold"),
        VoidPendingTransfer("-v", "hold"),
        ReverseTransfer("", "pay", "why"),
    ],
)
def test_a_malformed_transfer_id_is_refused_naming_transfer_id(command: object) -> None:
    assert two_alike_pendings().when(command).decision == Rejection(RejectionCode.INVALID, BAD_ID, "transfer_id")


def test_a_post_id_already_used_for_another_pending_alike_is_a_conflict_naming_the_pending() -> None:
    assert two_alike_pendings().when(PostPendingTransfer("p1", "hold2")).decision == Rejection(
        RejectionCode.CONFLICT, "transfer p1 is already recorded for another one", "pending_id"
    )


def test_a_post_amount_the_currency_cannot_hold_is_refused_naming_amount() -> None:
    refused = two_alike_pendings().when(PostPendingTransfer("p2", "hold2", Decimal("1.001"))).decision
    assert isinstance(refused, Rejection)
    assert (refused.code, refused.field) == (RejectionCode.INVALID, "amount")


def test_posting_an_expired_pending_says_when_it_expired() -> None:
    held = Given(
        LEDGER.decider,
        run(record(spec("hold", SUPPLIER, BANK_RUB, "300", pending=True, timeout_seconds=60)), state=funded().state),
    )
    later = replace(context(), issued_at=AT + timedelta(seconds=61))
    refused = held.when(PostPendingTransfer("p", "hold"), later).decision
    assert refused == Rejection(
        RejectionCode.ILLEGAL_STATE, "pending transfer hold expired at 2026-03-02T09:31:00+00:00", "pending_id"
    )


def test_a_reversal_carries_the_original_s_reference_code_and_the_reason() -> None:
    [reversal] = paid_twice_alike().when(ReverseTransfer("pay2:rev", "pay2", "duplicate")).then_accepted()
    assert isinstance(reversal, TransferReversed)
    assert reversal.reason == "duplicate"
    assert (reversal.transfer.reference, reversal.transfer.code) == ("payment:7", "prepayment")
    assert (reversal.transfer.related_id, reversal.transfer.kind) == ("pay2", TransferKind.REVERSAL)


def test_a_reversal_id_already_reversing_another_transfer_is_a_conflict_naming_the_original() -> None:
    assert paid_twice_alike().when(ReverseTransfer("pay:rev", "pay2", "wrong supplier")).decision == Rejection(
        RejectionCode.CONFLICT, "transfer pay:rev already reverses another transfer", "original_id"
    )


def test_a_reversal_id_already_used_by_a_payment_is_a_conflict_naming_transfer_id() -> None:
    assert paid_twice_alike().when(ReverseTransfer("pay2", "pay", "wrong supplier")).decision == Rejection(
        RejectionCode.CONFLICT, "transfer pay2 is already recorded as a posted transfer", "transfer_id"
    )


def test_what_cannot_be_reversed_is_refused_saying_why() -> None:
    reversed_ = paid_twice_alike()
    assert reversed_.when(ReverseTransfer("r", "pay:rev", "undo")).decision == Rejection(
        RejectionCode.ILLEGAL_STATE, "a reversal transfer is not reversed", "original_id"
    )
    held = two_alike_pendings()
    assert held.when(ReverseTransfer("r", "hold2", "no")).decision == Rejection(
        RejectionCode.ILLEGAL_STATE, "a pending transfer is voided, not reversed", "original_id"
    )
    # An id that is no text (a client's JSON list) is simply not found: it is never looked up as a key.
    assert reversed_.when(ReverseTransfer("r", ["pay"], "why")).decision == Rejection(  # type: ignore[arg-type]
        RejectionCode.NOT_FOUND, "no transfer ['pay']", "original_id"
    )
