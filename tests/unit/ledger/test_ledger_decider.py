"""Given/when/then tests of the ledger's rules: accounts, money, idempotent ids, limits, linked, two-phase, reversal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.ledger.commands import (
    AccountRef,
    OpenAccount,
    PostPendingTransfer,
    RecordTransfers,
    ReverseTransfer,
    TransferSpec,
    VoidPendingTransfer,
)
from streams.ledger.decider import Ledger, ledger_id_for, totals
from streams.ledger.domain import LEDGER
from streams.ledger.events import (
    AccountOpened,
    LedgerOpened,
    PendingTransferExpired,
    PendingTransferPosted,
    PendingTransferVoided,
    Transfer,
    TransferKind,
    TransferReversed,
    TransfersRecorded,
)
from tests.unit.deciders import AT, Given, context, given

BANK_RUB = AccountRef("51", "sber")
BANK_USD = AccountRef("52", "vtb-usd")
SUPPLIER = AccountRef("60", "supplier-1")
CUSTOMER = AccountRef("62", "customer-1")
CAPITAL = AccountRef("80")
FX = AccountRef("57", "fx")


def spec(
    transfer_id: str, debit: AccountRef, credit: AccountRef, amount: str, currency: str = "RUB", **more: Any
) -> TransferSpec:
    return TransferSpec(transfer_id, debit, credit, Decimal(amount), currency, **more)


def record(*specs: TransferSpec, linked: bool = False) -> RecordTransfers:
    return RecordTransfers(tuple(specs), linked)


def run(*commands: Any, state: Ledger | None = None, at: Any = AT) -> Ledger:
    """The ledger after each command is decided and its events folded (each must be accepted)."""
    current = state or LEDGER.decider.initial_state
    for command in commands:
        decision = LEDGER.decider.decide(current, command, replace(context(), issued_at=at))
        assert not isinstance(decision, Rejection), (command, decision)
        current = LEDGER.decider.fold(list(decision), current)
    return current


def funded(overdraft: str | None = None) -> Given:
    """A ledger with a rouble bank account holding 1000.00 (from share capital) and a dollar one holding 500.00."""
    state = run(
        OpenAccount("51", "RUB", "sber", "Sberbank", Decimal(overdraft) if overdraft else None),
        OpenAccount("52", "USD", "vtb-usd"),
        record(spec("capital-rub", BANK_RUB, CAPITAL, "1000"), spec("capital-usd", BANK_USD, CAPITAL, "500", "USD")),
    )
    return Given(LEDGER.decider, state)


def balance(state: Ledger, account: str) -> tuple[int, int, int, int]:
    a = state.accounts[account]
    return a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending


def only_transfers(decision: Any) -> list[Transfer]:
    return [t for e in decision if isinstance(e, TransfersRecorded) for t in e.transfers]


# --- opening -----------------------------------------------------------------------------------------


def test_the_first_command_opens_the_tenant_s_ledger_and_an_account() -> None:
    given(LEDGER.decider).when(OpenAccount("51", "RUB", "sber", "Sberbank", Decimal("100.50"))).then(
        LedgerOpened("tenant-a"),
        AccountOpened("51:RUB:sber", "51", "RUB", "sber", "Sberbank", False, 10050, False),
    )
    assert ledger_id_for("tenant-a") == ledger_id_for("tenant-a") != ledger_id_for("tenant-b")


def test_opening_again_is_a_no_op_and_with_other_fields_a_conflict() -> None:
    opened = funded("10")
    opened.when(OpenAccount("51", "RUB", "sber", "Sberbank", Decimal("10"))).then()
    opened.when(OpenAccount("51", "RUB", "sber", "Sberbank", Decimal("20"))).then_rejected(
        RejectionCode.CONFLICT, "overdraft"
    )
    opened.when(OpenAccount("51", "RUB", "sber", "Alfa", Decimal("10"))).then_rejected(RejectionCode.CONFLICT, "name")


@pytest.mark.parametrize(
    ("command", "field", "reason"),
    [
        (OpenAccount("999", "RUB"), "chart", "not an account of the chart"),
        (OpenAccount("51", "USD"), "chart", "roubles only"),
        (OpenAccount("52", "RUB"), "chart", "foreign currencies only"),
        (OpenAccount("51", "XYZ"), "currency", "not an ISO 4217"),
        (OpenAccount("51", "RUB", "bad sub!"), "sub", "sub-account"),
        (OpenAccount("51", "RUB", overdraft=Decimal("1.001")), "overdraft", "RUB has 2 decimals"),
        (OpenAccount("51", "RUB", overdraft=Decimal("-1")), "overdraft", "greater than zero"),
        (OpenAccount("60", "RUB", overdraft=Decimal("1")), "overdraft", "may go negative"),
        (OpenAccount("51", "RUB", name="x" * 141), "name", "at most 140"),
    ],
)
def test_an_account_is_opened_only_as_the_chart_allows(command: OpenAccount, field: str, reason: str) -> None:
    given(LEDGER.decider).when(command).then_rejected(RejectionCode.INVALID, field, reason)


# --- money -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "field", "reason"),
    [
        ("10", "ZZZ", "transfers[0].currency", "not an ISO 4217"),
        ("0", "RUB", "transfers[0].amount", "greater than zero"),
        ("-5", "RUB", "transfers[0].amount", "greater than zero"),
        ("10.505", "RUB", "transfers[0].amount", "RUB has 2 decimals"),
        ("1.5", "JPY", "transfers[0].amount", "JPY has 0 decimals"),
        ("1.2345", "KWD", "transfers[0].amount", "KWD has 3 decimals"),
        ("NaN", "RUB", "transfers[0].amount", "finite"),
    ],
)
def test_amounts_must_be_positive_known_money_with_the_currency_s_decimals(
    amount: str, currency: str, field: str, reason: str
) -> None:
    funded().when(record(spec("t1", SUPPLIER, CUSTOMER, amount, currency))).then_rejected(
        RejectionCode.INVALID, field, reason
    )


@pytest.mark.parametrize(
    ("amount", "currency", "minor"), [("1.234", "KWD", 1234), ("15", "JPY", 15), ("10.5", "RUB", 1050)]
)
def test_amounts_are_kept_in_minor_units(amount: str, currency: str, minor: int) -> None:
    decision = funded().when(record(spec("t1", SUPPLIER, CUSTOMER, amount, currency))).then_accepted()
    assert only_transfers(decision)[0].amount == minor


# --- accounts in transfers ---------------------------------------------------------------------------


def test_payables_and_receivables_open_on_first_use_bank_accounts_do_not() -> None:
    decision = funded().when(record(spec("t1", SUPPLIER, BANK_RUB, "10"))).then_accepted()
    assert decision[0] == AccountOpened("60:RUB:supplier-1", "60", "RUB", "supplier-1", "", True, 0, True)
    funded().when(record(spec("t1", SUPPLIER, AccountRef("51", "other"), "10"))).then_rejected(
        RejectionCode.ILLEGAL_STATE, "transfers[0].credit", "51:RUB:other is not open"
    )


def test_a_transfer_moves_between_two_accounts_of_its_currency() -> None:
    funded().when(record(spec("t1", SUPPLIER, SUPPLIER, "10"))).then_rejected(
        RejectionCode.INVALID, "transfers[0].credit"
    )
    funded().when(record(spec("t1", BANK_RUB, SUPPLIER, "10", "USD"))).then_rejected(
        RejectionCode.INVALID, "transfers[0].debit.chart", "roubles only"
    )
    funded().when(record(spec("t1", AccountRef("00"), SUPPLIER, "10"))).then_rejected(
        RejectionCode.INVALID, "transfers[0].debit.chart"
    )


def test_a_batch_is_one_to_a_thousand_transfers() -> None:
    funded().when(RecordTransfers(())).then_rejected(RejectionCode.INVALID, "transfers")


def test_a_timeout_belongs_to_a_pending_transfer_only() -> None:
    funded().when(record(spec("t1", SUPPLIER, BANK_RUB, "1", timeout_seconds=60))).then_rejected(
        RejectionCode.INVALID, "transfers[0].timeout_seconds"
    )


# --- idempotent ids ----------------------------------------------------------------------------------


def test_the_same_transfer_id_with_the_same_fields_is_already_recorded() -> None:
    once = funded().when(record(spec("pay-1", SUPPLIER, BANK_RUB, "100", reference="payment:1"))).then_accepted()
    twice = Given(LEDGER.decider, LEDGER.decider.fold(once, funded().state))
    twice.when(record(spec("pay-1", SUPPLIER, BANK_RUB, "100", reference="payment:1"))).then()


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        (spec("pay-1", SUPPLIER, BANK_RUB, "100.01", reference="payment:1"), "transfers[0].amount"),
        (spec("pay-1", CUSTOMER, BANK_RUB, "100", reference="payment:1"), "transfers[0].debit"),
        (spec("pay-1", SUPPLIER, BANK_RUB, "100", reference="payment:2"), "transfers[0].reference"),
        (spec("pay-1", SUPPLIER, BANK_RUB, "100", reference="payment:1", pending=True), "transfers[0].pending"),
        (spec("pay-1", SUPPLIER, FX, "100", reference="payment:1"), "transfers[0].credit"),
    ],
)
def test_the_same_transfer_id_with_another_field_is_refused_naming_it(changed: TransferSpec, field: str) -> None:
    state = run(record(spec("pay-1", SUPPLIER, BANK_RUB, "100", reference="payment:1")), state=funded().state)
    Given(LEDGER.decider, state).when(record(changed)).then_rejected(RejectionCode.CONFLICT, field, "already recorded")


def test_one_batch_may_not_use_an_id_twice() -> None:
    funded().when(record(spec("t", SUPPLIER, BANK_RUB, "1"), spec("t", SUPPLIER, BANK_RUB, "1"))).then_rejected(
        RejectionCode.INVALID, "transfers[1].transfer_id", "twice"
    )


# --- limits ------------------------------------------------------------------------------------------


def test_a_bank_account_does_not_go_below_zero() -> None:
    funded().when(record(spec("out", SUPPLIER, BANK_RUB, "1000.01"))).then_rejected(
        RejectionCode.ILLEGAL_STATE, "transfers[0].amount", "may not go below -0.00 RUB"
    )
    state = run(record(spec("out", SUPPLIER, BANK_RUB, "1000")), state=funded().state)
    assert state.accounts["51:RUB:sber"].balance == 0


def test_an_overdraft_lets_it_go_that_far_and_no_further() -> None:
    funded("50").when(record(spec("out", SUPPLIER, BANK_RUB, "1050.01"))).then_rejected(RejectionCode.ILLEGAL_STATE)
    state = run(record(spec("out", SUPPLIER, BANK_RUB, "1050")), state=funded("50").state)
    assert state.accounts["51:RUB:sber"].balance == -5000


def test_pending_debits_count_against_the_limit() -> None:
    reserved = run(record(spec("hold", SUPPLIER, BANK_RUB, "800", pending=True)), state=funded().state)
    Given(LEDGER.decider, reserved).when(record(spec("more", SUPPLIER, BANK_RUB, "200.01"))).then_rejected(
        RejectionCode.ILLEGAL_STATE, "transfers[0].amount"
    )


# --- linked ------------------------------------------------------------------------------------------


def test_an_fx_deal_is_two_linked_transfers_through_fx_clearing_in_one_decision() -> None:
    deal = record(
        spec("fx-1:usd", FX, BANK_USD, "100", "USD", code="fx"),
        spec("fx-1:rub", BANK_RUB, FX, "9000", "RUB", code="fx"),
        linked=True,
    )
    state = funded().when(deal).then(*funded().when(deal).then_accepted())
    assert state.accounts["52:USD:vtb-usd"].balance == 40000
    assert state.accounts["51:RUB:sber"].balance == 1000000
    assert all(dp == cp for dp, cp, _, _ in totals(state).values())


def test_a_linked_batch_with_one_bad_member_applies_nothing_and_names_it() -> None:
    funded().when(
        record(spec("a", SUPPLIER, BANK_RUB, "10"), spec("b", SUPPLIER, BANK_RUB, "5000"), linked=True)
    ).then_rejected(RejectionCode.ILLEGAL_STATE, "transfers[1].amount", "transfer 1 (b)")


def test_an_unlinked_batch_applies_the_good_members_and_lists_the_refused() -> None:
    decision = (
        funded()
        .when(record(spec("a", SUPPLIER, BANK_RUB, "10"), spec("b", SUPPLIER, BANK_RUB, "5000")))
        .then_accepted()
    )
    recorded = decision[-1]
    assert isinstance(recorded, TransfersRecorded)
    assert [t.transfer_id for t in recorded.transfers] == ["a"]
    assert [(r.index, r.transfer_id, r.field) for r in recorded.refused] == [(1, "b", "transfers[1].amount")]
    funded().when(record(spec("b", SUPPLIER, BANK_RUB, "5000"))).then_rejected(RejectionCode.ILLEGAL_STATE)


def test_members_see_the_balances_earlier_members_left() -> None:
    funded().when(
        record(spec("a", SUPPLIER, BANK_RUB, "600"), spec("b", SUPPLIER, BANK_RUB, "600"), linked=True)
    ).then_rejected(RejectionCode.ILLEGAL_STATE, "transfers[1].amount")


# --- two-phase ---------------------------------------------------------------------------------------


def reserved(amount: str = "300", **more: Any) -> Given:
    return Given(
        LEDGER.decider,
        run(record(spec("hold", SUPPLIER, BANK_RUB, amount, pending=True, **more)), state=funded().state),
    )


def test_posting_all_of_a_pending_moves_it_from_pending_to_posted() -> None:
    decision = reserved().when(PostPendingTransfer("hold:post", "hold")).then_accepted()
    assert decision == [PendingTransferPosted(replace(decision[0].transfer, amount=30000), released=0)]
    state = reserved().when(PostPendingTransfer("hold:post", "hold")).then(*decision)
    assert balance(state, "51:RUB:sber") == (100000, 30000, 0, 0)


def test_a_partial_post_returns_the_rest() -> None:
    [posted] = reserved().when(PostPendingTransfer("hold:post", "hold", Decimal("120"))).then_accepted()
    assert posted.transfer.amount == 12000 and posted.released == 18000
    state = run(PostPendingTransfer("hold:post", "hold", Decimal("120")), state=reserved().state)
    assert balance(state, "51:RUB:sber") == (100000, 12000, 0, 0)


def test_a_pending_is_never_posted_for_more_than_it_reserved() -> None:
    reserved().when(PostPendingTransfer("p", "hold", Decimal("300.01"))).then_rejected(
        RejectionCode.ILLEGAL_STATE, "amount", "more than the 300.00 RUB reserved"
    )


def test_a_pending_resolves_at_most_once() -> None:
    posted = Given(LEDGER.decider, run(PostPendingTransfer("p1", "hold"), state=reserved().state))
    posted.when(PostPendingTransfer("p2", "hold")).then_rejected(
        RejectionCode.ILLEGAL_STATE, "pending_id", "already resolved"
    )
    posted.when(VoidPendingTransfer("v1", "hold")).then_rejected(RejectionCode.ILLEGAL_STATE, "pending_id")
    posted.when(PostPendingTransfer("p1", "hold")).then()  # a retry of the same post: already recorded
    posted.when(PostPendingTransfer("p1", "hold", Decimal("1"))).then_rejected(RejectionCode.CONFLICT, "amount")


def test_voiding_releases_the_reservation() -> None:
    decision = reserved().when(VoidPendingTransfer("v1", "hold")).then_accepted()
    assert isinstance(decision[0], PendingTransferVoided) and decision[0].transfer.amount == 30000
    state = reserved().when(VoidPendingTransfer("v1", "hold")).then(*decision)
    assert balance(state, "51:RUB:sber") == (100000, 0, 0, 0)
    Given(LEDGER.decider, state).when(PostPendingTransfer("p", "hold")).then_rejected(RejectionCode.ILLEGAL_STATE)


def test_a_void_retried_with_its_id_is_already_recorded_and_a_bad_id_is_refused_naming_it() -> None:
    voided = Given(LEDGER.decider, run(VoidPendingTransfer("v1", "hold"), state=reserved().state))
    voided.when(VoidPendingTransfer("v1", "hold")).then()  # the same void again (a client's retry): nothing new
    reason = "a transfer id is 1 to 128 letters, digits or : . _ / @ - (starting with a letter or digit)"
    refused = reserved().when(VoidPendingTransfer("-v1", "hold")).decision
    assert refused == Rejection(RejectionCode.INVALID, reason, "transfer_id")


def test_only_pendings_are_posted_or_voided() -> None:
    reserved().when(PostPendingTransfer("p", "capital-rub")).then_rejected(RejectionCode.NOT_FOUND, "pending_id")
    reserved().when(VoidPendingTransfer("v", "nope")).then_rejected(RejectionCode.NOT_FOUND, "pending_id")
    reserved().when(PostPendingTransfer("capital-rub", "hold")).then_rejected(RejectionCode.CONFLICT, "transfer_id")


def test_a_pending_past_its_timeout_is_released_by_the_next_command_and_cannot_be_posted() -> None:
    held = reserved(timeout_seconds=60)
    later = replace(context(), issued_at=AT + timedelta(seconds=61))
    held.when(PostPendingTransfer("p", "hold"), later).then_rejected(
        RejectionCode.ILLEGAL_STATE, "pending_id", "expired"
    )
    decision = held.when(OpenAccount("52", "EUR", "eur"), later).then_accepted()
    assert decision[0] == PendingTransferExpired("hold", 30000, AT + timedelta(seconds=60))
    state = held.when(OpenAccount("52", "EUR", "eur"), later).then(*decision)
    assert balance(state, "51:RUB:sber") == (100000, 0, 0, 0)
    held.when(
        PostPendingTransfer("p", "hold"), replace(context(), issued_at=AT + timedelta(seconds=59))
    ).then_accepted()


# --- reversal ----------------------------------------------------------------------------------------


def test_a_reversal_is_a_new_opposite_transfer_and_the_original_is_kept() -> None:
    paid = Given(LEDGER.decider, run(record(spec("pay", SUPPLIER, BANK_RUB, "100")), state=funded().state))
    [reversed_] = paid.when(ReverseTransfer("pay:rev", "pay", "wrong supplier")).then_accepted()
    assert isinstance(reversed_, TransferReversed)
    assert (reversed_.transfer.debit_account, reversed_.transfer.credit_account) == ("51:RUB:sber", "60:RUB:supplier-1")
    assert reversed_.transfer.kind is TransferKind.REVERSAL and reversed_.transfer.amount == 10000
    state = paid.when(ReverseTransfer("pay:rev", "pay", "wrong supplier")).then(reversed_)
    assert state.transfers["pay"] == paid.state.transfers["pay"]
    assert state.accounts["51:RUB:sber"].balance == 100000
    again = Given(LEDGER.decider, state)
    again.when(ReverseTransfer("pay:rev", "pay", "wrong supplier")).then()
    again.when(ReverseTransfer("pay:rev2", "pay", "again")).then_rejected(
        RejectionCode.ILLEGAL_STATE, "original_id", "already reversed"
    )
    again.when(ReverseTransfer("pay:rev", "pay", "other")).then_rejected(RejectionCode.CONFLICT, "reason")
    again.when(ReverseTransfer("x", "pay:rev", "undo")).then_rejected(RejectionCode.ILLEGAL_STATE, "original_id")


def test_a_pending_is_voided_not_reversed_and_reasons_are_required() -> None:
    reserved().when(ReverseTransfer("r", "hold", "no")).then_rejected(
        RejectionCode.ILLEGAL_STATE, "original_id", "voided"
    )
    reserved().when(ReverseTransfer("r", "capital-rub", " ")).then_rejected(RejectionCode.INVALID, "reason")
    reserved().when(ReverseTransfer("r", "nope", "why")).then_rejected(RejectionCode.NOT_FOUND, "original_id")


def test_a_reversal_respects_limits() -> None:
    spent = run(record(spec("out", SUPPLIER, BANK_RUB, "1000")), state=funded().state)
    Given(LEDGER.decider, spent).when(ReverseTransfer("r", "capital-rub", "error")).then_rejected(
        RejectionCode.ILLEGAL_STATE, "original_id", "may not go below"
    )


def test_transfer_ids_are_checked_for_form() -> None:
    funded().when(record(spec(" bad id", SUPPLIER, BANK_RUB, "1"))).then_rejected(
        RejectionCode.INVALID, "transfers[0].transfer_id"
    )
