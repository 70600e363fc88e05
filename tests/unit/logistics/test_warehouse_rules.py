"""The warehouse's rules, exactly: each command's events field by field, each refusal with its code, reason and field.

The API answers a refusal with its reason and the field at fault (422 naming it), so both are part of the rule.
"""

from __future__ import annotations

import uuid
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
from streams.warehouse.decider import MAX_LOCATIONS, Location, WarehouseStatus, warehouse_decider, warehouse_id_for
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
from tests.unit.deciders import Given, given
from tests.unit.logistics.logistics_scenarios import TENANT, context

SKU = "PUMP-4711"
STORED = Decimal("30")  # in A-01-01, 10 more wait at DOCK-1


def registered() -> list[WarehouseEvent]:
    return [
        WarehouseRegistered(tenant_id=TENANT, code="HAM-1", name="Hamburg Billbrook", country="DE", locode="DEHAM"),
        LocationAdded(code="DOCK-1", kind=LocationKind.RECEIVING),
        LocationAdded(code="A-01-01", kind=LocationKind.STORAGE),
        LocationAdded(code="A-01-02", kind=LocationKind.STORAGE),
        LocationAdded(code="OUT-1", kind=LocationKind.STAGING),
    ]


def stocked() -> Given:
    return given(
        warehouse_decider,
        *registered(),
        StockReceived(SKU, Decimal("40"), "DOCK-1", "WW-SEA-24001"),
        StockPutAway(SKU, STORED, "DOCK-1", "A-01-01"),
    )


def decided(command: WarehouseCommand, state: Given | None = None) -> object:
    return (state or stocked()).when(command, context()).decision


def invalid(reason: str, field: str) -> Rejection:
    return Rejection(RejectionCode.INVALID, reason, field)


def test_a_warehouse_is_registered_with_its_normalised_code_country_and_place() -> None:
    new = given(warehouse_decider)
    new.when(RegisterWarehouse(" ham-1 ", " Hamburg Billbrook ", "de", "de ham"), context()).then(
        WarehouseRegistered(tenant_id=TENANT, code="HAM-1", name="Hamburg Billbrook", country="DE", locode="DEHAM")
    )
    new.when(RegisterWarehouse("W2", "Rotterdam", "NL"), context()).then(
        WarehouseRegistered(tenant_id=TENANT, code="W2", name="Rotterdam", country="NL", locode=None)
    )


def test_the_warehouse_id_ignores_case_and_blanks_of_the_code() -> None:
    assert warehouse_id_for(TENANT, " ham-1 ") == warehouse_id_for(TENANT, "HAM-1")
    # Ids already in the log must stay what they were: uuid5 of "<tenant>\n<CODE IN CAPITALS>".
    assert warehouse_id_for(TENANT, "ham-1") == str(
        uuid.uuid5(uuid.UUID("5a1e7c3d-2b4f-4d6a-8e9c-0f1a2b3c4d5e"), f"{TENANT}\nHAM-1")
    )


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (
            RegisterWarehouse("HAM 1", "x", "DE"),
            invalid("code must be 1 to 20 letters, digits or dashes", "code"),
        ),
        (RegisterWarehouse("W1", " ", "DE"), invalid("name is required", "name")),
        (RegisterWarehouse("W1", "x" * 141, "DE"), invalid("name must be at most 140 characters", "name")),
        (RegisterWarehouse("W1", "x", "XX"), invalid("'XX' is not an ISO 3166-1 alpha-2 country code", "country")),
        (RegisterWarehouse("W1", "x", "NL", "DEHAM"), invalid("DEHAM is not in NL", "locode")),
    ],
)
def test_a_registration_is_refused_naming_the_field_at_fault(command: RegisterWarehouse, refusal: Rejection) -> None:
    assert decided(command, given(warehouse_decider)) == refusal


def test_a_name_of_exactly_140_characters_is_accepted() -> None:
    given(warehouse_decider).when(RegisterWarehouse("W1", "x" * 140, "DE"), context()).then(
        WarehouseRegistered(tenant_id=TENANT, code="W1", name="x" * 140, country="DE", locode=None)
    )


