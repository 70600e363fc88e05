"""Commands on a document template: define it, revise it, retire it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from streams.document.commands import DocumentType, LinkedType


class TemplateFormat(StrEnum):
    HTML = "html"
    TEXT = "text"


@dataclass(frozen=True)
class DefineTemplate:
    name: str
    document_type: DocumentType
    source: LinkedType  # the kind of object whose read model fills it (e.g. a purchase order)
    format: TemplateFormat
    body: str  # text with {{placeholders}} (streams.document.template.rendering)


@dataclass(frozen=True)
class ReviseTemplate:
    name: str
    body: str


@dataclass(frozen=True)
class RetireTemplate:
    pass


TemplateCommand = DefineTemplate | ReviseTemplate | RetireTemplate
COMMANDS: tuple[type, ...] = TemplateCommand.__args__
