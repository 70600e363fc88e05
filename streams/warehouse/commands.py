"""Commands on a warehouse. Quantities are Decimal in the SKU's own unit of measure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class LocationKind(StrEnum):
    RECEIVING = "receiving"  # dock where inbound goods land
    STORAGE = "storage"  # racks and bins
    STAGING = "staging"  # outbound area where picked goods wait for dispatch
    QUARANTINE = "quarantine"  # damaged or held goods


@dataclass(frozen=True)
class RegisterWarehouse:
    code: str  # the tenant's code for it; the aggregate id derives from it
    name: str
    country: str  # ISO 3166-1 alpha-2
    locode: str | None = None  # the UN/LOCODE of its place


@dataclass(frozen=True)
class AddLocation:
    code: str
    kind: LocationKind


@dataclass(frozen=True)
class ReceiveStock:
    sku: str  # SKU or cargo reference
    quantity: Decimal
    location: str  # a receiving location
    shipment_reference: str | None = None  # the inbound shipment it came with


@dataclass(frozen=True)
class PutAway:
    sku: str
    quantity: Decimal
    from_location: str  # receiving
    to_location: str  # storage


@dataclass(frozen=True)
class MoveStock:
    sku: str
    quantity: Decimal
    from_location: str
    to_location: str


@dataclass(frozen=True)
class PickStock:
    sku: str
    quantity: Decimal
    from_location: str  # storage
    to_location: str  # staging
    shipment_reference: str | None = None  # the outbound shipment it is picked for


@dataclass(frozen=True)
class DispatchStock:
    sku: str
    quantity: Decimal
    from_location: str
    shipment_reference: str  # stock leaves only against a shipment


WarehouseCommand = RegisterWarehouse | AddLocation | ReceiveStock | PutAway | MoveStock | PickStock | DispatchStock
COMMANDS: tuple[type, ...] = WarehouseCommand.__args__