def test_a_malformed_place_code_is_refused_as_the_locode() -> None:
    refusal = decided(RegisterWarehouse("W1", "x", "DE", "D"), given(warehouse_decider))
    assert isinstance(refusal, Rejection) and (refusal.code, refusal.field) == (RejectionCode.INVALID, "locode")


def test_a_warehouse_is_registered_once() -> None:
    assert decided(RegisterWarehouse("HAM-1", "x", "DE")) == Rejection(
        RejectionCode.CONFLICT, "warehouse HAM-1 already exists", "code"
    )


def test_a_location_is_added_once_with_its_kind() -> None:
    stocked().when(AddLocation(" b-02 ", LocationKind.STORAGE), context()).then(
        LocationAdded(code="B-02", kind=LocationKind.STORAGE)
    )
    assert decided(AddLocation("a-01-01", LocationKind.STORAGE)) == []  # the same again: nothing new
    assert decided(AddLocation("A-01-01", LocationKind.STAGING)) == Rejection(
        RejectionCode.CONFLICT, "location A-01-01 already exists as storage", "code"
    )
    assert decided(AddLocation("B 02", LocationKind.STORAGE)) == invalid(
        "code must be 1 to 20 letters, digits or dashes", "code"
    )
    assert decided(AddLocation("B-02", "shelf")) == invalid(  # type: ignore[arg-type]
        "'shelf' is not one of: receiving, storage, staging, quarantine", "kind"
    )


def test_a_warehouse_holds_at_most_its_maximum_of_locations() -> None:
    nearly_full = tuple(Location(f"L{n}", LocationKind.STORAGE) for n in range(MAX_LOCATIONS - 1))
    state = given(warehouse_decider, *registered()[:1]).with_state(locations=nearly_full)
    state.when(AddLocation("LAST", LocationKind.STORAGE), context()).then(
        LocationAdded(code="LAST", kind=LocationKind.STORAGE)
    )
    full = state.with_state(locations=(*nearly_full, Location("LAST", LocationKind.STORAGE)))
    assert decided(AddLocation("ONE-MORE", LocationKind.STORAGE), full) == invalid(
        f"a warehouse has at most {MAX_LOCATIONS} locations", "code"
    )


def test_receiving_puts_stock_at_a_receiving_location_against_an_optional_shipment() -> None:
    stocked().when(ReceiveStock(SKU, Decimal("5"), "dock-1", " ww-sea-24002 "), context()).then(
        StockReceived(SKU, Decimal("5"), "DOCK-1", "WW-SEA-24002")
    )
    stocked().when(ReceiveStock(SKU, Decimal("5"), "DOCK-1"), context()).then(
        StockReceived(SKU, Decimal("5"), "DOCK-1", None)
    )
    assert decided(ReceiveStock(SKU, Decimal("5"), "A-01-01")) == invalid(
        "location A-01-01 is storage, not receiving", "location"
    )
    assert decided(ReceiveStock(SKU, Decimal("5"), "DOCK-1", "#1")) == invalid(
        "shipment_reference: reference must be 1 to 35 letters, digits or . / _ - (starting with a letter or digit)",
        "shipment_reference",
    )


