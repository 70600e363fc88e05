"""Payments over HTTP: request (with an Idempotency-Key), approve, reject, cancel, mark sent; lists and details;
payment orders exported as pain.001 or 1C text; bank statements imported and matched, open lines matched by hand.

A payment's id derives from the tenant and the client's Idempotency-Key, so a retried request names the same
payment: with the same body it is answered as before, with another body 409 naming what differs (the
middleware for the same caller, the decider for anyone in the tenant). Reservations come from the ledger's
saga (`MarkReserved`), not from a route. An imported statement settles the payments its lines match
(`SettlePayment`) and records incoming money matched to receivables (`RecordIncomingPayment`); lines left
open are listed for an operator, who matches them by hand.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
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
from api.idempotency import current_key
from api.outcomes import CommandsOn, send_command, tenant_row
from api.platform import Platform
from sinks.postgres import payment_queries
from streams.company.permissions import Action
from streams.payment.commands import (
    ApprovePayment,
    CancelPayment,
    Direction,
    MarkSent,
    Party,
    RecordIncomingPayment,
    RejectPayment,
    RequestPayment,
    ReturnPayment,
    SettlePayment,
)
from streams.payment.currency import RUB
from streams.payment.decider import Payment, PaymentStatus, incoming_payment_id_for, payment_id_for
from streams.payment.domain import PAYMENT
from streams.payment.formats import camt053, onec, pain001
from streams.payment.formats.orders import export_problem, order_number, payment_order, rouble_order
from streams.payment.formats.statements import ParsedStatement, StatementFormatError
from streams.payment.matching import OpenPayment, match
from streams.payment.statement.commands import LineMatch, MatchLine, StatementLine
from streams.payment.statement.decider import statement_id_for
from streams.payment.statement.domain import BANK_STATEMENT

router = APIRouter(tags=["payments"])
NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such payment")
MAX_STATEMENT_BYTES = 5_000_000  # the edge's limit for /api/bank-statements/import (api/edge.py)
MAX_EXPORTED = 500
PAYMENT_STATE = TypeAdapter(Payment)


class PartyIn(Strict):
    name: str = Field(min_length=1, max_length=160)
    country: str = Field(min_length=2, max_length=2)
    account: str = Field(min_length=1, max_length=34)
    bank_name: str = Field(default="", max_length=140)
    bank_bic: str | None = Field(default=None, max_length=11)
    inn: str | None = Field(default=None, max_length=12)
    kpp: str | None = Field(default=None, max_length=9)
    bik: str | None = Field(default=None, max_length=9)
    correspondent_account: str | None = Field(default=None, max_length=20)

    def party(self) -> Party:
        return Party(**self.model_dump())


class PaymentIn(Strict):
    amount: Decimal = Field(description="in the currency's major unit, with no more decimals than it has")
    currency: str = Field(min_length=1, max_length=3)
    payer: PartyIn
    beneficiary: PartyIn
    purpose: str = Field(min_length=1, max_length=210)
    invoice_id: str | None = Field(default=None, max_length=64)
    purchase_order_id: str | None = Field(default=None, max_length=64)
    execution_date: date | None = None
    vat_note: str = Field(default="", max_length=210)


class ReasonIn(Strict):
    reason: str = Field(min_length=1, max_length=500)


class SentIn(Strict):
    bank_reference: str = Field(min_length=1, max_length=35)


class LineMatchIn(Strict):
    line_ref: str = Field(min_length=1, max_length=255)
    payment_id: str | None = Field(default=None, max_length=64)
    invoice_id: str | None = Field(default=None, max_length=64)


read_payment = tenant_row(payment_queries.payment, NOT_FOUND)


PAYMENTS = CommandsOn(PAYMENT, read_payment, Action.FINANCE_PAYMENT_OPERATE)


@router.post("/api/payments", status_code=status.HTTP_201_CREATED)
async def request_payment(body: PaymentIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Ask for an outgoing payment. The Idempotency-Key is required: it names the payment."""
    tenant_id = require_permission(session, Action.FINANCE_PAYMENT_OPERATE)
    key = current_key()
    if key is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["header", "Idempotency-Key"], "msg": "a payment is created with an Idempotency-Key",
              "type": "missing"}],
        )  # fmt: skip
    command = RequestPayment(
        key, body.amount, body.currency, body.payer.party(), body.beneficiary.party(), body.purpose,
        body.invoice_id, body.purchase_order_id, body.execution_date, body.vat_note,
    )  # fmt: skip
    return await PAYMENTS.send(found, session, payment_id_for(tenant_id, key), command)


