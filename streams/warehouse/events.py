"""Events of a warehouse: facts, named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from streams.warehouse.commands import LocationKind


@dataclass(frozen=True)
class WarehouseRegistered:
    tenant_id: str
    code: str
    name: str
    country: str
    locode: str | None = None


@dataclass(frozen=True)
class LocationAdded:
    code: str
    kind: LocationKind


@dataclass(frozen=True)
class StockReceived:
    sku: str
    quantity: Decimal
    location: str
    shipment_reference: str | None = None


@dataclass(frozen=True)
class StockPutAway:
    sku: str
    quantity: Decimal
    from_location: str
    to_location: str


@dataclass(frozen=True)
class StockMoved:
    sku: str
    quantity: Decimal
    from_location: str
    to_location: str


@dataclass(frozen=True)
class StockPicked:
    sku: str
    quantity: Decimal
    from_location: str
    to_location: str
    shipment_reference: str | None = None


@dataclass(frozen=True)
class StockDispatched:
    sku: str
    quantity: Decimal
    from_location: str
    shipment_reference: str


WarehouseEvent = (
    WarehouseRegistered | LocationAdded | StockReceived | StockPutAway | StockMoved | StockPicked | StockDispatched
)
EVENTS: tuple[type, ...] = WarehouseEvent.__args__
