"""The statement matcher: which open payment each outgoing line settles, which receivable each incoming line pays.

Pure: given the statement's lines and what is open, it returns the matches; what it cannot match
with confidence it leaves for an operator. An outgoing line settles a sent payment of the same
amount and currency when, in this order of trust:

1. its reference is the payment's end-to-end id or the bank's reference for it;
2. its reference is the rouble order's number and the counterparty's account is the beneficiary's;
3. the line names no reference, and exactly one open payment has the amount, currency and beneficiary account.

An incoming line whose reference is the end-to-end id of one of our sent or settled payments, in its
currency and for no more than it, is that payment coming back (the bank returned it). Any other
incoming line pays the receivable whose reference (invoice number) appears in the line's reference
or purpose, in the same currency, for no more than is due. Each payment is settled (or returned) by
at most one line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from streams.payment.commands import Direction
from streams.payment.statement.commands import LineMatch, StatementLine


@dataclass(frozen=True)
class OpenPayment:
    """An outgoing payment sent to the bank and not yet settled."""

    payment_id: str
    end_to_end_id: str
    order_number: str
    amount: Decimal
    currency: str
    beneficiary_account: str
    bank_reference: str | None = None


@dataclass(frozen=True)
class OpenReceivable:
    """An issued invoice not yet fully paid."""

    invoice_id: str
    reference: str  # the invoice number a payer quotes
    currency: str
    amount_due: Decimal


def _normal_account(account: str) -> str:
    return account.replace(" ", "").upper()


def _same_money(line: StatementLine, payment: OpenPayment) -> bool:
    return line.amount == payment.amount and line.currency == payment.currency


def _by_reference(line: StatementLine, payment: OpenPayment) -> bool:
    return bool(line.reference) and line.reference in {payment.end_to_end_id, payment.bank_reference}


def _by_order_number(line: StatementLine, payment: OpenPayment) -> bool:
    return (
        bool(line.reference)
        and line.reference == payment.order_number
        and _normal_account(line.counterparty_account) == _normal_account(payment.beneficiary_account)
    )


def _by_counterparty(line: StatementLine, payment: OpenPayment) -> bool:
    # A line naming a reference that fits no open payment (a duplicate, someone else's) is not guessed at.
    return not line.reference and _normal_account(line.counterparty_account) == _normal_account(
        payment.beneficiary_account
    )


RULES: tuple[Callable[[StatementLine, OpenPayment], bool], ...] = (_by_reference, _by_order_number, _by_counterparty)


def _payment_for(line: StatementLine, open_payments: list[OpenPayment]) -> OpenPayment | None:
    for rule in RULES:
        found = [payment for payment in open_payments if _same_money(line, payment) and rule(line, payment)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None  # ambiguous: an operator decides
    return None


def _mentions(text: str, reference: str) -> bool:
    return bool(reference) and re.search(rf"(?<![\w-]){re.escape(reference)}(?![\w-])", text, re.IGNORECASE) is not None


def _receivable_for(line: StatementLine, receivables: Sequence[OpenReceivable]) -> OpenReceivable | None:
    found = [
        receivable
        for receivable in receivables
        if receivable.currency == line.currency
        and line.amount <= receivable.amount_due
        and (_mentions(line.reference, receivable.reference) or _mentions(line.purpose, receivable.reference))
    ]
    return found[0] if len(found) == 1 else None


def _returned(line: StatementLine, returnable: list[OpenPayment]) -> OpenPayment | None:
    return next(
        (
            payment
            for payment in returnable
            if line.reference
            and line.reference == payment.end_to_end_id
            and line.currency == payment.currency
            and line.amount <= payment.amount
        ),
        None,
    )


def match(
    lines: Sequence[StatementLine],
    payments: Sequence[OpenPayment],
    receivables: Sequence[OpenReceivable] = (),
    returnable: Sequence[OpenPayment] = (),
) -> tuple[LineMatch, ...]:
    """The matches found, in line order; lines absent from them are left for an operator.

    `payments` are those awaiting settlement (sent); `returnable` those the bank may send back (sent or settled).
    """
    open_payments, coming_back = list(payments), list(returnable)
    matches = []
    for line in lines:
        if line.direction is Direction.OUTGOING:
            if (payment := _payment_for(line, open_payments)) is not None:
                open_payments.remove(payment)
                matches.append(LineMatch(line.line_ref, payment_id=payment.payment_id))
        elif (returned := _returned(line, coming_back)) is not None:
            coming_back.remove(returned)
            matches.append(LineMatch(line.line_ref, payment_id=returned.payment_id))
        elif (receivable := _receivable_for(line, receivables)) is not None:
            matches.append(LineMatch(line.line_ref, invoice_id=receivable.invoice_id))
    return tuple(matches)
