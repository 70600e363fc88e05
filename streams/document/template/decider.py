"""The document template decider: a named body of text with {{placeholders}}, revised in place, retired for good.

A body is 1 to 20,000 characters of well-formed placeholders and sections (`rendering.syntax_problem`);
whether the object it is issued from has every value is known only then (the API answers 422 naming it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from streams.company.identifiers import InvalidDetail, text
from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.document.commands import DocumentType, LinkedType
from streams.document.template.commands import (
    DefineTemplate,
    RetireTemplate,
    ReviseTemplate,
    TemplateCommand,
    TemplateFormat,
)
from streams.document.template.events import TemplateDefined, TemplateEvent, TemplateRetired, TemplateRevised
from streams.document.template.rendering import syntax_problem
from streams.immutable import replace

MAX_BODY = 20_000
Decision = Sequence[TemplateEvent] | Rejection


class TemplateStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"
    RETIRED = "retired"


@dataclass(frozen=True)
class DocumentTemplate:
    status: TemplateStatus = TemplateStatus.NONE
    tenant_id: str | None = None
    name: str = ""
    document_type: DocumentType = DocumentType.OTHER
    source: LinkedType = LinkedType.PURCHASE_ORDER
    format: TemplateFormat = TemplateFormat.HTML
    body: str = ""
    revision: int = 0
    updated_at: datetime | None = None


def _body(body: str) -> str:
    if not 0 < len(body.strip()) <= MAX_BODY:
        raise InvalidDetail("body", f"a template's body is 1 to {MAX_BODY} characters")
    if problem := syntax_problem(body):
        raise InvalidDetail("body", problem)
    return body


def decide(state: DocumentTemplate, command: TemplateCommand, context: CommandContext) -> Decision:
    try:
        match command:
            case DefineTemplate():
                if state.status is not TemplateStatus.NONE:
                    return reject(RejectionCode.CONFLICT, "this template already exists")
                assert context.tenant_id is not None  # the tenancy combinator admitted it
                return [
                    TemplateDefined(
                        context.tenant_id, text(command.name, "name", 120), DocumentType(command.document_type),
                        LinkedType(command.source), TemplateFormat(command.format), _body(command.body),
                        context.issued_at,
                    )
                ]  # fmt: skip
            case ReviseTemplate():
                if state.status is TemplateStatus.NONE:
                    return reject(RejectionCode.NOT_FOUND, "no such template")
                if state.status is TemplateStatus.RETIRED:
                    return reject(RejectionCode.ILLEGAL_STATE, "the template is retired", "status")
                name, body = text(command.name, "name", 120), _body(command.body)
                return [TemplateRevised(name, body, state.revision + 1, context.issued_at)]
            case RetireTemplate():
                if state.status is TemplateStatus.NONE:
                    return reject(RejectionCode.NOT_FOUND, "no such template")
                if state.status is TemplateStatus.RETIRED:
                    return reject(RejectionCode.ILLEGAL_STATE, "the template is already retired", "status")
                return [TemplateRetired(context.issued_at)]
    except InvalidDetail as fault:
        return reject(RejectionCode.INVALID, fault.reason, fault.field)
    except ValueError:
        return reject(RejectionCode.INVALID, "not a known document type, source or format")
    raise TypeError(f"not a template command: {command!r}")


def evolve(state: DocumentTemplate, event: TemplateEvent) -> DocumentTemplate:
    match event:
        case TemplateDefined():
            return DocumentTemplate(
                TemplateStatus.ACTIVE, event.tenant_id, event.name, event.document_type, event.source, event.format,
                event.body, 1, event.defined_at,
            )  # fmt: skip
        case TemplateRevised():
            return replace(
                state, name=event.name, body=event.body, revision=event.revision, updated_at=event.revised_at
            )
        case TemplateRetired():
            return replace(state, status=TemplateStatus.RETIRED, updated_at=event.retired_at)
    raise TypeError(f"not a template event: {event!r}")


template_decider: Decider[DocumentTemplate, TemplateCommand, TemplateEvent] = Decider(
    DocumentTemplate(), decide, evolve
)
