"""Finding the shipment a message is about among the identifiers it carries.

A partner names a shipment by our reference (CNI, RFF+FF/CU/SI) or by its own numbers: the booking
number (RFF+BN, CN), the bill of lading (RFF+BM, AAS), a house or master waybill (RFF+HWB, MWB,
AWB) or a container (EQD+CN). Our reference is the shipment's key; the carriers' numbers are looked
up in a `ShipmentIndex` of the partner's tenant, built from shipment events (booked, documents
recorded, containers attached while the shipment is active). Resolution tries the identifiers in
the partner's order of qualifiers, then the carriers' numbers it did not list, then containers, and
reports every identifier it tried, so a message that names no known shipment says what it looked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from streams.edi.partners import TradingPartner
from streams.shipment.details import EquipmentKind, TransportDocumentKind
from streams.shipment.events import (
    EquipmentAttached,
    EquipmentDetached,
    MilestoneReached,
    ShipmentBooked,
    ShipmentCancelled,
    ShipmentCreated,
    TransportDocumentRecorded,
)
from streams.shipment.identifiers import normalize_container_number, normalize_reference
from streams.shipment.lifecycle import Milestone

Reference = tuple[str, str]  # (RFF qualifier or "CNI"/"BGM"/"EQD", value)
CONTAINER_QUALIFIER = "EQD"  # a container number from an EQD+CN segment


class IdentifierKind(StrEnum):
    REFERENCE = "reference"  # the shipment's business reference, its key
    BOOKING = "booking"
    BILL_OF_LADING = TransportDocumentKind.BILL_OF_LADING.value
    HOUSE_WAYBILL = TransportDocumentKind.HOUSE_WAYBILL.value
    MASTER_WAYBILL = TransportDocumentKind.MASTER_WAYBILL.value
    CONTAINER = "container"


# The carriers' numbers (RFF 1153 qualifiers, and EQD for containers) and what they identify.
CARRIER_QUALIFIERS: dict[str, IdentifierKind] = {
    "BN": IdentifierKind.BOOKING,  # booking reference number
    "CN": IdentifierKind.BOOKING,  # carrier's reference number
    "BM": IdentifierKind.BILL_OF_LADING,  # bill of lading number
    "AAS": IdentifierKind.BILL_OF_LADING,  # transport document number
    "HWB": IdentifierKind.HOUSE_WAYBILL,
    "MWB": IdentifierKind.MASTER_WAYBILL,
    "AWB": IdentifierKind.MASTER_WAYBILL,  # air waybill, the carrier's master of a consolidation
    CONTAINER_QUALIFIER: IdentifierKind.CONTAINER,
}
NAMES = {
    IdentifierKind.REFERENCE: "reference",
    IdentifierKind.BOOKING: "booking number",
    IdentifierKind.BILL_OF_LADING: "bill of lading",
    IdentifierKind.HOUSE_WAYBILL: "house waybill",
    IdentifierKind.MASTER_WAYBILL: "master waybill",
    IdentifierKind.CONTAINER: "container",
}


def normalized(kind: IdentifierKind, value: str) -> str:
    return normalize_container_number(value) if kind is IdentifierKind.CONTAINER else normalize_reference(value)


@dataclass
class ShipmentIndex:
    """Per tenant: the shipments (id -> reference) and the carriers' numbers that name them.

    Fed with every shipment event in order (`apply`); a container names a shipment only while it is
    attached and the shipment is neither delivered nor cancelled, so a re-used box finds the new one.
    """

    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # shipment id -> (tenant, reference)
    known: set[tuple[str, str]] = field(default_factory=set)  # (tenant, reference)
    numbers: dict[tuple[str, IdentifierKind, str], str] = field(default_factory=dict)  # -> shipment id

    def apply(self, shipment_id: str, event: Any) -> None:
        if isinstance(event, ShipmentCreated):
            reference = normalize_reference(event.reference)
            self.references[shipment_id] = (event.tenant_id, reference)
            self.known.add((event.tenant_id, reference))
            return
        owner = self.references.get(shipment_id)
        if owner is None:
            return
        tenant = owner[0]
        match event:
            case ShipmentBooked(booking_reference=booking):
                self.numbers[(tenant, IdentifierKind.BOOKING, normalize_reference(booking))] = shipment_id
            case TransportDocumentRecorded(document=document):
                kind = IdentifierKind(document.kind.value)
                self.numbers[(tenant, kind, normalize_reference(document.number))] = shipment_id
            case EquipmentAttached(equipment=equipment) if equipment.kind is EquipmentKind.CONTAINER:
                number = normalize_container_number(equipment.identifier)
                self.numbers[(tenant, IdentifierKind.CONTAINER, number)] = shipment_id
            case EquipmentDetached(identifier=identifier):
                self._release(tenant, normalize_container_number(identifier), shipment_id)
            case MilestoneReached(milestone=Milestone.DELIVERED) | ShipmentCancelled():
                for key, holder in list(self.numbers.items()):
                    if holder == shipment_id and key[1] is IdentifierKind.CONTAINER:
                        del self.numbers[key]

    def _release(self, tenant: str, container: str, shipment_id: str) -> None:
        key = (tenant, IdentifierKind.CONTAINER, container)
        if self.numbers.get(key) == shipment_id:
            del self.numbers[key]

    def find(self, tenant_id: str, kind: IdentifierKind, value: str) -> str | None:
        """Our reference of the tenant's shipment the number names, or None."""
        if kind is IdentifierKind.REFERENCE:
            reference = normalize_reference(value)
            return reference if (tenant_id, reference) in self.known else None
        shipment_id = self.numbers.get((tenant_id, kind, normalized(kind, value)))
        return self.references[shipment_id][1] if shipment_id else None


