"""What a customs declaration holds: parties, transport, goods items, documents, and its state.

These are the immutable values that commands carry, events record and the decider folds into the
aggregate `Declaration`; validation, compliance, the payment calculation and the XML export all read
them. Money and quantities are Decimal; dates are `date`, instants tz-aware `datetime`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import ConfigDict, with_config

from streams.customs.reconciliation import AssessedPayment, ReconciliationFinding

# Where these values enter over HTTP, a field the declaration does not have is refused (422 naming it).
_ENTERED = with_config(ConfigDict(extra="forbid"))


class DeclarationStatus(StrEnum):
    NONE = "none"  # no declaration yet under this id
    DRAFT = "draft"
    VALIDATED = "validated"
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    RELEASED = "released"
    REJECTED = "rejected"


# Final: customs has decided; nothing about such a declaration is judged or changed any more.
CLOSED_STATUSES = frozenset({DeclarationStatus.RELEASED, DeclarationStatus.REJECTED})


class PartyRole(StrEnum):
    DECLARANT = "declarant"
    CONSIGNOR = "consignor"
    CONSIGNEE = "consignee"
    FINANCIALLY_RESPONSIBLE = "financially_responsible"  # box 9; when unset, the declarant ("see box 14")


@_ENTERED
@dataclass(frozen=True)
class Address:
    city: str
    street: str | None = None  # street, house and office as written
    postal_code: str | None = None
    region: str | None = None


@_ENTERED
@dataclass(frozen=True)
class Party:
    name: str
    country_code: str  # ISO 3166 alpha-2
    address: Address
    inn: str | None = None  # Russian taxpayer number: 10 digits (organisation) or 12 (individual)
    kpp: str | None = None  # Russian registration reason code, 9 digits, organisations only
    ogrn: str | None = None  # Russian state registration number, 13 or 15 digits
    foreign_registration_number: str | None = None  # a foreign party's tax or company number


@_ENTERED
@dataclass(frozen=True)
class CustomsRepresentative:
    party: Party
    registry_number: str  # number in the register of customs representatives
    contract_number: str  # the representative's contract with the declarant
    contract_date: date


@_ENTERED
@dataclass(frozen=True)
class Transport:
    mode_code: str  # mode at the border (box 25)
    vehicle_ids: tuple[str, ...] = ()  # plates, wagon numbers, vessel name/IMO or flight numbers
    nationality_code: str | None = None  # country where the means of transport is registered
    border_customs_office: str | None = None  # box 29: 8-digit code of the office of entry or exit
    inland_mode_code: str | None = None  # mode inland (box 26)
    container: bool = False


@_ENTERED
@dataclass(frozen=True)
class DeclarationHeader:
    procedure_code: str = ""  # from codes.PROCEDURES
    customs_office_code: str = ""  # 8 digits: the office the declaration is lodged with
    reference: str = ""  # the tenant's own reference
    dispatch_country: str | None = None
    destination_country: str | None = None
    trading_country: str | None = None
    delivery_terms: str | None = None  # Incoterms code, e.g. "FCA"
    delivery_place: str | None = None
    # The date rates and exchange rates are taken at; when unset, the date the declaration is submitted.
    declaration_date: date | None = None


@_ENTERED
@dataclass(frozen=True)
class GoodsItem:
    item_id: str  # stable id chosen by the client; the item number is its position (1-based)
    description: str
    commodity_code: str  # 10-digit EAEU CN FEA code
    origin_country: str  # ISO 3166 alpha-2
    quantity: Decimal  # in the supplementary unit
    unit_code: str  # OKEI code of the supplementary unit, e.g. "796" pieces
    gross_weight_kg: Decimal
    net_weight_kg: Decimal
    invoice_value: Decimal
    currency: str  # ISO 4217 alpha-3
    valuation_method: int = 1  # 1..6, codes.VALUATION_METHODS
    # Box 36: four parts, fee(2) duty(2) excise(1) VAT(2), e.g. "OOOO-OO" in Cyrillic letters;
    # None when no preference is claimed.
    preference_code: str | None = None


@_ENTERED
@dataclass(frozen=True)
class SupportingDocument:
    document_id: str
    type_code: str  # five digits, codes.DOCUMENT_TYPES
    number: str
    issued_on: date
    expires_on: date | None = None
    item_ids: tuple[str, ...] = ()  # the goods items it covers; empty means every item


@dataclass(frozen=True)
class FieldError:
    """A problem with one field, named in the declaration's own terms (e.g. `items[3].commodity_code`)."""

    path: str
    message: str


