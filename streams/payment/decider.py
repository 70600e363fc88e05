"""The payment decider: a payment's lifecycle, each step legal only in its state.

Outgoing: requested -> approved -> reserved -> sent -> settled; rejected (before approval), cancelled
(any time before it is sent), returned (by the bank, once sent). Incoming: recorded from a statement
line, settled from the start.

- A payment's id derives from its tenant and the client's idempotency key (`payment_id_for`): asking
  again with the same details changes nothing; with other details it is refused (409) naming them.
- Amounts are positive, in a known currency, with no more decimals than it has; rouble orders carry
  Russian bank details (INN, BIK, accounts with their control key), foreign ones an IBAN or account and
  a SWIFT code (streams/payment/parties.py).
- Approval needs a role allowed to approve and within its limit (streams/payment/approval.py); above
  it, the approval is refused (403) with the limit in the reason and nothing changes.
- `MarkReserved` is taken from the ledger's process only (role "process"); `SettlePayment` comes from the
  statement matcher or an operator's manual match.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from streams.company.identifiers import InvalidDetail, text
from streams.company.permissions import ROLE_CLAIM
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.payment import currency as money
from streams.payment.approval import limit_problem
from streams.payment.commands import (
    ApprovePayment,
    CancelPayment,
    Direction,
    MarkReserved,
    MarkSent,
    Party,
    PaymentCommand,
    RecordIncomingPayment,
    RejectPayment,
    RequestPayment,
    ReturnPayment,
    SettlePayment,
)
from streams.payment.events import (
    IncomingPaymentRecorded,
    PaymentApproved,
    PaymentCancelled,
    PaymentEvent,
    PaymentRejected,
    PaymentRequested,
    PaymentReserved,
    PaymentReturned,
    PaymentSent,
    PaymentSettled,
)
from streams.payment.parties import checked_party
from streams.process import require_process, sent_by_process

PAYMENT_NAMESPACE = uuid.UUID("8c4e2a71-5f0b-4b9e-a3d2-6e1f0c9b7a55")
INCOMING_NAMESPACE = uuid.UUID("1d7b3e90-2c6a-4f58-8e4b-9a0c5d2e7f13")
PURPOSE_MAX = 210  # the 1C format's and most banks' limit on the purpose of payment
REFERENCE_MAX = 35  # ISO 20022 Max35Text: bank references, reservation ids, statement line refs
REASON_MAX = 500
ID_MAX = 64

Decision = Sequence[PaymentEvent] | Rejection


class PaymentStatus(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    APPROVED = "approved"
    RESERVED = "reserved"
    SENT = "sent"
    SETTLED = "settled"
    REJECTED = "rejected"
    RETURNED = "returned"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Payment:
    status: PaymentStatus = PaymentStatus.NONE
    tenant_id: str | None = None
    direction: Direction = Direction.OUTGOING
    idempotency_key: str = ""  # outgoing: the client's key; incoming: the statement line's reference
    amount: Decimal = Decimal(0)
    currency: str = ""
    payer: Party | None = None
    beneficiary: Party | None = None
    purpose: str = ""
    end_to_end_id: str = ""
    invoice_id: str | None = None
    purchase_order_id: str | None = None
    execution_date: date | None = None
    vat_note: str = ""
    requested_at: datetime | None = None
    requested_by: str | None = None
    approved_by: str | None = None
    reservation_id: str | None = None
    bank_reference: str | None = None
    statement_line_ref: str | None = None
    settled_on: date | None = None
    reason: str | None = None  # why it was rejected, returned or cancelled


def payment_id_for(tenant_id: str, idempotency_key: str) -> str:
    """An outgoing payment's id: one per tenant and key, so a retried request cannot create a second payment."""
    return str(uuid.uuid5(PAYMENT_NAMESPACE, f"{tenant_id}\n{idempotency_key}"))


def incoming_payment_id_for(tenant_id: str, statement_line_ref: str) -> str:
    """An incoming payment's id: one per statement line, so importing a statement twice records it once."""
    return str(uuid.uuid5(INCOMING_NAMESPACE, f"{tenant_id}\n{statement_line_ref}"))


def end_to_end_id_for(payment_id: str) -> str:
    """The reference that travels with the order to the bank and back (32 hex characters fit Max35Text)."""
    return uuid.UUID(payment_id).hex


def _invalid(fault: InvalidDetail) -> Rejection:
    return reject(RejectionCode.INVALID, fault.reason, fault.field)


def _reference(value: str, field: str) -> str:
    return text(value, field, REFERENCE_MAX)


def _optional_id(value: str | None, field: str) -> str | None:
    """The platform's id of an invoice or order (a UUID is 36 characters: more than Max35Text)."""
    return None if value is None or not value.strip() else text(value, field, ID_MAX)


def _same_request(state: Payment, requested: PaymentRequested | IncomingPaymentRecorded) -> Decision:
    """A repeated create: nothing, if it asks for what exists; else 409 naming what differs."""
    existing = _created(state)
    differing = [
        f.name
        for f in fields(requested)
        if f.name not in {"requested_at", "requested_by"} and getattr(requested, f.name) != getattr(existing, f.name)
    ]
    if not differing:
        return []
    return reject(
        RejectionCode.CONFLICT,
        f"this idempotency key already made a payment with another {', '.join(differing)}",
        differing[0],
    )


