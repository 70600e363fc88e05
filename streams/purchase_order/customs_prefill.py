"""Customs prefilled from a purchase order: its lines as the declaration's goods items (pure).

Each order line becomes one goods item: description, code, origin, quantity and unit, weights, and
its invoice value (quantity times price, in the order's currency). What the order does not know
(a 10-digit EAEU code when only the 6-digit HS code is known, the origin, the weights) is left empty
and listed per item, for the declarant to complete; customs' own validation refuses it until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from streams.customs.declaration import GoodsItem
from streams.purchase_order import amounts
from streams.purchase_order.commands import OrderTerms

NATIONAL_CODE_DIGITS = 10


@dataclass(frozen=True)
class PrefilledItem:
    item: GoodsItem
    order_line_no: int
    missing: tuple[str, ...]  # the goods item's fields the declarant still has to fill


def declaration_items(order_id: str, terms: OrderTerms) -> tuple[PrefilledItem, ...]:
    """The order's lines as customs goods items, with what each still lacks."""
    prefilled = []
    for line in terms.lines:
        missing = []
        code = line.hs_code or ""
        if len(code) != NATIONAL_CODE_DIGITS:
            missing.append("commodity_code")
        if line.origin_country is None:
            missing.append("origin_country")
        if line.gross_weight_kg is None:
            missing.append("gross_weight_kg")
        if line.net_weight_kg is None:
            missing.append("net_weight_kg")
        item = GoodsItem(
            item_id=f"po-{order_id[:8]}-{line.line_no}",
            description=line.description,
            commodity_code=code,
            origin_country=line.origin_country or "",
            quantity=line.quantity,
            unit_code=line.unit,
            gross_weight_kg=line.gross_weight_kg or Decimal(0),
            net_weight_kg=line.net_weight_kg or Decimal(0),
            invoice_value=amounts.line_amount(line.quantity, line.unit_price, terms.currency),
            currency=terms.currency,
        )
        prefilled.append(PrefilledItem(item, line.line_no, tuple(missing)))
    return tuple(prefilled)
