"""Every shipment and warehouse message travels as Avro and is rebuilt intact; states survive the table."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import fastavro
import orjson
import pytest
from pydantic import TypeAdapter

from streams.domain import Domain
from streams.shipment import commands as sc
from streams.shipment import events as se
from streams.shipment.details import ExceptionKind, TransportDocument, TransportDocumentKind, TransportMode
from streams.shipment.domain import SHIPMENT
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import Milestone, ShipmentStatus
from streams.warehouse import commands as wc
from streams.warehouse import events as we
from streams.warehouse.domain import WAREHOUSE
from tests.unit.logistics.logistics_scenarios import (
    CONTAINER,
    DAY,
    NOW,
    TENANT,
    booked,
    consignee,
    container,
    in_transit,
    machine_parts,
    maersk,
    paint,
    sea_leg,
    shipper,
)
from wellwon.schemas import schema_for, to_avro

SHIPMENT_SAMPLES: list[Any] = [
    sc.CreateShipment("WW-SEA-24001", TransportMode.SEA, Incoterm.FOB, "Hamburg", shipper(), consignee(), None),
    sc.SetParties(shipper(), consignee(), consignee()),
    sc.SetIncoterm(Incoterm.CIF, "Shanghai"),
    sc.PlanRoute((sea_leg(planned_departure=NOW, planned_arrival=NOW + 30 * DAY),)),
    sc.BookShipment(maersk(), "MAEU240117", NOW),
    sc.AttachEquipment(container()),
    sc.DetachEquipment(CONTAINER),
    sc.DeclareCargoItem(paint()),
    sc.RemoveCargoItem("2"),
    sc.PlanMilestone(Milestone.ARRIVED, NOW),
    sc.RecordMilestone(Milestone.DEPARTED, NOW, "DEHAM", "on board"),
    sc.NoteTransportEvent("Crossed border", NOW, None, "16"),
    sc.RaiseException("H1", ExceptionKind.HOLD, "inspection", None),
    sc.ResolveException("H1", "passed", NOW),
    sc.CancelShipment("withdrawn"),
    sc.RecordTransportDocument(TransportDocument(TransportDocumentKind.BILL_OF_LADING, "MAEU240117001")),
    se.ShipmentCreated(TENANT, "WW-SEA-24001", TransportMode.SEA, NOW, "api", Incoterm.FOB, "Hamburg", shipper()),
    se.PartiesSet(shipper(), consignee(), None),
    se.IncotermSet(Incoterm.DAP, "Shanghai"),
    se.RoutePlanned((sea_leg(),)),
    se.ShipmentBooked(maersk(), "MAEU240117", NOW, "edi:MAEU"),
    se.EquipmentAttached(container()),
    se.EquipmentDetached(CONTAINER),
    se.CargoItemDeclared(machine_parts()),
    se.CargoItemRemoved("1"),
    se.MilestonePlanned(Milestone.DELIVERED, NOW, "api"),
    se.MilestoneReached(Milestone.ARRIVED, NOW, ShipmentStatus.IN_TRANSIT, "edi:MAEU", "CNSHA", None),
    se.TransportEventNoted("Transhipped", NOW, "edi:MAEU", "SGSIN", "35"),
    se.ExceptionRaised("D1", ExceptionKind.DAMAGE, "crushed", NOW, "api"),
    se.ExceptionResolved("D1", ExceptionKind.DAMAGE, "claim settled", NOW, "api"),
    se.ShipmentCancelled("withdrawn", NOW, "api"),
    se.TransportDocumentRecorded(TransportDocument(TransportDocumentKind.HOUSE_WAYBILL, "HWB-77"), "edi:MAEU"),
]
WAREHOUSE_SAMPLES: list[Any] = [
    wc.RegisterWarehouse("HAM-1", "Hamburg Billbrook", "DE", "DEHAM"),
    wc.AddLocation("DOCK-1", wc.LocationKind.RECEIVING),
    wc.ReceiveStock("PUMP-4711", Decimal("40"), "DOCK-1", "WW-SEA-24001"),
    wc.PutAway("PUMP-4711", Decimal("30"), "DOCK-1", "A-01-01"),
    wc.MoveStock("PUMP-4711", Decimal("0.125"), "A-01-01", "A-01-02"),
    wc.PickStock("PUMP-4711", Decimal("12.5"), "A-01-01", "OUT-1", None),
    wc.DispatchStock("PUMP-4711", Decimal("12.5"), "OUT-1", "WW-AIR-7"),
    we.WarehouseRegistered(TENANT, "HAM-1", "Hamburg Billbrook", "DE", None),
    we.LocationAdded("OUT-1", wc.LocationKind.STAGING),
    we.StockReceived("PUMP-4711", Decimal("40"), "DOCK-1", None),
    we.StockPutAway("PUMP-4711", Decimal("30"), "DOCK-1", "A-01-01"),
    we.StockMoved("PUMP-4711", Decimal("1"), "A-01-01", "A-01-02"),
    we.StockPicked("PUMP-4711", Decimal("12.5"), "A-01-01", "OUT-1", "WW-AIR-7"),
    we.StockDispatched("PUMP-4711", Decimal("12.5"), "OUT-1", "WW-AIR-7"),
]


@pytest.mark.parametrize(("domain", "samples"), [(SHIPMENT, SHIPMENT_SAMPLES), (WAREHOUSE, WAREHOUSE_SAMPLES)])
def test_the_samples_cover_every_registered_message(domain: Domain, samples: list[Any]) -> None:
    assert {type(sample) for sample in samples} == set(domain.commands) | set(domain.events)


def round_trip(message: Any, namespace: str) -> Any:
    schema = fastavro.parse_schema(schema_for(type(message), namespace))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, to_avro(message))
    buffer.seek(0)
    return TypeAdapter(type(message)).validate_python(fastavro.schemaless_reader(buffer, schema, schema))


@pytest.mark.parametrize("message", SHIPMENT_SAMPLES, ids=lambda m: type(m).__name__)
def test_a_shipment_message_survives_avro(message: Any) -> None:
    assert round_trip(message, "wellwon.shipment") == message


@pytest.mark.parametrize("message", WAREHOUSE_SAMPLES, ids=lambda m: type(m).__name__)
def test_a_warehouse_message_survives_avro(message: Any) -> None:
    assert round_trip(message, "wellwon.warehouse") == message


def test_states_survive_avro_and_the_engines_json_table() -> None:
    shipment = SHIPMENT.decider.fold(
        [*in_transit(), se.ExceptionRaised("H1", ExceptionKind.HOLD, "inspection", NOW, "api")]
    )
    warehouse = WAREHOUSE.decider.fold(WAREHOUSE_SAMPLES[7:])
    assert shipment.status is ShipmentStatus.IN_TRANSIT and warehouse.stock
    for domain, state in ((SHIPMENT, shipment), (WAREHOUSE, warehouse), (SHIPMENT, SHIPMENT.decider.fold(booked()))):
        assert round_trip(state, f"wellwon.{domain.name}") == state
        adapter = TypeAdapter(domain.state_type)
        assert adapter.validate_python(orjson.loads(orjson.dumps(adapter.dump_python(state, mode="json")))) == state
