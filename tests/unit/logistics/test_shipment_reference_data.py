"""Reference data and identifiers: container check digits, UN/LOCODEs, Incoterms, cargo and totals."""

from __future__ import annotations

import random
import string
from decimal import Decimal

import pytest
from stdnum import iso6346

from streams.decider import Rejection
from streams.shipment.cargo import (
    DANGEROUS_GOODS_CLASSES,
    PACKAGE_TYPES,
    CargoTotals,
    DangerousGoods,
    cargo_totals,
    checked_cargo_item,
)
from streams.shipment.details import TransportMode
from streams.shipment.identifiers import (
    container_check_digit,
    container_number_problem,
    normalize_un_number,
    reference_problem,
)
from streams.shipment.incoterms import INCOTERMS_2020, Incoterm, incoterm_problem
from streams.shipment.lifecycle import FINISHED, TRANSITIONS, ShipmentStatus, transition_problem
from streams.shipment.places import country_codes, known_places, locode_problem
from tests.unit.logistics.logistics_scenarios import CONTAINER, SECOND_CONTAINER, machine_parts, paint


@pytest.mark.parametrize("number", [CONTAINER, SECOND_CONTAINER, "TGHU9876542", "CMAU0512341", "HLXU1234561"])
def test_real_container_numbers_pass_the_iso_6346_check(number: str) -> None:
    assert container_number_problem(number) is None


def test_the_check_digit_agrees_with_an_independent_implementation() -> None:
    chooser = random.Random(6346)
    for _ in range(500):
        first_ten = "".join(chooser.choices(string.ascii_uppercase, k=3)) + chooser.choice("UJZ")
        first_ten += "".join(chooser.choices(string.digits, k=6))
        number = first_ten + str(container_check_digit(first_ten))
        assert iso6346.is_valid(number), number


def test_a_remainder_of_ten_gives_check_digit_zero() -> None:
    first_ten = next(f"ABCU{serial:06d}" for serial in range(1000) if _remainder(f"ABCU{serial:06d}") == 10)
    assert container_check_digit(first_ten) == 0
    assert container_number_problem(first_ten + "0") is None
    assert iso6346.is_valid(first_ten + "0")


def _remainder(first_ten: str) -> int:
    """The weighted sum mod 11, worked out independently of the code under test."""
    values = dict(zip(string.ascii_uppercase, (v for v in range(10, 39) if v % 11), strict=True))
    return sum((values[c] if c.isalpha() else int(c)) * 2**i for i, c in enumerate(first_ten)) % 11


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("MSKU907032", "not a container number"),
        ("MSKA9070323", "not a container number"),
        ("MSKU9070320", "ISO 6346 gives 3"),
    ],
)
def test_malformed_container_numbers_say_why(number: str, why: str) -> None:
    problem = container_number_problem(number)
    assert problem is not None and why in problem


def test_the_place_list_is_a_few_hundred_real_unlocodes() -> None:
    places = known_places()
    assert len(places) >= 300
    for code in ("NLRTM", "DEHAM", "CNSHA", "SGSIN", "USLAX", "BEANR", "DEFRA", "GBLHR"):
        assert locode_problem(code) is None, code
    assert places["NLRTM"].name == "Rotterdam"
    assert all(locode_problem(code) is None for code in places)
    assert all(place.country in country_codes() for place in places.values())


def test_the_incoterms_table_has_the_eleven_2020_rules_four_of_them_sea_only() -> None:
    assert set(INCOTERMS_2020) == set(Incoterm) and len(Incoterm) == 11
    assert {r.rule for r in INCOTERMS_2020.values() if r.sea_and_inland_waterway_only} == {
        Incoterm.FAS,
        Incoterm.FOB,
        Incoterm.CFR,
        Incoterm.CIF,
    }
    assert incoterm_problem(Incoterm.CIF, TransportMode.INLAND_WATERWAY) is None
    problem = incoterm_problem(Incoterm.CIF, TransportMode.AIR)
    assert problem is not None and "use CIP instead" in problem


