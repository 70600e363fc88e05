"""The ledger's refusals exactly as the API answers them: the field at fault and the words, each limit at its edge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streams.decider import RejectionCode
from streams.ledger.commands import AccountRef, OpenAccount, TransferSpec
from streams.ledger.domain import LEDGER
from streams.ledger.events import AccountOpened, TransferKind
from tests.unit.deciders import given
from tests.unit.ledger.test_ledger_decider import BANK_RUB, CAPITAL, CUSTOMER, SUPPLIER, funded, only_transfers, record

DECIDER = LEDGER.decider
A_YEAR_AND_A_DAY = 366 * 24 * 3600


@pytest.mark.parametrize(
    ("command", "field", "reason"),
    [
        (OpenAccount("999", "RUB"), "chart", "'999' is not an account of the chart of accounts"),
        (OpenAccount("51", "USD"), "chart", "account 51 (Settlement accounts (roubles)) holds roubles only, not USD"),
        (OpenAccount("52", "RUB"), "chart", "account 52 (Currency accounts) holds foreign currencies only, not RUB"),
        (OpenAccount("51", "XYZ"), "currency", "'XYZ' is not an ISO 4217 currency code"),
        (OpenAccount("51", "RUB", "bad sub!"), "sub",
         "a sub-account is 1 to 64 letters, digits or . _ / @ - (starting with a letter or digit)"),
        (OpenAccount("51", "RUB", "s" * 65), "sub",
         "a sub-account is 1 to 64 letters, digits or . _ / @ - (starting with a letter or digit)"),
        (OpenAccount("51", "RUB", overdraft=Decimal("-1")), "overdraft", "must be greater than zero"),
        (OpenAccount("60", "RUB", overdraft=Decimal(1)), "overdraft",
         "account 60 may go negative; an overdraft limits only those that may not"),
        (OpenAccount("51", "RUB", name="x" * 141), "name", "name has at most 140 characters"),
    ],
)  # fmt: skip
def test_an_account_is_refused_with_the_field_and_the_exact_reason(
    command: OpenAccount, field: str, reason: str
) -> None:
    refused = given(DECIDER).when(command).then_rejected(RejectionCode.INVALID, field)
    assert refused.reason == reason


def test_an_account_at_its_limits_is_opened_with_its_names_trimmed() -> None:
    events = (
        given(DECIDER).when(OpenAccount(" 51 ", "RUB", " " + "s" * 64 + " ", " " + "n" * 140 + " ")).then_accepted()
    )
    assert events[-1] == AccountOpened(f"51:RUB:{'s' * 64}", "51", "RUB", "s" * 64, "n" * 140, False, 0, False)
    [*_, zero] = given(DECIDER).when(OpenAccount("51", "RUB", "z", overdraft=Decimal(0))).then_accepted()
    assert zero.overdraft == 0  # no overdraft, not a refused one


def test_reopening_with_another_detail_names_the_account_and_the_detail() -> None:
    refused = (
        funded("10")
        .when(OpenAccount("51", "RUB", "sber", "Alfa", Decimal(10)))
        .then_rejected(RejectionCode.CONFLICT, "name")
    )
    assert refused.reason == "account 51:RUB:sber is open with another name"


@pytest.mark.parametrize(
    ("spec", "field", "reason"),
    [
        (TransferSpec("-t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB"), "transfers[0].transfer_id",
         "a transfer id is 1 to 128 letters, digits or : . _ / @ - (starting with a letter or digit)"),
        (TransferSpec("t" * 129, SUPPLIER, CUSTOMER, Decimal(1), "RUB"), "transfers[0].transfer_id",
         "a transfer id is 1 to 128 letters, digits or : . _ / @ - (starting with a letter or digit)"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "ZZZ"), "transfers[0].currency",
         "'ZZZ' is not an ISO 4217 currency code"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB", reference="r" * 201), "transfers[0].reference",
         "reference has at most 200 characters"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB", code="c" * 41), "transfers[0].code",
         "code has at most 40 characters"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB", description="d" * 501),
         "transfers[0].description", "description has at most 500 characters"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB", timeout_seconds=60), "transfers[0].timeout_seconds",
         "only a pending transfer has a timeout"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB", pending=True, timeout_seconds=0),
         "transfers[0].timeout_seconds", f"a timeout is 1 to {A_YEAR_AND_A_DAY} seconds"),
        (TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB", pending=True, timeout_seconds=A_YEAR_AND_A_DAY + 1),
         "transfers[0].timeout_seconds", f"a timeout is 1 to {A_YEAR_AND_A_DAY} seconds"),
        (TransferSpec("t1", AccountRef("999"), CUSTOMER, Decimal(1), "RUB"), "transfers[0].debit.chart",
         "'999' is not an account of the chart of accounts"),
        (TransferSpec("t1", SUPPLIER, AccountRef("62", "bad sub!"), Decimal(1), "RUB"), "transfers[0].credit.sub",
         "a sub-account is 1 to 64 letters, digits or . _ / @ - (starting with a letter or digit)"),
        (TransferSpec("t1", SUPPLIER, SUPPLIER, Decimal(1), "RUB"), "transfers[0].credit",
         "a transfer moves money between two accounts, not from 60:RUB:supplier-1 to itself"),
        (TransferSpec("t1", SUPPLIER, AccountRef("51", "other"), Decimal(1), "RUB"), "transfers[0].credit",
         "account 51:RUB:other is not open (open it with its bank details first)"),
    ],
)  # fmt: skip
def test_a_transfer_is_refused_with_the_field_and_the_exact_reason(spec: TransferSpec, field: str, reason: str) -> None:
    refused = (
        funded()
        .when(record(spec))
        .then_rejected(RejectionCode.ILLEGAL_STATE if "is not open" in reason else RejectionCode.INVALID, field)
    )
    assert refused.reason == reason


def test_a_transfer_at_its_limits_is_recorded_with_its_texts_trimmed() -> None:
    longest = TransferSpec(
        "t" * 128, SUPPLIER, CUSTOMER, Decimal(1), "RUB", pending=True, timeout_seconds=A_YEAR_AND_A_DAY,
        reference=" " + "r" * 200, code="c" * 40 + " ", description="d" * 500,
    )  # fmt: skip
    [transfer] = only_transfers(funded().when(record(longest)).then_accepted())
    assert (transfer.transfer_id, transfer.kind, transfer.timeout_seconds) == (
        "t" * 128, TransferKind.PENDING, A_YEAR_AND_A_DAY
    )  # fmt: skip
    assert (transfer.reference, transfer.code, transfer.description) == ("r" * 200, "c" * 40, "d" * 500)
    assert transfer.expires_at is not None and (transfer.expires_at - transfer.recorded_at).days == 366


def test_a_batch_is_refused_naming_its_size_or_the_id_it_repeats() -> None:
    empty = funded().when(record()).then_rejected(RejectionCode.INVALID, "transfers")
    assert empty.reason == "a batch has 1 to 1000 transfers"
    twice = TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB")
    repeated = funded().when(record(twice, twice)).then_rejected(RejectionCode.INVALID, "transfers[1].transfer_id")
    assert repeated.reason == "transfer t1 appears twice in the batch"


def test_a_linked_batch_names_the_member_that_failed_and_its_id() -> None:
    good = TransferSpec("t1", SUPPLIER, CUSTOMER, Decimal(1), "RUB")
    bad = TransferSpec("t2", SUPPLIER, CUSTOMER, Decimal(0), "RUB")
    refused = funded().when(record(good, bad, linked=True)).then_rejected(RejectionCode.INVALID, "transfers[1].amount")
    assert refused.reason == "transfer 1 (t2): must be greater than zero"


def test_a_bank_account_below_its_limit_is_refused_naming_the_limit_and_where_it_would_go() -> None:
    spend = TransferSpec("t1", SUPPLIER, BANK_RUB, Decimal("1010.01"), "RUB")
    refused = funded("10").when(record(spend)).then_rejected(RejectionCode.ILLEGAL_STATE, "transfers[0].amount")
    assert refused.reason == "account 51:RUB:sber may not go below -10.00 RUB: it would reach -10.01"
    funded("10").when(record(TransferSpec("t1", SUPPLIER, BANK_RUB, Decimal("1010.00"), "RUB"))).then_accepted()


def test_a_repeated_transfer_id_names_the_first_field_that_differs() -> None:
    first = TransferSpec("t1", BANK_RUB, CAPITAL, Decimal(5), "RUB", reference="ref-1")
    state = funded().when(record(first)).then_accepted()
    again = given(DECIDER)
    recorded = DECIDER.fold(state, funded().state)
    for changed, field in (
        (TransferSpec("t1", BANK_RUB, CAPITAL, Decimal(6), "RUB", reference="ref-1"), "amount"),
        (TransferSpec("t1", BANK_RUB, CAPITAL, Decimal(5), "RUB", reference="ref-2"), "reference"),
        (TransferSpec("t1", BANK_RUB, CAPITAL, Decimal(5), "RUB", reference="ref-1", code="x"), "code"),
    ):
        refused = (
            again.with_state(**recorded.__dict__)
            .when(record(changed))
            .then_rejected(RejectionCode.CONFLICT, f"transfers[0].{field}")
        )
        assert refused.reason == f"transfer t1 is already recorded with another {field}"
