"""Currency exchange over HTTP: official rates by date, conversion quotes, and the FX deals agreed on them.

Rates come from the one rate table: the exchange rates a tenant loads through the customs tariff API
(`/api/customs/tariff/exchange_rates`, CBR-style: RUB per `units` of a currency on a date). A quote
converts at the cross rate through the rouble on the rates in force today, states both rates, their
date and source, and expires after `valid_for_seconds`; agreeing after that is refused (409 naming
`expires_at`) and nothing is agreed.
"""

from __future__ import annotations

import uuid
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
    page_size,
    require_permission,
    tenant_db,
)
from api.idempotency import current_key
from api.outcomes import CommandsOn, invalid_field, tenant_row
from api.platform import Platform
from sinks.postgres import customs_tariff_queries, fx_queries
from streams.company.identifiers import InvalidDetail
from streams.company.permissions import Action
from streams.fx.commands import AgreeDeal, QuoteConversion
from streams.fx.decider import quote_id_for
from streams.fx.domain import FX
from streams.payment import currency as money

router = APIRouter(tags=["fx"])
RATE_PLACES = Decimal("0.000001")  # a cross rate to 6 decimals, as banks quote them
SOURCE = "official rates (customs tariff table exchange_rates)"


class QuoteIn(Strict):
    sell_currency: str = Field(min_length=1, max_length=3)
    buy_currency: str = Field(min_length=1, max_length=3)
    sell_amount: Decimal
    valid_for_seconds: int = Field(default=120, ge=1, le=3600)


read_deal = tenant_row(fx_queries.deal, HTTPException(status.HTTP_404_NOT_FOUND, "no such FX quote"))


DEALS = CommandsOn(FX, read_deal, Action.FINANCE_FX_TRADE)


def _known(code: str, field: str) -> str:
    try:
        return money.currency(code, field)
    except InvalidDetail as fault:
        raise invalid_field([fault.field], fault.reason) from None


async def _rouble_rate(found: Platform, session: Session, currency: str, on: date, field: str) -> tuple[Decimal, str]:
    """RUB for one unit of `currency` on `on`, and how the quote names it."""
    if currency == money.RUB:
        return Decimal(1), "RUB 1"
    async with tenant_db(found, session) as conn:
        rate = await customs_tariff_queries.exchange_rate_on(conn, currency, on)
    if rate is None:
        raise invalid_field([field], f"no official rate of {currency} on or before {on}: load it first")
    per_unit = Decimal(rate["rate"]) / rate["units"]
    return per_unit, f"{currency} {rate['rate']}/{rate['units']} RUB on {rate['rate_date']}"


@router.get("/api/fx/rates")
async def official_rate(
    session: CurrentSession,
    found: PlatformDep,
    currency: Annotated[str, Query(min_length=3, max_length=3)],
    on: Annotated[date | None, Query(alias="date")] = None,
) -> dict[str, Any]:
    """The official rate of a currency in force on a date (default today): the latest set on or before it."""
    require_permission(session, Action.FINANCE_READ)
    code = _known(currency, "currency")
    async with tenant_db(found, session) as conn:
        rate = await customs_tariff_queries.exchange_rate_on(conn, code, on or datetime.now(UTC).date())
    if rate is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no official rate of {code} on or before that date")
    return {**rate, "rate": str(rate["rate"]), "rate_date": rate["rate_date"].isoformat()}


@router.post("/api/fx/quotes", status_code=status.HTTP_201_CREATED)
async def quote(body: QuoteIn, session: CurrentSession, found: PlatformDep) -> Any:
    """A conversion quote at today's official cross rate, valid for `valid_for_seconds`."""
    tenant_id = require_permission(session, Action.FINANCE_FX_TRADE)
    sell, buy = _known(body.sell_currency, "sell_currency"), _known(body.buy_currency, "buy_currency")
    today = datetime.now(UTC).date()
    sell_rub, sell_source = await _rouble_rate(found, session, sell, today, "sell_currency")
    buy_rub, buy_source = await _rouble_rate(found, session, buy, today, "buy_currency")
    rate = (sell_rub / buy_rub).quantize(RATE_PLACES)
    command = QuoteConversion(
        sell, buy, body.sell_amount, rate, today, f"{SOURCE}: {sell_source}; {buy_source}", body.valid_for_seconds
    )
    deal_id = quote_id_for(tenant_id, current_key() or str(uuid.uuid4()))
    return await DEALS.send(found, session, deal_id, command)


class AgreeIn(Strict):
    sell_account: str = Field(
        default="", max_length=64, description="the bank account sold from (as opened in the ledger)"
    )
    buy_account: str = Field(default="", max_length=64, description="the bank account bought into")


@router.post("/api/fx/deals/{deal_id}/agree")
async def agree(deal_id: str, session: CurrentSession, found: PlatformDep, body: AgreeIn | None = None) -> Any:
    """Take the quote: refused (409, `expires_at`) once it has expired. The ledger's process then moves the
    money: two linked transfers through FX clearing (57), one per currency, both or neither."""
    chosen = body or AgreeIn()
    return await DEALS.send(found, session, deal_id, AgreeDeal(chosen.sell_account, chosen.buy_account))


@router.get("/api/fx/deals")
async def list_deals(
    session: CurrentSession, found: PlatformDep, limit: Annotated[int, page_size(200)] = 50
) -> list[dict[str, Any]]:
    require_permission(session, Action.FINANCE_READ)
    async with tenant_db(found, session) as conn:
        return await fx_queries.deals(conn, limit)


@router.get("/api/fx/deals/{deal_id}")
async def get_deal(deal_id: str, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    require_permission(session, Action.FINANCE_READ)
    return await read_deal(found, session, deal_id)
