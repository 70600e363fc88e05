"""The three-way match of a supplier's invoice: each invoice line against its order line and what was received.

Pure: the invoice's lines, the order's lines (ordered quantity, price, received so far) and the
tolerances in, the line-by-line result and every mismatch (with the line and the reason) out.

Rules, per invoice line:
- it names a line of the order (`order_line_no`), at most one invoice line per order line;
- the invoiced quantity is not above what was received, nor above what was ordered (beyond tolerance);
- the invoiced price equals the order's price within the price tolerance;
- and the invoice is in the order's currency.
Order lines the invoice does not bill are listed (a partial invoice is normal) but are no mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from streams.invoice.commands import InvoiceLine, OrderLineFacts
from streams.invoice.events import LineMismatch, MatchedLine


class MismatchKind(StrEnum):
    CURRENCY_DIFFERS = "currency_differs"
    NO_ORDER_LINE = "no_order_line"  # the invoice line names no line of the order
    LINE_BILLED_TWICE = "line_billed_twice"  # two invoice lines bill one order line
    QUANTITY_ABOVE_ORDERED = "quantity_above_ordered"
    QUANTITY_ABOVE_RECEIVED = "quantity_above_received"
    PRICE_DIFFERS = "price_differs"


@dataclass(frozen=True)
class Tolerance:
    """How far an invoice may stray from the order and the receipt before it is a mismatch, in percent."""

    quantity_percent: Decimal = Decimal(0)  # of the received (or ordered) quantity
    price_percent: Decimal = Decimal(0)  # of the order's unit price

    def quantity_allows(self, invoiced: Decimal, limit: Decimal) -> bool:
        return invoiced <= limit * (1 + self.quantity_percent / 100)

    def price_allows(self, invoiced: Decimal, ordered: Decimal) -> bool:
        return abs(invoiced - ordered) <= ordered * self.price_percent / 100


# The platform's tolerances, as data: a price may differ by rounding on the supplier's side (0.5%),
# quantities never exceed what was received (a weighed bulk good may be 2% over).
TOLERANCE = Tolerance(quantity_percent=Decimal(0), price_percent=Decimal("0.5"))


@dataclass(frozen=True)
class MatchResult:
    lines: tuple[MatchedLine, ...]
    mismatches: tuple[LineMismatch, ...]

    @property
    def matches(self) -> bool:
        return not self.mismatches


def _mismatch(
    line: InvoiceLine,
    kind: MismatchKind,
    reason: str,
    expected: Decimal | None = None,
    actual: Decimal | None = None,
    order_line_no: int | None = None,
) -> LineMismatch:
    return LineMismatch(line.line_no, order_line_no, kind.value, reason, expected, actual)


def _line_problems(line: InvoiceLine, order: OrderLineFacts, tolerance: Tolerance) -> list[LineMismatch]:
    problems: list[LineMismatch] = []
    where = f"invoice line {line.line_no} (order line {order.line_no})"
    if not tolerance.quantity_allows(line.quantity, order.quantity):
        problems.append(
            _mismatch(
                line, MismatchKind.QUANTITY_ABOVE_ORDERED,
                f"{where}: invoiced {line.quantity}, ordered {order.quantity}",
                order.quantity, line.quantity, order.line_no,
            )
        )  # fmt: skip
    if not tolerance.quantity_allows(line.quantity, order.received):
        problems.append(
            _mismatch(
                line, MismatchKind.QUANTITY_ABOVE_RECEIVED,
                f"{where}: invoiced {line.quantity}, received {order.received}",
                order.received, line.quantity, order.line_no,
            )
        )  # fmt: skip
    if not tolerance.price_allows(line.unit_price, order.unit_price):
        problems.append(
            _mismatch(
                line, MismatchKind.PRICE_DIFFERS,
                f"{where}: invoiced price {line.unit_price}, order price {order.unit_price}",
                order.unit_price, line.unit_price, order.line_no,
            )
        )  # fmt: skip
    return problems


def match(
    invoice_lines: Sequence[InvoiceLine],
    invoice_currency: str,
    order_lines: Sequence[OrderLineFacts],
    order_currency: str,
    tolerance: Tolerance = TOLERANCE,
) -> MatchResult:
    """Every invoice line beside its order line, and every mismatch found (empty: the invoice matches)."""
    orders: Mapping[int, OrderLineFacts] = {line.line_no: line for line in order_lines}
    mismatches: list[LineMismatch] = []
    if invoice_currency != order_currency:
        mismatches.append(
            LineMismatch(
                None, None, MismatchKind.CURRENCY_DIFFERS.value,
                f"the invoice is in {invoice_currency}, the order in {order_currency}",
            )
        )  # fmt: skip
    results: list[MatchedLine] = []
    billed: set[int] = set()
    for line in invoice_lines:
        order = orders.get(line.order_line_no) if line.order_line_no is not None else None
        if order is None:
            named = "names no order line" if line.order_line_no is None else f"names order line {line.order_line_no}"
            mismatches.append(
                _mismatch(line, MismatchKind.NO_ORDER_LINE, f"invoice line {line.line_no} {named}, not on the order")
            )
            results.append(MatchedLine(line.line_no, line.order_line_no, None, None, line.quantity, None,
                                       line.unit_price, False))  # fmt: skip
            continue
        problems = _line_problems(line, order, tolerance)
        if order.line_no in billed:
            problems.append(
                _mismatch(line, MismatchKind.LINE_BILLED_TWICE,
                          f"invoice line {line.line_no}: order line {order.line_no} is billed by another line too",
                          order_line_no=order.line_no)
            )  # fmt: skip
        billed.add(order.line_no)
        mismatches.extend(problems)
        results.append(
            MatchedLine(
                line.line_no, order.line_no, order.quantity, order.received, line.quantity, order.unit_price,
                line.unit_price, not problems,
            )
        )  # fmt: skip
    for order in order_lines:
        if order.line_no not in billed:
            results.append(
                MatchedLine(None, order.line_no, order.quantity, order.received, None, order.unit_price, None, True)
            )
    return MatchResult(tuple(results), tuple(mismatches))
