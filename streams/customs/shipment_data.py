"""What a new declaration takes from a shipment: parties, delivery terms, transport mode and goods.

Read from the shipment read model's JSON (the logistics domain's state as projected), so the customs
core does not depend on the shipment's Python types. A shipment knows less than a declaration needs
(no origin, supplementary quantity, invoice value or currency per cargo item): those are left empty,
and validation names them field by field for the operator to fill in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from streams.customs.declaration import Address, GoodsItem, Party, Transport

# Shipment modes to the customs classifier of transport modes (box 25).
TRANSPORT_MODE_CODES = {"sea": "10", "rail": "20", "road": "30", "air": "40", "inland_waterway": "80"}


@dataclass(frozen=True)
class ShipmentData:
    consignor: Party | None
    consignee: Party | None
    transport: Transport | None
    delivery_terms: str | None
    delivery_place: str | None
    items: tuple[GoodsItem, ...]


def _party(data: Mapping[str, Any] | None) -> Party | None:
    if not data:
        return None
    address = Address(city=data.get("city") or "", street=data.get("address"), postal_code=data.get("postal_code"))
    return Party(name=data.get("name", ""), country_code=data.get("country", ""), address=address)


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _goods_item(cargo: Mapping[str, Any]) -> GoodsItem:
    return GoodsItem(
        item_id=str(cargo["item_id"]),
        description=cargo.get("description", ""),
        commodity_code=cargo.get("hs_code") or "",  # the shipper's hint; validation asks for all 10 digits
        origin_country="",
        quantity=Decimal(0),
        unit_code="",
        gross_weight_kg=_decimal(cargo.get("gross_weight_kg")),
        net_weight_kg=_decimal(cargo.get("net_weight_kg")),
        invoice_value=Decimal(0),
        currency="",
    )


def from_shipment(shipment: Mapping[str, Any]) -> ShipmentData:
    """The declaration's share of a shipment (its read-model state as JSON)."""
    mode_code = TRANSPORT_MODE_CODES.get(shipment.get("mode") or "")
    return ShipmentData(
        consignor=_party(shipment.get("shipper")),
        consignee=_party(shipment.get("consignee")),
        transport=Transport(mode_code=mode_code) if mode_code else None,
        delivery_terms=shipment.get("incoterm"),
        delivery_place=shipment.get("incoterm_place"),
        items=tuple(_goods_item(cargo) for cargo in shipment.get("cargo") or ()),
    )
