"""The warehouse decider: locations, movements, and stock that never goes below zero."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from streams.decider import Rejection, RejectionCode
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
from streams.warehouse.decider import warehouse_decider, warehouse_id_for
from streams.warehouse.domain import WAREHOUSE
from streams.warehouse.events import (
    LocationAdded,
    StockDispatched,
    StockPicked,
    StockPutAway,
    StockReceived,
    WarehouseEvent,
    WarehouseRegistered,
)
from streams.warehouse.stock import stock_levels
from tests.unit.logistics.logistics_scenarios import OTHER_TENANT, TENANT, context, then_accepted, then_rejected

SKU = "PUMP-4711"


def registered() -> list[WarehouseEvent]:
    return [
        WarehouseRegistered(tenant_id=TENANT, code="HAM-1", name="Hamburg Billbrook", country="DE", locode="DEHAM"),
        LocationAdded(code="DOCK-1", kind=LocationKind.RECEIVING),
        LocationAdded(code="A-01-01", kind=LocationKind.STORAGE),
        LocationAdded(code="A-01-02", kind=LocationKind.STORAGE),
        LocationAdded(code="OUT-1", kind=LocationKind.STAGING),
    ]


def stocked() -> list[WarehouseEvent]:
    """40 pumps received against a shipment, 30 of them put away in A-01-01."""
    return [
        *registered(),
        StockReceived(SKU, Decimal("40"), "DOCK-1", "WW-SEA-24001"),
        StockPutAway(SKU, Decimal("30"), "DOCK-1", "A-01-01"),
    ]


def when(events: Sequence[WarehouseEvent], command: WarehouseCommand) -> Sequence[WarehouseEvent] | Rejection:
    return WAREHOUSE.decider.decide(warehouse_decider.fold(events), command, context())


def test_a_warehouse_is_registered_once_per_tenant_and_code() -> None:
    events = then_accepted(
        when([], RegisterWarehouse(code="ham-1", name="Hamburg Billbrook", country="de", locode="DE HAM"))
    )
    assert events == [registered()[0]]
    assert (
        warehouse_id_for(TENANT, "ham-1")
        == warehouse_id_for(TENANT, "HAM-1")
        != warehouse_id_for(OTHER_TENANT, "HAM-1")
    )
    then_rejected(when(events, RegisterWarehouse(code="HAM-1", name="x", country="DE")), RejectionCode.CONFLICT)


def test_a_warehouse_place_must_be_in_its_country() -> None:
    then_rejected(
        when([], RegisterWarehouse(code="W1", name="x", country="NL", locode="DEHAM")),
        RejectionCode.INVALID,
        "DEHAM is not in NL",
    )


def test_locations_are_added_once_with_one_kind() -> None:
    assert then_accepted(when(registered(), AddLocation(code="dock-1", kind=LocationKind.RECEIVING))) == []
    then_rejected(
        when(registered(), AddLocation(code="DOCK-1", kind=LocationKind.STORAGE)),
        RejectionCode.CONFLICT,
        "already exists as receiving",
    )


def test_goods_flow_from_receiving_to_dispatch_and_stock_follows() -> None:
    events = list(stocked())
    events += then_accepted(when(events, PickStock(SKU, Decimal("12.5"), "A-01-01", "OUT-1", "ww-air-7")))
    events += then_accepted(when(events, DispatchStock(SKU, Decimal("12.5"), "OUT-1", "WW-AIR-7")))
    assert events[-2] == StockPicked(SKU, Decimal("12.5"), "A-01-01", "OUT-1", "WW-AIR-7")
    assert events[-1] == StockDispatched(SKU, Decimal("12.5"), "OUT-1", "WW-AIR-7")
    assert stock_levels(events) == {("DOCK-1", SKU): Decimal("10"), ("A-01-01", SKU): Decimal("17.5")}
    state = warehouse_decider.fold(events)
    assert state.on_hand("A-01-01", SKU) == Decimal("17.5")
    assert state.on_hand("OUT-1", SKU) == 0


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (
            PickStock(SKU, Decimal("31"), "A-01-01", "OUT-1"),
            "cannot pick 31 of PUMP-4711 from A-01-01: only 30 on hand",
        ),
        (MoveStock(SKU, Decimal("5"), "A-01-02", "A-01-01"), "cannot move 5 of PUMP-4711 from A-01-02: only 0 on hand"),
        (
            DispatchStock(SKU, Decimal("10.01"), "DOCK-1", "WW-1"),
            "cannot dispatch 10.01 of PUMP-4711 from DOCK-1: only 10 on hand",
        ),
        (
            PutAway(SKU, Decimal("11"), "DOCK-1", "A-01-02"),
            "cannot put away 11 of PUMP-4711 from DOCK-1: only 10 on hand",
        ),
    ],
)
def test_no_movement_takes_more_than_the_location_holds(command: WarehouseCommand, reason: str) -> None:
    rejection = then_rejected(when(stocked(), command), RejectionCode.ILLEGAL_STATE, reason)
    assert rejection.field == "quantity"


def test_moving_everything_leaves_no_empty_line_behind() -> None:
    events = [*stocked(), *then_accepted(when(stocked(), MoveStock(SKU, Decimal("30"), "A-01-01", "A-01-02")))]
    assert stock_levels(events) == {("DOCK-1", SKU): Decimal("10"), ("A-01-02", SKU): Decimal("30")}
    assert len(warehouse_decider.fold(events).stock) == 2


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (ReceiveStock(SKU, Decimal("5"), "A-01-01"), "A-01-01 is storage, not receiving"),
        (PutAway(SKU, Decimal("5"), "DOCK-1", "OUT-1"), "OUT-1 is staging, not storage"),
        (PickStock(SKU, Decimal("5"), "DOCK-1", "OUT-1"), "DOCK-1 is receiving, not storage"),
        (ReceiveStock(SKU, Decimal("5"), "DOCK-9"), "has no location DOCK-9"),
        (ReceiveStock(SKU, Decimal("0"), "DOCK-1"), "positive"),
        (ReceiveStock(SKU, Decimal("Infinity"), "DOCK-1"), "positive"),
        (ReceiveStock("bad sku!", Decimal("1"), "DOCK-1"), "sku"),
        (MoveStock(SKU, Decimal("1"), "A-01-01", "a-01-01"), "to itself"),
        (DispatchStock(SKU, Decimal("1"), "DOCK-1", " "), "shipment_reference is required"),
    ],
)
def test_movements_need_the_right_locations_and_quantities(command: WarehouseCommand, words: str) -> None:
    then_rejected(when(stocked(), command), RejectionCode.INVALID, words)


def test_other_tenants_and_unregistered_warehouses_are_not_found() -> None:
    decision = WAREHOUSE.decider.decide(
        warehouse_decider.fold(registered()), AddLocation("X", LocationKind.STORAGE), context(tenant=OTHER_TENANT)
    )
    then_rejected(decision, RejectionCode.NOT_FOUND)
    then_rejected(when([], AddLocation("X", LocationKind.STORAGE)), RejectionCode.NOT_FOUND, "no such warehouse")


def test_stock_levels_fold_any_event_list() -> None:
    assert stock_levels(registered()) == {}
    assert stock_levels(stocked()) == {("DOCK-1", SKU): Decimal("10"), ("A-01-01", SKU): Decimal("30")}
