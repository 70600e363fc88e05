"""An invoice's figures: line amounts, VAT per rate (Russian НДС) and the totals, exact in the currency's minor units.

Each line's net amount is its quantity times its price rounded half up to the minor unit; VAT is
computed per rate on the sum of the lines at that rate (as a Russian счёт-фактура totals it), rounded
half up. "без НДС" lines carry no VAT and are listed apart from 0% (exports).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType

from streams.invoice.commands import InvoiceLine, VatRate
from streams.invoice.events import Totals, VatLine
from streams.purchase_order import amounts

# The rate of each VAT code, as data; NONE ("без НДС") is not a rate but an exemption.
VAT_PERCENT: Mapping[VatRate, Decimal] = MappingProxyType(
    {
        VatRate.RATE_22: Decimal(22),
        VatRate.RATE_20: Decimal(20),
        VatRate.RATE_10: Decimal(10),
        VatRate.RATE_0: Decimal(0),
        VatRate.NONE: Decimal(0),
    }
)


def line_net(line: InvoiceLine, currency: str) -> Decimal:
    return amounts.line_amount(line.quantity, line.unit_price, currency)


def totals_of(lines: Sequence[InvoiceLine], currency: str) -> Totals:
    net_by_rate: dict[VatRate, Decimal] = {}
    for line in lines:
        rate = VatRate(line.vat_rate)
        net_by_rate[rate] = net_by_rate.get(rate, amounts.zero(currency)) + line_net(line, currency)
    vat_lines = tuple(
        VatLine(rate, net, amounts.rounded(net * VAT_PERCENT[rate] / 100, currency))
        for rate, net in sorted(net_by_rate.items(), key=lambda item: list(VatRate).index(item[0]))
    )
    net = sum((line.net for line in vat_lines), amounts.zero(currency))
    vat = sum((line.vat for line in vat_lines), amounts.zero(currency))
    return Totals(net=net, vat=vat, total=net + vat, vat_lines=vat_lines)
