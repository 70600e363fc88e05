"""Givens for the logistics tests: a sea shipment Hamburg -> Shanghai, contexts and decider harnesses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from streams.decider import CommandContext, Rejection, RejectionCode
from streams.edi.partners import StatusMeaning, TradingPartner
from streams.shipment.cargo import CargoItem, DangerousGoods
from streams.shipment.commands import ShipmentCommand
from streams.shipment.decider import EDI_PARTNER_CLAIM, shipment_decider
from streams.shipment.details import Carrier, Equipment, EquipmentKind, Party, RouteLeg, TransportMode
from streams.shipment.domain import SHIPMENT
from streams.shipment.events import (
    CargoItemDeclared,
    MilestoneReached,
    PartiesSet,
    RoutePlanned,
    ShipmentBooked,
    ShipmentCreated,
    ShipmentEvent,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus

TENANT = "3f6b0c2e-8d4a-4e1b-9c7f-1a2b3c4d5e6f"
OTHER_TENANT = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
ACTOR = "user-dispatcher"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
REFERENCE = "WW-SEA-24001"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "edifact"

# Real, valid ISO 6346 numbers: CSQU3054383 is the standard's own example; the others were
# checked against python-stdnum's independent implementation.
CONTAINER = "MSKU9070323"
SECOND_CONTAINER = "CSQU3054383"


def context(
    at: datetime = NOW,
    tenant: str | None = TENANT,
    claims: tuple[tuple[str, str], ...] = (),
) -> CommandContext:
    return CommandContext(command_id="cmd-1", issued_at=at, actor_id=ACTOR, tenant_id=tenant, claims=claims)


def edi_context(partner: str = "MAEU", at: datetime = NOW) -> CommandContext:
    return context(at=at, claims=((EDI_PARTNER_CLAIM, partner),))


def shipper(**changes: Any) -> Party:
    party = Party(
        name="Hanse Maschinenbau GmbH",
        address="Billstrasse 80",
        country="DE",
        city="Hamburg",
        postal_code="20539",
    )
    return replace(party, **changes)


def consignee(**changes: Any) -> Party:
    party = Party(
        name="Shanghai Precision Imports Co., Ltd.",
        address="No. 1000 Zhangheng Road, Pudong",
        country="CN",
        city="Shanghai",
        postal_code="201203",
    )
    return replace(party, **changes)


def sea_leg(**changes: Any) -> RouteLeg:
    leg = RouteLeg(origin="DEHAM", destination="CNSHA", mode=TransportMode.SEA, conveyance="MAERSK ESSEN 412E")
    return replace(leg, **changes)


def machine_parts(**changes: Any) -> CargoItem:
    item = CargoItem(
        item_id="1",
        description="Spare parts for packaging machines",
        package_count=24,
        package_type="CT",
        gross_weight_kg=Decimal("1250.5"),
        net_weight_kg=Decimal("1100"),
        volume_m3=Decimal("12.4"),
        hs_code="8422.90",
    )
    return replace(item, **changes)


def paint(**changes: Any) -> CargoItem:
    item = CargoItem(
        item_id="2",
        description="Paint, flammable",
        package_count=10,
        package_type="DR",
        gross_weight_kg=Decimal("2150"),
        net_weight_kg=Decimal("2000"),
        length_cm=Decimal("60"),
        width_cm=Decimal("60"),
        height_cm=Decimal("90"),
        dangerous_goods=DangerousGoods(un_number="UN1263", hazard_class="3"),
    )
    return replace(item, **changes)


def maersk() -> Carrier:
    return Carrier(name="Maersk A/S", scac="MAEU")


def container(number: str = CONTAINER) -> Equipment:
    return Equipment(kind=EquipmentKind.CONTAINER, identifier=number, size_type="45G1")


def created(mode: TransportMode = TransportMode.SEA, incoterm: Incoterm | None = Incoterm.FOB) -> list[ShipmentEvent]:
    return [
        ShipmentCreated(
            tenant_id=TENANT,
            reference=REFERENCE,
            mode=mode,
            created_at=NOW - 10 * DAY,
            source="api",
            incoterm=incoterm,
            incoterm_place="Hamburg" if incoterm else None,
        )
    ]


def drafted() -> list[ShipmentEvent]:
    """Created with parties, route and cargo: ready to book."""
    return [
        *created(),
        PartiesSet(shipper=shipper(), consignee=consignee()),
        RoutePlanned(legs=(sea_leg(),)),
        CargoItemDeclared(item=machine_parts()),
    ]


def booked() -> list[ShipmentEvent]:
    return [
        *drafted(),
        ShipmentBooked(carrier=maersk(), booking_reference="MAEU240117", booked_at=NOW - 9 * DAY, source="api"),
    ]


def reached(milestone: Milestone, at: datetime, status: ShipmentStatus, place: str | None = None) -> MilestoneReached:
    return MilestoneReached(milestone=milestone, actual_at=at, status=status, source="api", place=place)


def in_transit() -> list[ShipmentEvent]:
    return [
        *booked(),
        reached(Milestone.PICKED_UP, NOW - 8 * DAY, ShipmentStatus.PICKED_UP, "DEHAM"),
        reached(Milestone.DEPARTED, NOW - 7 * DAY, ShipmentStatus.IN_TRANSIT, "DEHAM"),
    ]


def when(
    events: Sequence[ShipmentEvent], command: ShipmentCommand, ctx: CommandContext | None = None
) -> Sequence[ShipmentEvent] | Rejection:
    return SHIPMENT.decider.decide(shipment_decider.fold(events), command, ctx or context())


def then_accepted(decision: Sequence[Any] | Rejection) -> list[Any]:
    assert not isinstance(decision, Rejection), decision
    return list(decision)


def then_rejected(decision: Sequence[Any] | Rejection, code: RejectionCode, *words: str) -> Rejection:
    assert isinstance(decision, Rejection), f"expected a rejection, got {decision}"
    assert decision.code is code, decision
    for word in words:
        assert word in decision.reason, f"{word!r} not in {decision.reason!r}"
    return decision


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def maersk_partner() -> TradingPartner:
    """A carrier that reports status with Rec 24 codes, plus CUS (agreed) for goods presented to customs."""
    return TradingPartner(
        partner_id="MAEU",
        tenant_id=TENANT,
        name="Maersk A/S",
        sender_ids=("MAEU",),
        status_codes={"CUS": StatusMeaning.AT_CUSTOMS},
    )


def hanse_partner() -> TradingPartner:
    """A shipper that books by IFTMIN from its ERP, with times in German local time."""
    return TradingPartner(
        partner_id="hanse-maschinenbau",
        tenant_id=TENANT,
        name="Hanse Maschinenbau GmbH",
        sender_ids=("4012345000009",),
        timezone="Europe/Berlin",
    )


def rheinland_partner() -> TradingPartner:
    return TradingPartner(
        partner_id="rheinland-pumpen",
        tenant_id=TENANT,
        name="Rheinland Pumpen GmbH",
        sender_ids=("RHEINPUMPEN",),
        timezone="Europe/Berlin",
    )