class FindingKind(StrEnum):
    MISSING = "missing"
    EXPIRING = "expiring"


@dataclass(frozen=True)
class ComplianceFinding:
    kind: FindingKind
    requirement_id: str
    document_type_code: str
    message: str
    item_ids: tuple[str, ...] = ()  # goods items concerned; empty for the declaration as a whole
    document_id: str | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class ComplianceReport:
    checked_on: date
    missing: tuple[ComplianceFinding, ...] = ()
    expiring: tuple[ComplianceFinding, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    def same_findings(self, other: ComplianceReport | None) -> bool:
        return other is not None and (self.missing, self.expiring) == (other.missing, other.expiring)


@dataclass(frozen=True)
class Correction:
    """A KDT-style correction of a registered declaration: requested with a reason, then applied."""

    correction_id: str
    reason: str
    requested_at: datetime
    applied_at: datetime | None = None


@dataclass(frozen=True)
class Declaration:
    """The aggregate: one customs declaration of one tenant."""

    status: DeclarationStatus = DeclarationStatus.NONE
    tenant_id: str = ""
    header: DeclarationHeader = DeclarationHeader()
    declarant: Party | None = None
    consignor: Party | None = None
    consignee: Party | None = None
    customs_representative: CustomsRepresentative | None = None
    transport: Transport | None = None
    items: tuple[GoodsItem, ...] = ()
    documents: tuple[SupportingDocument, ...] = ()
    shipment_id: str | None = None
    financially_responsible: Party | None = None  # box 9, when another person than the declarant
    validation_errors: tuple[FieldError, ...] = ()
    compliance: ComplianceReport | None = None
    registration_number: str | None = None
    rejection_reason: str | None = None
    corrections: tuple[Correction, ...] = ()
    created_at: datetime | None = None
    submitted_at: datetime | None = None
    registered_at: datetime | None = None
    released_at: datetime | None = None
    payments_due: Decimal | None = None  # assessed at registration (roubles)
    duty_attempt: int = 0  # 1 from registration with payments due; +1 per retry
    duty_paid: str | None = None  # the ledger's posting transfer, once paid
    duty_problem: str | None = None  # why the last attempt was refused
    filed_items: tuple[GoodsItem, ...] = ()  # the goods items as submitted (the calculation at filing)
    assessed: tuple[AssessedPayment, ...] = ()  # the authority's payments per type, stated on release
    reconciliation_findings: tuple[ReconciliationFinding, ...] = ()

    def party(self, role: PartyRole) -> Party | None:
        return {
            PartyRole.DECLARANT: self.declarant,
            PartyRole.CONSIGNOR: self.consignor,
            PartyRole.CONSIGNEE: self.consignee,
            PartyRole.FINANCIALLY_RESPONSIBLE: self.financially_responsible,
        }[role]

    def item(self, item_id: str) -> GoodsItem | None:
        return next((item for item in self.items if item.item_id == item_id), None)

    def document(self, document_id: str) -> SupportingDocument | None:
        return next((doc for doc in self.documents if doc.document_id == document_id), None)

    def item_number(self, item_id: str) -> int:
        """The 1-based number of an item as printed on the declaration (box 32)."""
        return next(number for number, item in enumerate(self.items, start=1) if item.item_id == item_id)

    def assessment_date(self, today: date) -> date:
        """The date duties, rates and document validity are judged at."""
        return self.header.declaration_date or today

    @property
    def open_correction(self) -> Correction | None:
        return next((c for c in self.corrections if c.applied_at is None), None)
