"""The payment-money saga over the real payment and ledger deciders, in memory: each path, and re-delivery."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from streams.decider import Rejection, RejectionCode
from streams.ledger.commands import AccountRef, OpenAccount, RecordTransfers, TransferSpec
from streams.ledger.decider import Account, ledger_id_for
from streams.ledger.domain import LEDGER
from streams.payment.commands import (
    ApprovePayment,
    CancelPayment,
    MarkReserved,
    MarkSent,
    Party,
    RequestPayment,
    ReturnPayment,
    SettlePayment,
)
from streams.payment.decider import PaymentStatus, payment_id_for
from streams.payment.domain import PAYMENT
from streams.sagas.payments import PAYMENT_MONEY, reservation_id
from tests.unit.sagas.world import World

TENANT = "tenant-a"
LEDGER_ID = ledger_id_for(TENANT)
OUR_EURO_ACCOUNT = Party(
    name="WellWon Trade LLC", country="RU", account="40702978100000012345", bank_name="Sberbank", bank_bic="SABRRUMM"
)
SUPPLIER = Party(
    name="Hamburger Maschinenbau GmbH",
    country="DE",
    account="DE89370400440532013000",
    bank_name="Commerzbank",
    bank_bic="COBADEFFXXX",
)
OWNER = {"role": "owner"}


def world() -> World:
    return World({d.name: d for d in (PAYMENT, LEDGER)}, (PAYMENT_MONEY,), TENANT)


def funded(euros: str, overdraft: str | None = None) -> World:
    """A tenant whose euro account holds `euros` (paid in from capital, account 80)."""
    w = world()
    bank = AccountRef("52", OUR_EURO_ACCOUNT.account)
    limit = Decimal(overdraft) if overdraft else None
    assert not isinstance(
        w.send("ledger", LEDGER_ID, OpenAccount("52", "EUR", bank.sub, overdraft=limit), OWNER), Rejection
    )
    deposit = TransferSpec("capital-1", bank, AccountRef("80"), Decimal(euros), "EUR", reference="capital")
    w.send("ledger", LEDGER_ID, RecordTransfers((deposit,)), OWNER)
    return w


def request(key: str, amount: str) -> RequestPayment:
    return RequestPayment(
        key, Decimal(amount), "EUR", OUR_EURO_ACCOUNT, SUPPLIER, "Invoice HM-118", invoice_id="inv-118"
    )


def approved(w: World, key: str = "k1", amount: str = "1000.00") -> str:
    payment_id = payment_id_for(TENANT, key)
    w.send("payment", payment_id, request(key, amount), OWNER)
    w.send("payment", payment_id, ApprovePayment(), OWNER)
    return payment_id


def bank(w: World) -> Account:
    return w.state("ledger", LEDGER_ID).accounts[f"52:EUR:{OUR_EURO_ACCOUNT.account}"]


def test_an_approved_payment_is_reserved_in_the_ledger_and_marked_reserved() -> None:
    w = funded("5000.00")
    payment_id = approved(w)
    payment = w.state("payment", payment_id)
    assert payment.status is PaymentStatus.RESERVED
    assert payment.reservation_id == reservation_id(payment_id)
    account = bank(w)
    assert (account.credits_pending, account.credits_posted) == (100000, 0)  # 1,000.00 EUR held, not yet gone
    assert account.available == 400000


def test_settlement_posts_the_reservation_and_the_money_leaves_once() -> None:
    w = funded("5000.00")
    payment_id = approved(w)
    w.send("payment", payment_id, MarkSent("BANK-REF-1"), OWNER)
    w.send("payment", payment_id, SettlePayment("line-7", date(2026, 11, 30)), OWNER)
    account = bank(w)
    assert (account.credits_pending, account.credits_posted, account.balance) == (0, 100000, 400000)
    w.redeliver_everything()  # a worker killed before committing: every step again, same command ids
    account = bank(w)
    assert (account.credits_pending, account.credits_posted, account.balance) == (0, 100000, 400000)
    assert w.state("payment", payment_id).status is PaymentStatus.SETTLED


def test_a_reservation_beyond_the_balance_is_refused_and_the_payment_rejected_with_the_ledger_reason() -> None:
    w = funded("500.00")
    payment_id = approved(w, amount="1000.00")
    payment = w.state("payment", payment_id)
    assert payment.status is PaymentStatus.REJECTED
    assert payment.reason is not None and payment.reason.startswith("the ledger refused the reservation:")
    account = bank(w)
    assert (account.credits_pending, account.balance) == (0, 50000)  # nothing held, nothing moved


def test_an_overdraft_lets_the_reservation_through() -> None:
    w = funded("500.00", overdraft="600.00")
    payment_id = approved(w, amount="1000.00")
    assert w.state("payment", payment_id).status is PaymentStatus.RESERVED


def test_cancelling_a_reserved_payment_releases_the_money() -> None:
    w = funded("5000.00")
    payment_id = approved(w)
    w.send("payment", payment_id, CancelPayment("supplier changed its bank"), OWNER)
    account = bank(w)
    assert (account.credits_pending, account.credits_posted, account.available) == (0, 0, 500000)
    assert w.state("ledger", LEDGER_ID).transfers[f"payment:{payment_id}:release"].related_id == reservation_id(
        payment_id
    )


@pytest.mark.parametrize("settled_first", [False, True])
def test_a_returned_payment_gives_the_money_back_by_release_or_reversal(settled_first: bool) -> None:
    w = funded("5000.00")
    payment_id = approved(w)
    w.send("payment", payment_id, MarkSent("BANK-REF-1"), OWNER)
    if settled_first:
        w.send("payment", payment_id, SettlePayment("line-7", date(2026, 11, 30)), OWNER)
    w.send("payment", payment_id, ReturnPayment("beneficiary account closed"), OWNER)
    account = bank(w)
    assert (account.credits_pending, account.balance, account.available) == (0, 500000, 500000)
    transfers = w.state("ledger", LEDGER_ID).transfers
    assert (f"payment:{payment_id}:return" in transfers) is True
    assert transfers[f"payment:{payment_id}:return"].kind.value == ("reversal" if settled_first else "void")


def test_without_a_bank_account_the_reservation_is_refused_and_the_payment_rejected() -> None:
    w = world()
    payment_id = approved(w, amount="10.00")
    payment = w.state("payment", payment_id)
    assert payment.status is PaymentStatus.REJECTED
    assert "52" in (payment.reason or "")  # the ledger names the account it has not got


def test_only_the_process_marks_a_payment_reserved() -> None:
    w = World({d.name: d for d in (PAYMENT, LEDGER)}, (), TENANT)  # no process runs: the payment stays approved
    payment_id = approved(w, amount="10.00")
    refused = w.send("payment", payment_id, MarkReserved("made-up"), OWNER)
    assert isinstance(refused, Rejection) and refused.code is RejectionCode.FORBIDDEN
    assert w.state("payment", payment_id).status is PaymentStatus.APPROVED