def test_the_transition_table_is_the_lifecycle() -> None:
    can_cancel = {status for status, targets in TRANSITIONS.items() if ShipmentStatus.CANCELLED in targets}
    assert can_cancel == {ShipmentStatus.DRAFT, ShipmentStatus.BOOKED}
    assert all(not TRANSITIONS[status] for status in FINISHED)
    assert TRANSITIONS[ShipmentStatus.IN_TRANSIT] == {ShipmentStatus.AT_CUSTOMS, ShipmentStatus.DELIVERED}
    assert transition_problem(ShipmentStatus.DELIVERED, ShipmentStatus.DRAFT) == (
        "a shipment cannot go from delivered to draft (from delivered it can go to: nothing, it is finished)"
    )


def test_cargo_totals_are_derived_from_the_items() -> None:
    totals = cargo_totals([machine_parts(), paint()])
    assert totals.package_count == 34
    assert totals.gross_weight_kg == Decimal("3400.5")
    assert totals.net_weight_kg == Decimal("3100")
    # 12.4 m3 stated, plus 10 drums of 60 x 60 x 90 cm = 3.24 m3 derived from their dimensions.
    assert totals.volume_m3 == Decimal("15.64")
    unknown = cargo_totals([machine_parts(net_weight_kg=None, volume_m3=None), paint()])
    assert unknown.net_weight_kg is None and unknown.volume_m3 is None
    last_unknown = cargo_totals([paint(), machine_parts(net_weight_kg=None, volume_m3=None)])
    assert last_unknown.net_weight_kg is None and last_unknown.volume_m3 is None
    assert last_unknown.gross_weight_kg == Decimal("3400.5") and last_unknown.package_count == 34
    assert cargo_totals([]) == CargoTotals(0, Decimal(0), Decimal(0), Decimal(0))


def test_an_item_is_normalised_hs_code_and_un_number() -> None:
    item = checked_cargo_item(
        paint(hs_code="3208.10.90", dangerous_goods=DangerousGoods(un_number="1263", hazard_class="3"))
    )
    assert not isinstance(item, Rejection)
    assert item.hs_code == "32081090"
    assert item.dangerous_goods == DangerousGoods(un_number="UN1263", hazard_class="3")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"package_type": "XX"}, "item.package_type", "Rec 21"),
        ({"package_count": 0}, "item.package_count", "whole number"),
        ({"gross_weight_kg": Decimal("-1")}, "item.gross_weight_kg", "positive"),
        ({"gross_weight_kg": Decimal("NaN")}, "item.gross_weight_kg", "positive"),
        ({"hs_code": "84"}, "item.hs_code", "4 to 10 digits"),
        ({"length_cm": None}, "item.length_cm", "together"),
        (
            {"dangerous_goods": DangerousGoods(un_number="UN126", hazard_class="3")},
            "item.dangerous_goods.un_number",
            "UN and 4",
        ),
        (
            {"dangerous_goods": DangerousGoods(un_number="UN1950", hazard_class="2")},
            "item.dangerous_goods.hazard_class",
            "2.1",
        ),
        (
            {"dangerous_goods": DangerousGoods(un_number="UN1950", hazard_class="10")},
            "item.dangerous_goods.hazard_class",
            "class",
        ),
    ],
)
def test_bad_cargo_items_name_the_field(changes: dict, field: str, words: str) -> None:  # type: ignore[type-arg]
    rejection = checked_cargo_item(paint(**changes))
    assert isinstance(rejection, Rejection) and rejection.field == field and words in rejection.reason


def test_divisions_are_required_where_the_regulations_have_them() -> None:
    assert {"2.1", "4.3", "5.2", "6.1", "1.4"} <= set(DANGEROUS_GOODS_CLASSES)
    assert not {"1", "2", "4", "5", "6"} & set(DANGEROUS_GOODS_CLASSES)
    assert {"CT", "PX", "DR", "BX"} <= set(PACKAGE_TYPES)


def test_un_numbers_are_written_un_and_four_digits_whatever_the_spacing() -> None:
    assert [normalize_un_number(n) for n in ("un 1263", "1263", " UN1263 ", "U N 1263")] == ["UN1263"] * 4


def test_a_bad_reference_is_told_what_a_reference_is() -> None:
    assert reference_problem("-WW") == (
        "reference must be 1 to 35 letters, digits or . / _ - (starting with a letter or digit)"
    )
    assert reference_problem("WW-SEA-24001") is None
