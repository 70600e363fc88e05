"""The FX-deal saga over the real FX and ledger deciders: both legs or neither, then the deal is settled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from streams.fx.commands import AgreeDeal, QuoteConversion
from streams.fx.domain import FX
from streams.ledger.commands import AccountRef, OpenAccount, RecordTransfers, TransferSpec
from streams.ledger.decider import ledger_id_for
from streams.ledger.domain import LEDGER
from streams.sagas.fx import FX_DEALS
from tests.unit.sagas.world import World

TENANT = "tenant-a"
LEDGER_ID = ledger_id_for(TENANT)
OWNER = {"role": "owner"}
ROUBLES, DOLLARS = "40702810200000012345", "40702840100000012345"


def world(roubles: str) -> World:
    w = World({d.name: d for d in (FX, LEDGER)}, (FX_DEALS,), TENANT)
    w.send("ledger", LEDGER_ID, OpenAccount("51", "RUB", ROUBLES), OWNER)
    w.send("ledger", LEDGER_ID, OpenAccount("52", "USD", DOLLARS), OWNER)
    capital = TransferSpec("capital", AccountRef("51", ROUBLES), AccountRef("80"), Decimal(roubles), "RUB")
    w.send("ledger", LEDGER_ID, RecordTransfers((capital,)), OWNER)
    quote = QuoteConversion("RUB", "USD", Decimal("812000.00"), Decimal("0.012315"), date(2026, 11, 30), "CBR", 120)
    w.send("fx", "deal-1", quote, OWNER)
    w.send("fx", "deal-1", AgreeDeal(ROUBLES, DOLLARS), OWNER)
    return w


def balance(w: World, account: str) -> int:
    found: int = w.state("ledger", LEDGER_ID).accounts[account].balance
    return found


def test_an_agreed_deal_moves_both_currencies_through_fx_clearing_and_is_settled() -> None:
    w = world("1000000.00")
    assert balance(w, f"51:RUB:{ROUBLES}") == 18_800_000  # 1,000,000.00 - 812,000.00 roubles, in kopecks
    assert balance(w, f"52:USD:{DOLLARS}") == 999_978  # 812,000.00 x 0.012315 = 9,999.78 dollars, in cents
    clearing = w.state("ledger", LEDGER_ID).accounts
    assert (clearing["57:RUB:fx"].debits_posted, clearing["57:USD:fx"].credits_posted) == (81_200_000, 999_978)
    deal = w.state("fx", "deal-1")
    assert str(deal.status) == "settled" and deal.settlement_ref == "fx:deal-1:sell"
    w.redeliver_everything()
    assert balance(w, f"52:USD:{DOLLARS}") == 999_978  # once


def test_a_short_account_refuses_both_legs_and_the_deal_stays_agreed() -> None:
    w = world("500000.00")
    assert balance(w, f"51:RUB:{ROUBLES}") == 50_000_000
    assert f"52:USD:{DOLLARS}" in w.state("ledger", LEDGER_ID).accounts
    assert balance(w, f"52:USD:{DOLLARS}") == 0
    assert str(w.state("fx", "deal-1").status) == "agreed"
