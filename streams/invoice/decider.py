"""The invoice decider: supplier invoices (payables), the tenant's invoices (receivables) and credit notes.

Payables: received -> matched (three-way, streams/invoice/matching.py) or mismatched -> (a person
accepts the mismatch) -> scheduled for payment -> partly paid -> paid; void while nothing is paid.
Receivables and credit notes: draft -> issuing -> issued -> partly paid -> paid; void keeps the number.

- Amounts: one currency per invoice, prices with no more decimals than it has (`streams.money`);
  VAT per rate (streams/invoice/totals.py).
- Numbers: issuing freezes the draft (`IssueRequested`); the tenant's numbering for the year
  (`numbering_decider` below, one aggregate per tenant and year) hands out the next number, and
  `RecordInvoiceNumber` makes the invoice issued. A frozen invoice cannot be edited or voided, so a
  number once handed out always ends on its invoice: no gaps; a voided invoice keeps its number.
- Overdue is not a state: it is computed at read time (`is_overdue`), past the due date and not paid.
- Payments (`RecordPayment`, from the saga when a payment settles) and credits (`ApplyCredit`, when a
  credit note is issued) reduce what is owed, never below zero; each counts once (by its id).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from streams.company.identifiers import InvalidDetail, text
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.invoice.commands import (
    AcceptMismatch,
    ApplyCredit,
    AssignInvoiceNumber,
    DraftInvoice,
    EditDraft,
    InvoiceCommand,
    InvoiceContent,
    InvoiceKind,
    InvoiceLine,
    IssueInvoice,
    MatchToOrder,
    ReceiveSupplierInvoice,
    RecordInvoiceNumber,
    RecordPayment,
    SchedulePayment,
    VatRate,
    VoidInvoice,
)
from streams.invoice.events import (
    CreditApplied,
    DraftEdited,
    InvoiceDrafted,
    InvoiceEvent,
    InvoiceIssued,
    InvoiceMatched,
    InvoiceMismatched,
    InvoiceNumberAssigned,
    InvoicePaymentRecorded,
    InvoiceVoided,
    IssueRequested,
    MismatchAccepted,
    PaymentScheduled,
    SupplierInvoiceReceived,
    Totals,
)
from streams.invoice.matching import match
from streams.invoice.totals import totals_of
from streams.payment.parties import checked_party
from streams.process import sent_by_process
from streams.purchase_order import amounts
from streams.purchase_order.decider import UNIT_PATTERN

MAX_LINES = 500
ID_MAX = 64
REASON_MAX = 500
NUMBER_PATTERN = re.compile(r"^(\d{4})-(\d{6,})$")
RECENT_ASSIGNMENTS = 256
NUMBERING_NAMESPACE = uuid.UUID("0b6f3c52-8e1d-4a7f-9c20-5d4e3b2a1f60")

Decision = Sequence[InvoiceEvent] | Rejection


class InvoiceStatus(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    ISSUING = "issuing"  # frozen, its number on the way
    ISSUED = "issued"
    RECEIVED = "received"  # a payable, not yet matched
    MISMATCHED = "mismatched"
    MATCHED = "matched"  # or its mismatch accepted
    SCHEDULED = "scheduled"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    VOID = "void"


@dataclass(frozen=True)
class Invoice:
    status: InvoiceStatus = InvoiceStatus.NONE
    tenant_id: str | None = None
    kind: InvoiceKind = InvoiceKind.RECEIVABLE
    content: InvoiceContent | None = None
    totals: Totals | None = None
    supplier_invoice_number: str = ""  # payables: the supplier's own number
    number: str | None = None  # receivables and credit notes: the tenant's number, once issued
    year: int | None = None  # the numbering year, once issuing
    issued_on: date | None = None
    credited_invoice_id: str | None = None
    reason: str = ""  # a credit note's reason; why it was voided
    pay_on: date | None = None
    paid: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)
    payment_ids: tuple[str, ...] = ()
    credit_note_ids: tuple[str, ...] = ()

    @property
    def outstanding(self) -> Decimal:
        return Decimal(0) if self.totals is None else self.totals.total - self.credited - self.paid


def is_overdue(invoice: Invoice, today: date) -> bool:
    """Past its due date and not paid (read time: overdue is not a state of its own)."""
    owing = {InvoiceStatus.ISSUED, InvoiceStatus.MATCHED, InvoiceStatus.MISMATCHED, InvoiceStatus.RECEIVED,
             InvoiceStatus.SCHEDULED, InvoiceStatus.PARTLY_PAID}  # fmt: skip
    return (
        invoice.content is not None
        and invoice.kind is not InvoiceKind.CREDIT_NOTE
        and invoice.status in owing
        and invoice.content.due_on < today
    )


def _invalid(fault: InvalidDetail) -> Rejection:
    return reject(RejectionCode.INVALID, fault.reason, fault.field)


def _checked_line(line: InvoiceLine, currency: str, field: str) -> InvoiceLine:
    unit = line.unit.strip()
    if not UNIT_PATTERN.match(unit):
        raise InvalidDetail(f"{field}.unit", "a unit is its three-digit OKEI code, e.g. 796 pieces, 166 kg")
    try:
        rate = VatRate(line.vat_rate)
    except ValueError:
        raise InvalidDetail(f"{field}.vat_rate", f"{line.vat_rate!r} is not a VAT rate (22, 20, 10, 0, none)") from None
    if line.order_line_no is not None and line.order_line_no < 1:
        raise InvalidDetail(f"{field}.order_line_no", "an order line number is positive")
    return replace(
        line,
        description=text(line.description, f"{field}.description", 500),
        quantity=amounts.quantity(line.quantity, f"{field}.quantity"),
        unit=unit,
        unit_price=amounts.amount(line.unit_price, currency, f"{field}.unit_price"),
        vat_rate=rate,
    )


def checked_content(content: InvoiceContent, field: str = "content") -> InvoiceContent:
    """The invoice's content normalised, or InvalidDetail naming the field (e.g. `content.lines[1].unit_price`)."""
    code = amounts.currency(content.currency, f"{field}.currency")
    if not content.lines:
        raise InvalidDetail(f"{field}.lines", "an invoice has at least one line")
    if len(content.lines) > MAX_LINES:
        raise InvalidDetail(f"{field}.lines", f"an invoice has at most {MAX_LINES} lines")
    numbers = [line.line_no for line in content.lines]
    if len(set(numbers)) != len(numbers) or min(numbers) < 1:
        raise InvalidDetail(f"{field}.lines", "line numbers are positive and unique")
    order = content.purchase_order_id
    return InvoiceContent(
        counterparty=checked_party(content.counterparty, code, f"{field}.counterparty"),
        currency=code,
        lines=tuple(_checked_line(line, code, f"{field}.lines[{i}]") for i, line in enumerate(content.lines)),
        due_on=content.due_on,
        counterparty_tax_id=" ".join(content.counterparty_tax_id.split())[:40],
        purchase_order_id=None
        if order is None or not order.strip()
        else text(order, f"{field}.purchase_order_id", ID_MAX),
        notes=" ".join(content.notes.split())[:1000],
    )