@router.get("/api/payments")
async def list_payments(
    session: CurrentSession,
    found: PlatformDep,
    status_is: Annotated[PaymentStatus | None, Query(alias="status")] = None,
    direction: Direction | None = None,
    limit: Annotated[int, page_size(200)] = 50,
    offset: Offset = 0,
) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await payment_queries.payments(
            conn, status_is and str(status_is), direction and str(direction), limit, offset
        )


async def _exportable(found: Platform, session: Session, ids: str) -> list[tuple[str, Payment]]:
    """The payments named (comma-separated), exportable, in the order given; else 404/409 naming the first."""
    require_permission(session, Action.FINANCE_PAYMENT_OPERATE)
    wanted = list(dict.fromkeys(part.strip() for part in ids.split(",") if part.strip()))
    if not 0 < len(wanted) <= MAX_EXPORTED:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [{"loc": ["query", "ids"], "msg": f"1 to {MAX_EXPORTED} payment ids, comma-separated", "type": "value"}],
        )
    async with tenant_db(found, session) as conn:
        states = await payment_queries.payment_states(conn, wanted)
    payments = []
    for payment_id in wanted:
        if payment_id not in states:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such payment {payment_id}")
        payment = PAYMENT_STATE.validate_python(states[payment_id])
        if problem := export_problem(payment):
            raise HTTPException(
                status.HTTP_409_CONFLICT, {"reason": f"payment {payment_id}: {problem}", "field": "ids"}
            )
        payments.append((payment_id, payment))
    return payments


def _in_currencies(payments: list[tuple[str, Payment]], rouble: bool) -> None:
    for payment_id, payment in payments:
        if (payment.currency == RUB) != rouble:
            where = "the 1C file carries rouble orders" if rouble else "pain.001 carries foreign-currency transfers"
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                {"reason": f"payment {payment_id} is in {payment.currency}: {where}; export it in the other format",
                 "field": "ids"},
            )  # fmt: skip


@router.get("/api/payments/orders.xml", response_class=Response)
async def export_pain001(
    session: CurrentSession, found: PlatformDep, ids: Annotated[str, Query(max_length=40_000)]
) -> Response:
    """Foreign-currency payment orders as one ISO 20022 pain.001.001.03 file."""
    payments = await _exportable(found, session, ids)
    _in_currencies(payments, rouble=False)
    now = datetime.now(UTC)
    orders = [payment_order(payment, now.date()) for _, payment in payments]
    document = pain001.export(orders, uuid.uuid4().hex, now, session.tenant_id or "")
    return Response(
        document,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="pain001-{now:%Y%m%d%H%M%S}.xml"'},
    )


@router.get("/api/payments/orders.1c", response_class=Response)
async def export_1c(
    session: CurrentSession, found: PlatformDep, ids: Annotated[str, Query(max_length=40_000)]
) -> Response:
    """Rouble payment orders as one 1C-to-bank exchange file (Windows-1251)."""
    payments = await _exportable(found, session, ids)
    _in_currencies(payments, rouble=True)
    now = datetime.now(UTC)
    orders = [rouble_order(payment_id, payment, now.date()) for payment_id, payment in payments]
    return Response(
        onec.export(orders, now),
        media_type="text/plain; charset=windows-1251",
        headers={"Content-Disposition": f'attachment; filename="1c_to_kl-{now:%Y%m%d%H%M%S}.txt"'},
    )


