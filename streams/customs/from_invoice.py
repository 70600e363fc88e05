"""A declaration prefilled from a verified commercial invoice: its lines become goods items, the invoice a
supporting document. What an invoice does not say (weights, often the origin) stays empty for the broker,
and the declaration's own validation names those fields. Applying the same invoice twice adds nothing:
item ids derive from the document and the line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from streams.customs.codes import INVOICE
from streams.customs.declaration import GoodsItem, SupportingDocument
from streams.recognised import amount, day, lines, unit_code

# A code suggestion for a goods description (the classifier's best 10-digit code), or None.
Classify = Callable[[str], str | None]

ZERO = Decimal(0)


def item_id(document_id: str, line_no: int) -> str:
    return f"{document_id}:{line_no}"


def goods_items(
    document_id: str, fields: Mapping[str, str], classify: Classify, origin_country: str = ""
) -> tuple[GoodsItem, ...]:
    """One goods item per invoice line that has a description, in the invoice's order."""
    currency = fields.get("currency", "").strip().upper()
    items: list[GoodsItem] = []
    for line_no, line in enumerate(lines(fields), start=1):
        description = line.get("description", "").strip()
        if not description:
            continue
        quantity = amount(line.get("quantity")) or ZERO
        value = amount(line.get("amount"))
        if value is None:
            price = amount(line.get("unit_price"))
            value = quantity * price if price is not None else ZERO
        items.append(
            GoodsItem(
                item_id=item_id(document_id, line_no),
                description=description,
                commodity_code=line.get("commodity_code", "").strip() or classify(description) or "",
                origin_country=(line.get("origin_country", "") or origin_country).strip().upper(),
                quantity=quantity,
                unit_code=unit_code(line.get("unit")) or "",
                gross_weight_kg=amount(line.get("gross_weight_kg")) or ZERO,
                net_weight_kg=amount(line.get("net_weight_kg")) or ZERO,
                invoice_value=value,
                currency=currency,
            )
        )
    return tuple(items)


def invoice_document(
    document_id: str, fields: Mapping[str, str], item_ids: tuple[str, ...]
) -> SupportingDocument | None:
    """The invoice as the declaration's supporting document (box 44), when it has a number and a date."""
    number = fields.get("number", "").strip()
    issued_on = day(fields.get("date"))
    if not number or issued_on is None:
        return None
    return SupportingDocument(
        document_id=document_id, type_code=INVOICE, number=number, issued_on=issued_on, item_ids=item_ids
    )
