"""Recording batches: malformed members refused whole (code, literal reason, field), the batch's bounds on both
sides, what an unlinked batch says of the members it refused, and values of the wrong type read as absent, never as
a crash."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.ledger.commands import AccountRef, PostPendingTransfer, RecordTransfers, ReverseTransfer
from streams.ledger.domain import LEDGER
from streams.ledger.events import RefusedTransfer, TransfersRecorded
from tests.unit.deciders import AT, Given, context
from tests.unit.ledger.test_ledger_decider import BANK_RUB, SUPPLIER, funded, record, run, spec


def decision(command: Any, given: Given | None = None) -> Any:
    return (given or funded()).when(command).decision


def test_a_member_that_is_no_transfer_is_refused_naming_its_place() -> None:
    assert decision(RecordTransfers(("x",))) == Rejection(RejectionCode.INVALID, "not a transfer", "transfers[0]")  # type: ignore[arg-type]
    assert decision(RecordTransfers((spec("a", SUPPLIER, BANK_RUB, "1"), "x"), linked=True)) == Rejection(  # type: ignore[arg-type]
        RejectionCode.INVALID, "transfer 1 (?): not a transfer", "transfers[1]"
    )


def test_an_account_that_is_no_account_reference_is_refused_naming_the_side() -> None:
    bad = spec("a", "60", BANK_RUB, "1")  # type: ignore[arg-type]
    assert decision(record(bad)) == Rejection(
        RejectionCode.INVALID, "an account is a chart code and an optional sub-account", "transfers[0].debit"
    )


def test_a_chart_code_or_sub_account_of_another_type_reads_as_absent() -> None:
    assert decision(record(spec("a", AccountRef(60), BANK_RUB, "1"))) == Rejection(  # type: ignore[arg-type]
        RejectionCode.INVALID, "60 is not an account of the chart of accounts", "transfers[0].debit.chart"
    )
    # A sub-account that is no text is no sub-account: the chart account itself, as with "".
    assert decision(record(spec("a", AccountRef("80", 7), BANK_RUB, "1"))) == decision(  # type: ignore[arg-type]
        record(spec("a", AccountRef("80", ""), BANK_RUB, "1"))
    )
    assert decision(ReverseTransfer("r", "capital-rub", 5)) == Rejection(  # type: ignore[arg-type]
        RejectionCode.INVALID, "reason is required", "reason"
    )
    assert decision(PostPendingTransfer("p", ["hold"])) == Rejection(  # type: ignore[arg-type]
        RejectionCode.NOT_FOUND, "no pending transfer ['hold']", "pending_id"
    )


def test_a_batch_of_a_thousand_is_recorded_and_says_it_was_not_linked() -> None:
    specs = [spec(f"t{i}", BANK_RUB, AccountRef("80"), "1") for i in range(1000)]
    [recorded] = decision(RecordTransfers(tuple(specs)))
    assert isinstance(recorded, TransfersRecorded)
    assert len(recorded.transfers) == 1000 and recorded.linked is False


def test_a_linked_batch_says_so() -> None:
    [recorded] = decision(record(spec("a", BANK_RUB, AccountRef("80"), "1"), linked=True))
    assert recorded.linked is True


def test_an_unlinked_batch_lists_each_refused_member_as_its_rejection_said() -> None:
    [recorded] = decision(
        RecordTransfers((spec("ok", BANK_RUB, AccountRef("80"), "1"), "x", spec("", BANK_RUB, AccountRef("80"), "1")))  # type: ignore[arg-type]
    )
    assert recorded.refused == (
        RefusedTransfer(1, "", "invalid", "not a transfer", "transfers[1]"),
        RefusedTransfer(
            2,
            "",
            "invalid",
            "a transfer id is 1 to 128 letters, digits or : . _ / @ - (starting with a letter or digit)",
            "transfers[2].transfer_id",
        ),
    )


@pytest.mark.parametrize("seconds", [1, 366 * 24 * 3600])
def test_a_pending_may_live_from_one_second_to_a_leap_year(seconds: int) -> None:
    held = decision(record(spec("h", SUPPLIER, BANK_RUB, "1", pending=True, timeout_seconds=seconds)))
    assert not isinstance(held, Rejection), held


def test_a_pending_is_expired_at_its_very_expiry_time() -> None:
    held = Given(
        LEDGER.decider,
        run(record(spec("hold", SUPPLIER, BANK_RUB, "300", pending=True, timeout_seconds=60)), state=funded().state),
    )
    at_expiry = replace(context(), issued_at=AT + timedelta(seconds=60))
    assert held.when(PostPendingTransfer("p", "hold"), at_expiry).decision == Rejection(
        RejectionCode.ILLEGAL_STATE, "pending transfer hold expired at 2026-03-02T09:31:00+00:00", "pending_id"
    )


def test_what_is_no_ledger_command_or_event_is_named_in_the_error() -> None:
    with pytest.raises(TypeError, match="not a ledger command: 'x'"):
        LEDGER.decider.decide(funded().state, "x", context())
    with pytest.raises(TypeError, match="not a ledger event: 'x'"):
        LEDGER.decider.evolve(funded().state, "x")
