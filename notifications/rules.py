"""Which events notify whom, through which channels: the notification rules, as data.

A rule names the event (`<domain>.<Event>` as on the topics), an optional condition on one of its fields, who
hears of it (people related to the aggregate, such as its owner or declarant, and company roles), the channels
it goes through unless a user's preferences say otherwise, its severity, and whether its emails are batched
into a digest (noisy events). `notifications.sink.recipients` resolves the audience from read models.

Invoice overdue has no event on the stream (nothing happens when a date passes): the notification worker's
daily check (`notifications.overdue`) finds overdue invoices and raises `invoice.Overdue` through these rules.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from streams.company.permissions import Role


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    TELEGRAM = "telegram"  # once the person linked their Telegram chat (notifications.telegram)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Relation(StrEnum):
    """How a person relates to the aggregate an event is about (kept by the worker in `notification_subjects`)."""

    OWNER = "owner"  # who created it: the shipment's, the EDI partner's, the declaration's
    DECLARANT = "declarant"  # who submitted the declaration (its creator until submitted)


@dataclass(frozen=True)
class Audience:
    relations: tuple[Relation, ...] = ()
    roles: tuple[Role, ...] = ()  # every participant of the aggregate's company with one of these roles


@dataclass(frozen=True)
class Condition:
    """The event's field at `path` (dotted) equals `value` (compared as text)."""

    path: str
    value: str

    def holds(self, message: Any) -> bool:
        return str(field_at(message, self.path)) == self.value


@dataclass(frozen=True)
class Rule:
    kind: str  # the notification's kind: what preferences and templates are keyed by
    event: str  # `<domain>.<Event>`
    audience: Audience
    channels: tuple[Channel, ...] = (Channel.IN_APP, Channel.EMAIL)
    severity: Severity = Severity.INFO
    digest: bool = False  # emails batched into one per user per digest window
    when: Condition | None = None
    facts: tuple[str, ...] = ()  # the event's fields (dotted paths) the templates show


RULES: tuple[Rule, ...] = (
    Rule(
        kind="shipment_exception",
        event="shipment.ExceptionRaised",
        audience=Audience(relations=(Relation.OWNER,), roles=(Role.OPERATOR,)),
        severity=Severity.WARNING,
        facts=("kind", "reason"),
    ),
    Rule(
        kind="declaration_rejected",
        event="customs_declaration.DeclarationRejected",
        audience=Audience(relations=(Relation.DECLARANT,)),
        severity=Severity.CRITICAL,
        facts=("reason",),
    ),
    Rule(
        kind="reconciliation_finding",
        event="customs_declaration.ReconciliationFindingRecorded",
        audience=Audience(relations=(Relation.DECLARANT,)),
        severity=Severity.WARNING,
        digest=True,  # the daily reconciliation records a day's findings at once: one email for them
        facts=(
            "finding.payment_code",
            "finding.difference_class",
            "finding.difference",
            "finding.assessed",
            "finding.paid",
        ),
    ),
    Rule(
        kind="invoice_overdue",
        event="invoice.Overdue",
        audience=Audience(roles=(Role.ACCOUNTANT,)),
        severity=Severity.WARNING,
        facts=("number", "due_on", "outstanding", "currency"),
    ),
    Rule(
        kind="edi_dead_letter",
        event="edi_partner.InterchangeRecorded",
        when=Condition("result.status", "dead_lettered"),
        audience=Audience(relations=(Relation.OWNER,)),
        severity=Severity.WARNING,
        digest=True,
        facts=("result.control_reference", "result.reason"),
    ),
)
KINDS: tuple[str, ...] = tuple(rule.kind for rule in RULES)


def field_at(message: Any, path: str) -> Any:
    """A dotted path into a dataclass or a mapping; None where it leads nowhere."""
    value = message
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif dataclasses.is_dataclass(value):
            value = getattr(value, part, None)
        else:
            return None
    return value


def rules_for(event: str, message: Any, rules: tuple[Rule, ...] = RULES) -> list[Rule]:
    """The rules an event of this name and content triggers."""
    return [r for r in rules if r.event == event and (r.when is None or r.when.holds(message))]


def facts_of(rule: Rule, message: Any) -> dict[str, str]:
    """What the templates show of the event, as text (missing fields are empty)."""
    return {path: "" if (v := field_at(message, path)) is None else str(v) for path in rule.facts}


def rule_of(kind: str) -> Rule:
    return next(r for r in RULES if r.kind == kind)