@router.get("/api/payments/{payment_id}")
async def get_payment(payment_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    return await read_payment(found, session, payment_id)


@router.post("/api/payments/{payment_id}/approve")
async def approve(payment_id: str, session: CurrentSession, found: PlatformDep) -> Any:
    """Approve within the role's limit (per currency); above it 403 with the limit, and nothing changes."""
    return await PAYMENTS.send(found, session, payment_id, ApprovePayment(), Action.FINANCE_PAYMENT_APPROVE)


@router.post("/api/payments/{payment_id}/reject")
async def reject_payment(payment_id: str, body: ReasonIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await PAYMENTS.send(found, session, payment_id, RejectPayment(body.reason), Action.FINANCE_PAYMENT_APPROVE)


@router.post("/api/payments/{payment_id}/cancel")
async def cancel(payment_id: str, body: ReasonIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await PAYMENTS.send(found, session, payment_id, CancelPayment(body.reason))


@router.post("/api/payments/{payment_id}/return")
async def return_payment(payment_id: str, body: ReasonIn, session: CurrentSession, found: PlatformDep) -> Any:
    """The bank sent the money back (wrong details, closed account): the ledger's saga reverses it."""
    return await PAYMENTS.send(found, session, payment_id, ReturnPayment(body.reason))


@router.post("/api/payments/{payment_id}/sent")
async def mark_sent(payment_id: str, body: SentIn, session: CurrentSession, found: PlatformDep) -> Any:
    return await PAYMENTS.send(found, session, payment_id, MarkSent(body.bank_reference))


def _parsed(raw: bytes) -> ParsedStatement:
    try:
        if raw.lstrip(b"\xef\xbb\xbf").startswith(onec.SIGNATURE.encode()):
            return onec.parse_statement(raw)
        return camt053.parse(raw)
    except StatementFormatError as problem:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, [{"loc": ["body"], "msg": str(problem), "type": "statement"}]
        ) from None


def _open_payment(row: dict[str, Any]) -> tuple[OpenPayment, str]:
    """What the matcher knows of a payment, and the payment's status."""
    payment = PAYMENT_STATE.validate_python({k: v for k, v in row.items() if k != "id"})
    assert payment.beneficiary is not None
    known = OpenPayment(
        row["id"], payment.end_to_end_id, order_number(row["id"]), payment.amount, payment.currency,
        payment.beneficiary.account, payment.bank_reference,
    )  # fmt: skip
    return known, str(payment.status)


async def _apply_match(
    found: Platform, session: Session, statement: dict[str, Any], line: StatementLine, found_match: LineMatch
) -> str | None:
    """What a matched line does to payments: settles the outgoing one, or records the incoming money.

    None when done; else why not (say, the payment was cancelled meanwhile), kept for the answer so one
    refused settlement does not stop the statement's others.
    """
    try:
        await _settle_or_record(found, session, statement, line, found_match)
    except HTTPException as refused:
        return f"line {line.line_ref}: {refused.detail}"
    return None


async def _settle_or_record(
    found: Platform, session: Session, statement: dict[str, Any], line: StatementLine, found_match: LineMatch
) -> None:
    assert session.tenant_id is not None
    line_ref = f"{statement['statement_id']}/{line.line_ref}"
    if found_match.payment_id is not None and line.direction is Direction.INCOMING:
        returned = ReturnPayment(f"returned by the bank: {line.purpose}"[:500].strip(), line_ref)
        await send_command(found, PAYMENT, found_match.payment_id, returned, issued(session))
    elif found_match.payment_id is not None:
        await send_command(
            found, PAYMENT, found_match.payment_id, SettlePayment(line_ref, line.booked_on), issued(session)
        )
    elif found_match.invoice_id is not None:
        # A statement names the counterparty's name and account only; its country is not known here.
        counterparty = Party(line.counterparty_name or "unknown", "", line.counterparty_account)
        own = Party(statement["account"], "", statement["account"])
        record = RecordIncomingPayment(
            line_ref, line.amount, line.currency, counterparty, own, line.purpose, line.booked_on,
            found_match.invoice_id,
        )  # fmt: skip
        await send_command(
            found, PAYMENT, incoming_payment_id_for(session.tenant_id, line_ref), record, issued(session)
        )


read_statement = tenant_row(payment_queries.statement, HTTPException(status.HTTP_404_NOT_FOUND, "no such statement"))


@router.post("/api/bank-statements/import", status_code=status.HTTP_201_CREATED)
async def import_statement(request: Request, session: CurrentSession, found: PlatformDep) -> Any:
    """Import a camt.053 (XML) or 1C (`1CClientBankExchange`) statement: its lines settle the payments they match."""
    tenant_id = require_permission(session, Action.FINANCE_PAYMENT_OPERATE)
    raw = await request.body()
    if len(raw) > MAX_STATEMENT_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"at most {MAX_STATEMENT_BYTES} bytes per statement")
    parsed = _parsed(raw)
    async with tenant_db(found, session) as conn:
        candidates = [
            _open_payment(row)
            for row in await payment_queries.outgoing_payments(conn, parsed.currency, ["sent", "settled"])
        ]
    awaiting = [payment for payment, row_status in candidates if row_status == "sent"]
    # Receivables (issued invoices) join the matcher when the invoice domain lands; until then incoming
    # money is matched to an invoice by hand.
    matches = match(parsed.lines, awaiting, (), [payment for payment, _ in candidates])
    statement_id = statement_id_for(tenant_id, parsed.account, parsed.statement_id)
    outcome = await send_command(found, BANK_STATEMENT, statement_id, parsed.to_import(matches), issued(session))
    if isinstance(outcome, Response):
        return outcome
    statement = await read_statement(found, session, statement_id)
    problems: list[str] = []
    if outcome.event_ids:  # a first import: settle what it matched (a repeated one did nothing)
        lines = {line.line_ref: line for line in parsed.lines}
        for found_match in matches:
            if problem := await _apply_match(found, session, statement, lines[found_match.line_ref], found_match):
                problems.append(problem)
    return {**statement, "settlement_problems": problems}


@router.get("/api/bank-statements")
async def list_statements(
    session: CurrentSession, found: PlatformDep, limit: Annotated[int, page_size(200)] = 50
) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await payment_queries.statements(conn, limit)


@router.get("/api/bank-statements/unmatched-lines")
async def unmatched_lines(
    session: CurrentSession, found: PlatformDep, limit: Annotated[int, page_size(500)] = 100
) -> list[dict[str, Any]]:
    """Statement lines no payment or invoice took yet: the operator's work list."""
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await payment_queries.unmatched_lines(conn, limit)


@router.get("/api/bank-statements/{statement_id}")
async def get_statement(statement_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    return await read_statement(found, session, statement_id)


def _line_payment_problem(line: dict[str, Any], payment: dict[str, Any]) -> str | None:
    """Why a line cannot be matched by hand to this payment: money out settles a sent payment of the same
    amount; money in is a sent or settled payment coming back, for no more than it was."""
    incoming = line["direction"] == "incoming"
    allowed = ("sent", "settled") if incoming else ("sent",)
    if payment["direction"] != "outgoing" or payment["status"] not in allowed:
        what = "comes back from" if incoming else "settles"
        return f"payment {payment['id']} is {payment['status']}: a line {what} a {' or '.join(allowed)} payment"
    line_amount, amount = Decimal(line["amount"]), Decimal(payment["amount"])
    if line["currency"] != payment["currency"] or (line_amount > amount if incoming else line_amount != amount):
        return f"the line is {line['amount']} {line['currency']}, the payment {payment['amount']} {payment['currency']}"
    return None


@router.post("/api/bank-statements/{statement_id}/matches")
async def match_line(statement_id: str, body: LineMatchIn, session: CurrentSession, found: PlatformDep) -> Any:
    """Match an open line by hand to a sent payment (which it then settles) or to an invoice (incoming money)."""
    require_permission(session, Action.FINANCE_PAYMENT_OPERATE)
    async with tenant_db(found, session) as conn:
        line_row = await payment_queries.statement_line(conn, statement_id, body.line_ref)
        payment = await payment_queries.payment(conn, body.payment_id) if body.payment_id else None
    if line_row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no line {body.line_ref} in this statement")
    if body.payment_id and payment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such payment {body.payment_id}")
    if payment is not None and (payment["status"] != "sent" or payment["direction"] != "outgoing"):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            {"reason": f"payment {body.payment_id} is {payment['status']}: a line settles a sent payment",
             "field": "payment_id"},
        )  # fmt: skip
    if payment is not None and (Decimal(payment["amount"]), payment["currency"]) != (
        Decimal(line_row["amount"]),
        line_row["currency"],
    ):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            {"reason": f"the line is {line_row['amount']} {line_row['currency']}, the payment "
             f"{payment['amount']} {payment['currency']}", "field": "payment_id"},
        )  # fmt: skip
    command = MatchLine(body.line_ref, body.payment_id, body.invoice_id)
    outcome = await send_command(found, BANK_STATEMENT, statement_id, command, issued(session))
    if isinstance(outcome, Response):
        return outcome
    statement = await read_statement(found, session, statement_id)
    line = StatementLine(
        line_row["line_ref"], date.fromisoformat(line_row["booked_on"]), Direction(line_row["direction"]),
        Decimal(line_row["amount"]), line_row["currency"], line_row["counterparty_name"],
        line_row["counterparty_account"], line_row["reference"], line_row["purpose"],
    )  # fmt: skip
    problem = await _apply_match(
        found, session, statement, line, LineMatch(body.line_ref, body.payment_id, body.invoice_id)
    )
    return {**await read_statement(found, session, statement_id), "settlement_problems": [problem] if problem else []}
