"""Invoices over HTTP: supplier invoices and their three-way match, the tenant's invoices and credit notes, payments.

- A supplier's invoice gets its id from the tenant, the supplier's account and the supplier's own number,
  so the same invoice registered twice is one invoice (a second one with other figures: 409).
- `POST /api/invoices/{id}/match` reads the purchase order as it stands (lines, prices, received so far)
  and records the match; `GET .../match` shows the three-way match computed now, line by line.
- Issuing a receivable or credit note is three idempotent steps: freeze the draft (`IssueInvoice`), take
  the next number of the tenant's year from its numbering aggregate (`AssignInvoiceNumber`, one command id
  per invoice, so a retry gets the same number), and record it on the invoice (`RecordInvoiceNumber`). A
  frozen invoice can neither change nor be voided, so every number handed out ends on its invoice: no
  gaps. A request cut short (202) is finished by calling issue again. A credit note, once issued, reduces
  the invoice it credits (`ApplyCredit`).
- Overdue is computed at read time (past the due date and still owing), in lists and reads.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import Field, TypeAdapter

from api.deps import (
    CurrentSession,
    Offset,
    PlatformDep,
    Session,
    Strict,
    issued,
    page_size,
    require_permission,
    tenant_db,
)
from api.idempotency import created_id
from api.outcomes import CommandsOn, send_command, tenant_row
from api.platform import Platform
from api.routers.customs.read_models import today
from sinks.postgres import invoice_queries, purchase_order_queries
from sinks.postgres.invoice_queries import InvoiceFilter
from streams.company.permissions import Action
from streams.invoice.commands import (
    AcceptMismatch,
    ApplyCredit,
    AssignInvoiceNumber,
    DraftInvoice,
    EditDraft,
    InvoiceContent,
    InvoiceKind,
    IssueInvoice,
    MatchToOrder,
    ReceiveSupplierInvoice,
    RecordInvoiceNumber,
    RecordPayment,
    SchedulePayment,
    VoidInvoice,
)
from streams.invoice.decider import Invoice, InvoiceStatus, numbering_id_for
from streams.invoice.domain import INVOICE, INVOICE_NUMBERING
from streams.invoice.matching import match
from streams.purchase_order.decider import PurchaseOrder, order_facts

router = APIRouter(tags=["invoices"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such invoice")
INVOICE_NAMESPACE = uuid.UUID("6e2d8b14-93a7-4c5f-b0e1-7a8c9d0e1f23")
SUPPLIER_INVOICE_NAMESPACE = uuid.UUID("a4c1e7f2-5b3d-4a9e-8f60-1d2c3b4a5e69")
NUMBER_COMMAND_NAMESPACE = uuid.UUID("c8e5a2d1-6f4b-4c3a-9e7d-0b1a2c3d4e5f")
INVOICE_STATE = TypeAdapter(Invoice)
ORDER_STATE = TypeAdapter(PurchaseOrder)


class SupplierInvoiceIn(Strict):
    supplier_invoice_number: str = Field(min_length=1, max_length=64)
    issued_on: date
    content: InvoiceContent


class DraftIn(Strict):
    content: InvoiceContent
    credited_invoice_id: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=500)


class ContentIn(Strict):
    content: InvoiceContent


class IssueIn(Strict):
    issued_on: date


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class ScheduleIn(Strict):
    pay_on: date


class PaymentIn(Strict):
    payment_id: str = Field(min_length=1, max_length=64)
    amount: Decimal
    paid_on: date
    currency: str | None = Field(default=None, min_length=3, max_length=3)


# Read as of today: what is overdue or expiring depends on the day.
read_invoice = tenant_row(lambda conn, aggregate_id: invoice_queries.invoice(conn, aggregate_id, today()), NOT_FOUND)


async def invoice_state(found: Platform, session: Session, invoice_id: str) -> Invoice:
    async with tenant_db(found, session) as conn:
        row = await invoice_queries.invoice_state(conn, invoice_id)
    if row is None:
        raise NOT_FOUND
    return INVOICE_STATE.validate_python(row)


INVOICES = CommandsOn(INVOICE, read_invoice, Action.FINANCE_INVOICE_EDIT)


def _conflict(reason: str, field: str | None) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, {"reason": reason, "field": field})


def supplier_invoice_id_for(tenant_id: str, supplier_account: str, number: str) -> str:
    """One id per supplier and its invoice number: the same supplier invoice cannot be registered twice."""
    account = supplier_account.replace(" ", "").upper()
    return str(uuid.uuid5(SUPPLIER_INVOICE_NAMESPACE, f"{tenant_id}\n{account}\n{number.strip()}"))


@router.post("/api/invoices/payables", status_code=status.HTTP_201_CREATED)
async def receive_supplier_invoice(body: SupplierInvoiceIn, session: CurrentSession, found: PlatformDep) -> Any:
    tenant_id = require_permission(session, Action.FINANCE_INVOICE_EDIT)
    invoice_id = supplier_invoice_id_for(tenant_id, body.content.counterparty.account, body.supplier_invoice_number)
    message = ReceiveSupplierInvoice(body.supplier_invoice_number, body.issued_on, body.content)
    return await INVOICES.send(found, session, invoice_id, message)


@router.post("/api/invoices", status_code=status.HTTP_201_CREATED)
async def draft_invoice(body: DraftIn, session: CurrentSession, found: PlatformDep) -> Any:
    """A receivable in draft, or with `credited_invoice_id` a credit note; numbered when issued."""
    require_permission(session, Action.FINANCE_INVOICE_EDIT)
    invoice_id = created_id(INVOICE_NAMESPACE)
    message = DraftInvoice(body.content, body.credited_invoice_id, body.reason)
    return await INVOICES.send(found, session, invoice_id, message)


@router.get("/api/invoices")
async def list_invoices(
    session: CurrentSession,
    found: PlatformDep,
    kind: Annotated[list[InvoiceKind] | None, Query()] = None,
    status_: Annotated[list[InvoiceStatus] | None, Query(alias="status")] = None,
    overdue: bool | None = None,
    purchase_order_id: Annotated[str | None, Query(max_length=64)] = None,
    counterparty: Annotated[str | None, Query(max_length=160)] = None,
    limit: Annotated[int, page_size(200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    matching = InvoiceFilter(
        kinds=tuple(str(k) for k in kind or ()),
        statuses=tuple(str(s) for s in status_ or ()),
        overdue=overdue,
        purchase_order_id=purchase_order_id,
        counterparty=counterparty,
    )
    async with tenant_db(found, session) as conn:
        items, total = await invoice_queries.invoices(conn, matching, today(), limit, offset)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/api/invoice-numbers")
async def invoice_numbers(
    session: CurrentSession, found: PlatformDep, year: Annotated[int, Query(ge=2000, le=9999)]
) -> dict[str, Any]:
    """Every number the tenant's numbering handed out in `year`, in sequence, and the gaps (none expected)."""
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        rows = await invoice_queries.numbers(conn, year)
    sequences = [row["sequence"] for row in rows]
    gaps = sorted(set(range(1, max(sequences, default=0) + 1)) - set(sequences))
    return {"year": year, "numbers": rows, "gaps": gaps}


