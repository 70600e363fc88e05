"""Projection of ledger events: accounts with their balances, transfers (immutable rows), and posted entries.

Amounts are integers of the currency's minor unit, as in the events; queries turn them into decimal
text (`ledger_queries`). Balances change exactly as the decider's `evolve` changes them: posted and
pending, debits and credits. Each posted movement (a single-phase transfer, a post, a reversal)
writes two entries, one per side, in ledger order (`position`), from which statements and trial
balances are computed; pendings only move the pending columns. The one mutable column of a transfer
row is `resolution` (how a pending ended: posted, voided, expired), a read-model convenience.
"""

from __future__ import annotations

from typing import Any, LiteralString

from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from streams.ledger.events import (
    AccountOpened,
    LedgerOpened,
    PendingTransferExpired,
    PendingTransferPosted,
    PendingTransferVoided,
    Transfer,
    TransferKind,
    TransferReversed,
    TransfersRecorded,
)
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS ledger_accounts (
        tenant_id text NOT NULL,
        account_id text NOT NULL,
        ledger_id text NOT NULL,
        chart text NOT NULL,
        currency text NOT NULL,
        sub text NOT NULL,
        name text NOT NULL,
        may_go_negative boolean NOT NULL,
        overdraft bigint NOT NULL,
        debits_posted bigint NOT NULL DEFAULT 0,
        credits_posted bigint NOT NULL DEFAULT 0,
        debits_pending bigint NOT NULL DEFAULT 0,
        credits_pending bigint NOT NULL DEFAULT 0,
        opened_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, account_id)
    )""",
    """CREATE TABLE IF NOT EXISTS ledger_transfers (
        tenant_id text NOT NULL,
        transfer_id text NOT NULL,
        ledger_id text NOT NULL,
        position bigint NOT NULL,
        kind text NOT NULL,
        debit_account text NOT NULL,
        credit_account text NOT NULL,
        amount bigint NOT NULL,
        currency text NOT NULL,
        reference text NOT NULL,
        code text NOT NULL,
        description text NOT NULL,
        related_id text,
        expires_at timestamptz,
        recorded_at timestamptz NOT NULL,
        resolution text,
        PRIMARY KEY (tenant_id, transfer_id)
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_transfers_reference ON ledger_transfers (tenant_id, reference)",
    """CREATE TABLE IF NOT EXISTS ledger_entries (
        tenant_id text NOT NULL,
        account_id text NOT NULL,
        position bigint NOT NULL,
        transfer_id text NOT NULL,
        currency text NOT NULL,
        debit bigint NOT NULL,
        credit bigint NOT NULL,
        recorded_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, account_id, position)
    )""",
    "CREATE INDEX IF NOT EXISTS ledger_entries_by_date ON ledger_entries (tenant_id, currency, recorded_at)",
)

MOVE_DEBITS: LiteralString = """UPDATE ledger_accounts
    SET debits_posted = debits_posted + %s, debits_pending = debits_pending + %s
    WHERE tenant_id = %s AND account_id = %s"""
MOVE_CREDITS: LiteralString = """UPDATE ledger_accounts
    SET credits_posted = credits_posted + %s, credits_pending = credits_pending + %s
    WHERE tenant_id = %s AND account_id = %s"""

# A transfer's place in its ledger: the event's version, then its index in the batch.
BATCH_SPAN = 10_000