def _receive(state: Invoice, cmd: ReceiveSupplierInvoice, context: CommandContext) -> Decision:
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    number = text(cmd.supplier_invoice_number, "supplier_invoice_number", 64)
    content = checked_content(cmd.content)
    if cmd.content.due_on < cmd.issued_on:
        raise InvalidDetail("content.due_on", "the due date is before the invoice's date")
    if state.status is not InvoiceStatus.NONE:
        if state.kind is InvoiceKind.PAYABLE and state.supplier_invoice_number == number and state.content == content:
            return []
        return reject(
            RejectionCode.CONFLICT, "this invoice already exists with other details", "supplier_invoice_number"
        )
    totals = totals_of(content.lines, content.currency)
    return [
        SupplierInvoiceReceived(
            context.tenant_id, number, cmd.issued_on, content, totals, context.actor_id, context.issued_at
        )
    ]


def _draft(state: Invoice, cmd: DraftInvoice, context: CommandContext) -> Decision:
    assert context.tenant_id is not None
    content = checked_content(cmd.content)
    credited = None
    reason = " ".join(cmd.reason.split())[:REASON_MAX]
    if cmd.credited_invoice_id is not None and cmd.credited_invoice_id.strip():
        credited = text(cmd.credited_invoice_id, "credited_invoice_id", ID_MAX)
        if not reason:
            raise InvalidDetail("reason", "a credit note says why")
    kind = InvoiceKind.RECEIVABLE if credited is None else InvoiceKind.CREDIT_NOTE
    if state.status is not InvoiceStatus.NONE:
        if state.kind is kind and state.content == content and state.credited_invoice_id == credited:
            return []
        return reject(RejectionCode.CONFLICT, "this invoice already exists with other details", "content")
    totals = totals_of(content.lines, content.currency)
    return [
        InvoiceDrafted(context.tenant_id, kind, content, totals, context.actor_id, context.issued_at, credited, reason)
    ]


