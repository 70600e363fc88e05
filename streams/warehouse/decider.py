"""The warehouse decider: locations and stock movements, never below zero.

A warehouse's aggregate id derives from its tenant and code (`warehouse_id_for`). Every
movement takes stock only from what its source location holds: picking, moving or dispatching
more is refused with the quantities in the reason. Whether a shipment reference names a real
shipment is not this aggregate's knowledge; the reference is checked for form only.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.shipment.details import checked_enum, checked_locode, invalid, required_text
from streams.shipment.identifiers import normalize_reference, reference_problem
from streams.shipment.places import country_problem
from streams.warehouse.commands import (
    AddLocation,
    DispatchStock,
    LocationKind,
    MoveStock,
    PickStock,
    PutAway,
    ReceiveStock,
    RegisterWarehouse,
    WarehouseCommand,
)
from streams.warehouse.events import (
    LocationAdded,
    StockDispatched,
    StockMoved,
    StockPicked,
    StockPutAway,
    StockReceived,
    WarehouseEvent,
    WarehouseRegistered,
)
from streams.warehouse.stock import StockLine, moved, movement_of, on_hand

WAREHOUSE_NAMESPACE = uuid.UUID("5a1e7c3d-2b4f-4d6a-8e9c-0f1a2b3c4d5e")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
MAX_LOCATIONS = 10_000

Decision = Sequence[WarehouseEvent] | Rejection


class WarehouseStatus(StrEnum):
    NONE = "none"
    ACTIVE = "active"


@dataclass(frozen=True)
class Location:
    code: str
    kind: LocationKind


@dataclass(frozen=True)
class Warehouse:
    status: WarehouseStatus = WarehouseStatus.NONE
    tenant_id: str | None = None
    code: str = ""
    name: str = ""
    country: str = ""
    locode: str | None = None
    locations: tuple[Location, ...] = ()
    stock: tuple[StockLine, ...] = ()

    def location(self, code: str) -> Location | None:
        return next((location for location in self.locations if location.code == code), None)

    def on_hand(self, location: str, sku: str) -> Decimal:
        return on_hand(self.stock, location, sku)


def warehouse_id_for(tenant_id: str, code: str) -> str:
    return str(uuid.uuid5(WAREHOUSE_NAMESPACE, f"{tenant_id}\n{code.strip().upper()}"))


def _checked_code(code: str, field: str) -> str | Rejection:
    normalized = code.strip().upper()
    if not CODE_PATTERN.match(normalized):
        return invalid(f"{field} must be 1 to 20 letters, digits or dashes", field)
    return normalized


def _register(state: Warehouse, cmd: RegisterWarehouse, context: CommandContext) -> Decision:
    if state.status is not WarehouseStatus.NONE:
        return reject(RejectionCode.CONFLICT, f"warehouse {state.code} already exists", "code")
    code = _checked_code(cmd.code, "code")
    if isinstance(code, Rejection):
        return code
    name = required_text(cmd.name, "name", 140)
    if isinstance(name, Rejection):
        return name
    country = cmd.country.strip().upper()
    if problem := country_problem(country):
        return invalid(problem, "country")
    locode = checked_locode(cmd.locode, "locode") if cmd.locode else None
    if isinstance(locode, Rejection):
        return locode
    if locode and locode[:2] != country:
        return invalid(f"{locode} is not in {country}", "locode")
    assert context.tenant_id is not None  # the tenancy combinator (streams.tenancy) admitted it
    return [WarehouseRegistered(tenant_id=context.tenant_id, code=code, name=name, country=country, locode=locode)]


def _add_location(state: Warehouse, cmd: AddLocation) -> Decision:
    code = _checked_code(cmd.code, "code")
    if isinstance(code, Rejection):
        return code
    kind = checked_enum(LocationKind, cmd.kind, "kind")
    if isinstance(kind, Rejection):
        return kind
    existing = state.location(code)
    if existing is not None:
        if existing.kind is kind:
            return []
        return reject(RejectionCode.CONFLICT, f"location {code} already exists as {existing.kind}", "code")
    if len(state.locations) >= MAX_LOCATIONS:
        return invalid(f"a warehouse has at most {MAX_LOCATIONS} locations", "code")
    return [LocationAdded(code=code, kind=kind)]


@dataclass(frozen=True)
class _Checked:
    sku: str
    quantity: Decimal


def _checked_line(sku: str, quantity: Decimal) -> _Checked | Rejection:
    sku = sku.strip()
    if not SKU_PATTERN.match(sku):
        return invalid("sku must be 1 to 64 letters, digits or . _ / -", "sku")
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        return invalid("quantity must be a positive decimal number", "quantity")
    return _Checked(sku, quantity)


def _location_of_kind(
    state: Warehouse, code: str, field: str, kinds: frozenset[LocationKind] | None = None
) -> str | Rejection:
    normalized = code.strip().upper()
    location = state.location(normalized)
    if location is None:
        return invalid(f"warehouse {state.code} has no location {normalized}", field)
    if kinds is not None and location.kind not in kinds:
        wanted = " or ".join(sorted(kinds))
        return invalid(f"location {normalized} is {location.kind}, not {wanted}", field)
    return normalized


def _available(state: Warehouse, verb: str, line: _Checked, location: str) -> Rejection | None:
    have = state.on_hand(location, line.sku)
    if line.quantity > have:
        return reject(
            RejectionCode.ILLEGAL_STATE,
            f"cannot {verb} {line.quantity} of {line.sku} from {location}: only {have} on hand",
            "quantity",
        )
    return None


def _shipment_reference(reference: str | None, required: bool) -> str | Rejection | None:
    if reference is None or not reference.strip():
        return invalid("shipment_reference is required", "shipment_reference") if required else None
    normalized = normalize_reference(reference)
    if problem := reference_problem(normalized):
        return invalid(f"shipment_reference: {problem}", "shipment_reference")
    return normalized


RECEIVING = frozenset({LocationKind.RECEIVING})
STORAGE = frozenset({LocationKind.STORAGE})
STAGING = frozenset({LocationKind.STAGING})
# Where each movement inside the warehouse may take stock from and put it to (None: any kind).
TRANSFER_KINDS: dict[type, tuple[str, frozenset[LocationKind] | None, frozenset[LocationKind] | None]] = {
    PutAway: ("put away", RECEIVING, STORAGE),
    MoveStock: ("move", None, None),
    PickStock: ("pick", STORAGE, STAGING),
}


def _receive(state: Warehouse, cmd: ReceiveStock) -> Decision:
    line = _checked_line(cmd.sku, cmd.quantity)
    if isinstance(line, Rejection):
        return line
    location = _location_of_kind(state, cmd.location, "location", RECEIVING)
    if isinstance(location, Rejection):
        return location
    reference = _shipment_reference(cmd.shipment_reference, required=False)
    if isinstance(reference, Rejection):
        return reference
    return [StockReceived(line.sku, line.quantity, location, reference)]


def _transfer(state: Warehouse, cmd: PutAway | MoveStock | PickStock) -> Decision:
    verb, from_kinds, to_kinds = TRANSFER_KINDS[type(cmd)]
    line = _checked_line(cmd.sku, cmd.quantity)
    if isinstance(line, Rejection):
        return line
    source = _location_of_kind(state, cmd.from_location, "from_location", from_kinds)
    if isinstance(source, Rejection):
        return source
    target = _location_of_kind(state, cmd.to_location, "to_location", to_kinds)
    if isinstance(target, Rejection):
        return target
    if source == target:
        return invalid(f"stock is moved between two locations, not from {source} to itself", "to_location")
    if rejection := _available(state, verb, line, source):
        return rejection
    if isinstance(cmd, PutAway):
        return [StockPutAway(line.sku, line.quantity, source, target)]
    if isinstance(cmd, MoveStock):
        return [StockMoved(line.sku, line.quantity, source, target)]
    reference = _shipment_reference(cmd.shipment_reference, required=False)
    if isinstance(reference, Rejection):
        return reference
    return [StockPicked(line.sku, line.quantity, source, target, reference)]


def _dispatch(state: Warehouse, cmd: DispatchStock) -> Decision:
    line = _checked_line(cmd.sku, cmd.quantity)
    if isinstance(line, Rejection):
        return line
    source = _location_of_kind(state, cmd.from_location, "from_location")
    if isinstance(source, Rejection):
        return source
    reference = _shipment_reference(cmd.shipment_reference, required=True)
    if isinstance(reference, Rejection):
        return reference
    assert reference is not None
    if rejection := _available(state, "dispatch", line, source):
        return rejection
    return [StockDispatched(line.sku, line.quantity, source, reference)]


def decide(state: Warehouse, command: WarehouseCommand, context: CommandContext) -> Decision:
    if isinstance(command, RegisterWarehouse):
        return _register(state, command, context)
    if state.status is WarehouseStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such warehouse")
    match command:
        case AddLocation():
            return _add_location(state, command)
        case ReceiveStock():
            return _receive(state, command)
        case PutAway() | MoveStock() | PickStock():
            return _transfer(state, command)
        case DispatchStock():
            return _dispatch(state, command)
    raise TypeError(f"not a warehouse command: {command!r}")


def evolve(state: Warehouse, event: WarehouseEvent) -> Warehouse:
    match event:
        case WarehouseRegistered():
            return Warehouse(
                status=WarehouseStatus.ACTIVE,
                tenant_id=event.tenant_id,
                code=event.code,
                name=event.name,
                country=event.country,
                locode=event.locode,
            )
        case LocationAdded(code=code, kind=kind):
            return replace(state, locations=(*state.locations, Location(code, kind)))
    movement = movement_of(event)
    if movement is None:
        raise TypeError(f"not a warehouse event: {event!r}")
    return replace(state, stock=moved(state.stock, movement))


warehouse_decider: Decider[Warehouse, WarehouseCommand, WarehouseEvent] = Decider(
    initial_state=Warehouse(), decide=decide, evolve=evolve
)