def _created(state: Payment) -> PaymentRequested | IncomingPaymentRecorded:
    """The create event that made `state` (for comparing a repeated create with it)."""
    assert state.tenant_id is not None and state.payer is not None and state.beneficiary is not None
    if state.direction is Direction.INCOMING:
        assert state.settled_on is not None
        return IncomingPaymentRecorded(
            state.tenant_id, state.idempotency_key, state.amount, state.currency, state.payer, state.beneficiary,
            state.purpose, state.settled_on, state.invoice_id,
        )  # fmt: skip
    assert state.requested_at is not None
    return PaymentRequested(
        state.tenant_id, state.idempotency_key, state.amount, state.currency, state.payer, state.beneficiary,
        state.purpose, state.end_to_end_id, state.requested_at, state.requested_by, state.invoice_id,
        state.purchase_order_id, state.execution_date, state.vat_note,
    )  # fmt: skip


def _request(state: Payment, cmd: RequestPayment, context: CommandContext) -> Decision:
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    try:
        key = text(cmd.idempotency_key, "idempotency_key", 255)
        code = money.currency(cmd.currency)
        amount = money.amount(cmd.amount, code)
        payer = checked_party(cmd.payer, code, "payer")
        beneficiary = checked_party(cmd.beneficiary, code, "beneficiary")
        purpose = text(cmd.purpose, "purpose", PURPOSE_MAX)
        invoice_id = _optional_id(cmd.invoice_id, "invoice_id")
        purchase_order_id = _optional_id(cmd.purchase_order_id, "purchase_order_id")
        vat_note = " ".join(cmd.vat_note.split())[:PURPOSE_MAX]
    except InvalidDetail as fault:
        return _invalid(fault)
    if payer.account == beneficiary.account:
        return reject(RejectionCode.INVALID, "the beneficiary's account is the payer's own", "beneficiary.account")
    if cmd.execution_date is not None and cmd.execution_date < context.issued_at.date():
        return reject(RejectionCode.INVALID, "the execution date is in the past", "execution_date")
    payment_id = payment_id_for(context.tenant_id, key)
    requested = PaymentRequested(
        context.tenant_id, key, amount, code, payer, beneficiary, purpose, end_to_end_id_for(payment_id),
        context.issued_at, context.actor_id, invoice_id, purchase_order_id, cmd.execution_date, vat_note,
    )  # fmt: skip
    if state.status is not PaymentStatus.NONE:
        return _same_request(state, requested)
    return [requested]


def _record_incoming(state: Payment, cmd: RecordIncomingPayment, context: CommandContext) -> Decision:
    assert context.tenant_id is not None
    try:
        line_ref = text(cmd.statement_line_ref, "statement_line_ref", 255)
        code = money.currency(cmd.currency)
        amount = money.amount(cmd.amount, code)
        payer = replace(cmd.payer, name=text(cmd.payer.name, "payer.name", 160))
        beneficiary = replace(cmd.beneficiary, name=text(cmd.beneficiary.name, "beneficiary.name", 160))
        purpose = " ".join(cmd.purpose.split())[:PURPOSE_MAX]
        invoice_id = _optional_id(cmd.invoice_id, "invoice_id")
    except InvalidDetail as fault:
        return _invalid(fault)
    recorded = IncomingPaymentRecorded(
        context.tenant_id, line_ref, amount, code, payer, beneficiary, purpose, cmd.received_on, invoice_id
    )
    if state.status is not PaymentStatus.NONE:
        return _same_request(state, recorded)
    return [recorded]


# Where each later step may start from (creation is NONE -> REQUESTED or NONE -> SETTLED above).
LEGAL_FROM: dict[type, frozenset[PaymentStatus]] = {
    ApprovePayment: frozenset({PaymentStatus.REQUESTED}),
    RejectPayment: frozenset({PaymentStatus.REQUESTED, PaymentStatus.APPROVED}),  # approved: the ledger refused
    MarkReserved: frozenset({PaymentStatus.APPROVED}),
    MarkSent: frozenset({PaymentStatus.RESERVED}),
    SettlePayment: frozenset({PaymentStatus.SENT}),
    ReturnPayment: frozenset({PaymentStatus.SENT, PaymentStatus.SETTLED}),
    CancelPayment: frozenset({PaymentStatus.REQUESTED, PaymentStatus.APPROVED, PaymentStatus.RESERVED}),
}


def _step(state: Payment, cmd: PaymentCommand, context: CommandContext) -> Decision:
    if state.status is PaymentStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such payment")
    legal = LEGAL_FROM[type(cmd)]
    if state.status not in legal or (state.direction is Direction.INCOMING and not isinstance(cmd, ReturnPayment)):
        allowed = ", ".join(sorted(legal))
        return reject(
            RejectionCode.ILLEGAL_STATE,
            f"a {state.direction} payment that is {state.status} cannot take {type(cmd).__name__}"
            f" (only when {allowed})",
            "status",
        )
    try:
        return _events_of_step(state, cmd, context)
    except InvalidDetail as fault:
        return _invalid(fault)


