"""`streams.immutable.replace` makes what `dataclasses.replace` makes, and falls back to it where a copy of the
instance dictionary would not be the same."""

from __future__ import annotations

import dataclasses
from dataclasses import InitVar, dataclass, field

import pytest

from streams.immutable import replace
from streams.shipment.decider import Shipment
from streams.shipment.lifecycle import ShipmentStatus


@dataclass(frozen=True)
class Plain:
    a: int
    b: str = "b"
    c: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Checked:
    amount: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("negative")


@dataclass(frozen=True)
class Derived:
    a: int
    doubled: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "doubled", self.a * 2)


@dataclass(frozen=True)
class WithInitVar:
    a: int
    scale: InitVar[int]


@dataclass(frozen=True, slots=True)
class Slotted:
    a: int
    b: int = 0


def test_a_plain_dataclass_is_copied_with_the_changes_and_equals_what_dataclasses_makes() -> None:
    original = Plain(1, "x", (1, 2))
    copy = replace(original, b="y")
    assert copy == dataclasses.replace(original, b="y") == Plain(1, "y", (1, 2))
    assert copy is not original and type(copy) is Plain
    assert original == Plain(1, "x", (1, 2))  # the original is unchanged
    assert hash(copy) == hash(Plain(1, "y", (1, 2)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        copy.a = 2  # type: ignore[misc]


def test_the_state_of_an_aggregate_is_copied_field_for_field() -> None:
    state = Shipment(status=ShipmentStatus.DRAFT, tenant_id="t1", reference="SH-1")
    booked = replace(state, status=ShipmentStatus.BOOKED, booking_reference="BK-1")
    assert booked == dataclasses.replace(state, status=ShipmentStatus.BOOKED, booking_reference="BK-1")
    assert booked.reference == "SH-1" and state.status is ShipmentStatus.DRAFT


def test_a_class_with_post_init_is_built_through_its_init_so_its_checks_still_run() -> None:
    with pytest.raises(ValueError, match="negative"):
        replace(Checked(1), amount=-1)
    assert replace(Derived(2), a=5).doubled == 10  # recomputed, not copied from the original's 4


def test_init_vars_and_slots_go_to_dataclasses_replace() -> None:
    with pytest.raises(ValueError, match="InitVar"):
        replace(WithInitVar(1, 3), a=2)  # dataclasses.replace demands the InitVar: the same error as there
    assert replace(Slotted(1, 2), b=3) == Slotted(1, 3)


def test_a_change_naming_no_field_is_refused_as_dataclasses_refuses_it() -> None:
    with pytest.raises(TypeError):
        replace(Plain(1), d=4)
    with pytest.raises(TypeError):
        replace("not a dataclass", a=1)
