"""Paying the assessed customs payments: the declaration's side of the customs-duty process.

The authority states the payments due when it registers a declaration; the process
(`streams.sagas.customs_duty`) reserves them in the tenant's ledger, pays them and reports back
with `RecordDutyPaid`, or `RecordDutyPaymentRefused` with the ledger's reason (the broker then tops
up the account and asks again with `RetryDutyPayment`). The goods are released only once paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from streams.customs.commands import RecordDutyPaid, RecordDutyPaymentRefused, RetryDutyPayment
from streams.customs.declaration import Declaration, DeclarationStatus
from streams.customs.events import DutyPaid, DutyPaymentRefused, DutyPaymentRequested
from streams.decider import CommandContext, Rejection, RejectionCode, reject
from streams.money import MoneyProblem, parse_amount
from streams.process import sent_by_process

DutyCommand = RetryDutyPayment | RecordDutyPaid | RecordDutyPaymentRefused
DutyEvent = DutyPaymentRequested | DutyPaid | DutyPaymentRefused
REASON_MAX = 500


def owed(state: Declaration) -> bool:
    """Whether assessed payments are still unpaid."""
    return bool(state.payments_due) and state.duty_paid is None


def payments_due_problem(amount: Decimal | None) -> Rejection | None:
    """None when the amount is absent, zero or valid roubles (streams.money's gate, as every amount)."""
    if amount is None or (amount.is_finite() and amount == 0):
        return None
    problem = parse_amount(amount, "RUB", "payments_due")
    if isinstance(problem, MoneyProblem):
        return reject(RejectionCode.INVALID, f"payments due: {problem.reason}", "payments_due")
    return None


def release_problem(state: Declaration) -> Rejection | None:
    if owed(state):
        return reject(
            RejectionCode.ILLEGAL_STATE,
            f"the assessed payments of {state.payments_due} RUB are not paid yet"
            + (f" ({state.duty_problem})" if state.duty_problem else ""),
            "payments_due",
        )
    return None


def decide_duty(state: Declaration, command: DutyCommand, context: CommandContext) -> Sequence[DutyEvent] | Rejection:
    if state.status is not DeclarationStatus.REGISTERED or not owed(state):
        return reject(RejectionCode.ILLEGAL_STATE, "no payments are owed on this declaration", "payments_due")
    at = context.issued_at
    match command:
        case RetryDutyPayment():
            if state.duty_problem is None:
                return reject(RejectionCode.ILLEGAL_STATE, "the payment is under way", "payments_due")
            assert state.payments_due is not None  # owed
            return [DutyPaymentRequested(state.duty_attempt + 1, state.payments_due, at)]
        case RecordDutyPaid(transfer_id=transfer_id):
            if not sent_by_process(context):
                return reject(RejectionCode.FORBIDDEN, "only the customs-duty process records a payment")
            return [DutyPaid(transfer_id, at)]
        case RecordDutyPaymentRefused(reason=reason):
            if not sent_by_process(context):
                return reject(RejectionCode.FORBIDDEN, "only the customs-duty process records a refusal")
            return [DutyPaymentRefused(reason.strip()[:REASON_MAX], state.duty_attempt, at)]
