"""Queries of the ledger read model: accounts with balances, transfers, an account's statement, the trial balance.

Amounts leave as decimal text with exactly the currency's decimals (`streams.money`), so JSON never
carries a float. Balances are on the debit side (debits - credits); the chart's kind says which
side an account normally sits on.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from psycopg import AsyncConnection

from sinks.postgres.queries import Row, fetch_all, fetch_one, with_iso
from streams.ledger.chart import chart
from streams.money import format_amount

AMOUNT_COLUMNS = ("overdraft", "debits_posted", "credits_posted", "debits_pending", "credits_pending", "balance")


def _amounts(row: Row, currency: str, *names: str) -> Row:
    return {**row, **{n: format_amount(int(row[n]), currency) for n in names if n in row}}


def _account(row: Row) -> Row:
    entry = chart().get(row["chart"])
    row = {
        **row,
        "balance": row["debits_posted"] - row["credits_posted"],
        "chart_name_ru": entry.name_ru if entry else "",
        "chart_name_en": entry.name_en if entry else "",
        "kind": str(entry.kind) if entry else "",
    }
    return with_iso(_amounts(row, row["currency"], *AMOUNT_COLUMNS), "opened_at")


ACCOUNT_COLUMNS = """account_id, chart, currency, sub, name, may_go_negative, overdraft, debits_posted, credits_posted,
    debits_pending, credits_pending, opened_at"""


async def accounts(conn: AsyncConnection[Any], currency: str | None = None) -> list[Row]:
    rows = await fetch_all(
        conn,
        f"""SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts
            WHERE (%(currency)s::text IS NULL OR currency = %(currency)s) ORDER BY chart, currency, sub""",
        {"currency": currency},
    )
    return [_account(row) for row in rows]


async def account(conn: AsyncConnection[Any], account_id: str) -> Row | None:
    row = await fetch_one(conn, f"SELECT {ACCOUNT_COLUMNS} FROM ledger_accounts WHERE account_id = %s", (account_id,))
    return None if row is None else _account(row)


def _transfer(row: Row) -> Row:
    return with_iso(_amounts(row, row["currency"], "amount"), "recorded_at", "expires_at")


TRANSFER_COLUMNS = """transfer_id, kind, debit_account, credit_account, amount, currency, reference, code, description,
    related_id, expires_at, recorded_at, resolution"""


async def transfer(conn: AsyncConnection[Any], transfer_id: str) -> Row | None:
    row = await fetch_one(
        conn, f"SELECT {TRANSFER_COLUMNS} FROM ledger_transfers WHERE transfer_id = %s", (transfer_id,)
    )
    return None if row is None else _transfer(row)


async def transfers(conn: AsyncConnection[Any], reference: str | None, limit: int) -> list[Row]:
    rows = await fetch_all(
        conn,
        f"""SELECT {TRANSFER_COLUMNS} FROM ledger_transfers
            WHERE (%(reference)s::text IS NULL OR reference = %(reference)s) ORDER BY position DESC LIMIT %(limit)s""",
        {"reference": reference, "limit": limit},
    )
    return [_transfer(row) for row in rows]


async def statement(conn: AsyncConnection[Any], account_id: str, start: date, end: date) -> Row | None:
    """Posted entries of an account from `start` to `end` (inclusive, UTC days), each with the running balance."""
    found = await account(conn, account_id)
    if found is None:
        return None
    currency = found["currency"]
    bounds = {"account": account_id, "start": start, "end": end}
    opening = await fetch_one(
        conn,
        """SELECT coalesce(sum(debit - credit), 0) AS balance FROM ledger_entries
           WHERE account_id = %(account)s AND recorded_at < %(start)s::date::timestamp AT TIME ZONE 'UTC'""",
        bounds,
    )
    rows = await fetch_all(
        conn,
        """SELECT e.position, e.transfer_id, e.debit, e.credit, e.recorded_at, t.kind, t.reference, t.code,
                  t.description,
                  CASE WHEN e.debit > 0 THEN t.credit_account ELSE t.debit_account END AS counter_account,
                  sum(e.debit - e.credit) OVER (ORDER BY e.position) AS running
           FROM ledger_entries e JOIN ledger_transfers t ON t.tenant_id = e.tenant_id AND t.transfer_id = e.transfer_id
           WHERE e.account_id = %(account)s
             AND e.recorded_at >= %(start)s::date::timestamp AT TIME ZONE 'UTC'
             AND e.recorded_at < (%(end)s::date + 1)::timestamp AT TIME ZONE 'UTC'
           ORDER BY e.position""",
        bounds,
    )
    start_balance = int(opening["balance"]) if opening else 0
    entries = []
    for row in rows:
        running = start_balance + int(row.pop("running"))
        entries.append(
            with_iso(
                {**_amounts(row, currency, "debit", "credit"), "balance": format_amount(running, currency)},
                "recorded_at",
            )
        )
    debits, credits = sum(int(r["debit"]) for r in rows), sum(int(r["credit"]) for r in rows)
    return {
        "account": found,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "opening_balance": format_amount(start_balance, currency),
        "debits": format_amount(debits, currency),
        "credits": format_amount(credits, currency),
        "closing_balance": format_amount(start_balance + debits - credits, currency),
        "entries": entries,
    }


async def trial_balance(conn: AsyncConnection[Any], currency: str, on: date) -> Row:
    """Each account's posted debits, credits and closing balance at the end of `on` (UTC), and the totals.

    `balanced` says whether the sum of debits equals the sum of credits (it must, for every currency).
    """
    rows = await fetch_all(
        conn,
        """SELECT account_id, sum(debit) AS debits, sum(credit) AS credits FROM ledger_entries
           WHERE currency = %(currency)s AND recorded_at < (%(on)s::date + 1)::timestamp AT TIME ZONE 'UTC'
           GROUP BY account_id ORDER BY account_id""",
        {"currency": currency, "on": on},
    )
    lines = []
    for row in rows:
        debits, credits = int(row["debits"]), int(row["credits"])
        code = row["account_id"].split(":", 1)[0]
        entry = chart().get(code)
        lines.append(
            {
                "account_id": row["account_id"],
                "chart": code,
                "chart_name_ru": entry.name_ru if entry else "",
                "chart_name_en": entry.name_en if entry else "",
                "debits": format_amount(debits, currency),
                "credits": format_amount(credits, currency),
                "debit_balance": format_amount(max(debits - credits, 0), currency),
                "credit_balance": format_amount(max(credits - debits, 0), currency),
            }
        )
    total_debits = sum(int(r["debits"]) for r in rows)
    total_credits = sum(int(r["credits"]) for r in rows)
    return {
        "currency": currency,
        "on": on.isoformat(),
        "accounts": lines,
        "total_debits": format_amount(total_debits, currency),
        "total_credits": format_amount(total_credits, currency),
        "balanced": total_debits == total_credits,
    }


async def currencies(conn: AsyncConnection[Any]) -> list[str]:
    rows = await fetch_all(conn, "SELECT DISTINCT currency FROM ledger_accounts ORDER BY currency")
    return [row["currency"] for row in rows]
