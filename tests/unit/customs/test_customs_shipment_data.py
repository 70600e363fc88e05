"""A declaration's share of a shipment: parties, delivery terms, transport mode and goods from its read model."""

from __future__ import annotations

from decimal import Decimal

from streams.customs.declaration import Address, GoodsItem, Party, Transport
from streams.customs.shipment_data import from_shipment

SHIPMENT = {
    "status": "booked",
    "reference": "SHP-1",
    "mode": "road",
    "incoterm": "FCA",
    "incoterm_place": "Shenzhen",
    "shipper": {"name": "Shenzhen Bright", "address": "Keji Road 18", "country": "CN", "city": "Shenzhen",
                "postal_code": "518057"},
    "consignee": {"name": "Volga Trade", "address": "Tverskaya 7", "country": "RU", "city": None,
                  "postal_code": None},
    "cargo": [
        {"item_id": "c1", "description": "Cotton T-shirts", "package_count": 20, "package_type": "CT",
         "gross_weight_kg": "121.55", "net_weight_kg": "110.5", "hs_code": "6109100000"},
        {"item_id": "c2", "description": "Toys", "package_count": 3, "package_type": "CT",
         "gross_weight_kg": "40", "net_weight_kg": None, "hs_code": "9503"},
    ],
}  # fmt: skip


def test_parties_terms_and_mode_come_from_the_shipment() -> None:
    data = from_shipment(SHIPMENT)
    assert data.consignor == Party(
        "Shenzhen Bright", "CN", Address(city="Shenzhen", street="Keji Road 18", postal_code="518057")
    )
    assert data.consignee == Party("Volga Trade", "RU", Address(city="", street="Tverskaya 7"))
    assert (data.delivery_terms, data.delivery_place) == ("FCA", "Shenzhen")
    assert data.transport == Transport(mode_code="30")


def test_cargo_becomes_goods_items_with_what_only_the_declarant_knows_left_empty() -> None:
    first, second = from_shipment(SHIPMENT).items
    assert first == GoodsItem(
        item_id="c1", description="Cotton T-shirts", commodity_code="6109100000", origin_country="",
        quantity=Decimal(0), unit_code="", gross_weight_kg=Decimal("121.55"), net_weight_kg=Decimal("110.5"),
        invoice_value=Decimal(0), currency="",
    )  # fmt: skip
    assert (second.commodity_code, second.net_weight_kg) == ("9503", Decimal(0))


def test_a_multimodal_shipment_leaves_the_border_mode_to_the_declarant() -> None:
    assert from_shipment({**SHIPMENT, "mode": "multimodal"}).transport is None