@dataclass(frozen=True)
class Resolution:
    reference: str | None  # our reference of the shipment, None when nothing names one
    tried: tuple[str, ...]  # what was looked for, e.g. "booking number NOL7712002 (RFF+BN)"

    def describe(self) -> str:
        return "; ".join(self.tried) or "no identifier"


def _described(qualifier: str, value: str, kind: IdentifierKind) -> str:
    segment = "EQD+CN" if qualifier == CONTAINER_QUALIFIER else ("CNI" if qualifier == "CNI" else f"RFF+{qualifier}")
    return f"{NAMES[kind]} {value} ({segment})"


def _in_order(references: Sequence[Reference], partner: TradingPartner) -> list[Reference]:
    """The partner's qualifiers first, in its order; then carriers' numbers it did not list; containers last."""
    listed = [(q, v) for q in partner.reference_qualifiers for found, v in references if found == q and v]
    extra = [
        (q, v)
        for q, v in references
        if v and q not in partner.reference_qualifiers and q in CARRIER_QUALIFIERS and q != CONTAINER_QUALIFIER
    ]
    containers = [(q, v) for q, v in references if q == CONTAINER_QUALIFIER and v]
    return list(dict.fromkeys([*listed, *extra, *containers]))


def resolve_shipment(
    references: Sequence[Reference], partner: TradingPartner, index: ShipmentIndex | None
) -> Resolution:
    """The tenant's shipment the identifiers name.

    Our reference resolves when the index knows it; a carrier's number when the index has it (or,
    as before, when the partner quotes our reference under that qualifier). Without any match, the
    first of our references is still the answer (the shipment may be created by a message not yet
    indexed; the shipment then answers "no such shipment"), else None.
    """
    tried: list[str] = []
    fallback: str | None = None
    for qualifier, value in _in_order(references, partner):
        kind = CARRIER_QUALIFIERS.get(qualifier, IdentifierKind.REFERENCE)
        tried.append(_described(qualifier, value, kind))
        if index is None:
            if kind is IdentifierKind.REFERENCE or qualifier in partner.reference_qualifiers:
                return Resolution(value, tuple(tried))  # no index: every listed qualifier is our reference
            continue
        found = index.find(partner.tenant_id, kind, value)
        if found is None and kind is not IdentifierKind.REFERENCE and kind is not IdentifierKind.CONTAINER:
            found = index.find(partner.tenant_id, IdentifierKind.REFERENCE, value)
        if found is not None:
            return Resolution(found, tuple(tried))
        if kind is IdentifierKind.REFERENCE and fallback is None:
            fallback = value
    return Resolution(fallback, tuple(tried))


def shipment_reference(references: Sequence[Reference], partner: TradingPartner) -> str | None:
    """The first reference, in the partner's order of qualifiers, that the message carries (our own number)."""
    for qualifier in partner.reference_qualifiers:
        for found, value in references:
            if found == qualifier and value:
                return value
    return None


def looked_for(partner: TradingPartner) -> str:
    return ", ".join(partner.reference_qualifiers)
