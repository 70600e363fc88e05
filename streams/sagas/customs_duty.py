"""The customs payments of a registered declaration, paid from the tenant's rouble account through the ledger.

- registered with payments due (attempt 1), or the broker retries (attempt n): a pending transfer
  "declaration:<id>:duty:<n>", debit 76 "customs" (settlements with customs), credit 51 (the
  tenant's rouble account), so the money is held;
- the reservation recorded: it is posted at once ("...:paid"), the payment to customs settled;
- the posting recorded: the declaration records the duty paid, and the goods may be released;
- the reservation refused (e.g. not enough on the account): the declaration records the ledger's
  reason, and the broker retries once the account is topped up;
- the authority rejects the declaration: an open reservation is voided; a paid duty is refunded
  by a reversing transfer.
"""

from __future__ import annotations

from collections.abc import Sequence

from streams.customs.commands import RecordDutyPaid, RecordDutyPaymentRefused
from streams.customs.events import DeclarationRegistered, DeclarationRejected, DutyPaymentRequested
from streams.ledger.commands import (
    AccountRef,
    PostPendingTransfer,
    RecordTransfers,
    ReverseTransfer,
    TransferSpec,
    VoidPendingTransfer,
)
from streams.ledger.decider import ledger_id_for
from streams.ledger.events import PendingTransferPosted, TransferKind, TransfersRecorded
from streams.process import Happened, Process, Refused, Send

CUSTOMS, LEDGER = "customs_declaration", "ledger"
RESERVE = "reserve"
CUSTOMS_SETTLEMENTS = AccountRef("76", "customs")
ROUBLE_ACCOUNT = AccountRef("51")


def duty_transfer_id(declaration_id: str, attempt: int) -> str:
    return f"declaration:{declaration_id}:duty:{attempt}"


def _declaration_of(reference: str) -> str:
    return reference.removeprefix("declaration:")


def _reserve(happened: Happened, attempt: int, amount: object) -> Send:
    declaration_id = happened.aggregate_id
    transfer = TransferSpec(
        transfer_id=duty_transfer_id(declaration_id, attempt),
        debit=CUSTOMS_SETTLEMENTS,
        credit=ROUBLE_ACCOUNT,
        amount=amount,  # type: ignore[arg-type]  # a Decimal: the events carry it
        currency="RUB",
        pending=True,
        reference=f"declaration:{declaration_id}",
        code="duty",
        description="customs payments",
    )
    step = f"{RESERVE} {attempt}"
    return Send(LEDGER, ledger_id_for(happened.tenant_id), RecordTransfers((transfer,)), transfer.reference, step)


def react(happened: Happened) -> Sequence[Send]:
    event, ledger = happened.event, ledger_id_for(happened.tenant_id)
    match event:
        case DeclarationRegistered(payments_due=due) if due:
            return [_reserve(happened, 1, due)]
        case DutyPaymentRequested(attempt=attempt, amount=amount):
            return [_reserve(happened, attempt, amount)]
        case DeclarationRejected(duty_paid=str(paid)):
            refund = ReverseTransfer(f"{paid}:refund", paid, "the declaration was rejected")
            return [Send(LEDGER, ledger, refund, f"declaration:{happened.aggregate_id}", "refund")]
        case DeclarationRejected(duty_attempt=attempt) if attempt:
            pending = duty_transfer_id(happened.aggregate_id, attempt)
            release = VoidPendingTransfer(f"{pending}:released", pending)
            return [Send(LEDGER, ledger, release, f"declaration:{happened.aggregate_id}", "release")]
        case TransfersRecorded(transfers=transfers):
            return [
                Send(LEDGER, ledger, PostPendingTransfer(f"{t.transfer_id}:paid", t.transfer_id), t.reference, "pay")
                for t in transfers
                if t.kind is TransferKind.PENDING and t.code == "duty" and t.reference.startswith("declaration:")
            ]
        case PendingTransferPosted(transfer=posting) if posting.code == "duty" and posting.reference.startswith(
            "declaration:"
        ):
            record = RecordDutyPaid(posting.transfer_id)
            return [Send(CUSTOMS, _declaration_of(posting.reference), record, posting.reference, "paid")]
    return []


def refused(refusal: Refused) -> Sequence[Send]:
    """A refused reservation is the declaration's to know (the broker retries); other refusals need nothing."""
    if not refusal.step.startswith(RESERVE):
        return []
    problem = RecordDutyPaymentRefused(f"the ledger refused the reservation: {refusal.reason}")
    return [Send(CUSTOMS, _declaration_of(refusal.instance), problem, refusal.instance, f"refused {refusal.step}")]


CUSTOMS_DUTY = Process(name="customs-duty", follows=(CUSTOMS, LEDGER), react=react, refused=refused, commands=(LEDGER,))
