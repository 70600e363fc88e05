"""VAT per rate and the totals of an invoice, exact in the currency's minor units."""

from __future__ import annotations

from decimal import Decimal

from streams.invoice.commands import InvoiceLine, VatRate
from streams.invoice.events import Totals, VatLine
from streams.invoice.totals import totals_of


def test_vat_is_computed_per_rate_on_the_sum_of_its_lines_and_rounded_half_up() -> None:
    lines = [
        InvoiceLine(1, "steel", Decimal(3), "796", Decimal("33.33"), VatRate.RATE_20),  # 99.99
        InvoiceLine(2, "steel", Decimal(1), "796", Decimal("0.03"), VatRate.RATE_20),  # 0.03 -> 20% of 100.02
        InvoiceLine(3, "bread", Decimal("0.5"), "166", Decimal("10.05"), VatRate.RATE_10),  # 5.025 -> 5.03
        InvoiceLine(4, "freight", Decimal(1), "796", Decimal("100.00"), VatRate.RATE_0),
        InvoiceLine(5, "service", Decimal(1), "796", Decimal("7.00"), VatRate.NONE),  # без НДС
    ]
    assert totals_of(lines, "RUB") == Totals(
        net=Decimal("212.05"),
        vat=Decimal("20.50"),  # 20.004 -> 20.00, 0.503 -> 0.50
        total=Decimal("232.55"),
        vat_lines=(
            VatLine(VatRate.RATE_20, Decimal("100.02"), Decimal("20.00")),
            VatLine(VatRate.RATE_10, Decimal("5.03"), Decimal("0.50")),
            VatLine(VatRate.RATE_0, Decimal("100.00"), Decimal("0.00")),
            VatLine(VatRate.NONE, Decimal("7.00"), Decimal("0.00")),
        ),
    )


def test_the_2026_rate_of_22_percent() -> None:
    totals = totals_of([InvoiceLine(1, "x", Decimal(1), "796", Decimal("1000.00"), VatRate.RATE_22)], "RUB")
    assert (totals.vat, totals.total) == (Decimal("220.00"), Decimal("1220.00"))


def test_a_currency_without_minor_units_rounds_to_whole_units() -> None:
    totals = totals_of([InvoiceLine(1, "x", Decimal(3), "796", Decimal(333), VatRate.RATE_10)], "JPY")
    assert (totals.net, totals.vat, totals.total) == (Decimal(999), Decimal(100), Decimal(1099))
