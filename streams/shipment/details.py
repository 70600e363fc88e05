"""The parts of a shipment other than cargo: parties, route legs, carrier, equipment, exceptions.

Each `checked_*` function returns the value normalised (codes upper-cased, text trimmed) or the
`Rejection` that names the field at fault, so commands from the API and from EDI meet the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from streams.decider import Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.shipment import identifiers
from streams.shipment.places import country_problem, locode_problem, normalize_locode


class TransportMode(StrEnum):
    SEA = "sea"
    INLAND_WATERWAY = "inland_waterway"
    AIR = "air"
    ROAD = "road"
    RAIL = "rail"
    MULTIMODAL = "multimodal"  # a shipment's mode only; each leg has one of the others


@dataclass(frozen=True)
class Party:
    name: str
    address: str  # street and number, free text
    country: str  # ISO 3166-1 alpha-2
    city: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class RouteLeg:
    origin: str  # UN/LOCODE
    destination: str  # UN/LOCODE
    mode: TransportMode
    conveyance: str | None = None  # vessel and voyage, flight, train or truck run
    planned_departure: datetime | None = None
    planned_arrival: datetime | None = None


@dataclass(frozen=True)
class Carrier:
    name: str
    scac: str | None = None  # Standard Carrier Alpha Code, when the carrier has one


class TransportDocumentKind(StrEnum):
    """The carriers' transport documents whose numbers partners quote to name a shipment."""

    BILL_OF_LADING = "bill_of_lading"  # sea: the carrier's B/L (RFF+BM)
    HOUSE_WAYBILL = "house_waybill"  # a forwarder's house bill or waybill (RFF+HWB)
    MASTER_WAYBILL = "master_waybill"  # the carrier's master bill or air waybill of a consolidation (RFF+MWB, AWB)


@dataclass(frozen=True)
class TransportDocument:
    kind: TransportDocumentKind
    number: str


class EquipmentKind(StrEnum):
    CONTAINER = "container"  # identified by its ISO 6346 number
    VEHICLE = "vehicle"  # a truck or trailer, identified by its plate


@dataclass(frozen=True)
class Equipment:
    kind: EquipmentKind
    identifier: str
    size_type: str | None = None  # ISO 6346 size/type code, containers only
    seal_number: str | None = None


class ExceptionKind(StrEnum):
    DELAY = "delay"
    DAMAGE = "damage"
    HOLD = "hold"  # blocks the shipment's progress until resolved


@dataclass(frozen=True)
class ShipmentException:
    exception_id: str
    kind: ExceptionKind
    reason: str
    raised_at: datetime
    resolved_at: datetime | None = None
    resolution: str | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


NAME_MAX = 140
ADDRESS_MAX = 280
TEXT_MAX = 500
MAX_LEGS = 20

E = TypeVar("E", bound=StrEnum)


def invalid(reason: str, field: str) -> Rejection:
    return reject(RejectionCode.INVALID, reason, field)


