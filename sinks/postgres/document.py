"""Projection of document events: each document's state, its versions (what recognition picks up) and history.

`document_versions` is the contract with the recognition pipeline: one row per stored file, with its
object key and its recognition status ('pending' until a pipeline records a result or a failure).
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncCursor

from sinks.postgres.state import History, StateProjection
from streams.document.decider import Document
from streams.document.domain import DOCUMENT
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS documents (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        document_type text NOT NULL,
        title text NOT NULL,
        status text NOT NULL,
        latest_version integer NOT NULL,
        filename text NOT NULL,
        content_type text NOT NULL,
        recognition_status text NOT NULL,
        verification text NOT NULL,
        expires_on date,
        links text[] NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS documents_by_created ON documents (tenant_id, created_at DESC, id)",
    "CREATE INDEX IF NOT EXISTS documents_by_link ON documents USING gin (links)",
    "CREATE INDEX IF NOT EXISTS documents_by_expiry ON documents (tenant_id, expires_on) WHERE expires_on IS NOT NULL",
)

VERSIONS_DDL = (
    """CREATE TABLE IF NOT EXISTS document_versions (
        tenant_id text NOT NULL,
        document_id text NOT NULL,
        version integer NOT NULL,
        object_key text NOT NULL,
        content_type text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        filename text NOT NULL,
        pages integer NOT NULL,
        document_type text NOT NULL,
        uploaded_at timestamptz NOT NULL,
        uploaded_by text,
        recognition_status text NOT NULL CHECK (recognition_status IN ('pending', 'recognised', 'failed')),
        recognition_reason text NOT NULL,
        run_id text NOT NULL,
        attempts integer NOT NULL,
        detected_type text NOT NULL,
        language text NOT NULL,
        field_count integer NOT NULL,
        PRIMARY KEY (document_id, version)
    )""",
    # The recognition sensor's query: the pending versions, oldest first.
    """CREATE INDEX IF NOT EXISTS document_versions_pending ON document_versions (uploaded_at, document_id, version)
       WHERE recognition_status = 'pending'""",
)


def link_key(linked_type: str, linked_id: str) -> str:
    return f"{linked_type}:{linked_id}"


def columns(state: Document, envelope: Envelope, event: Any) -> dict[str, Any]:
    latest = state.versions[-1]
    return {
        "document_type": str(state.document_type),
        "title": state.title,
        "status": str(state.status),
        "latest_version": latest.version,
        "filename": latest.file.filename,
        "content_type": latest.file.content_type,
        "recognition_status": str(latest.recognition_status),
        "verification": str(state.verification),
        "expires_on": state.expires_on,
        "links": [link_key(link.linked_type, link.linked_id) for link in state.links],
        "created_at": state.created_at or envelope.occurred_at,
    }


async def write_versions(cur: AsyncCursor[Any], envelope: Envelope, state: Document, event: Any) -> None:
    """Every version's row as the state now has it (a document has few versions)."""
    for kept in state.versions:
        await cur.execute(
            """INSERT INTO document_versions (tenant_id, document_id, version, object_key, content_type, size_bytes,
                   sha256, filename, pages, document_type, uploaded_at, uploaded_by, recognition_status,
                   recognition_reason, run_id, attempts, detected_type, language, field_count)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (document_id, version) DO UPDATE SET document_type = EXCLUDED.document_type,
                   recognition_status = EXCLUDED.recognition_status, recognition_reason = EXCLUDED.recognition_reason,
                   run_id = EXCLUDED.run_id, attempts = EXCLUDED.attempts, detected_type = EXCLUDED.detected_type,
                   language = EXCLUDED.language, field_count = EXCLUDED.field_count""",
            (
                state.tenant_id, envelope.aggregate_id, kept.version, kept.file.object_key, kept.file.content_type,
                kept.file.size_bytes, kept.file.sha256, kept.file.filename, kept.file.pages, str(state.document_type),
                kept.uploaded_at, kept.uploaded_by, str(kept.recognition_status), kept.recognition_reason, kept.run_id,
                kept.attempts, kept.detected_type, kept.language, kept.field_count,
            ),
        )  # fmt: skip


DOCUMENTS = StateProjection(
    domain=DOCUMENT,
    table="documents",
    table_ddl=DDL,
    columns=columns,
    history=History("document_history", "document_id"),
    also=write_versions,
    also_ddl=VERSIONS_DDL,
    also_tables=("document_versions",),
)
DOCUMENT_PROJECTION = DOCUMENTS.projection()
