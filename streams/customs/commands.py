"""Commands on a customs declaration: what a declarant, an operator or the customs authority asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from streams.customs.declaration import (
    CustomsRepresentative,
    DeclarationHeader,
    GoodsItem,
    Party,
    PartyRole,
    SupportingDocument,
    Transport,
)
from streams.customs.reconciliation import AssessedPayment, DifferenceClass


@dataclass(frozen=True)
class CreateDeclaration:
    """Open a draft: from scratch (header only) or prefilled from a shipment's data."""

    header: DeclarationHeader
    declarant: Party | None = None
    consignor: Party | None = None
    consignee: Party | None = None
    customs_representative: CustomsRepresentative | None = None
    transport: Transport | None = None
    items: tuple[GoodsItem, ...] = ()
    documents: tuple[SupportingDocument, ...] = ()
    shipment_id: str | None = None  # the shipment the data was taken from


@dataclass(frozen=True)
class UpdateHeader:
    header: DeclarationHeader


@dataclass(frozen=True)
class SetParty:
    role: PartyRole
    party: Party


@dataclass(frozen=True)
class RemoveParty:
    role: PartyRole


@dataclass(frozen=True)
class SetCustomsRepresentative:
    representative: CustomsRepresentative | None  # None: the declarant lodges the declaration itself


@dataclass(frozen=True)
class UpdateTransport:
    transport: Transport


@dataclass(frozen=True)
class AddGoodsItem:
    item: GoodsItem


@dataclass(frozen=True)
class AddGoodsItems:
    """Several goods items at once, all or none (e.g. a verified invoice's lines)."""

    items: tuple[GoodsItem, ...]


@dataclass(frozen=True)
class UpdateGoodsItem:
    item: GoodsItem  # replaces the item with the same item_id


@dataclass(frozen=True)
class RemoveGoodsItem:
    item_id: str


@dataclass(frozen=True)
class AttachDocument:
    document: SupportingDocument  # replaces a document with the same document_id


@dataclass(frozen=True)
class RemoveDocument:
    document_id: str


@dataclass(frozen=True)
class ValidateDeclaration:
    pass


@dataclass(frozen=True)
class SubmitDeclaration:
    pass


@dataclass(frozen=True)
class CheckCompliance:
    """Re-judge documents on the assessment date (e.g. daily, so expiry shows up without an edit)."""


@dataclass(frozen=True)
class RegisterDeclaration:
    """From the customs authority: the declaration is registered under a number."""

    registration_number: str  # office code (8) / date DDMMYY / number (7), e.g. 10702070/150324/0012345
    registered_on: date
    # The payments the authority assessed, in roubles; when stated, the goods are released only once paid.
    payments_due: Decimal | None = None


@dataclass(frozen=True)
class ReleaseDeclaration:
    """From the customs authority: the goods are released, with the payments it assessed per type (if stated)."""

    assessed: tuple[AssessedPayment, ...] = ()


@dataclass(frozen=True)
class RejectDeclaration:
    """From the customs authority: registration or release is refused."""

    reason: str


@dataclass(frozen=True)
class RequestCorrection:
    correction_id: str
    reason: str


@dataclass(frozen=True)
class ApplyCorrection:
    """The corrected values of a registered declaration (KDT): replaced items and documents."""

    correction_id: str
    reason: str
    items: tuple[GoodsItem, ...] = ()  # each replaces the item with its item_id
    documents: tuple[SupportingDocument, ...] = ()  # each replaces or adds by document_id


@dataclass(frozen=True)
class RetryDutyPayment:
    """The broker asks to pay the assessed payments again (after the ledger refused, e.g. the account was short)."""


@dataclass(frozen=True)
class RecordDutyPaid:
    """From the customs-duty process: the ledger posted the payments to customs (this transfer)."""

    transfer_id: str


@dataclass(frozen=True)
class RecordDutyPaymentRefused:
    """From the customs-duty process: the ledger refused to reserve the payments, with its reason."""

    reason: str


@dataclass(frozen=True)
class RecordReconciliationFinding:
    """From the duty-reconciliation pipeline: a difference found on one payment type on the reconciled day."""

    reconciled_on: date
    payment_code: str
    difference_class: DifferenceClass
    calculated: Decimal
    declared: Decimal
    assessed: Decimal
    paid: Decimal
    difference: Decimal
    explanation: str


DeclarationCommand = (
    CreateDeclaration
    | UpdateHeader
    | SetParty
    | RemoveParty
    | SetCustomsRepresentative
    | UpdateTransport
    | AddGoodsItem
    | AddGoodsItems
    | UpdateGoodsItem
    | RemoveGoodsItem
    | AttachDocument
    | RemoveDocument
    | ValidateDeclaration
    | SubmitDeclaration
    | CheckCompliance
    | RegisterDeclaration
    | ReleaseDeclaration
    | RejectDeclaration
    | RequestCorrection
    | ApplyCorrection
    | RetryDutyPayment
    | RecordDutyPaid
    | RecordDutyPaymentRefused
    | RecordReconciliationFinding
)
COMMANDS: tuple[type, ...] = DeclarationCommand.__args__
