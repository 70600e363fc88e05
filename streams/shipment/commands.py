"""Commands on a shipment. Times of events come in the command; the decider's clock is the context's."""

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
from streams.shipment.lifecycle import Milestone


@dataclass(frozen=True)
class CreateShipment:
    reference: str  # the tenant's business reference; the aggregate id derives from it
    mode: TransportMode
    incoterm: Incoterm | None = None
    incoterm_place: str | None = None  # the named place the rule needs, e.g. "Hamburg"
    shipper: Party | None = None
    consignee: Party | None = None
    notify: Party | None = None


@dataclass(frozen=True)
class SetParties:
    """Replaces all three parties; None leaves that role empty."""

    shipper: Party | None = None
    consignee: Party | None = None
    notify: Party | None = None


@dataclass(frozen=True)
class SetIncoterm:
    incoterm: Incoterm
    incoterm_place: str


@dataclass(frozen=True)
class PlanRoute:
    """Replaces the route with these legs, in order."""

    legs: tuple[RouteLeg, ...]


@dataclass(frozen=True)
class BookShipment:
    carrier: Carrier
    booking_reference: str  # the carrier's booking number
    booked_at: datetime | None = None  # when the carrier confirmed; the command's time if absent


@dataclass(frozen=True)
class RecordTransportDocument:
    """The number of a bill of lading or waybill issued for the shipment (replaces one of the same kind)."""

    document: TransportDocument


@dataclass(frozen=True)
class AttachEquipment:
    equipment: Equipment


@dataclass(frozen=True)
class DetachEquipment:
    identifier: str


@dataclass(frozen=True)
class DeclareCargoItem:
    """Adds the item, or replaces the item with the same id."""

    item: CargoItem


@dataclass(frozen=True)
class RemoveCargoItem:
    item_id: str


@dataclass(frozen=True)
class PlanMilestone:
    milestone: Milestone
    planned_at: datetime


@dataclass(frozen=True)
class RecordMilestone:
    milestone: Milestone
    actual_at: datetime
    place: str | None = None  # UN/LOCODE
    note: str | None = None


@dataclass(frozen=True)
class NoteTransportEvent:
    """A reported event that moves no milestone (e.g. "crossed border"); kept for the timeline."""

    description: str
    occurred_at: datetime
    place: str | None = None
    code: str | None = None  # the reporter's status code, e.g. a Rec 24 code


@dataclass(frozen=True)
class RaiseException:
    exception_id: str
    kind: ExceptionKind
    reason: str
    raised_at: datetime | None = None


@dataclass(frozen=True)
class ResolveException:
    exception_id: str
    resolution: str
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class CancelShipment:
    reason: str


ShipmentCommand = (
    CreateShipment
    | SetParties
    | SetIncoterm
    | PlanRoute
    | BookShipment
    | AttachEquipment
    | DetachEquipment
    | DeclareCargoItem
    | RemoveCargoItem
    | PlanMilestone
    | RecordMilestone
    | NoteTransportEvent
    | RaiseException
    | ResolveException
    | CancelShipment
    | RecordTransportDocument
)
COMMANDS: tuple[type, ...] = ShipmentCommand.__args__