async def _insert_transfer(cur: AsyncCursor[Any], tenant_id: str, ledger_id: str, position: int, t: Transfer) -> None:
    await cur.execute(
        """INSERT INTO ledger_transfers (tenant_id, transfer_id, ledger_id, position, kind, debit_account,
               credit_account, amount, currency, reference, code, description, related_id, expires_at, recorded_at,
               resolution)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
        (tenant_id, t.transfer_id, ledger_id, position, str(t.kind), t.debit_account, t.credit_account, t.amount,
         t.currency, t.reference, t.code, t.description, t.related_id, t.expires_at, t.recorded_at,
         "pending" if t.kind is TransferKind.PENDING else None),
    )  # fmt: skip


async def _move(
    cur: AsyncCursor[Any], tenant_id: str, t: Transfer, posted: int, pending: int, position: int | None
) -> None:
    """Both sides of `t` by `posted` and `pending`; with a position, the posted amount's two entries."""
    for account, query in ((t.debit_account, MOVE_DEBITS), (t.credit_account, MOVE_CREDITS)):
        await cur.execute(query, (posted, pending, tenant_id, account))
    if position is not None and posted:
        await cur.executemany(
            """INSERT INTO ledger_entries (tenant_id, account_id, position, transfer_id, currency, debit, credit,
                   recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
            [
                (tenant_id, t.debit_account, position, t.transfer_id, t.currency, posted, 0, t.recorded_at),
                (tenant_id, t.credit_account, position, t.transfer_id, t.currency, 0, posted, t.recorded_at),
            ],
        )


async def _pending_of(cur: AsyncCursor[Any], tenant_id: str, pending_id: str) -> Transfer:
    await cur.execute(
        """SELECT debit_account, credit_account, amount, currency, recorded_at FROM ledger_transfers
           WHERE tenant_id = %s AND transfer_id = %s""",
        (tenant_id, pending_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise LookupError(f"pending transfer {pending_id} is not in the read model")
    debit, credit, amount, currency, recorded_at = row
    return Transfer(pending_id, TransferKind.PENDING, debit, credit, amount, currency, recorded_at)


async def _resolve(cur: AsyncCursor[Any], tenant_id: str, pending_id: str, resolution: str) -> None:
    await cur.execute(
        "UPDATE ledger_transfers SET resolution = %s WHERE tenant_id = %s AND transfer_id = %s",
        (resolution, tenant_id, pending_id),
    )


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    ledger_id, tenant_id = envelope.aggregate_id, envelope.tenant_id or ""
    base = envelope.aggregate_version * BATCH_SPAN
    match event:
        case LedgerOpened():
            return
        case AccountOpened():
            await cur.execute(
                """INSERT INTO ledger_accounts (tenant_id, account_id, ledger_id, chart, currency, sub, name,
                       may_go_negative, overdraft, opened_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                   ON CONFLICT DO NOTHING""",
                (tenant_id, event.account_id, ledger_id, event.chart, event.currency, event.sub, event.name,
                 event.may_go_negative, event.overdraft, envelope.occurred_at),
            )  # fmt: skip
        case TransfersRecorded(transfers=transfers):
            for index, t in enumerate(transfers):
                await _insert_transfer(cur, tenant_id, ledger_id, base + index, t)
                if t.kind is TransferKind.PENDING:
                    await _move(cur, tenant_id, t, 0, t.amount, None)
                else:
                    await _move(cur, tenant_id, t, t.amount, 0, base + index)
        case PendingTransferPosted(transfer=t, released=released):
            await _insert_transfer(cur, tenant_id, ledger_id, base, t)
            await _move(cur, tenant_id, t, t.amount, -(t.amount + released), base)
            await _resolve(cur, tenant_id, t.related_id or "", "posted")
        case PendingTransferVoided(transfer=t):
            await _insert_transfer(cur, tenant_id, ledger_id, base, t)
            await _move(cur, tenant_id, t, 0, -t.amount, None)
            await _resolve(cur, tenant_id, t.related_id or "", "voided")
        case PendingTransferExpired(pending_id=pending_id, released=released):
            pending = await _pending_of(cur, tenant_id, pending_id)
            await _move(cur, tenant_id, pending, 0, -released, None)
            await _resolve(cur, tenant_id, pending_id, "expired")
        case TransferReversed(transfer=t):
            await _insert_transfer(cur, tenant_id, ledger_id, base, t)
            await _move(cur, tenant_id, t, t.amount, 0, base)


TABLES = ("ledger_accounts", "ledger_transfers", "ledger_entries")
LEDGER_PROJECTION = Projection(domain="ledger", ddl=DDL, tables=TABLES, apply=apply, tenant_tables=TABLES)
