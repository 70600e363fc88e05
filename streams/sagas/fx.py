"""An agreed FX deal moves its money in the ledger: two linked transfers through FX clearing, one per currency.

- agreed: "fx:<deal>:sell" debit 57 FX clearing, credit the bank account of the currency sold; and
  "fx:<deal>:buy" debit the bank account of the currency bought, credit 57; linked, so both apply
  or neither (a sold account short of money refuses the pair, naming it);
- the pair recorded: the deal is settled with the sell leg's id as its reference.

57 then holds the sold currency on its debit side and the bought one on its credit side, per
currency ledger, which is what the FX exposure panel reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.fx.commands import SettleDeal
from streams.fx.events import DealAgreed
from streams.ledger.commands import AccountRef, RecordTransfers, TransferSpec
from streams.ledger.decider import ledger_id_for
from streams.ledger.events import TransfersRecorded
from streams.process import Happened, Process, Send
from streams.sagas.payments import bank_account

FX, LEDGER = "fx", "ledger"
FX_CLEARING = AccountRef("57", "fx")


def react(happened: Happened) -> Sequence[Send]:
    event, deal_id = happened.event, happened.aggregate_id
    match event:
        case DealAgreed():
            reference = f"fx:{deal_id}"
            sell = TransferSpec(
                f"{reference}:sell", FX_CLEARING, bank_account(event.sell_currency, event.sell_account),
                event.sell_amount, event.sell_currency, reference=reference, code="fx",
                description=f"sold {event.sell_amount} {event.sell_currency} at {event.rate}",
            )  # fmt: skip
            buy = TransferSpec(
                f"{reference}:buy", bank_account(event.buy_currency, event.buy_account), FX_CLEARING,
                event.buy_amount, event.buy_currency, reference=reference, code="fx",
                description=f"bought {event.buy_amount} {event.buy_currency} at {event.rate}",
            )  # fmt: skip
            move = RecordTransfers((sell, buy), linked=True)
            return [Send(LEDGER, ledger_id_for(happened.tenant_id), move, reference, "move")]
        case TransfersRecorded(transfers=transfers):
            return [
                Send(FX, t.reference.removeprefix("fx:"), SettleDeal(t.transfer_id), t.reference, "settled")
                for t in transfers
                if t.code == "fx" and t.reference.startswith("fx:") and t.transfer_id == f"{t.reference}:sell"
            ]
    return []


FX_DEALS = Process(name="fx-deals", follows=(FX, LEDGER), react=react, commands=(LEDGER,))