# Where each step may start from (creation is NONE -> RECEIVED or DRAFT above), and for which kinds.
PAYABLE = frozenset({InvoiceKind.PAYABLE})
ISSUED_KINDS = frozenset({InvoiceKind.RECEIVABLE, InvoiceKind.CREDIT_NOTE})
LEGAL_FROM: Mapping[type, tuple[frozenset[InvoiceStatus], frozenset[InvoiceKind]]] = MappingProxyType(
    {
        MatchToOrder: (frozenset({InvoiceStatus.RECEIVED, InvoiceStatus.MISMATCHED}), PAYABLE),
        AcceptMismatch: (frozenset({InvoiceStatus.RECEIVED, InvoiceStatus.MISMATCHED}), PAYABLE),
        SchedulePayment: (frozenset({InvoiceStatus.MATCHED, InvoiceStatus.SCHEDULED}), PAYABLE),
        EditDraft: (frozenset({InvoiceStatus.DRAFT}), ISSUED_KINDS),
        IssueInvoice: (frozenset({InvoiceStatus.DRAFT, InvoiceStatus.ISSUING}), ISSUED_KINDS),
        RecordInvoiceNumber: (frozenset({InvoiceStatus.ISSUING, InvoiceStatus.ISSUED}), ISSUED_KINDS),
        ApplyCredit: (
            frozenset({InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID}),
            frozenset({InvoiceKind.RECEIVABLE}),
        ),
        RecordPayment: (
            frozenset(
                {InvoiceStatus.ISSUED, InvoiceStatus.MATCHED, InvoiceStatus.SCHEDULED, InvoiceStatus.PARTLY_PAID}
            ),
            frozenset({InvoiceKind.PAYABLE, InvoiceKind.RECEIVABLE}),
        ),
        VoidInvoice: (
            frozenset(
                {
                    InvoiceStatus.DRAFT,
                    InvoiceStatus.ISSUED,
                    InvoiceStatus.RECEIVED,
                    InvoiceStatus.MISMATCHED,
                    InvoiceStatus.MATCHED,
                    InvoiceStatus.SCHEDULED,
                }
            ),
            frozenset(InvoiceKind),
        ),
    }
)


def _step(state: Invoice, cmd: InvoiceCommand, context: CommandContext) -> Decision:
    if state.status is InvoiceStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such invoice")
    statuses, kinds = LEGAL_FROM[type(cmd)]
    if state.kind not in kinds:
        return reject(RejectionCode.ILLEGAL_STATE, f"a {state.kind} invoice cannot take {type(cmd).__name__}", "kind")
    if state.status not in statuses:
        return reject(
            RejectionCode.ILLEGAL_STATE,
            f"an invoice that is {state.status} cannot take {type(cmd).__name__}"
            f" (only when {', '.join(sorted(statuses))})",
            "status",
        )
    return _events_of_step(state, cmd, context)


def _saga_facts(state: Invoice) -> tuple[str, Decimal, str, date]:
    assert state.content is not None and state.totals is not None
    return state.supplier_invoice_number, state.totals.total, state.content.currency, state.content.due_on


def _match(state: Invoice, cmd: MatchToOrder, context: CommandContext) -> Decision:
    assert state.content is not None
    order_id = text(cmd.purchase_order_id, "purchase_order_id", ID_MAX)
    if state.content.purchase_order_id != order_id:
        return reject(RejectionCode.CONFLICT, "the invoice bills another purchase order", "purchase_order_id")
    result = match(state.content.lines, state.content.currency, cmd.order_lines, cmd.currency)
    if result.mismatches:
        return [InvoiceMismatched(order_id, result.mismatches, context.issued_at, result.lines)]
    number, total, currency, due_on = _saga_facts(state)
    return [
        InvoiceMatched(
            order_id, context.issued_at, result.lines, number, total, currency, due_on, state.content.counterparty
        )
    ]


def _record_number(state: Invoice, cmd: RecordInvoiceNumber) -> Decision:
    matched = NUMBER_PATTERN.match(cmd.number)
    if matched is None or int(matched.group(1)) != cmd.year or int(matched.group(2)) != cmd.sequence:
        return reject(RejectionCode.INVALID, "a number is <year>-<sequence of six digits>", "number")
    if state.status is InvoiceStatus.ISSUED:
        if state.number == cmd.number:
            return []
        return reject(RejectionCode.CONFLICT, f"the invoice is already issued as {state.number}", "number")
    if cmd.year != state.year:
        return reject(RejectionCode.CONFLICT, f"the invoice is issued in {state.year}, not {cmd.year}", "year")
    assert state.content is not None and state.totals is not None and state.issued_on is not None
    return [
        InvoiceIssued(
            cmd.number, cmd.year, cmd.sequence, state.issued_on, state.kind, state.content.counterparty,
            state.content.currency, state.totals, state.content.due_on, state.credited_invoice_id,
        )
    ]  # fmt: skip