@router.get("/api/invoices/{invoice_id}")
async def get_invoice(invoice_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    return await read_invoice(found, session, invoice_id)


@router.get("/api/invoices/{invoice_id}/history")
async def invoice_history(invoice_id: str, session: CurrentSession, found: PlatformDep) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    await read_invoice(found, session, invoice_id)  # 404 unless it is the tenant's
    async with tenant_db(found, session) as conn:
        return await invoice_queries.invoice_history(conn, invoice_id)


async def _order_facts(found: Platform, session: Session, invoice: Invoice) -> tuple[str, MatchToOrder]:
    """The purchase order the payable bills, as the match sees it now: its lines, prices and receipts."""
    assert invoice.content is not None
    order_id = invoice.content.purchase_order_id
    if order_id is None:
        raise _conflict("the invoice names no purchase order", None)
    async with tenant_db(found, session) as conn:
        row = await purchase_order_queries.purchase_order_state(conn, order_id)
    if row is None:
        raise _conflict("no such purchase order", "purchase_order_id")
    order = ORDER_STATE.validate_python(row)
    assert order.terms is not None
    return order_id, MatchToOrder(order_id, order.terms.currency, order_facts(order))


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@router.get("/api/invoices/{invoice_id}/match")
async def match_result(invoice_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    """The three-way match as it stands now: each invoice line beside its order line and receipts, mismatches."""
    require_permission(session, Action.FINANCE_READ)
    invoice = await invoice_state(found, session, invoice_id)
    if invoice.kind is not InvoiceKind.PAYABLE or invoice.content is None:
        raise _conflict("only a supplier's invoice is matched", None)
    order_id, facts = await _order_facts(found, session, invoice)
    result = match(invoice.content.lines, invoice.content.currency, facts.order_lines, facts.currency)
    return {
        "purchase_order_id": order_id,
        "matches": result.matches,
        "lines": [
            {
                "invoice_line_no": line.invoice_line_no,
                "order_line_no": line.order_line_no,
                "ordered": _number(line.ordered),
                "received": _number(line.received),
                "invoiced": _number(line.invoiced),
                "order_price": _number(line.order_price),
                "invoiced_price": _number(line.invoiced_price),
                "matches": line.matches,
            }
            for line in result.lines
        ],
        "mismatches": [
            {
                "invoice_line_no": m.invoice_line_no,
                "order_line_no": m.order_line_no,
                "problem": m.problem,
                "reason": m.reason,
                "expected": _number(m.expected),
                "actual": _number(m.actual),
            }
            for m in result.mismatches
        ],
    }


@router.post("/api/invoices/{invoice_id}/match")
async def record_match(invoice_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Match the payable against its purchase order as it stands now, and record the result."""
    require_permission(session, Action.FINANCE_INVOICE_EDIT)
    _, facts = await _order_facts(found, session, await invoice_state(found, session, invoice_id))
    return await INVOICES.send(found, session, invoice_id, facts)


@router.put("/api/invoices/{invoice_id}")
async def edit_draft(invoice_id: str, body: ContentIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await INVOICES.send(found, session, invoice_id, EditDraft(body.content))


@router.post("/api/invoices/{invoice_id}/accept-mismatch")
async def accept_mismatch(invoice_id: str, body: ReasonIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await INVOICES.send(found, session, invoice_id, AcceptMismatch(body.reason))


@router.post("/api/invoices/{invoice_id}/schedule-payment")
async def schedule_payment(invoice_id: str, body: ScheduleIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await INVOICES.send(found, session, invoice_id, SchedulePayment(body.pay_on))


@router.post("/api/invoices/{invoice_id}/payments")
async def record_payment(invoice_id: str, body: PaymentIn, session: CurrentSession, found: PlatformDep) -> Any:
    """A payment of this invoice (the saga records settled payments; an accountant may record one by hand)."""
    message = RecordPayment(body.payment_id, body.amount, body.paid_on, body.currency)
    return await INVOICES.send(found, session, invoice_id, message)


@router.post("/api/invoices/{invoice_id}/void")
async def void_invoice(invoice_id: str, body: ReasonIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await INVOICES.send(found, session, invoice_id, VoidInvoice(body.reason))


async def _credit_check(found: Platform, session: Session, note: Invoice) -> None:
    """A credit note is issued only against the tenant's receivable in its currency, for no more than it owes."""
    assert note.credited_invoice_id is not None and note.totals is not None and note.content is not None
    async with tenant_db(found, session) as conn:
        row = await invoice_queries.invoice_state(conn, note.credited_invoice_id)
    credited = None if row is None else INVOICE_STATE.validate_python(row)
    if credited is None or credited.kind is not InvoiceKind.RECEIVABLE or credited.content is None:
        raise _conflict("no such receivable", "credited_invoice_id")
    if credited.status not in {InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID}:
        reason = f"the credited invoice is {credited.status}"
        raise _conflict(reason, "credited_invoice_id")
    if credited.content.currency != note.content.currency:
        reason = f"the credited invoice is in {credited.content.currency}"
        raise _conflict(reason, "content.currency")
    if note.totals.total > credited.outstanding:
        reason = f"the credit of {note.totals.total} is more than the {credited.outstanding} still owed"
        raise _conflict(reason, "content.lines")


@router.post("/api/invoices/{invoice_id}/issue")
async def issue_invoice(invoice_id: str, body: IssueIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Issue under the next number of the tenant's year (see the module's docstring); again: finishes or repeats."""
    tenant_id = require_permission(session, Action.FINANCE_INVOICE_EDIT)
    caller = issued(session)
    invoice = await invoice_state(found, session, invoice_id)
    if invoice.kind is InvoiceKind.CREDIT_NOTE and invoice.status is InvoiceStatus.DRAFT:
        await _credit_check(found, session, invoice)
    if invoice.status in {InvoiceStatus.DRAFT, InvoiceStatus.ISSUING}:
        frozen = await send_command(found, INVOICE, invoice_id, IssueInvoice(body.issued_on), caller)
        if isinstance(frozen, JSONResponse):
            return frozen
        invoice = await invoice_state(found, session, invoice_id)
    if invoice.status is InvoiceStatus.ISSUING:
        assert invoice.year is not None
        async with tenant_db(found, session) as conn:
            assigned = await invoice_queries.assigned_number(conn, invoice_id)
        if assigned is None:
            numbered = await send_command(
                found, INVOICE_NUMBERING, numbering_id_for(tenant_id, invoice.year),
                AssignInvoiceNumber(invoice_id, invoice.year), caller,
                command_id=uuid.uuid5(NUMBER_COMMAND_NAMESPACE, invoice_id),
            )  # fmt: skip
            if isinstance(numbered, JSONResponse):
                return numbered
            async with tenant_db(found, session) as conn:
                assigned = await invoice_queries.assigned_number(conn, invoice_id)
            assert assigned is not None  # send_command waited for the numbering's read model
        recorded = await send_command(
            found, INVOICE, invoice_id, RecordInvoiceNumber(assigned["number"], assigned["year"], assigned["sequence"]),
            caller,
        )  # fmt: skip
        if isinstance(recorded, JSONResponse):
            return recorded
        invoice = await invoice_state(found, session, invoice_id)
    if invoice.kind is InvoiceKind.CREDIT_NOTE and invoice.status is InvoiceStatus.ISSUED:
        assert invoice.credited_invoice_id is not None and invoice.totals is not None
        credit = ApplyCredit(invoice_id, invoice.totals.total)
        applied = await send_command(found, INVOICE, invoice.credited_invoice_id, credit, caller)
        if isinstance(applied, JSONResponse):
            return applied
    if invoice.status is not InvoiceStatus.ISSUED:
        reason = f"an invoice that is {invoice.status} cannot be issued"
        raise _conflict(reason, "status")
    return await read_invoice(found, session, invoice_id)
