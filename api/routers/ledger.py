"""The tenant's double-entry ledger over HTTP: accounts with balances, transfers, statements, the trial balance.

Reads need `finance.read`; opening an account, a manual entry and a reversal need `finance.ledger.post`
(owner, admin, accountant). Money moved by payments, invoices and customs duties comes from those
domains' sagas, which send the ledger's commands themselves (`streams/ledger/commands.py`). A manual
entry is one or more balanced transfers recorded together (linked: all or none); its transfer ids are
the caller's, so sending it again records nothing twice. Amounts are decimal text or numbers in the
currency's units; more decimals than the currency has, an unknown currency or a non-positive amount
is 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field

from api.deps import (
    CurrentSession,
    PlatformDep,
    Session,
    Strict,
    issued,
    page_size,
    require_permission,
    tenant_db,
)
from api.outcomes import send_and_read
from api.platform import Platform
from sinks.postgres import ledger_queries
from streams.company.permissions import Action
from streams.ledger.chart import account_id, chart
from streams.ledger.commands import AccountRef, OpenAccount, RecordTransfers, ReverseTransfer, TransferSpec
from streams.ledger.decider import MAX_TRANSFERS_PER_BATCH, ledger_id_for
from streams.ledger.domain import LEDGER

router = APIRouter(tags=["ledger"])
CURRENCY = Annotated[str, Query(min_length=3, max_length=3, pattern="^[A-Z]{3}$")]


class AccountIn(Strict):
    chart: str = Field(min_length=1, max_length=10)
    currency: str = Field(min_length=3, max_length=3)
    sub: str = Field("", max_length=64)
    name: str = Field("", max_length=140)
    overdraft: Decimal | None = None


class AccountRefIn(Strict):
    chart: str = Field(min_length=1, max_length=10)
    sub: str = Field("", max_length=64)


class TransferIn(Strict):
    transfer_id: str = Field(min_length=1, max_length=128)
    debit: AccountRefIn
    credit: AccountRefIn
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)
    reference: str = Field("", max_length=200)
    code: str = Field("", max_length=40)
    description: str = Field("", max_length=500)


class EntryIn(Strict):
    """A manual entry: balanced transfers recorded together, all or none."""

    transfers: list[TransferIn] = Field(min_length=1, max_length=MAX_TRANSFERS_PER_BATCH)


class ReversalIn(Strict):
    reason: str = Field(min_length=1, max_length=500)
    reversal_id: str | None = Field(None, max_length=128)  # default: "<transfer id>:reversal"


def _ledger(session: Session) -> str:
    assert session.tenant_id is not None  # require_permission admitted a member of a company
    return ledger_id_for(session.tenant_id)


async def _account_json(found: Platform, session: Session, key: str) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        row = await ledger_queries.account(conn, key)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
    return row


async def _transfers_json(found: Platform, session: Session, ids: list[str]) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        rows = [await ledger_queries.transfer(conn, transfer_id) for transfer_id in ids]
    return {"transfers": [row for row in rows if row is not None]}


@router.get("/api/ledger/chart")
async def chart_of_accounts(session: CurrentSession) -> list[dict[str, Any]]:
    """The chart of accounts the ledger uses (names in Russian and English, kind, limits, currencies)."""
    require_permission(session, Action.FINANCE_READ)
    return [
        {
            "code": a.code,
            "name_ru": a.name_ru,
            "name_en": a.name_en,
            "kind": str(a.kind),
            "may_go_negative": a.may_go_negative,
            "currencies": str(a.currencies),
            "open_on_first_use": a.open_on_first_use,
        }
        for a in chart().values()
    ]


@router.get("/api/ledger/accounts")
async def list_accounts(
    session: CurrentSession, found: PlatformDep, currency: CURRENCY | None = None
) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await ledger_queries.accounts(conn, currency)


@router.post("/api/ledger/accounts", status_code=status.HTTP_201_CREATED)
async def open_account(body: AccountIn, session: CurrentSession, found: PlatformDep) -> Any:
    require_permission(session, Action.FINANCE_LEDGER_POST)
    command = OpenAccount(body.chart, body.currency.upper(), body.sub, body.name, body.overdraft)
    key = account_id(body.chart.strip(), body.currency.upper(), body.sub.strip())
    return await send_and_read(
        found, LEDGER, _ledger(session), command, issued(session),
        lambda _: _account_json(found, session, key),
    )  # fmt: skip


@router.get("/api/ledger/accounts/{account_id}")
async def get_account(account_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    return await _account_json(found, session, account_id)


@router.get("/api/ledger/accounts/{account_id}/statement")
async def statement(
    account_id: str,
    session: CurrentSession,
    found: PlatformDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Posted entries of the account between two dates (UTC days, inclusive) with the running balance."""
    require_permission(session, Action.FINANCE_READ)
    today = datetime.now(UTC).date()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        detail = [{"loc": ["query", "from"], "msg": "must not be after to", "type": "value_error"}]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
    async with tenant_db(found, session) as conn:
        found_statement = await ledger_queries.statement(conn, account_id, start, end)
    if found_statement is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such account")
    return found_statement


@router.get("/api/ledger/trial-balance")
async def trial_balance(
    session: CurrentSession, found: PlatformDep, currency: CURRENCY = "RUB", on: date | None = None
) -> dict[str, Any]:
    """Every account's posted debits and credits to the end of `on` (UTC), and whether they balance."""
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await ledger_queries.trial_balance(conn, currency, on or datetime.now(UTC).date())


@router.get("/api/ledger/transfers")
async def list_transfers(
    session: CurrentSession,
    found: PlatformDep,
    reference: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, page_size(500)] = 100,
) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await ledger_queries.transfers(conn, reference, limit)


@router.get("/api/ledger/transfers/{transfer_id}")
async def get_transfer(transfer_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        row = await ledger_queries.transfer(conn, transfer_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such transfer")
    return row


@router.post("/api/ledger/transfers", status_code=status.HTTP_201_CREATED)
async def record_entry(body: EntryIn, session: CurrentSession, found: PlatformDep) -> Any:
    """A manual entry: its transfers are recorded together (linked) or not at all."""
    require_permission(session, Action.FINANCE_LEDGER_POST)
    specs = tuple(
        TransferSpec(
            transfer_id=t.transfer_id,
            debit=AccountRef(t.debit.chart, t.debit.sub),
            credit=AccountRef(t.credit.chart, t.credit.sub),
            amount=t.amount,
            currency=t.currency.upper(),
            reference=t.reference,
            code=t.code or "manual",
            description=t.description,
        )
        for t in body.transfers
    )
    ids = [t.transfer_id for t in body.transfers]
    return await send_and_read(
        found, LEDGER, _ledger(session), RecordTransfers(specs, linked=True), issued(session),
        lambda _: _transfers_json(found, session, ids),
    )  # fmt: skip


@router.post("/api/ledger/transfers/{transfer_id}/reversal", status_code=status.HTTP_201_CREATED)
async def reverse_transfer(
    transfer_id: str,
    body: ReversalIn,
    session: CurrentSession,
    found: PlatformDep,
) -> Any:
    """Correct a posted transfer with a new opposite one (at most once); the original stays as it was."""
    require_permission(session, Action.FINANCE_LEDGER_POST)
    reversal_id = body.reversal_id or f"{transfer_id}:reversal"
    return await send_and_read(
        found, LEDGER, _ledger(session), ReverseTransfer(reversal_id, transfer_id, body.reason), issued(session),
        lambda _: _transfers_json(found, session, [reversal_id]),
    )  # fmt: skip