def _events_of_step(state: Payment, cmd: PaymentCommand, context: CommandContext) -> Decision:
    at, actor = context.issued_at, context.actor_id
    # What the ledger's process needs with each event (it keeps no state of its own).
    money, documents = (state.amount, state.currency), (state.invoice_id, state.purchase_order_id)
    match cmd:
        case ApprovePayment():
            role = context.claim(ROLE_CLAIM)
            if over_limit := limit_problem(role, state.currency, state.amount):
                return reject(RejectionCode.FORBIDDEN, over_limit, "amount")
            assert state.payer is not None and state.beneficiary is not None
            accounts = (state.payer.account, state.beneficiary.account, state.beneficiary.name)
            return [PaymentApproved(actor, role or "", at, *money, *accounts, *documents)]
        case RejectPayment(reason=reason):
            if state.status is PaymentStatus.APPROVED and not sent_by_process(context):
                return reject(RejectionCode.ILLEGAL_STATE, "an approved payment is cancelled, not rejected", "status")
            return [PaymentRejected(text(reason, "reason", REASON_MAX), actor, at, *documents)]
        case MarkReserved(reservation_id=reservation_id):
            if not_process := require_process(context, "reserving a payment's money"):
                return not_process
            return [PaymentReserved(text(reservation_id, "reservation_id", 255), at)]
        case MarkSent(bank_reference=bank_reference):
            return [PaymentSent(_reference(bank_reference, "bank_reference"), at)]
        case SettlePayment(statement_line_ref=line_ref, settled_on=settled_on):
            line = text(line_ref, "statement_line_ref", 255)
            return [PaymentSettled(line, settled_on, *money, state.reservation_id, *documents)]
        case ReturnPayment(reason=reason, statement_line_ref=line_ref):
            line_or_none = None if line_ref is None else text(line_ref, "statement_line_ref", 255)
            why = text(reason, "reason", REASON_MAX)
            returned = PaymentReturned(
                why, at, line_or_none, str(state.status), *money, state.reservation_id, *documents
            )
            return [returned]
        case CancelPayment(reason=reason):
            return [PaymentCancelled(text(reason, "reason", REASON_MAX), actor, at, state.reservation_id, *documents)]
    raise TypeError(f"not a payment step: {cmd!r}")


def decide(state: Payment, command: PaymentCommand, context: CommandContext) -> Decision:
    match command:
        case RequestPayment():
            return _request(state, command, context)
        case RecordIncomingPayment():
            return _record_incoming(state, command, context)
    return _step(state, command, context)


def evolve(state: Payment, event: PaymentEvent) -> Payment:
    match event:
        case PaymentRequested():
            return replace(
                state, status=PaymentStatus.REQUESTED, tenant_id=event.tenant_id, direction=Direction.OUTGOING,
                idempotency_key=event.idempotency_key, amount=event.amount, currency=event.currency,
                payer=event.payer, beneficiary=event.beneficiary, purpose=event.purpose,
                end_to_end_id=event.end_to_end_id, invoice_id=event.invoice_id,
                purchase_order_id=event.purchase_order_id, execution_date=event.execution_date,
                vat_note=event.vat_note, requested_at=event.requested_at, requested_by=event.requested_by,
            )  # fmt: skip
        case IncomingPaymentRecorded():
            return replace(
                state, status=PaymentStatus.SETTLED, tenant_id=event.tenant_id, direction=Direction.INCOMING,
                idempotency_key=event.statement_line_ref, amount=event.amount, currency=event.currency,
                payer=event.payer, beneficiary=event.beneficiary, purpose=event.purpose,
                invoice_id=event.invoice_id, statement_line_ref=event.statement_line_ref,
                settled_on=event.received_on,
            )  # fmt: skip
        case PaymentApproved():
            return replace(state, status=PaymentStatus.APPROVED, approved_by=event.approved_by)
        case PaymentRejected():
            return replace(state, status=PaymentStatus.REJECTED, reason=event.reason)
        case PaymentReserved():
            return replace(state, status=PaymentStatus.RESERVED, reservation_id=event.reservation_id)
        case PaymentSent():
            return replace(state, status=PaymentStatus.SENT, bank_reference=event.bank_reference)
        case PaymentSettled():
            return replace(
                state, status=PaymentStatus.SETTLED, statement_line_ref=event.statement_line_ref,
                settled_on=event.settled_on,
            )  # fmt: skip
        case PaymentReturned():
            return replace(state, status=PaymentStatus.RETURNED, reason=event.reason)
        case PaymentCancelled():
            return replace(state, status=PaymentStatus.CANCELLED, reason=event.reason)
    raise TypeError(f"not a payment event: {event!r}")


payment_decider: Decider[Payment, PaymentCommand, PaymentEvent] = Decider(Payment(), decide, evolve)
