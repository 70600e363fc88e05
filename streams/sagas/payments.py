"""The payments' money in the ledger: approved -> reserved -> sent -> settled (posted), or released / reversed.

- approved (outgoing): a pending transfer "payment:<id>:reserve", debit 60 payables, credit the payer's
  bank account (51 roubles, 52 currency), so the money cannot be spent twice; when the ledger records
  it, the payment is marked reserved; when the ledger refuses it (e.g. beyond the balance), the
  payment is rejected with the ledger's reason.
- settled (a statement line shows the money left): the pending is posted ("payment:<id>:post").
- cancelled while reserved: the pending is voided, the money is free again.
- returned by the bank: if only sent, the pending is voided; if settled, the posting is reversed.
- incoming (a statement line): "payment:<id>:received", debit the tenant's bank account, credit 62
  receivables (the invoice's sub-account when the matcher found it).

Transfer ids derive from the payment id and the step, so a step sent twice is "already recorded".
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.ledger.commands import (
    AccountRef,
    PostPendingTransfer,
    RecordTransfers,
    ReverseTransfer,
    TransferSpec,
    VoidPendingTransfer,
)
from streams.ledger.decider import ledger_id_for
from streams.ledger.events import TransferKind, TransfersRecorded
from streams.payment.commands import MarkReserved, RejectPayment
from streams.payment.events import (
    IncomingPaymentRecorded,
    PaymentApproved,
    PaymentCancelled,
    PaymentReturned,
    PaymentSettled,
)
from streams.process import Happened, Process, Refused, Send

PAYMENT, LEDGER = "payment", "ledger"
RESERVE = "reserve"
DESCRIPTION_MAX = 140


def bank_account(currency: str, account: str) -> AccountRef:
    """The tenant's account at its bank: 51 for roubles, 52 for any other currency (the Russian chart)."""
    return AccountRef("51" if currency == "RUB" else "52", account)


def reservation_id(payment_id: str) -> str:
    return f"payment:{payment_id}:{RESERVE}"


def _payment_of(reference: str) -> str:
    return reference.removeprefix("payment:")


def _ledger(happened: Happened, step: str, command: object) -> Send:
    return Send(LEDGER, ledger_id_for(happened.tenant_id), command, f"payment:{happened.aggregate_id}", step)


def react(happened: Happened) -> Sequence[Send]:
    payment_id, event = happened.aggregate_id, happened.event
    match event:
        case PaymentApproved():
            reserve = TransferSpec(
                transfer_id=reservation_id(payment_id),
                debit=AccountRef("60", event.invoice_id or event.purchase_order_id or ""),
                credit=bank_account(event.currency, event.payer_account),
                amount=event.amount,
                currency=event.currency,
                pending=True,
                reference=f"payment:{payment_id}",
                code="prepayment" if event.purchase_order_id and not event.invoice_id else "payment",
                description=event.beneficiary_name[:DESCRIPTION_MAX],
            )
            return [_ledger(happened, RESERVE, RecordTransfers((reserve,)))]
        case PaymentSettled(reservation_id=str(pending)):
            return [_ledger(happened, "post", PostPendingTransfer(f"payment:{payment_id}:post", pending))]
        case PaymentCancelled(reservation_id=str(pending)):
            return [_ledger(happened, "release", VoidPendingTransfer(f"payment:{payment_id}:release", pending))]
        case PaymentReturned(reservation_id=str(pending), returned_from=returned_from):
            return_id = f"payment:{payment_id}:return"
            undo = (
                ReverseTransfer(return_id, f"payment:{payment_id}:post", event.reason[:DESCRIPTION_MAX])
                if returned_from == "settled"
                else VoidPendingTransfer(return_id, pending)
            )
            return [_ledger(happened, "return", undo)]
        case IncomingPaymentRecorded():
            received = TransferSpec(
                transfer_id=f"payment:{payment_id}:received",
                debit=bank_account(event.currency, event.beneficiary.account),
                credit=AccountRef("62", event.invoice_id or ""),
                amount=event.amount,
                currency=event.currency,
                reference=f"payment:{payment_id}",
                code="receipt",
                description=event.payer.name[:DESCRIPTION_MAX],
            )
            return [_ledger(happened, "received", RecordTransfers((received,)))]
        case TransfersRecorded(transfers=transfers):
            return [
                Send(PAYMENT, _payment_of(t.reference), MarkReserved(t.transfer_id), t.reference, "reserved")
                for t in transfers
                if t.kind is TransferKind.PENDING
                and t.reference.startswith("payment:")
                and t.transfer_id == reservation_id(_payment_of(t.reference))
            ]
    return []


def refused(refusal: Refused) -> Sequence[Send]:
    """The ledger would not reserve the money: the payment is rejected, saying why. Other refusals need nothing."""
    if refusal.step != RESERVE:
        return []
    reason = f"the ledger refused the reservation: {refusal.reason}"
    return [Send(PAYMENT, _payment_of(refusal.instance), RejectPayment(reason[:500]), refusal.instance, "rejected")]


PAYMENT_MONEY = Process(
    name="payment-money", follows=(PAYMENT, LEDGER), react=react, refused=refused, commands=(LEDGER,)
)
