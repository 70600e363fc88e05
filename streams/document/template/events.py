"""Events of a document template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.document.commands import DocumentType, LinkedType
from streams.document.template.commands import TemplateFormat


@dataclass(frozen=True)
class TemplateDefined:
    tenant_id: str
    name: str
    document_type: DocumentType
    source: LinkedType
    format: TemplateFormat
    body: str
    defined_at: datetime


@dataclass(frozen=True)
class TemplateRevised:
    name: str
    body: str
    revision: int
    revised_at: datetime


@dataclass(frozen=True)
class TemplateRetired:
    retired_at: datetime


TemplateEvent = TemplateDefined | TemplateRevised | TemplateRetired
EVENTS: tuple[type, ...] = TemplateEvent.__args__