def checked_enum(enum: type[E], value: str, field: str) -> E | Rejection:
    """The enum member for `value`; API and EDI callers may hand over plain strings."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        return invalid(f"{value!r} is not one of: {allowed}", field)


def required_text(value: str | None, field: str, maximum: int) -> str | Rejection:
    text = value.strip() if value is not None else ""
    if not text:
        return invalid(f"{field} is required", field)
    if len(text) > maximum:
        return invalid(f"{field} must be at most {maximum} characters", field)
    return text


def optional_text(value: str | None, field: str, maximum: int) -> str | Rejection | None:
    if value is None or not value.strip():
        return None
    return required_text(value, field, maximum)


def checked_time(value: datetime | None, field: str) -> Rejection | None:
    if value is not None and value.utcoffset() is None:
        return invalid(f"{field} must carry a time zone", field)
    return None


def checked_locode(code: str, field: str) -> str | Rejection:
    normalized = normalize_locode(code)
    if problem := locode_problem(normalized):
        return invalid(problem, field)
    return normalized


def checked_party(party: Party, field: str) -> Party | Rejection:
    name = required_text(party.name, f"{field}.name", NAME_MAX)
    if isinstance(name, Rejection):
        return name
    address = required_text(party.address, f"{field}.address", ADDRESS_MAX)
    if isinstance(address, Rejection):
        return address
    city = optional_text(party.city, f"{field}.city", 70)
    if isinstance(city, Rejection):
        return city
    postal_code = optional_text(party.postal_code, f"{field}.postal_code", 17)
    if isinstance(postal_code, Rejection):
        return postal_code
    country = party.country.strip().upper()
    if problem := country_problem(country):
        return invalid(problem, f"{field}.country")
    return Party(name=name, address=address, country=country, city=city, postal_code=postal_code)


def checked_route(legs: tuple[RouteLeg, ...], shipment_mode: TransportMode) -> tuple[RouteLeg, ...] | Rejection:
    """Legs that exist, connect end to start, and carry the shipment's own mode of transport."""
    if not 1 <= len(legs) <= MAX_LEGS:
        return invalid(f"a route has 1 to {MAX_LEGS} legs", "legs")
    checked: list[RouteLeg] = []
    for index, leg in enumerate(legs):
        field = f"legs[{index}]"
        origin = checked_locode(leg.origin, f"{field}.origin")
        if isinstance(origin, Rejection):
            return origin
        destination = checked_locode(leg.destination, f"{field}.destination")
        if isinstance(destination, Rejection):
            return destination
        mode = checked_enum(TransportMode, leg.mode, f"{field}.mode")
        if isinstance(mode, Rejection):
            return mode
        conveyance = optional_text(leg.conveyance, f"{field}.conveyance", 70)
        if isinstance(conveyance, Rejection):
            return conveyance
        if mode is TransportMode.MULTIMODAL:
            return invalid("a leg moves by one mode; multimodal describes a whole shipment", f"{field}.mode")
        if origin == destination:
            return invalid(f"leg {index + 1} starts and ends at {origin}", f"{field}.destination")
        if checked and checked[-1].destination != origin:
            return invalid(
                f"leg {index + 1} starts at {origin} but leg {index} ends at {checked[-1].destination}",
                f"{field}.origin",
            )
        for time_field in ("planned_departure", "planned_arrival"):
            if rejection := checked_time(getattr(leg, time_field), f"{field}.{time_field}"):
                return rejection
        if leg.planned_departure and leg.planned_arrival and leg.planned_arrival <= leg.planned_departure:
            return invalid(f"leg {index + 1} is planned to arrive before it departs", f"{field}.planned_arrival")
        checked.append(replace(leg, origin=origin, destination=destination, mode=mode, conveyance=conveyance))
    modes = {leg.mode for leg in checked}
    if shipment_mode is TransportMode.MULTIMODAL and len(modes) < 2:
        return invalid("a multimodal shipment's route uses at least two modes of transport", "legs")
    if shipment_mode is not TransportMode.MULTIMODAL and shipment_mode not in modes:
        return invalid(f"a {shipment_mode} shipment's route needs at least one {shipment_mode} leg", "legs")
    return tuple(checked)


def checked_carrier(carrier: Carrier, field: str = "carrier") -> Carrier | Rejection:
    name = required_text(carrier.name, f"{field}.name", NAME_MAX)
    if isinstance(name, Rejection):
        return name
    scac = carrier.scac.strip().upper() if carrier.scac and carrier.scac.strip() else None
    if scac and (problem := identifiers.scac_problem(scac)):
        return invalid(problem, f"{field}.scac")
    return Carrier(name=name, scac=scac)


def checked_equipment(equipment: Equipment, field: str = "equipment") -> Equipment | Rejection:
    kind = checked_enum(EquipmentKind, equipment.kind, f"{field}.kind")
    if isinstance(kind, Rejection):
        return kind
    if kind is EquipmentKind.CONTAINER:
        identifier = identifiers.normalize_container_number(equipment.identifier)
        problem = identifiers.container_number_problem(identifier)
    else:
        identifier = identifiers.normalize_plate(equipment.identifier)
        problem = identifiers.plate_problem(identifier)
    if problem:
        return invalid(problem, f"{field}.identifier")
    size_type = equipment.size_type.strip().upper() if equipment.size_type else None
    if size_type and (kind is not EquipmentKind.CONTAINER or not identifiers.SIZE_TYPE_PATTERN.match(size_type)):
        return invalid(f"{size_type!r} is not an ISO 6346 size/type code of a container", f"{field}.size_type")
    seal = optional_text(equipment.seal_number, f"{field}.seal_number", 35)
    if isinstance(seal, Rejection):
        return seal
    return Equipment(kind=kind, identifier=identifier, size_type=size_type, seal_number=seal)