def _reduction(state: Invoice, value: Decimal, field: str) -> Decimal | Rejection:
    assert state.content is not None
    checked = amounts.amount(value, state.content.currency, field)
    if checked > state.outstanding:
        return reject(
            RejectionCode.CONFLICT,
            f"{checked} {state.content.currency} is more than the {state.outstanding} still owed",
            field,
        )
    return checked


def _events_of_step(state: Invoice, cmd: InvoiceCommand, context: CommandContext) -> Decision:
    at, actor = context.issued_at, context.actor_id
    assert state.content is not None and state.totals is not None
    match cmd:
        case MatchToOrder():
            return _match(state, cmd, context)
        case AcceptMismatch(reason=reason):
            number, total, currency, due_on = _saga_facts(state)
            why = text(reason, "reason", REASON_MAX)
            return [MismatchAccepted(why, actor, at, number, total, currency, due_on, state.content.counterparty)]
        case SchedulePayment(pay_on=pay_on):
            if pay_on < at.date():
                if not sent_by_process(context):
                    return reject(RejectionCode.INVALID, "the payment date is in the past", "pay_on")
                pay_on = at.date()  # the saga schedules on the due date: one already past is paid at once
            if state.status is InvoiceStatus.SCHEDULED and state.pay_on == pay_on:
                return []
            return [
                PaymentScheduled(
                    pay_on, state.outstanding, state.content.currency, state.content.counterparty,
                    state.supplier_invoice_number, state.content.purchase_order_id, actor, at,
                )
            ]  # fmt: skip
        case EditDraft(content=content):
            checked = checked_content(content)
            if checked == state.content:
                return []
            return [DraftEdited(checked, totals_of(checked.lines, checked.currency), actor, at)]
        case IssueInvoice(issued_on=issued_on):
            if state.status is InvoiceStatus.ISSUING:
                if issued_on == state.issued_on:
                    return []
                return reject(RejectionCode.CONFLICT, f"the invoice is being issued on {state.issued_on}", "issued_on")
            if state.content.due_on < issued_on:
                return reject(RejectionCode.INVALID, "the due date is before the invoice's date", "content.due_on")
            return [IssueRequested(issued_on, issued_on.year, actor)]
        case RecordInvoiceNumber():
            return _record_number(state, cmd)
        case ApplyCredit(credit_note_id=credit_note_id, amount=amount):
            note = text(credit_note_id, "credit_note_id", ID_MAX)
            if note in state.credit_note_ids:
                return []
            credit = _reduction(state, amount, "amount")
            if isinstance(credit, Rejection):
                return credit
            return [CreditApplied(note, credit, state.outstanding - credit)]
        case RecordPayment(payment_id=payment_id, amount=amount, paid_on=paid_on, currency=currency):
            payment = text(payment_id, "payment_id", ID_MAX)
            if payment in state.payment_ids:
                return []
            if currency is not None and currency != state.content.currency:
                reason = f"the payment is in {currency}, the invoice in {state.content.currency}"
                return reject(RejectionCode.CONFLICT, reason, "currency")
            paid = _reduction(state, amount, "amount")
            if isinstance(paid, Rejection):
                return paid
            outstanding = state.outstanding - paid
            return [InvoicePaymentRecorded(payment, paid, paid_on, state.paid + paid, outstanding, outstanding == 0)]
        case VoidInvoice(reason=reason):
            if state.paid or state.credited:
                return reject(
                    RejectionCode.ILLEGAL_STATE, "an invoice with payments or credits cannot be voided", "status"
                )
            return [InvoiceVoided(text(reason, "reason", REASON_MAX), actor, at, state.number)]
    raise TypeError(f"not an invoice step: {cmd!r}")


def decide(state: Invoice, command: InvoiceCommand, context: CommandContext) -> Decision:
    try:
        match command:
            case ReceiveSupplierInvoice():
                return _receive(state, command, context)
            case DraftInvoice():
                return _draft(state, command, context)
        return _step(state, command, context)
    except InvalidDetail as fault:
        return _invalid(fault)


def _owing_status(state: Invoice) -> InvoiceStatus:
    return InvoiceStatus.PAID if state.outstanding == 0 else state.status


