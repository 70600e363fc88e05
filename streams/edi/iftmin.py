"""IFTMIN (instruction message) to shipment commands: a booking with its parties, route and cargo.

BGM gives the instruction's number and function: 9 (original) creates and books the shipment,
5 (replacement) restates it, 1 (cancellation) cancels it. TOD with LOC 1 give the Incoterm and its
place; each TDT group a route leg (mode, conveyance, carrier; its LOC segments in the order sent:
the first is where the leg starts, the last where it ends; DTM 133/132 the planned departure and
arrival); NAD CZ/CN/N1 the parties; each GID group a cargo item (packages, FTX AAA description,
PIA HS code, MEA weights and volume, DIM dimensions, DGS dangerous goods); EQD CN the containers,
with their SEL seals. RFF BN is the carrier's booking number. Totals (CNT) are not read: the
shipment derives them from its items. The header's DTM 137 (document date) is when the carrier
confirmed the booking. D.96A and D.01B place these elements alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from streams.edi.data_elements import (
    CENTIMETRES_PER,
    CUBIC_METRES_PER,
    KILOGRAMS_PER,
    converted,
    edifact_datetime,
)
from streams.edi.errors import MissingReference, UnsupportedMessage
from streams.edi.interchange import Message, Segment
from streams.edi.partners import TradingPartner
from streams.edi.references import CARRIER_QUALIFIERS, Reference, ShipmentIndex, looked_for, shipment_reference
from streams.edi.requests import RequestList
from streams.shipment.cargo import CargoItem, DangerousGoods
from streams.shipment.commands import (
    AttachEquipment,
    BookShipment,
    CancelShipment,
    CreateShipment,
    DeclareCargoItem,
    PlanMilestone,
    PlanRoute,
    RecordTransportDocument,
    SetIncoterm,
    SetParties,
    ShipmentCommand,
)
from streams.shipment.details import (
    Carrier,
    Equipment,
    EquipmentKind,
    Party,
    RouteLeg,
    TransportDocument,
    TransportDocumentKind,
    TransportMode,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone

ORIGINAL, REPLACEMENT, CANCELLATION = "9", "5", "1"
MODES: dict[str, TransportMode] = {
    "1": TransportMode.SEA,
    "2": TransportMode.RAIL,
    "3": TransportMode.ROAD,
    "4": TransportMode.AIR,
    "8": TransportMode.INLAND_WATERWAY,
}
MAIN_CARRIAGE = "20"
LEG_PLACES = frozenset({"5", "7", "8", "9", "11", "13", "88"})  # departure, delivery, destination, ports, receipt
SHIPPER, CONSIGNEE, NOTIFY, CARRIER = ("CZ", "SH"), ("CN",), ("N1", "NI"), ("CA",)
GROSS_WEIGHT, NET_WEIGHT, VOLUME = frozenset({"G", "AAD", "AAE"}), frozenset({"AAL", "AAC"}), frozenset({"AAW"})
SCAC = re.compile(r"^[A-Z]{2,4}$")
TRANSPORT_DOCUMENT_KINDS = frozenset(kind.value for kind in TransportDocumentKind)


@dataclass
class _Leg:
    tdt: Segment
    places: list[Segment] = field(default_factory=list)
    times: list[Segment] = field(default_factory=list)


@dataclass
class _Item:
    gid: Segment
    details: list[Segment] = field(default_factory=list)


@dataclass
class _Equipment:
    eqd: Segment
    seal: str | None = None


@dataclass
class _Instruction:
    bgm: Segment
    issued: Segment | None = None  # DTM 137 of the header
    references: list[Reference] = field(default_factory=list)
    terms: Segment | None = None
    terms_place: Segment | None = None
    legs: list[_Leg] = field(default_factory=list)
    parties: dict[str, Segment] = field(default_factory=dict)
    items: list[_Item] = field(default_factory=list)
    equipment: list[_Equipment] = field(default_factory=list)


def _grouped(message: Message) -> _Instruction:
    bgm = next((s for s in message.segments if s.tag == "BGM"), None)
    if bgm is None:
        raise UnsupportedMessage(f"IFTMIN message {message.reference} has no BGM", message.reference)
    instruction = _Instruction(bgm, references=[("BGM", bgm.value(1))])
    group = "header"
    for segment in message.segments:
        tag = segment.tag
        if tag in ("TOD", "TDT", "NAD", "GID", "EQD"):
            group = tag
        if tag == "TOD":
            instruction.terms = segment
        elif tag == "TDT":
            instruction.legs.append(_Leg(segment))
        elif tag == "NAD":
            instruction.parties.setdefault(segment.value(0), segment)
        elif tag == "GID":
            instruction.items.append(_Item(segment))
        elif tag == "EQD":
            instruction.equipment.append(_Equipment(segment))
        elif tag == "RFF" and group in ("header", "TOD"):
            # RFF-DTM (SG3) follows TOD-LOC at the message level; RFFs inside other groups are theirs.
            group = "header"
            instruction.references.append((segment.value(0, 0), segment.value(0, 1)))
        elif tag == "LOC" and group == "TOD" and segment.value(0) == "1":
            instruction.terms_place = segment
        elif tag == "LOC" and group == "TDT" and segment.value(0) in LEG_PLACES:
            instruction.legs[-1].places.append(segment)
        elif tag == "DTM" and group == "header" and segment.value(0, 0) == "137":
            instruction.issued = segment
        elif tag == "DTM" and group == "TDT":
            instruction.legs[-1].times.append(segment)
        elif tag in ("FTX", "PIA", "MEA", "DIM", "DGS") and group == "GID":
            instruction.items[-1].details.append(segment)
        elif tag == "SEL" and group == "EQD":
            instruction.equipment[-1].seal = segment.value(0) or None
    return instruction


def _party(nad: Segment | None) -> Party | None:
    if nad is None:
        return None
    unstructured = [line for line in nad.components(2) if line.strip()]
    name = " ".join(part for part in nad.components(3) if part.strip()) or (unstructured[0] if unstructured else "")
    street = ", ".join(part for part in nad.components(4) if part.strip()) or ", ".join(unstructured[1:])
    return Party(
        name=name,
        address=street,
        country=nad.value(8),
        city=nad.value(5) or None,
        postal_code=nad.value(7) or None,
    )


def _first_party(instruction: _Instruction, qualifiers: tuple[str, ...]) -> Party | None:
    return _party(next((instruction.parties[q] for q in qualifiers if q in instruction.parties), None))


def _mode(tdt: Segment) -> TransportMode:
    code = tdt.value(2, 0)
    if code not in MODES:
        raise tdt.error(
            f"mode of transport {code or 'none'} is not read (1 sea, 2 rail, 3 road, 4 air, 8 inland water)"
        )
    return MODES[code]


def _leg(leg: _Leg, partner: TradingPartner) -> RouteLeg:
    if len(leg.places) < 2:
        raise leg.tdt.error("a TDT group needs the LOC where its leg starts and the LOC where it ends")
    times = {t.value(0, 0): edifact_datetime(t, partner.zone) for t in leg.times}
    vessel, voyage = leg.tdt.value(7, 3), leg.tdt.value(1)
    mode = _mode(leg.tdt)
    conveyance = None if mode is TransportMode.ROAD else " ".join(p for p in (vessel, voyage) if p) or None
    return RouteLeg(
        origin=leg.places[0].value(1, 0),
        destination=leg.places[-1].value(1, 0),
        mode=mode,
        conveyance=conveyance,
        planned_departure=times.get("133"),
        planned_arrival=times.get("132"),
    )


def _main_leg(instruction: _Instruction) -> _Leg | None:
    return next((leg for leg in instruction.legs if leg.tdt.value(0) == MAIN_CARRIAGE), None) or (
        instruction.legs[0] if instruction.legs else None
    )


def _shipment_mode(instruction: _Instruction) -> TransportMode:
    main = next((leg for leg in instruction.legs if leg.tdt.value(0) == MAIN_CARRIAGE), None)
    if main is not None:
        return _mode(main.tdt)
    modes = {_mode(leg.tdt) for leg in instruction.legs}
    if not modes:
        raise instruction.bgm.error("the instruction has no TDT, so no mode of transport")
    return modes.pop() if len(modes) == 1 else TransportMode.MULTIMODAL


def _carrier(instruction: _Instruction) -> Carrier | None:
    main = _main_leg(instruction)
    code, name = (main.tdt.value(4, 0), main.tdt.value(4, 3)) if main else ("", "")
    party = _first_party(instruction, CARRIER)
    name = name or (party.name if party else "") or code
    if not name:
        return None
    return Carrier(name=name, scac=code if SCAC.match(code) else None)


def _terms(instruction: _Instruction) -> tuple[Incoterm, str | None] | None:
    if instruction.terms is None:
        return None
    code = instruction.terms.value(2, 0).upper()
    if code not in Incoterm.__members__:
        raise instruction.terms.error(f"terms of delivery {code or 'none'} are not an Incoterms 2020 rule")
    place = instruction.terms_place
    named = (place.value(1, 3) or place.value(1, 0)) if place else None
    return Incoterm(code), named


def _item(item: _Item, index: int, partner: TradingPartner) -> CargoItem:
    gid = item.gid
    count = gid.value(1, 0)
    if not count.isdigit():
        raise gid.error(f"number of packages {count!r} is not a whole number")
    gross = net = volume = None
    length = width = height = None
    hs_code: str | None = None
    dangerous: DangerousGoods | None = None
    descriptions: list[str] = []
    for segment in item.details:
        if segment.tag == "FTX" and segment.value(0) == "AAA":
            descriptions += [part.strip() for part in segment.components(3) if part.strip()]
        elif segment.tag == "PIA" and segment.value(1, 1) == "HS":
            hs_code = segment.value(1, 0)
        elif segment.tag == "MEA":
            attribute, unit, value = segment.value(1, 0), segment.value(2, 0), segment.value(2, 1)
            if attribute in GROSS_WEIGHT:
                gross = converted(segment, value, unit, KILOGRAMS_PER, "gross weight")
            elif attribute in NET_WEIGHT:
                net = converted(segment, value, unit, KILOGRAMS_PER, "net weight")
            elif attribute in VOLUME or segment.value(0) == "VOL":
                volume = converted(segment, value, unit, CUBIC_METRES_PER, "volume")
        elif segment.tag == "DIM":
            unit = segment.value(1, 0)
            length, width, height = (
                converted(segment, segment.value(1, i), unit, CENTIMETRES_PER, "dimension") for i in (1, 2, 3)
            )
        elif segment.tag == "DGS":
            dangerous = DangerousGoods(un_number=segment.value(2, 0), hazard_class=segment.value(1, 0))
    if gross is None:
        raise gid.error("the goods item has no gross weight (MEA G, AAD or AAE)")
    return CargoItem(
        item_id=gid.value(0) or str(index + 1),
        description=" ".join(descriptions),
        package_count=int(count),
        package_type=gid.value(1, 1),
        gross_weight_kg=gross,
        net_weight_kg=net,
        volume_m3=volume,
        length_cm=length,
        width_cm=width,
        height_cm=height,
        hs_code=hs_code,
        dangerous_goods=dangerous,
    )


def _equipment(instruction: _Instruction) -> list[Equipment]:
    containers = [
        Equipment(EquipmentKind.CONTAINER, e.eqd.value(1, 0), e.eqd.value(2, 0) or None, e.seal)
        for e in instruction.equipment
        if e.eqd.value(0) == "CN"
    ]
    # A road leg's means of transport (TDT C222, the eighth element) is the truck's plate.
    vehicles = [
        Equipment(EquipmentKind.VEHICLE, leg.tdt.value(7, 0))
        for leg in instruction.legs
        if _mode(leg.tdt) is TransportMode.ROAD and leg.tdt.value(7, 0)
    ]
    return containers + vehicles


def _transport_documents(instruction: _Instruction) -> list[ShipmentCommand]:
    """RFF BM/AAS (bill of lading), HWB, MWB/AWB (waybills): numbers a carrier may later name the shipment by."""
    documents: dict[TransportDocumentKind, str] = {}
    for qualifier, value in instruction.references:
        kind = CARRIER_QUALIFIERS.get(qualifier)
        if value and kind is not None and kind.value in TRANSPORT_DOCUMENT_KINDS:
            documents.setdefault(TransportDocumentKind(kind.value), value)
    return [RecordTransportDocument(TransportDocument(kind, number)) for kind, number in documents.items()]


def _shipment_commands(instruction: _Instruction, reference: str, partner: TradingPartner) -> list[ShipmentCommand]:
    function = instruction.bgm.value(2) or ORIGINAL
    if function == CANCELLATION:
        number = instruction.bgm.value(1)
        return [CancelShipment(f"cancelled by {partner.name} (IFTMIN {number})")]
    if function not in (ORIGINAL, REPLACEMENT):
        raise UnsupportedMessage(f"IFTMIN message function {function} is not mapped (9 original, 5 replace, 1 cancel)")
    mode = _shipment_mode(instruction)
    terms = _terms(instruction)
    shipper = _first_party(instruction, SHIPPER)
    consignee = _first_party(instruction, CONSIGNEE)
    notify = _first_party(instruction, NOTIFY)
    commands: list[ShipmentCommand] = []
    if function == ORIGINAL:
        incoterm, place = terms if terms else (None, None)
        commands.append(CreateShipment(reference, mode, incoterm, place, shipper, consignee, notify))
    else:
        commands.append(SetParties(shipper, consignee, notify))
        if terms is not None:
            commands.append(SetIncoterm(terms[0], terms[1] or ""))
    if instruction.legs:
        commands.append(PlanRoute(tuple(_leg(leg, partner) for leg in instruction.legs)))
    commands += [DeclareCargoItem(_item(item, i, partner)) for i, item in enumerate(instruction.items)]
    commands += [AttachEquipment(equipment) for equipment in _equipment(instruction)]
    booking = next((value for qualifier, value in instruction.references if qualifier == "BN" and value), None)
    carrier = _carrier(instruction)
    if booking and carrier:
        booked_at = edifact_datetime(instruction.issued, partner.zone) if instruction.issued else None
        commands.append(BookShipment(carrier, booking, booked_at))
    commands += _transport_documents(instruction)
    main = _main_leg(instruction)
    if main is not None:
        planned = _leg(main, partner)
        if planned.planned_departure:
            commands.append(PlanMilestone(Milestone.DEPARTED, planned.planned_departure))
        if planned.planned_arrival:
            commands.append(PlanMilestone(Milestone.ARRIVED, planned.planned_arrival))
    return commands


def map_transport_instruction(
    message: Message, partner: TradingPartner, requests: RequestList, index: ShipmentIndex | None = None
) -> None:
    """An instruction names the shipment by our reference: it may create it, so no index is consulted."""
    instruction = _grouped(message)
    reference = shipment_reference(instruction.references, partner)
    if reference is None:
        raise MissingReference(
            f"IFTMIN message {message.reference} names no shipment reference (looked for {looked_for(partner)})",
            message.reference,
        )
    for command in _shipment_commands(instruction, reference, partner):
        requests.add(reference, command)
