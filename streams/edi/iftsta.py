"""IFTSTA (international multimodal status report) to shipment commands.

Per consignment (CNI group) and status (STS group): the status event code (Rec 24 or the
partner's agreed code) becomes a milestone, an exception or, if it moves nothing, a transport
event for the timeline. The event time is DTM 334 (status change) or 178/186 (actual
arrival/departure); DTM 132/133/17 are estimated arrival/departure/delivery and become plans;
LOC gives the place; EQD the containers. The STS layout is the same in D.95B and D.96A (C555 status
event, 9011) and D.99B, D.00B and D.01B (C555 status, 4405). The shipment is found by any identifier
the consignment carries (`references.resolve_shipment`): CNI, RFF, and its containers. A status code
neither UN/ECE Rec 24 nor the partner's list gives a meaning is noted on the timeline and reported
as unknown, so the partner's owner hears of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.edi.data_elements import edifact_datetime
from streams.edi.errors import EdifactSyntaxError, MissingReference
from streams.edi.interchange import Message, Segment
from streams.edi.partners import REC24_NAMES, StatusMeaning, TradingPartner
from streams.edi.references import CONTAINER_QUALIFIER, Reference, ShipmentIndex, resolve_shipment
from streams.edi.requests import RequestList, UnknownStatus
from streams.shipment.commands import (
    AttachEquipment,
    CancelShipment,
    NoteTransportEvent,
    PlanMilestone,
    RaiseException,
    RecordMilestone,
    ShipmentCommand,
)
from streams.shipment.details import Equipment, EquipmentKind, ExceptionKind
from streams.shipment.lifecycle import Milestone
from streams.shipment.places import locode_problem, normalize_locode

MILESTONES: dict[StatusMeaning, Milestone] = {
    StatusMeaning.PICKED_UP: Milestone.PICKED_UP,
    StatusMeaning.DEPARTED: Milestone.DEPARTED,
    StatusMeaning.ARRIVED: Milestone.ARRIVED,
    StatusMeaning.AT_CUSTOMS: Milestone.CUSTOMS,
    StatusMeaning.RELEASED: Milestone.RELEASED,
    StatusMeaning.DELIVERED: Milestone.DELIVERED,
}
EXCEPTIONS: dict[StatusMeaning, ExceptionKind] = {
    StatusMeaning.DELAYED: ExceptionKind.DELAY,
    StatusMeaning.DAMAGED: ExceptionKind.DAMAGE,
    StatusMeaning.HELD: ExceptionKind.HOLD,
}
ACTUAL_TIMES = ("334", "178", "186")  # status change, actual arrival, actual departure
PLANNED_TIMES: dict[str, Milestone] = {
    "132": Milestone.ARRIVED,
    "133": Milestone.DEPARTED,
    "17": Milestone.DELIVERED,
}


@dataclass
class _Status:
    sts: Segment
    times: list[Segment] = field(default_factory=list)
    places: list[Segment] = field(default_factory=list)
    texts: list[Segment] = field(default_factory=list)
    equipment: list[Segment] = field(default_factory=list)


@dataclass
class _Consignment:
    references: list[Reference] = field(default_factory=list)
    equipment: list[Segment] = field(default_factory=list)
    statuses: list[_Status] = field(default_factory=list)


def _grouped(message: Message) -> tuple[list[Reference], list[_Consignment]]:
    header: list[Reference] = []
    consignments: list[_Consignment] = []
    status: _Status | None = None
    for segment in message.segments:
        if segment.tag == "CNI":
            consignments.append(_Consignment(references=[("CNI", segment.value(1))]))
            status = None
        elif segment.tag == "STS":
            if not consignments:
                consignments.append(_Consignment())
            status = _Status(segment)
            consignments[-1].statuses.append(status)
        elif segment.tag == "RFF":
            reference = (segment.value(0, 0), segment.value(0, 1))
            (consignments[-1].references if consignments else header).append(reference)
        elif segment.tag == "EQD":
            if status is not None:
                status.equipment.append(segment)
            elif consignments:
                consignments[-1].equipment.append(segment)
        elif status is not None and segment.tag in ("DTM", "LOC", "FTX"):
            {"DTM": status.times, "LOC": status.places, "FTX": status.texts}[segment.tag].append(segment)
    return header, consignments


def _text(segments: list[Segment]) -> str | None:
    """FTX free text (C108, the fourth element), all lines joined."""
    lines = [part.strip() for s in segments for part in s.components(3) if part.strip()]
    return " ".join(lines) or None


def _containers(segments: list[Segment]) -> list[ShipmentCommand]:
    return [
        AttachEquipment(Equipment(EquipmentKind.CONTAINER, s.value(1, 0), s.value(2, 0) or None))
        for s in segments
        if s.value(0) == "CN" and s.value(1, 0)
    ]


def _status_commands(
    status: _Status, partner: TradingPartner, requests: RequestList, reference: str
) -> list[ShipmentCommand]:
    sts = status.sts
    code, agency, described = sts.value(1, 0), sts.value(1, 2), sts.value(1, 3)
    if not code:
        raise sts.error("STS names no status event code")
    meaning = partner.meaning(code, agency)
    actual = next((t for t in status.times if t.value(0, 0) in ACTUAL_TIMES), None)
    if actual is None:
        raise sts.error(f"status {code} has no event time (DTM {', '.join(ACTUAL_TIMES)})")
    at = edifact_datetime(actual, partner.zone)
    place = normalize_locode(status.places[0].value(1, 0)) if status.places else None
    note = _text(status.texts)
    description = described or REC24_NAMES.get(code) or f"Status {code}"
    commands: list[ShipmentCommand] = [*_containers(status.equipment)]
    if meaning is None:
        requests.unknown_statuses.append(UnknownStatus(code, agency, description, reference))
    milestone = MILESTONES.get(meaning) if meaning else None
    for time in status.times:
        planned = PLANNED_TIMES.get(time.value(0, 0))
        if planned is not None and planned is not milestone:
            commands.append(PlanMilestone(planned, edifact_datetime(time, partner.zone)))
    if milestone is not None:
        commands.append(RecordMilestone(milestone, at, place, note))
    elif meaning in EXCEPTIONS:
        reason = f"{description}: {note}" if note else description
        commands.append(RaiseException(requests.next_exception_id(), EXCEPTIONS[meaning], reason, at))
    elif meaning is StatusMeaning.CANCELLED:
        commands.append(CancelShipment(f"{description}, reported by {partner.name}" + (f": {note}" if note else "")))
    else:
        # A status that moves nothing is kept for the timeline; a place off our list stays in its words.
        if place and locode_problem(place):
            description, place = f"{description} ({place})", None
        commands.append(NoteTransportEvent(f"{description}: {note}" if note else description, at, place, code))
    return commands


def _container_references(consignment: _Consignment) -> list[Reference]:
    segments = [*consignment.equipment, *(s for status in consignment.statuses for s in status.equipment)]
    return [(CONTAINER_QUALIFIER, s.value(1, 0)) for s in segments if s.value(0) == "CN" and s.value(1, 0)]


def map_status_report(
    message: Message, partner: TradingPartner, requests: RequestList, index: ShipmentIndex | None = None
) -> None:
    header, consignments = _grouped(message)
    if not any(c.statuses for c in consignments):
        raise EdifactSyntaxError(f"IFTSTA message {message.reference} reports no status (STS)", message.position, "UNH")
    for consignment in consignments:
        identifiers = [*consignment.references, *header, *_container_references(consignment)]
        found = resolve_shipment(identifiers, partner, index)
        if found.reference is None:
            raise MissingReference(
                f"IFTSTA message {message.reference}: no shipment of the partner's tenant matches"
                f" (tried {found.describe()})",
                message.reference,
            )
        for command in _containers(consignment.equipment):
            requests.add(found.reference, command, found.tried)
        for status in consignment.statuses:
            for command in _status_commands(status, partner, requests, found.reference):
                requests.add(found.reference, command, found.tried)