def test_each_movement_inside_the_warehouse_gives_its_own_event() -> None:
    stocked().when(PutAway(SKU, Decimal("10"), "DOCK-1", "A-01-02"), context()).then(
        StockPutAway(SKU, Decimal("10"), "DOCK-1", "A-01-02")
    )
    stocked().when(MoveStock(SKU, Decimal("30"), "a-01-01", "a-01-02"), context()).then(
        StockMoved(SKU, Decimal("30"), "A-01-01", "A-01-02")
    )
    stocked().when(PickStock(SKU, Decimal("3"), "A-01-01", "OUT-1", "ww-air-1"), context()).then(
        StockPicked(SKU, Decimal("3"), "A-01-01", "OUT-1", "WW-AIR-1")
    )
    stocked().when(PickStock(SKU, Decimal("3"), "A-01-01", "OUT-1"), context()).then(
        StockPicked(SKU, Decimal("3"), "A-01-01", "OUT-1", None)
    )


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (
            PutAway(SKU, Decimal("1"), "NOWHERE", "A-01-01"),
            invalid("warehouse HAM-1 has no location NOWHERE", "from_location"),
        ),
        (
            PutAway(SKU, Decimal("1"), "A-01-01", "A-01-02"),
            invalid("location A-01-01 is storage, not receiving", "from_location"),
        ),
        (
            PutAway(SKU, Decimal("1"), "DOCK-1", "NOWHERE"),
            invalid("warehouse HAM-1 has no location NOWHERE", "to_location"),
        ),
        (
            PutAway(SKU, Decimal("1"), "DOCK-1", "OUT-1"),
            invalid("location OUT-1 is staging, not storage", "to_location"),
        ),
        (
            MoveStock(SKU, Decimal("1"), "A-01-01", "a-01-01"),
            invalid("stock is moved between two locations, not from A-01-01 to itself", "to_location"),
        ),
        (
            PickStock(SKU, Decimal("1"), "A-01-01", "OUT-1", "#1"),
            invalid(
                "shipment_reference: reference must be 1 to 35 letters, digits or . / _ - "
                "(starting with a letter or digit)",
                "shipment_reference",
            ),
        ),
        (
            MoveStock(SKU, Decimal("31"), "A-01-01", "A-01-02"),
            Rejection(
                RejectionCode.ILLEGAL_STATE, "cannot move 31 of PUMP-4711 from A-01-01: only 30 on hand", "quantity"
            ),
        ),
    ],
)
def test_a_movement_is_refused_naming_the_field_at_fault(command: WarehouseCommand, refusal: Rejection) -> None:
    assert decided(command) == refusal


def test_stock_leaves_only_against_a_shipment_from_any_location() -> None:
    stocked().when(DispatchStock(SKU, Decimal("10"), "dock-1", "ww-sea-24001"), context()).then(
        StockDispatched(SKU, Decimal("10"), "DOCK-1", "WW-SEA-24001")
    )
    assert decided(DispatchStock(SKU, Decimal("1"), "A-01-01", " ")) == invalid(
        "shipment_reference is required", "shipment_reference"
    )
    assert decided(DispatchStock(SKU, Decimal("1"), "NOWHERE", "WW-1")) == invalid(
        "warehouse HAM-1 has no location NOWHERE", "from_location"
    )


@pytest.mark.parametrize(
    ("command", "refusal"),
    [
        (
            ReceiveStock("PUMP 4711", Decimal("1"), "DOCK-1"),
            invalid("sku must be 1 to 64 letters, digits or . _ / -", "sku"),
        ),
        (ReceiveStock(SKU, Decimal("0"), "DOCK-1"), invalid("quantity must be a positive decimal number", "quantity")),
        (
            PutAway(SKU, Decimal("NaN"), "DOCK-1", "A-01-01"),
            invalid("quantity must be a positive decimal number", "quantity"),
        ),
    ],
)
def test_a_stock_line_is_refused_naming_the_sku_or_the_quantity(command: WarehouseCommand, refusal: Rejection) -> None:
    assert decided(command) == refusal


def test_stock_of_a_warehouse_that_is_not_registered_is_not_found() -> None:
    assert decided(ReceiveStock(SKU, Decimal("1"), "DOCK-1"), given(warehouse_decider)) == Rejection(
        RejectionCode.NOT_FOUND, "no such warehouse"
    )


def test_an_unknown_command_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a warehouse command"):
        decided("receive")  # type: ignore[arg-type]


def test_a_registered_warehouse_keeps_its_code_name_country_and_place() -> None:
    state = warehouse_decider.fold(registered()[:1])
    assert (state.status, state.tenant_id, state.code, state.name, state.country, state.locode) == (
        WarehouseStatus.ACTIVE,
        TENANT,
        "HAM-1",
        "Hamburg Billbrook",
        "DE",
        "DEHAM",
    )


def test_an_unknown_event_is_a_programming_error_naming_it() -> None:
    with pytest.raises(TypeError, match=r"^not a warehouse event: 'received'$"):
        warehouse_decider.evolve(stocked().state, "received")  # type: ignore[arg-type]
