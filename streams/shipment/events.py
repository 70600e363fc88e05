"""Events of a shipment: facts, named in the past tense.

Events that appear on the timeline carry their time and `source`: "api", or "edi:<partner id>"
when a partner's EDI message reported them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.shipment.cargo import CargoItem
from streams.shipment.details import (
    Carrier,
    Equipment,
    ExceptionKind,
    Party,
    RouteLeg,
    TransportDocument,
    TransportMode,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus


@dataclass(frozen=True)
class ShipmentCreated:
    tenant_id: str
    reference: str
    mode: TransportMode
    created_at: datetime
    source: str
    incoterm: Incoterm | None = None
    incoterm_place: str | None = None
    shipper: Party | None = None
    consignee: Party | None = None
    notify: Party | None = None


@dataclass(frozen=True)
class PartiesSet:
    shipper: Party | None = None
    consignee: Party | None = None
    notify: Party | None = None


@dataclass(frozen=True)
class IncotermSet:
    incoterm: Incoterm
    incoterm_place: str


@dataclass(frozen=True)
class RoutePlanned:
    legs: tuple[RouteLeg, ...]


@dataclass(frozen=True)
class ShipmentBooked:
    carrier: Carrier
    booking_reference: str
    booked_at: datetime
    source: str


@dataclass(frozen=True)
class TransportDocumentRecorded:
    document: TransportDocument
    source: str


@dataclass(frozen=True)
class EquipmentAttached:
    equipment: Equipment


@dataclass(frozen=True)
class EquipmentDetached:
    identifier: str


@dataclass(frozen=True)
class CargoItemDeclared:
    item: CargoItem


@dataclass(frozen=True)
class CargoItemRemoved:
    item_id: str


@dataclass(frozen=True)
class MilestonePlanned:
    milestone: Milestone
    planned_at: datetime
    source: str


@dataclass(frozen=True)
class MilestoneReached:
    milestone: Milestone
    actual_at: datetime
    status: ShipmentStatus  # the status after it, unchanged for `arrived`
    source: str
    place: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class TransportEventNoted:
    description: str
    occurred_at: datetime
    source: str
    place: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class ExceptionRaised:
    exception_id: str
    kind: ExceptionKind
    reason: str
    raised_at: datetime
    source: str


@dataclass(frozen=True)
class ExceptionResolved:
    exception_id: str
    kind: ExceptionKind  # repeated from ExceptionRaised so a read model needs no lookup
    resolution: str
    resolved_at: datetime
    source: str


@dataclass(frozen=True)
class ShipmentCancelled:
    reason: str
    cancelled_at: datetime
    source: str


ShipmentEvent = (
    ShipmentCreated
    | PartiesSet
    | IncotermSet
    | RoutePlanned
    | ShipmentBooked
    | EquipmentAttached
    | EquipmentDetached
    | CargoItemDeclared
    | CargoItemRemoved
    | MilestonePlanned
    | MilestoneReached
    | TransportEventNoted
    | ExceptionRaised
    | ExceptionResolved
    | ShipmentCancelled
    | TransportDocumentRecorded
)
EVENTS: tuple[type, ...] = ShipmentEvent.__args__
