"""Queries of the documents read model: lists and filters, one document with its versions, expiry, and the
recognition pipeline's work queue (`pending_recognitions`), and the stored objects the sweeper must keep
(`referenced_objects`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from psycopg import AsyncConnection, Connection, sql
from psycopg.rows import dict_row

from sinks.postgres.document import link_key
from sinks.postgres.queries import Row, fetch_all, fetch_one, iso

# The read model of each object a document can be linked to (the API checks the tenant's object exists there).
LINKED_TABLES = {
    "shipment": "shipments",
    "declaration": "customs_declarations",
    "purchase_order": "purchase_orders",
    "invoice": "invoices",
}

LIST_COLUMNS = sql.SQL("""id, document_type, title, status, latest_version, filename, content_type, recognition_status,
                          verification, expires_on, links, created_at, updated_at, version""")

PENDING_RECOGNITIONS = """
    SELECT tenant_id, document_id, version, object_key, content_type, size_bytes, sha256, filename, pages,
           document_type, uploaded_at
    FROM document_versions WHERE recognition_status = 'pending' AND document_type <> 'compliance_report'
    ORDER BY uploaded_at, document_id, version LIMIT %s"""


def pending_recognitions(conn: Connection[Any], limit: int) -> list[Row]:
    """The versions no recognition has recorded a result or a failure for, oldest first, across tenants.

    For the recognition pipeline (synchronous, as Dagster's ops are), on the owner's connection (it reads every
    tenant's queue); each row names the tenant its commands must carry and the object to read."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(PENDING_RECOGNITIONS, (limit,))
        return cur.fetchall()


def tenants(conn: Connection[Any]) -> list[str]:
    """Every tenant of this namespace (its companies'), on the owner's connection: the object store's prefixes."""
    return [str(row[0]) for row in conn.execute("SELECT DISTINCT tenant_id FROM companies ORDER BY 1")]


def referenced_objects(conn: Connection[Any], keys: list[str]) -> set[str]:
    """Which of these object keys a document version names (the rest no version references)."""
    rows = conn.execute("SELECT object_key FROM document_versions WHERE object_key = ANY(%s)", (keys,))
    return {str(row[0]) for row in rows}


@dataclass(frozen=True)
class DocumentFilter:
    document_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    recognition: str | None = None
    linked_type: str | None = None
    linked_id: str | None = None
    expiring_by: date | None = None  # expires on or before (already expired included)


def _list_view(row: Row, today: date) -> Row:
    expires_on = row["expires_on"]
    return {
        **{k: v for k, v in row.items() if k not in ("links", "expires_on", "created_at", "updated_at")},
        "links": [dict(zip(("linked_type", "linked_id"), link.split(":", 1), strict=True)) for link in row["links"]],
        "expires_on": iso(expires_on),
        "expired": expires_on is not None and expires_on < today,
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
    }


async def documents(
    conn: AsyncConnection[Any], matching: DocumentFilter, limit: int, offset: int, today: date
) -> tuple[list[Row], int]:
    """A page of documents, newest first, and how many match in all."""
    conditions = [sql.SQL("true")]  # row-level security adds the tenant
    params: list[Any] = []
    if matching.document_types:
        conditions.append(sql.SQL("document_type = ANY(%s)"))
        params.append(list(matching.document_types))
    if matching.statuses:
        conditions.append(sql.SQL("status = ANY(%s)"))
        params.append(list(matching.statuses))
    if matching.recognition:
        conditions.append(sql.SQL("recognition_status = %s"))
        params.append(matching.recognition)
    if matching.linked_type and matching.linked_id:
        conditions.append(sql.SQL("links @> ARRAY[%s]::text[]"))
        params.append(link_key(matching.linked_type, matching.linked_id))
    elif matching.linked_type:
        conditions.append(sql.SQL("EXISTS (SELECT FROM unnest(links) AS l WHERE l LIKE %s)"))
        params.append(f"{matching.linked_type}:%")
    if matching.expiring_by:
        conditions.append(sql.SQL("expires_on <= %s AND status = 'active'"))
        params.append(matching.expiring_by)
    where = sql.SQL(" AND ").join(conditions)
    total = await fetch_one(conn, sql.SQL("SELECT count(*) AS total FROM documents WHERE {}").format(where), params)
    rows = await fetch_all(
        conn,
        sql.SQL("SELECT {} FROM documents WHERE {} ORDER BY created_at DESC, id LIMIT %s OFFSET %s").format(
            LIST_COLUMNS, where
        ),
        [*params, limit, offset],
    )
    return [_list_view(row, today) for row in rows], (total["total"] if total else 0)


async def document(conn: AsyncConnection[Any], document_id: str, today: date) -> Row | None:
    """One document: its list columns, its versions, current fields, and verification."""
    row = await fetch_one(
        conn, sql.SQL("SELECT {}, state FROM documents WHERE id = %s").format(LIST_COLUMNS), (document_id,)
    )
    if row is None:
        return None
    state = row.pop("state")
    versions = await document_versions(conn, document_id)
    return {
        **_list_view(row, today),
        "versions": versions,
        "fields": state["fields"],
        "fields_version": state["fields_version"],
        "recognised_type": state["recognised_type"],
        "language": state["language"],
        "archived_reason": state["archived_reason"],
    }


async def document_versions(conn: AsyncConnection[Any], document_id: str) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT version, content_type, size_bytes, sha256, filename, pages, uploaded_at, uploaded_by,
                  recognition_status, recognition_reason, run_id, attempts, detected_type, language, field_count
           FROM document_versions WHERE document_id = %s ORDER BY version""",
        (document_id,),
    )
    return [{**row, "uploaded_at": row["uploaded_at"].isoformat()} for row in rows]


async def stored_version(conn: AsyncConnection[Any], document_id: str, version: int) -> Row | None:
    """Where a version's file is and what it is (the object key never leaves the API)."""
    return await fetch_one(
        conn,
        """SELECT object_key, content_type, size_bytes, sha256, filename, pages FROM document_versions
           WHERE document_id = %s AND version = %s""",
        (document_id, version),
    )


async def version_with_hash(conn: AsyncConnection[Any], document_id: str, sha256: str) -> int | None:
    row = await fetch_one(
        conn, "SELECT version FROM document_versions WHERE document_id = %s AND sha256 = %s", (document_id, sha256)
    )
    return None if row is None else int(row["version"])


async def linked_object_exists(conn: AsyncConnection[Any], linked_type: str, linked_id: str) -> bool:
    """Whether the caller's tenant has this object (row-level security hides every other tenant's)."""
    table = LINKED_TABLES[linked_type]
    row = await fetch_one(
        conn, sql.SQL("SELECT 1 AS found FROM {} WHERE id = %s").format(sql.Identifier(table)), (linked_id,)
    )
    return row is not None


async def expiring_documents(conn: AsyncConnection[Any], today: date, within_days: int) -> list[Row]:
    """Active documents expired, or expiring within `within_days`, soonest first (for customs compliance)."""
    rows = await fetch_all(
        conn,
        sql.SQL("""SELECT {} FROM documents WHERE status = 'active' AND expires_on <= %s
                   ORDER BY expires_on, id""").format(LIST_COLUMNS),
        (today + timedelta(days=within_days),),
    )
    return [_list_view(row, today) for row in rows]


async def document_history(conn: AsyncConnection[Any], document_id: str) -> list[Row]:
    rows = await fetch_all(
        conn,
        """SELECT version, event_type, actor_id, occurred_at, payload FROM document_history
           WHERE document_id = %s ORDER BY version""",
        (document_id,),
    )
    return [{**row, "occurred_at": row["occurred_at"].isoformat()} for row in rows]


TEMPLATE_COLUMNS = """id, name, document_type, source, format, status, revision, state->>'body' AS body,
    created_at, updated_at"""


def _template_view(row: Row) -> Row:
    return {**row, "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat()}


async def templates(conn: AsyncConnection[Any], source: str | None = None) -> list[Row]:
    """The tenant's active templates by name, those filled from `source` (e.g. purchase_order) when given."""
    rows = await fetch_all(
        conn,
        f"""SELECT {TEMPLATE_COLUMNS} FROM document_templates
            WHERE status = 'active' AND (%s::text IS NULL OR source = %s) ORDER BY name, id""",
        (source, source),
    )
    return [_template_view(row) for row in rows]


async def template(conn: AsyncConnection[Any], template_id: str) -> Row | None:
    row = await fetch_one(conn, f"SELECT {TEMPLATE_COLUMNS} FROM document_templates WHERE id = %s", (template_id,))
    return None if row is None else _template_view(row)
