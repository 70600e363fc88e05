"""Events of a customs declaration: facts, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from streams.customs.declaration import (
    ComplianceReport,
    CustomsRepresentative,
    DeclarationHeader,
    FieldError,
    GoodsItem,
    Party,
    PartyRole,
    SupportingDocument,
    Transport,
)
from streams.customs.reconciliation import AssessedPayment, ReconciliationFinding


@dataclass(frozen=True)
class DeclarationCreated:
    tenant_id: str
    header: DeclarationHeader
    created_at: datetime
    declarant: Party | None = None
    consignor: Party | None = None
    consignee: Party | None = None
    customs_representative: CustomsRepresentative | None = None
    transport: Transport | None = None
    items: tuple[GoodsItem, ...] = ()
    documents: tuple[SupportingDocument, ...] = ()
    shipment_id: str | None = None


@dataclass(frozen=True)
class HeaderUpdated:
    header: DeclarationHeader


@dataclass(frozen=True)
class PartySet:
    role: PartyRole
    party: Party


@dataclass(frozen=True)
class PartyRemoved:
    role: PartyRole


@dataclass(frozen=True)
class CustomsRepresentativeSet:
    representative: CustomsRepresentative | None


@dataclass(frozen=True)
class TransportUpdated:
    transport: Transport


@dataclass(frozen=True)
class GoodsItemAdded:
    item: GoodsItem


@dataclass(frozen=True)
class GoodsItemUpdated:
    item: GoodsItem


@dataclass(frozen=True)
class GoodsItemRemoved:
    item_id: str


@dataclass(frozen=True)
class DocumentAttached:
    document: SupportingDocument


@dataclass(frozen=True)
class DocumentRemoved:
    document_id: str


@dataclass(frozen=True)
class DeclarationReturnedToDraft:
    """A validated declaration was edited, so it must be validated again."""

    reason: str


@dataclass(frozen=True)
class DeclarationValidated:
    validated_at: datetime


@dataclass(frozen=True)
class DeclarationValidationFailed:
    errors: tuple[FieldError, ...]
    validated_at: datetime


@dataclass(frozen=True)
class ComplianceChanged:
    """The missing or expiring documents changed; pushed to the tenant's WebSocket."""

    report: ComplianceReport


@dataclass(frozen=True)
class DeclarationSubmitted:
    submitted_at: datetime
    declaration_date: date  # the assessment date fixed at submission


@dataclass(frozen=True)
class DeclarationRegistered:
    registration_number: str
    registered_on: date
    registered_at: datetime
    payments_due: Decimal | None = None  # roubles assessed by the authority; the duty process pays them


@dataclass(frozen=True)
class DeclarationReleased:
    released_at: datetime
    assessed: tuple[AssessedPayment, ...] = ()  # the authority's payments per type, when it stated them


@dataclass(frozen=True)
class DeclarationRejected:
    reason: str
    rejected_at: datetime
    duty_attempt: int = 0  # the payment attempt whose reservation the rejection releases (0: none)
    duty_paid: str | None = None  # the posted payment, which the rejection refunds


@dataclass(frozen=True)
class CorrectionRequested:
    correction_id: str
    reason: str
    requested_at: datetime


@dataclass(frozen=True)
class CorrectionApplied:
    correction_id: str
    reason: str
    applied_at: datetime
    items: tuple[GoodsItem, ...] = ()
    documents: tuple[SupportingDocument, ...] = ()


@dataclass(frozen=True)
class DutyPaymentRequested:
    """The assessed payments are to be paid again (attempt 2, 3 ...; the registration is attempt 1)."""

    attempt: int
    amount: Decimal
    requested_at: datetime


@dataclass(frozen=True)
class DutyPaid:
    transfer_id: str
    paid_at: datetime


@dataclass(frozen=True)
class DutyPaymentRefused:
    reason: str
    attempt: int
    refused_at: datetime


@dataclass(frozen=True)
class ReconciliationFindingRecorded:
    """A reconciliation difference on the declaration; its declarant is to be told (notification rules)."""

    finding: ReconciliationFinding


DeclarationEvent = (
    DeclarationCreated
    | HeaderUpdated
    | PartySet
    | PartyRemoved
    | CustomsRepresentativeSet
    | TransportUpdated
    | GoodsItemAdded
    | GoodsItemUpdated
    | GoodsItemRemoved
    | DocumentAttached
    | DocumentRemoved
    | DeclarationReturnedToDraft
    | DeclarationValidated
    | DeclarationValidationFailed
    | ComplianceChanged
    | DeclarationSubmitted
    | DeclarationRegistered
    | DeclarationReleased
    | DeclarationRejected
    | CorrectionRequested
    | CorrectionApplied
    | DutyPaymentRequested
    | DutyPaid
    | DutyPaymentRefused
    | ReconciliationFindingRecorded
)
EVENTS: tuple[type, ...] = DeclarationEvent.__args__
