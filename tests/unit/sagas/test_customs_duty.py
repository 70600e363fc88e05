"""The customs-duty saga over the real customs and ledger deciders, in memory: paid, short, retried, rejected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from streams.customs.commands import (
    RecordDutyPaid,
    RegisterDeclaration,
    RejectDeclaration,
    ReleaseDeclaration,
    RetryDutyPayment,
)
from streams.customs.declaration import Declaration, DeclarationStatus
from streams.customs.domain import CUSTOMS_DECLARATION
from streams.customs.events import DeclarationReleased, DutyPaid
from streams.decider import Rejection, RejectionCode
from streams.ledger.commands import AccountRef, OpenAccount, RecordTransfers, TransferSpec
from streams.ledger.decider import Account, ledger_id_for
from streams.ledger.domain import LEDGER
from streams.sagas.customs_duty import CUSTOMS_DUTY
from tests.unit.sagas.world import World

TENANT = "tenant-a"
LEDGER_ID = ledger_id_for(TENANT)
DECLARATION = "d-1"
OWNER = {"role": "owner"}
AUTHORITY = {"role": "customs_authority"}
NUMBER = "10702070/301126/0012345"


def world(roubles: str | None) -> World:
    """A submitted declaration, and a rouble account holding `roubles` (None: no account at all)."""
    w = World({d.name: d for d in (CUSTOMS_DECLARATION, LEDGER)}, (CUSTOMS_DUTY,), TENANT)
    w.states[("customs_declaration", DECLARATION)] = Declaration(status=DeclarationStatus.SUBMITTED, tenant_id=TENANT)
    if roubles is not None:
        w.send("ledger", LEDGER_ID, OpenAccount("51", "RUB"), OWNER)
        deposit = TransferSpec("capital-1", AccountRef("51"), AccountRef("80"), Decimal(roubles), "RUB")
        w.send("ledger", LEDGER_ID, RecordTransfers((deposit,)), OWNER)
    return w


def register(w: World, due: str | None = "150000.00") -> None:
    payments = Decimal(due) if due is not None else None
    command = RegisterDeclaration(NUMBER, date(2026, 11, 30), payments)
    assert not isinstance(w.send("customs_declaration", DECLARATION, command, AUTHORITY), Rejection)


def rouble_account(w: World) -> Account:
    account: Account = w.state("ledger", LEDGER_ID).accounts["51:RUB"]
    return account


def release(w: World) -> list[object] | Rejection:
    return w.send("customs_declaration", DECLARATION, ReleaseDeclaration(), AUTHORITY)


def test_registered_with_payments_due_the_duty_is_paid_from_the_rouble_account_and_the_goods_may_go() -> None:
    w = world("200000.00")
    register(w)
    declaration = w.state("customs_declaration", DECLARATION)
    assert declaration.duty_paid == f"declaration:{DECLARATION}:duty:1:paid"
    assert rouble_account(w).balance == 5_000_000  # 200,000.00 - 150,000.00 in kopecks
    assert rouble_account(w).credits_pending == 0
    assert w.state("ledger", LEDGER_ID).accounts["76:RUB:customs"].debits_posted == 15_000_000
    assert not isinstance(release(w), Rejection)
    assert len(w.of_type(DeclarationReleased)) == 1


def test_a_short_account_refuses_the_reservation_the_goods_stay_and_a_retry_after_topping_up_pays() -> None:
    w = world("100000.00")
    register(w)
    declaration = w.state("customs_declaration", DECLARATION)
    assert declaration.duty_paid is None
    assert declaration.duty_problem is not None and "ledger refused" in declaration.duty_problem
    held = release(w)
    assert isinstance(held, Rejection) and held.code is RejectionCode.ILLEGAL_STATE
    assert "150000.00 RUB are not paid" in held.reason
    top_up = TransferSpec("capital-2", AccountRef("51"), AccountRef("80"), Decimal("60000.00"), "RUB")
    w.send("ledger", LEDGER_ID, RecordTransfers((top_up,)), OWNER)
    w.send("customs_declaration", DECLARATION, RetryDutyPayment(), OWNER)
    assert w.state("customs_declaration", DECLARATION).duty_paid == f"declaration:{DECLARATION}:duty:2:paid"
    assert rouble_account(w).balance == 1_000_000
    assert not isinstance(release(w), Rejection)


def test_a_rejected_declaration_gets_its_paid_duty_refunded() -> None:
    w = world("200000.00")
    register(w)
    w.send("customs_declaration", DECLARATION, RejectDeclaration("goods description does not match"), AUTHORITY)
    assert rouble_account(w).balance == 20_000_000
    transfers = w.state("ledger", LEDGER_ID).transfers
    assert transfers[f"declaration:{DECLARATION}:duty:1:paid:refund"].kind.value == "reversal"


def test_redelivering_every_record_pays_once() -> None:
    w = world("200000.00")
    register(w)
    w.redeliver_everything()
    assert rouble_account(w).balance == 5_000_000
    assert len(w.of_type(DutyPaid)) == 1


def test_without_payments_due_nothing_moves_and_release_is_free() -> None:
    w = world("200000.00")
    register(w, due=None)
    assert rouble_account(w).balance == 20_000_000
    assert not isinstance(release(w), Rejection)


def test_only_the_process_records_a_duty_paid_and_over_precise_payments_due_are_refused() -> None:
    w = World({d.name: d for d in (CUSTOMS_DECLARATION, LEDGER)}, (), TENANT)
    w.states[("customs_declaration", DECLARATION)] = Declaration(status=DeclarationStatus.SUBMITTED, tenant_id=TENANT)
    refused = w.send(
        "customs_declaration", DECLARATION, RegisterDeclaration(NUMBER, date(2026, 11, 30), Decimal("1.005")), AUTHORITY
    )
    assert isinstance(refused, Rejection) and refused.field == "payments_due"
    register(w)
    forged = w.send("customs_declaration", DECLARATION, RecordDutyPaid("made-up"), OWNER)
    assert isinstance(forged, Rejection) and forged.code is RejectionCode.FORBIDDEN
