"""What each shipment event does to the state it folds into: the state later commands are decided on."""

from __future__ import annotations

import pytest

from streams.shipment.decider import shipment_decider
from streams.shipment.events import (
    CargoItemDeclared,
    CargoItemRemoved,
    EquipmentAttached,
    EquipmentDetached,
    IncotermSet,
    PartiesSet,
    ShipmentCancelled,
    TransportEventNoted,
)
from streams.shipment.incoterms import Incoterm
from streams.shipment.lifecycle import ShipmentStatus
from tests.unit.logistics.logistics_scenarios import (
    HOUR,
    NOW,
    SECOND_CONTAINER,
    booked,
    consignee,
    container,
    context,
    drafted,
    in_transit,
    machine_parts,
    paint,
    shipper,
)

fold = shipment_decider.fold


def test_parties_set_replace_all_three_roles() -> None:
    notify = consignee(name="Pudong Customs Brokers Ltd.")
    state = fold([*drafted(), PartiesSet(shipper=shipper(city="Bremen"), consignee=None, notify=notify)])
    assert (state.shipper, state.consignee, state.notify) == (shipper(city="Bremen"), None, notify)


def test_an_incoterm_set_replaces_the_rule_and_its_place() -> None:
    state = fold([*booked(), IncotermSet(Incoterm.FCA, "Hamburg Waltershof")])
    assert (state.incoterm, state.incoterm_place) == (Incoterm.FCA, "Hamburg Waltershof")
    assert state.status is ShipmentStatus.BOOKED


def test_detaching_equipment_keeps_the_other_pieces() -> None:
    attached = [*booked(), EquipmentAttached(container()), EquipmentAttached(container(SECOND_CONTAINER))]
    state = fold([*attached, EquipmentDetached(identifier=SECOND_CONTAINER)])
    assert state.equipment == (container(),)


def test_a_removed_cargo_item_leaves_the_other_items() -> None:
    state = fold([*drafted(), CargoItemDeclared(paint()), CargoItemRemoved(item_id="1")])
    assert state.cargo == (paint(),)


def test_an_item_declared_again_replaces_only_that_item_in_place() -> None:
    changed = machine_parts(package_count=25)
    state = fold([*drafted(), CargoItemDeclared(paint()), CargoItemDeclared(changed)])
    assert state.cargo == (changed, paint())


def test_a_noted_transport_event_changes_no_state() -> None:
    before = fold(in_transit())
    noted = TransportEventNoted(description="crossed border", occurred_at=NOW - HOUR, source="api", place="DEHAM")
    assert shipment_decider.evolve(before, noted) == before


def test_a_cancelled_shipment_keeps_the_reason() -> None:
    state = fold([*booked(), ShipmentCancelled(reason="customer withdrew", cancelled_at=NOW, source="api")])
    assert (state.status, state.cancellation_reason) == (ShipmentStatus.CANCELLED, "customer withdrew")


def test_an_unknown_command_or_event_is_a_programming_error_naming_it() -> None:
    state = fold(booked())
    with pytest.raises(TypeError, match=r"^not a shipment command: 'book'$"):
        shipment_decider.decide(state, "book", context())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^not a shipment event: 'booked'$"):
        shipment_decider.evolve(state, "booked")  # type: ignore[arg-type]
