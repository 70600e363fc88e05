"""Projection of document template events: each template's state and history."""

from __future__ import annotations

from typing import Any

from sinks.postgres.state import History, StateProjection
from streams.document.template.decider import DocumentTemplate
from streams.document.template.domain import DOCUMENT_TEMPLATE
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS document_templates (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        name text NOT NULL,
        document_type text NOT NULL,
        source text NOT NULL,
        format text NOT NULL,
        status text NOT NULL,
        revision integer NOT NULL,
        state jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS document_templates_by_name ON document_templates (tenant_id, name)",
)


def columns(state: DocumentTemplate, envelope: Envelope, event: Any) -> dict[str, Any]:
    return {
        "name": state.name,
        "document_type": str(state.document_type),
        "source": str(state.source),
        "format": str(state.format),
        "status": str(state.status),
        "revision": state.revision,
        "created_at": envelope.occurred_at,
    }


DOCUMENT_TEMPLATES = StateProjection(
    domain=DOCUMENT_TEMPLATE,
    table="document_templates",
    table_ddl=DDL,
    columns=columns,
    history=History("document_template_history", "template_id"),
)
DOCUMENT_TEMPLATE_PROJECTION = DOCUMENT_TEMPLATES.projection()
