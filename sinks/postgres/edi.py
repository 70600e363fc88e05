"""Projection of EDI partner events: partners, their API keys (hashes only), and each submitted message's result.

`edi_partner_of_key` is the one lookup across tenants: the API authenticates a partner's request by
the hash of its key before it knows the tenant, so the function returns only the partner and tenant
of an active key.
"""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import AsyncCursor

from sinks.postgres.projection import Projection
from sinks.records import public_payload
from streams.edi_partner.decider import partner_id_for
from streams.edi_partner.events import (
    ApiKeyIssued,
    ApiKeyRevoked,
    InterchangeRecorded,
    PartnerRegistered,
    PartnerSettingsChanged,
    ResultStatus,
)
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS edi_partners (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        code text NOT NULL,
        name text NOT NULL,
        sender_ids text[] NOT NULL,
        timezone text NOT NULL,
        reference_qualifiers text[] NOT NULL,
        status_codes jsonb NOT NULL,
        interchanges bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS edi_api_keys (
        partner_id text NOT NULL,
        key_id text NOT NULL,
        tenant_id text NOT NULL,
        key_hash text NOT NULL,
        label text NOT NULL,
        issued_at timestamptz NOT NULL,
        revoked_at timestamptz,
        PRIMARY KEY (partner_id, key_id)
    )""",
    "CREATE UNIQUE INDEX IF NOT EXISTS edi_api_keys_hash ON edi_api_keys (key_hash)",
    """CREATE TABLE IF NOT EXISTS edi_messages (
        message_id text PRIMARY KEY,
        tenant_id text NOT NULL,
        partner_id text NOT NULL,
        status text NOT NULL,
        reason text,
        sender_id text,
        control_reference text,
        attempts bigint NOT NULL,
        duplicates bigint NOT NULL DEFAULT 0,
        messages jsonb NOT NULL,
        received_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS edi_messages_by_partner ON edi_messages (tenant_id, partner_id, received_at DESC)",
    """CREATE OR REPLACE FUNCTION edi_partner_of_key(hash text)
       RETURNS TABLE (partner_id text, tenant_id text, key_id text)
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
       $$ SELECT k.partner_id, k.tenant_id, k.key_id FROM edi_api_keys k
          WHERE k.key_hash = hash AND k.revoked_at IS NULL $$""",
)


async def apply(cur: AsyncCursor[Any], envelope: Envelope, event: Any) -> None:
    partner_id, at, version = envelope.aggregate_id, envelope.occurred_at, envelope.aggregate_version
    tenant_id = envelope.tenant_id or ""
    match event:
        case PartnerRegistered():
            await cur.execute(
                """INSERT INTO edi_partners (id, tenant_id, code, name, sender_ids, timezone, reference_qualifiers,
                       status_codes, created_at, updated_at, version)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING""",
                (partner_id_for(event.tenant_id, event.code), event.tenant_id, event.code, event.name,
                 list(event.sender_ids), event.timezone, list(event.reference_qualifiers),
                 orjson.dumps(event.status_codes).decode(), at, at, version),
            )  # fmt: skip
        case PartnerSettingsChanged():
            await cur.execute(
                """UPDATE edi_partners SET name = %s, sender_ids = %s, timezone = %s, reference_qualifiers = %s,
                       status_codes = %s WHERE id = %s""",
                (event.name, list(event.sender_ids), event.timezone, list(event.reference_qualifiers),
                 orjson.dumps(event.status_codes).decode(), partner_id),
            )  # fmt: skip
        case ApiKeyIssued():
            await cur.execute(
                """INSERT INTO edi_api_keys (partner_id, key_id, tenant_id, key_hash, label, issued_at)
                   VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING""",
                (partner_id, event.key_id, tenant_id, event.key_hash, event.label, event.issued_at),
            )
        case ApiKeyRevoked():
            await cur.execute(
                "UPDATE edi_api_keys SET revoked_at = %s WHERE partner_id = %s AND key_id = %s",
                (event.revoked_at, partner_id, event.key_id),
            )
        case InterchangeRecorded(result=result):
            await _record_result(cur, tenant_id, result)
            await cur.execute("UPDATE edi_partners SET interchanges = interchanges + 1 WHERE id = %s", (partner_id,))
    await cur.execute("UPDATE edi_partners SET updated_at = %s, version = %s WHERE id = %s", (at, version, partner_id))


async def _record_result(cur: AsyncCursor[Any], tenant_id: str, result: Any) -> None:
    messages = orjson.dumps(public_payload(result)["messages"]).decode()
    # A resent record with the very same bytes carries the same message id: it stays applied, counted.
    await cur.execute(
        """INSERT INTO edi_messages (message_id, tenant_id, partner_id, status, reason, sender_id, control_reference,
               attempts, duplicates, messages, received_at, updated_at)
           VALUES (%(id)s, %(tenant)s, %(partner)s, %(status)s, %(reason)s, %(sender)s, %(control)s, %(attempt)s,
               0, %(messages)s, %(at)s, %(at)s)
           ON CONFLICT (message_id) DO UPDATE SET
               status = CASE WHEN EXCLUDED.status = %(duplicate)s AND edi_messages.status <> %(dead)s
                             THEN edi_messages.status ELSE EXCLUDED.status END,
               reason = CASE WHEN EXCLUDED.status = %(duplicate)s AND edi_messages.status <> %(dead)s
                             THEN edi_messages.reason ELSE EXCLUDED.reason END,
               messages = CASE WHEN EXCLUDED.status = %(duplicate)s AND edi_messages.status <> %(dead)s
                               THEN edi_messages.messages ELSE EXCLUDED.messages END,
               sender_id = coalesce(EXCLUDED.sender_id, edi_messages.sender_id),
               control_reference = coalesce(EXCLUDED.control_reference, edi_messages.control_reference),
               attempts = greatest(edi_messages.attempts, EXCLUDED.attempts),
               duplicates = edi_messages.duplicates + (EXCLUDED.status = %(duplicate)s)::int,
               updated_at = EXCLUDED.updated_at""",
        {"id": result.message_id, "tenant": tenant_id, "partner": result.partner_id, "status": str(result.status),
         "reason": result.reason, "sender": result.sender_id, "control": result.control_reference,
         "attempt": result.attempt, "messages": messages, "at": result.received_at,
         "duplicate": str(ResultStatus.DUPLICATE), "dead": str(ResultStatus.DEAD_LETTERED)},
    )  # fmt: skip


EDI_PROJECTION = Projection(
    domain="edi_partner",
    ddl=DDL,
    tables=("edi_partners", "edi_api_keys", "edi_messages"),
    apply=apply,
    tenant_tables=("edi_partners", "edi_api_keys", "edi_messages"),
)