def evolve(state: Invoice, event: InvoiceEvent) -> Invoice:
    match event:
        case SupplierInvoiceReceived():
            return replace(
                state, status=InvoiceStatus.RECEIVED, tenant_id=event.tenant_id, kind=InvoiceKind.PAYABLE,
                content=event.content, totals=event.totals, supplier_invoice_number=event.supplier_invoice_number,
                issued_on=event.issued_on,
            )  # fmt: skip
        case InvoiceMatched() | MismatchAccepted():
            return replace(state, status=InvoiceStatus.MATCHED)
        case InvoiceMismatched():
            return replace(state, status=InvoiceStatus.MISMATCHED)
        case PaymentScheduled():
            return replace(state, status=InvoiceStatus.SCHEDULED, pay_on=event.pay_on)
        case InvoiceDrafted():
            return replace(
                state, status=InvoiceStatus.DRAFT, tenant_id=event.tenant_id, kind=event.kind, content=event.content,
                totals=event.totals, credited_invoice_id=event.credited_invoice_id, reason=event.reason,
            )  # fmt: skip
        case DraftEdited():
            return replace(state, content=event.content, totals=event.totals)
        case IssueRequested():
            return replace(state, status=InvoiceStatus.ISSUING, issued_on=event.issued_on, year=event.year)
        case InvoiceIssued():
            return replace(state, status=InvoiceStatus.ISSUED, number=event.number, year=event.year)
        case CreditApplied():
            credited = replace(
                state,
                credited=state.credited + event.amount,
                credit_note_ids=(*state.credit_note_ids, event.credit_note_id),
            )
            return replace(credited, status=_owing_status(credited))
        case InvoicePaymentRecorded():
            paid = replace(state, paid=event.paid_total, payment_ids=(*state.payment_ids, event.payment_id),
                           status=InvoiceStatus.PARTLY_PAID)  # fmt: skip
            return replace(paid, status=_owing_status(paid))
        case InvoiceVoided():
            return replace(state, status=InvoiceStatus.VOID, reason=event.reason)
    raise TypeError(f"not an invoice event: {event!r}")


invoice_decider: Decider[Invoice, InvoiceCommand, InvoiceEvent] = Decider(Invoice(), decide, evolve)


# The numbering: one aggregate per tenant and year hands out 1, 2, 3 ... in the order it decides.


@dataclass(frozen=True)
class InvoiceNumbering:
    tenant_id: str | None = None
    year: int | None = None
    last: int = 0
    # The latest assignments (invoice id, number): a repeated request gets its number again. Bounded, as the
    # state is read and written whole for every command; the API also looks the number up before asking.
    recent: tuple[tuple[str, str], ...] = ()

    def number_of(self, invoice_id: str) -> str | None:
        return next((number for assigned, number in self.recent if assigned == invoice_id), None)


def numbering_id_for(tenant_id: str, year: int) -> str:
    return str(uuid.uuid5(NUMBERING_NAMESPACE, f"{tenant_id}\n{year}"))


def number_for(year: int, sequence: int) -> str:
    return f"{year}-{sequence:06d}"


def decide_number(
    state: InvoiceNumbering, command: AssignInvoiceNumber, context: CommandContext
) -> Sequence[InvoiceNumberAssigned] | Rejection:
    assert context.tenant_id is not None
    if not 2000 <= command.year <= 9999:
        return reject(RejectionCode.INVALID, "a numbering year is from 2000 to 9999", "year")
    if state.year is not None and state.year != command.year:
        return reject(RejectionCode.CONFLICT, f"this numbering is for {state.year}", "year")
    try:
        invoice_id = text(command.invoice_id, "invoice_id", ID_MAX)
    except InvalidDetail as fault:
        return _invalid(fault)
    if state.number_of(invoice_id) is not None:
        return []  # the same invoice again: it keeps the number it has
    sequence = state.last + 1
    return [
        InvoiceNumberAssigned(context.tenant_id, invoice_id, command.year, sequence, number_for(command.year, sequence))
    ]


def evolve_number(state: InvoiceNumbering, event: InvoiceNumberAssigned) -> InvoiceNumbering:
    return InvoiceNumbering(
        tenant_id=event.tenant_id,
        year=event.year,
        last=event.sequence,
        recent=(*state.recent, (event.invoice_id, event.number))[-RECENT_ASSIGNMENTS:],
    )


numbering_decider: Decider[InvoiceNumbering, AssignInvoiceNumber, InvoiceNumberAssigned] = Decider(
    InvoiceNumbering(), decide_number, evolve_number
)
