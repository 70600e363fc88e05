"""Projection of FX events: each quote and the deal agreed on it, with its state and history."""

from __future__ import annotations

from typing import Any

from sinks.postgres.state import History, StateProjection
from streams.fx.decider import FxDeal
from streams.fx.domain import FX
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS fx_deals (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        status text NOT NULL,
        sell_currency text NOT NULL,
        buy_currency text NOT NULL,
        sell_amount numeric NOT NULL,
        buy_amount numeric NOT NULL,
        rate numeric NOT NULL,
        rate_date date,
        expires_at timestamptz,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS fx_deals_tenant ON fx_deals (tenant_id, updated_at DESC)",
)


def columns(state: FxDeal, envelope: Envelope, event: Any) -> dict[str, Any]:
    return {
        "status": str(state.status),
        "sell_currency": state.sell_currency,
        "buy_currency": state.buy_currency,
        "sell_amount": state.sell_amount,
        "buy_amount": state.buy_amount,
        "rate": state.rate,
        "rate_date": state.rate_date,
        "expires_at": state.expires_at,
        "created_at": envelope.occurred_at,
    }


FX_DEALS = StateProjection(
    domain=FX, table="fx_deals", table_ddl=DDL, columns=columns, history=History("fx_deal_history", "deal_id")
)
FX_PROJECTION = FX_DEALS.projection()
