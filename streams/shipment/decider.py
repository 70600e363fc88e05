"""The shipment decider: the rules of creating, booking, moving and finishing one shipment.

A shipment's aggregate id derives from its tenant and reference (`shipment_id_for`), so the
reference is unique per tenant and a partner's EDI message naming the reference reaches the
same aggregate as the API. Commands that would change nothing (a repeated report from a partner,
an item declared again unchanged) are accepted with no event, so re-sent EDI is harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.immutable import replace
from streams.shipment import identifiers
from streams.shipment.cargo import CargoItem, CargoTotals, cargo_totals, checked_cargo_item
from streams.shipment.commands import (
    AttachEquipment,
    BookShipment,
    CancelShipment,
    CreateShipment,
    DeclareCargoItem,
    DetachEquipment,
    NoteTransportEvent,
    PlanMilestone,
    PlanRoute,
    RaiseException,
    RecordMilestone,
    RecordTransportDocument,
    RemoveCargoItem,
    ResolveException,
    SetIncoterm,
    SetParties,
    ShipmentCommand,
)
from streams.shipment.details import (
    TEXT_MAX,
    Carrier,
    Equipment,
    ExceptionKind,
    Party,
    RouteLeg,
    ShipmentException,
    TransportDocument,
    TransportDocumentKind,
    TransportMode,
    checked_carrier,
    checked_enum,
    checked_equipment,
    checked_locode,
    checked_party,
    checked_route,
    checked_time,
    invalid,
    optional_text,
    required_text,
)
from streams.shipment.events import (
    CargoItemDeclared,
    CargoItemRemoved,
    EquipmentAttached,
    EquipmentDetached,
    ExceptionRaised,
    ExceptionResolved,
    IncotermSet,
    MilestonePlanned,
    MilestoneReached,
    PartiesSet,
    RoutePlanned,
    ShipmentBooked,
    ShipmentCancelled,
    ShipmentCreated,
    ShipmentEvent,
    TransportDocumentRecorded,
    TransportEventNoted,
)
from streams.shipment.incoterms import Incoterm, incoterm_problem
from streams.shipment.lifecycle import (
    ARRIVAL_REPORTED_IN,
    BEFORE_PICKUP,
    FINISHED,
    MILESTONE_ORDER,
    STATUS_AFTER,
    Milestone,
    MilestoneTimes,
    ShipmentStatus,
    transition_problem,
)

# The claim the EDI agent sets on commands it issues for a partner; its value is the partner id.
EDI_PARTNER_CLAIM = "edi_partner"
# Partners' clocks drift; an "actual" time further ahead of the command than this is refused.
CLOCK_TOLERANCE = timedelta(hours=1)
MAX_CARGO_ITEMS = 999
MAX_EQUIPMENT = 500

Decision = Sequence[ShipmentEvent] | Rejection


@dataclass(frozen=True)
class Shipment:
    status: ShipmentStatus = ShipmentStatus.NONE
    tenant_id: str | None = None
    reference: str = ""
    mode: TransportMode | None = None
    incoterm: Incoterm | None = None
    incoterm_place: str | None = None
    shipper: Party | None = None
    consignee: Party | None = None
    notify: Party | None = None
    route: tuple[RouteLeg, ...] = ()
    carrier: Carrier | None = None
    booking_reference: str | None = None
    transport_documents: tuple[TransportDocument, ...] = ()  # one per kind: B/L, house and master waybill
    equipment: tuple[Equipment, ...] = ()
    cargo: tuple[CargoItem, ...] = ()
    milestones: tuple[MilestoneTimes, ...] = ()
    exceptions: tuple[ShipmentException, ...] = ()
    cancellation_reason: str | None = None

    @property
    def totals(self) -> CargoTotals:
        return cargo_totals(self.cargo)

    def milestone(self, milestone: Milestone) -> MilestoneTimes:
        for times in self.milestones:
            if times.milestone is milestone:
                return times
        return MilestoneTimes(milestone)

    def exception(self, exception_id: str) -> ShipmentException | None:
        return next((e for e in self.exceptions if e.exception_id == exception_id), None)

    @property
    def open_holds(self) -> tuple[ShipmentException, ...]:
        return tuple(e for e in self.exceptions if e.kind is ExceptionKind.HOLD and e.is_open)


def source_of(context: CommandContext) -> str:
    partner = context.claim(EDI_PARTNER_CLAIM)
    return f"edi:{partner}" if partner else "api"


def illegal(reason: str, field: str | None = None) -> Rejection:
    return reject(RejectionCode.ILLEGAL_STATE, reason, field)


def _before_pickup(state: Shipment, what: str) -> Rejection | None:
    if state.status not in BEFORE_PICKUP:
        return illegal(f"{what} can change only before pickup; the shipment is {state.status}")
    return None


def _not_finished(state: Shipment, what: str) -> Rejection | None:
    if state.status in FINISHED:
        return illegal(f"{what} cannot change: the shipment is {state.status}")
    return None


def _on_hold(state: Shipment) -> Rejection | None:
    if holds := state.open_holds:
        listed = "; ".join(f"{h.exception_id}: {h.reason}" for h in holds)
        return illegal(f"the shipment is on hold ({listed}); resolve the hold first")
    return None


def _checked_terms(
    incoterm: Incoterm | str, place: str | None, mode: TransportMode
) -> tuple[Incoterm, str] | Rejection:
    rule = checked_enum(Incoterm, incoterm, "incoterm")
    if isinstance(rule, Rejection):
        return rule
    named_place = required_text(place, "incoterm_place", 70)
    if isinstance(named_place, Rejection):
        return named_place
    if problem := incoterm_problem(rule, mode):
        return invalid(problem, "incoterm")
    return rule, named_place


def _checked_parties(cmd: CreateShipment | SetParties) -> tuple[Party | None, ...] | Rejection:
    parties: list[Party | None] = []
    for role in ("shipper", "consignee", "notify"):
        party = getattr(cmd, role)
        checked = checked_party(party, role) if party is not None else None
        if isinstance(checked, Rejection):
            return checked
        parties.append(checked)
    return tuple(parties)


def _create(state: Shipment, cmd: CreateShipment, context: CommandContext) -> Decision:
    if state.status is not ShipmentStatus.NONE:
        return reject(RejectionCode.CONFLICT, f"shipment {state.reference} already exists", "reference")
    reference = identifiers.normalize_reference(cmd.reference)
    if problem := identifiers.reference_problem(reference):
        return invalid(problem, "reference")
    mode = checked_enum(TransportMode, cmd.mode, "mode")
    if isinstance(mode, Rejection):
        return mode
    incoterm: Incoterm | None = None
    place: str | None = None
    if cmd.incoterm is not None or cmd.incoterm_place:
        terms = _checked_terms(cmd.incoterm or "", cmd.incoterm_place, mode)
        if isinstance(terms, Rejection):
            return terms
        incoterm, place = terms
    parties = _checked_parties(cmd)
    if isinstance(parties, Rejection):
        return parties
    shipper, consignee, notify = parties
    assert context.tenant_id is not None  # the tenancy combinator (streams.tenancy) admitted it
    return [
        ShipmentCreated(
            tenant_id=context.tenant_id,
            reference=reference,
            mode=mode,
            created_at=context.issued_at,
            source=source_of(context),
            incoterm=incoterm,
            incoterm_place=place,
            shipper=shipper,
            consignee=consignee,
            notify=notify,
        )
    ]


def _set_parties(state: Shipment, cmd: SetParties, context: CommandContext) -> Decision:
    if rejection := _before_pickup(state, "parties"):
        return rejection
    parties = _checked_parties(cmd)
    if isinstance(parties, Rejection):
        return parties
    if parties == (state.shipper, state.consignee, state.notify):
        return []
    shipper, consignee, notify = parties
    return [PartiesSet(shipper=shipper, consignee=consignee, notify=notify)]


def _set_incoterm(state: Shipment, cmd: SetIncoterm, context: CommandContext) -> Decision:
    if rejection := _before_pickup(state, "the Incoterm"):
        return rejection
    assert state.mode is not None
    terms = _checked_terms(cmd.incoterm, cmd.incoterm_place, state.mode)
    if isinstance(terms, Rejection):
        return terms
    if terms == (state.incoterm, state.incoterm_place):
        return []
    return [IncotermSet(incoterm=terms[0], incoterm_place=terms[1])]


def _plan_route(state: Shipment, cmd: PlanRoute, context: CommandContext) -> Decision:
    if rejection := _not_finished(state, "the route"):
        return rejection
    assert state.mode is not None
    legs = checked_route(tuple(cmd.legs), state.mode)
    if isinstance(legs, Rejection):
        return legs
    return [] if legs == state.route else [RoutePlanned(legs=legs)]


def _book(state: Shipment, cmd: BookShipment, context: CommandContext) -> Decision:
    carrier = checked_carrier(cmd.carrier)
    if isinstance(carrier, Rejection):
        return carrier
    booking_reference = required_text(cmd.booking_reference, "booking_reference", 35)
    if isinstance(booking_reference, Rejection):
        return booking_reference
    if state.status is not ShipmentStatus.DRAFT and (carrier, booking_reference) == (
        state.carrier,
        state.booking_reference,
    ):
        return []  # the same booking reported again
    if problem := transition_problem(state.status, ShipmentStatus.BOOKED):
        return illegal(problem)
    if rejection := _on_hold(state):
        return rejection
    missing = [
        what
        for what, present in (
            ("a shipper", state.shipper),
            ("a consignee", state.consignee),
            ("a route", state.route),
            ("cargo", state.cargo),
        )
        if not present
    ]
    if missing:
        return illegal(f"a shipment is booked with {', '.join(missing)} stated first")
    if rejection := checked_time(cmd.booked_at, "booked_at"):
        return rejection
    return [
        ShipmentBooked(
            carrier=carrier,
            booking_reference=booking_reference,
            booked_at=cmd.booked_at or context.issued_at,
            source=source_of(context),
        )
    ]


def _attach_equipment(state: Shipment, cmd: AttachEquipment, context: CommandContext) -> Decision:
    equipment = checked_equipment(cmd.equipment)
    if isinstance(equipment, Rejection):
        return equipment
    existing = next((e for e in state.equipment if e.identifier == equipment.identifier), None)
    if existing is not None:
        # A later report may add a seal or size/type; it may not contradict what is known.
        contradicted = [
            name
            for name in ("kind", "size_type", "seal_number")
            if None not in (getattr(equipment, name), getattr(existing, name))
            and getattr(equipment, name) != getattr(existing, name)
        ]
        if contradicted:
            return reject(
                RejectionCode.CONFLICT,
                f"{equipment.identifier} is attached with another {', '.join(contradicted)}; detach it first",
                "equipment.identifier",
            )
        equipment = replace(
            existing,
            size_type=equipment.size_type or existing.size_type,
            seal_number=equipment.seal_number or existing.seal_number,
        )
        if equipment == existing:
            return []
    if rejection := _not_finished(state, "equipment"):
        return rejection
    if existing is None and len(state.equipment) >= MAX_EQUIPMENT:
        return invalid(f"a shipment carries at most {MAX_EQUIPMENT} pieces of equipment", "equipment")
    return [EquipmentAttached(equipment=equipment)]


def _detach_equipment(state: Shipment, cmd: DetachEquipment, context: CommandContext) -> Decision:
    if rejection := _not_finished(state, "equipment"):
        return rejection
    wanted = {identifiers.normalize_container_number(cmd.identifier), identifiers.normalize_plate(cmd.identifier)}
    existing = next((e for e in state.equipment if e.identifier in wanted), None)
    if existing is None:
        return invalid(f"{cmd.identifier!r} is not attached to this shipment", "identifier")
    return [EquipmentDetached(identifier=existing.identifier)]


def _declare_cargo_item(state: Shipment, cmd: DeclareCargoItem, context: CommandContext) -> Decision:
    item = checked_cargo_item(cmd.item)
    if isinstance(item, Rejection):
        return item
    existing = next((i for i in state.cargo if i.item_id == item.item_id), None)
    if existing == item:
        return []
    if rejection := _before_pickup(state, "cargo"):
        return rejection
    if existing is None and len(state.cargo) >= MAX_CARGO_ITEMS:
        return invalid(f"a shipment has at most {MAX_CARGO_ITEMS} cargo items", "item")
    return [CargoItemDeclared(item=item)]


def _remove_cargo_item(state: Shipment, cmd: RemoveCargoItem, context: CommandContext) -> Decision:
    if rejection := _before_pickup(state, "cargo"):
        return rejection
    if not any(i.item_id == cmd.item_id for i in state.cargo):
        return invalid(f"no cargo item {cmd.item_id!r} on this shipment", "item_id")
    return [CargoItemRemoved(item_id=cmd.item_id)]


def _plan_milestone(state: Shipment, cmd: PlanMilestone, context: CommandContext) -> Decision:
    milestone = checked_enum(Milestone, cmd.milestone, "milestone")
    if isinstance(milestone, Rejection):
        return milestone
    if rejection := checked_time(cmd.planned_at, "planned_at"):
        return rejection
    times = state.milestone(milestone)
    if times.planned_at == cmd.planned_at:
        return []
    if rejection := _not_finished(state, "plans"):
        return rejection
    if times.actual_at is not None:
        return illegal(f"{milestone} already happened at {times.actual_at.isoformat()}")
    return [MilestonePlanned(milestone=milestone, planned_at=cmd.planned_at, source=source_of(context))]


def _record_milestone(state: Shipment, cmd: RecordMilestone, context: CommandContext) -> Decision:
    milestone = checked_enum(Milestone, cmd.milestone, "milestone")
    if isinstance(milestone, Rejection):
        return milestone
    if milestone is Milestone.BOOKED:
        return invalid("the booked milestone is recorded by booking the shipment with its carrier", "milestone")
    if rejection := checked_time(cmd.actual_at, "actual_at"):
        return rejection
    already = state.milestone(milestone).actual_at
    if already == cmd.actual_at:
        return []  # the same report again
    if already is not None:
        return illegal(f"{milestone} was already recorded at {already.isoformat()}", "milestone")
    target = STATUS_AFTER[milestone]
    if target is None:
        if state.status not in ARRIVAL_REPORTED_IN:
            return illegal(f"an arrival is recorded in transit, at customs or released, not {state.status}")
    else:
        if problem := transition_problem(state.status, target):
            return illegal(problem)
        if rejection := _on_hold(state):
            return rejection
    if cmd.actual_at > context.issued_at + CLOCK_TOLERANCE:
        return invalid(f"{milestone} at {cmd.actual_at.isoformat()} is in the future", "actual_at")
    for earlier in reversed(MILESTONE_ORDER[: MILESTONE_ORDER.index(milestone)]):  # the nearest first
        before = state.milestone(earlier).actual_at
        if before is not None and before > cmd.actual_at:
            return invalid(
                f"{milestone} at {cmd.actual_at.isoformat()} is before {earlier} at {before.isoformat()}",
                "actual_at",
            )
    place = checked_locode(cmd.place, "place") if cmd.place else None
    if isinstance(place, Rejection):
        return place
    note = optional_text(cmd.note, "note", TEXT_MAX)
    if isinstance(note, Rejection):
        return note
    return [
        MilestoneReached(
            milestone=milestone,
            actual_at=cmd.actual_at,
            status=target or state.status,
            source=source_of(context),
            place=place,
            note=note,
        )
    ]


def _note_transport_event(state: Shipment, cmd: NoteTransportEvent, context: CommandContext) -> Decision:
    if state.status is ShipmentStatus.CANCELLED:
        return illegal("the shipment is cancelled")
    description = required_text(cmd.description, "description", 350)
    if isinstance(description, Rejection):
        return description
    if rejection := checked_time(cmd.occurred_at, "occurred_at"):
        return rejection
    place = checked_locode(cmd.place, "place") if cmd.place else None
    if isinstance(place, Rejection):
        return place
    code = optional_text(cmd.code, "code", 17)
    if isinstance(code, Rejection):
        return code
    return [
        TransportEventNoted(
            description=description, occurred_at=cmd.occurred_at, source=source_of(context), place=place, code=code
        )
    ]


def _raise_exception(state: Shipment, cmd: RaiseException, context: CommandContext) -> Decision:
    exception_id = required_text(cmd.exception_id, "exception_id", 35)
    if isinstance(exception_id, Rejection):
        return exception_id
    kind = checked_enum(ExceptionKind, cmd.kind, "kind")
    if isinstance(kind, Rejection):
        return kind
    reason = required_text(cmd.reason, "reason", TEXT_MAX)
    if isinstance(reason, Rejection):
        return reason
    existing = state.exception(exception_id)
    if existing is not None:
        if (existing.kind, existing.reason) == (kind, reason):
            return []
        return reject(RejectionCode.CONFLICT, f"exception {exception_id} was raised with other details", "exception_id")
    if state.status is ShipmentStatus.CANCELLED or (
        state.status is ShipmentStatus.DELIVERED and kind is not ExceptionKind.DAMAGE
    ):
        return illegal(f"a {kind} cannot be raised on a {state.status} shipment")
    if rejection := checked_time(cmd.raised_at, "raised_at"):
        return rejection
    return [
        ExceptionRaised(
            exception_id=exception_id,
            kind=kind,
            reason=reason,
            raised_at=cmd.raised_at or context.issued_at,
            source=source_of(context),
        )
    ]


def _resolve_exception(state: Shipment, cmd: ResolveException, context: CommandContext) -> Decision:
    existing = state.exception(cmd.exception_id.strip())
    if existing is None:
        return invalid(f"no exception {cmd.exception_id!r} on this shipment", "exception_id")
    resolution = required_text(cmd.resolution, "resolution", TEXT_MAX)
    if isinstance(resolution, Rejection):
        return resolution
    if existing.resolved_at is not None:
        if existing.resolution == resolution:
            return []
        return illegal(f"exception {existing.exception_id} was resolved at {existing.resolved_at.isoformat()}")
    if rejection := checked_time(cmd.resolved_at, "resolved_at"):
        return rejection
    resolved_at = cmd.resolved_at or context.issued_at
    if resolved_at < existing.raised_at:
        return invalid(f"exception {existing.exception_id} cannot be resolved before it was raised", "resolved_at")
    return [
        ExceptionResolved(
            exception_id=existing.exception_id,
            kind=existing.kind,
            resolution=resolution,
            resolved_at=resolved_at,
            source=source_of(context),
        )
    ]


def _cancel(state: Shipment, cmd: CancelShipment, context: CommandContext) -> Decision:
    reason = required_text(cmd.reason, "reason", TEXT_MAX)
    if isinstance(reason, Rejection):
        return reason
    if problem := transition_problem(state.status, ShipmentStatus.CANCELLED):
        return illegal(problem)
    return [ShipmentCancelled(reason=reason, cancelled_at=context.issued_at, source=source_of(context))]


def _record_transport_document(state: Shipment, cmd: RecordTransportDocument, context: CommandContext) -> Decision:
    kind = checked_enum(TransportDocumentKind, cmd.document.kind, "document.kind")
    if isinstance(kind, Rejection):
        return kind
    number = required_text(identifiers.normalize_reference(cmd.document.number), "document.number", 35)
    if isinstance(number, Rejection):
        return number
    document = TransportDocument(kind, number)
    if document in state.transport_documents:
        return []
    return [TransportDocumentRecorded(document, source_of(context))]


_HANDLERS: dict[type, Callable[[Shipment, Any, CommandContext], Decision]] = {
    SetParties: _set_parties,
    SetIncoterm: _set_incoterm,
    PlanRoute: _plan_route,
    BookShipment: _book,
    AttachEquipment: _attach_equipment,
    DetachEquipment: _detach_equipment,
    DeclareCargoItem: _declare_cargo_item,
    RemoveCargoItem: _remove_cargo_item,
    PlanMilestone: _plan_milestone,
    RecordMilestone: _record_milestone,
    NoteTransportEvent: _note_transport_event,
    RaiseException: _raise_exception,
    ResolveException: _resolve_exception,
    CancelShipment: _cancel,
    RecordTransportDocument: _record_transport_document,
}


def decide(state: Shipment, command: ShipmentCommand, context: CommandContext) -> Decision:
    if isinstance(command, CreateShipment):
        return _create(state, command, context)
    if state.status is ShipmentStatus.NONE:
        return reject(RejectionCode.NOT_FOUND, "no such shipment")
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise TypeError(f"not a shipment command: {command!r}")
    return handler(state, command, context)


_MILESTONE_RANK = {milestone: rank for rank, milestone in enumerate(MILESTONE_ORDER)}


def _with_milestone(state: Shipment, milestone: Milestone, **changes: Any) -> Shipment:
    times = replace(state.milestone(milestone), **changes)
    others = tuple(t for t in state.milestones if t.milestone is not milestone)
    ordered = sorted((*others, times), key=lambda t: _MILESTONE_RANK[t.milestone])
    return replace(state, milestones=tuple(ordered))


def _with_exception(state: Shipment, exception: ShipmentException) -> Shipment:
    others = tuple(e for e in state.exceptions if e.exception_id != exception.exception_id)
    return replace(state, exceptions=(*others, exception))


def _resolved(state: Shipment, event: ExceptionResolved) -> Shipment:
    exception = state.exception(event.exception_id)
    if exception is None:
        return state
    return _with_exception(state, replace(exception, resolved_at=event.resolved_at, resolution=event.resolution))


def evolve(state: Shipment, event: ShipmentEvent) -> Shipment:
    match event:
        case ShipmentCreated():
            return Shipment(
                status=ShipmentStatus.DRAFT,
                tenant_id=event.tenant_id,
                reference=event.reference,
                mode=event.mode,
                incoterm=event.incoterm,
                incoterm_place=event.incoterm_place,
                shipper=event.shipper,
                consignee=event.consignee,
                notify=event.notify,
            )
        case PartiesSet(shipper=shipper, consignee=consignee, notify=notify):
            return replace(state, shipper=shipper, consignee=consignee, notify=notify)
        case IncotermSet(incoterm=incoterm, incoterm_place=place):
            return replace(state, incoterm=incoterm, incoterm_place=place)
        case RoutePlanned(legs=legs):
            return replace(state, route=legs)
        case ShipmentBooked():
            booked = replace(
                state,
                status=ShipmentStatus.BOOKED,
                carrier=event.carrier,
                booking_reference=event.booking_reference,
            )
            return _with_milestone(booked, Milestone.BOOKED, actual_at=event.booked_at)
        case TransportDocumentRecorded(document=document):
            kept = tuple(d for d in state.transport_documents if d.kind is not document.kind)
            return replace(state, transport_documents=(*kept, document))
        case EquipmentAttached(equipment=equipment):
            others = tuple(e for e in state.equipment if e.identifier != equipment.identifier)
            return replace(state, equipment=(*others, equipment))
        case EquipmentDetached(identifier=identifier):
            return replace(state, equipment=tuple(e for e in state.equipment if e.identifier != identifier))
        case CargoItemDeclared(item=item):
            if any(i.item_id == item.item_id for i in state.cargo):
                return replace(state, cargo=tuple(item if i.item_id == item.item_id else i for i in state.cargo))
            return replace(state, cargo=(*state.cargo, item))
        case CargoItemRemoved(item_id=item_id):
            return replace(state, cargo=tuple(i for i in state.cargo if i.item_id != item_id))
        case MilestonePlanned(milestone=milestone, planned_at=planned_at):
            return _with_milestone(state, milestone, planned_at=planned_at)
        case MilestoneReached():
            reached = replace(state, status=event.status)
            return _with_milestone(reached, event.milestone, actual_at=event.actual_at, place=event.place)
        case TransportEventNoted():
            return state
        case ExceptionRaised():
            return _with_exception(
                state, ShipmentException(event.exception_id, event.kind, event.reason, event.raised_at)
            )
        case ExceptionResolved():
            return _resolved(state, event)
        case ShipmentCancelled(reason=reason):
            return replace(state, status=ShipmentStatus.CANCELLED, cancellation_reason=reason)
    raise TypeError(f"not a shipment event: {event!r}")


shipment_decider: Decider[Shipment, ShipmentCommand, ShipmentEvent] = Decider(
    initial_state=Shipment(), decide=decide, evolve=evolve
)
