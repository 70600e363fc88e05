"""Each payment line in full: amount, tax base, the rate as box 47 prints it, and the explanation a broker reads.

The explanation is what the declarant checks the figures against (formula with its numbers, the inputs and
the table rows and rates used), so it is asserted whole, not by fragments.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from streams.customs.calculation import (
    KILOGRAM,
    CalculationError,
    Explanation,
    PaymentCalculation,
    PaymentLine,
    RateCombination,
    RatePart,
    calculate_payments,
)
from streams.customs.declaration import DeclarationHeader, FieldError, GoodsItem
from streams.customs.duty_tables import DutyKind, DutyRate, ExciseRate, SpecificBasis, VatRate
from streams.customs.examples import example_declaration
from tests.unit.customs.test_customs_payments import ON, START, TABLES, item

D = Decimal
USD_SOURCE = "official USD rate 90.1234 RUB per 1 dated 2025-03-15, in force on 2025-03-17"
EUR_SOURCE = "official EUR rate 98.7654 RUB per 1 dated 2025-03-15, in force on 2025-03-17"

# The shipped test tables plus rows for the cases they lack: a duty "X% plus Y", a minimum in roubles (so the
# two parts can be equal to the kopeck), an origin-specific rate for a preference country, excise in euro.
MORE = replace(
    TABLES,
    duty_rates=(
        *TABLES.duty_rates,
        DutyRate(
            "6110",
            START,
            None,
            DutyKind.AD_VALOREM_PLUS_SPECIFIC,
            ad_valorem_percent=D(10),
            specific_amount=D("0.5"),
            specific_basis=SpecificBasis.NET_KG,
        ),
        DutyRate(
            "6111",
            START,
            None,
            DutyKind.AD_VALOREM_MINIMUM_SPECIFIC,
            ad_valorem_percent=D(10),
            specific_amount=D(3),
            specific_currency="RUB",
            specific_basis=SpecificBasis.NET_KG,
        ),
        DutyRate("2204", START, None, DutyKind.AD_VALOREM, ad_valorem_percent=D(3), origin_country="IN"),
    ),
    excise_rates=(*TABLES.excise_rates, ExciseRate("2208", START, None, D(2), "112", "5030", currency="EUR")),
    vat_rates=(*TABLES.vat_rates, VatRate("2208", START, None, D(20))),
)


def calculate(*items: GoodsItem, procedure: str = "40") -> PaymentCalculation:
    declaration = replace(example_declaration(0), items=items, header=DeclarationHeader(procedure_code=procedure))
    return calculate_payments(declaration, MORE, ON)


def lines(calculation: PaymentCalculation, number: int = 1) -> dict[str, PaymentLine]:
    return {line.payment_code: line for line in calculation.items[number - 1].payments}


def test_ad_valorem_duty_with_an_origin_preference_and_its_vat_in_full() -> None:
    # 1000.00 USD * 90.1234 = 90123.40; duty 5% * 0.75 (IN) = 3379.6275 -> 3379.63;
    # VAT 20% of 90123.40 + 3379.63 + 0.00 = 93503.03 -> 18700.606 -> 18700.61
    result = calculate(item(origin="IN", item_id="laptops"))
    computed = result.items[0]
    assert (computed.item_id, computed.item_number, computed.customs_value) == ("laptops", 1, D("90123.40"))
    assert computed.customs_value_explanation == Explanation(
        "1000.00 USD * 90.1234/1 RUB = 90123.40 RUB",
        {"invoice_value": "1000.00 USD", "exchange_rate": "90.1234"},
        (USD_SOURCE,),
    )
    duty, vat = lines(result)["2010"], lines(result)["5010"]
    assert duty == PaymentLine(
        "2010",
        D("3379.63"),
        D("90123.40"),
        "5% * 0.75",
        Explanation(
            "(90123.40 RUB * 5%) * 0.75 (developing country preference) = 3379.6275 -> 3379.63 RUB",
            {"customs_value": "90123.40 RUB", "net_weight_kg": "100", "quantity": "10"},
            (
                "duty_rates: prefix '', in force from 2024-01-01: 5%",
                "preferences: IN developing country, in force from 2024-01-01: 0.75 of the base rate",
            ),
        ),
        item_number=1,
        rate_percent=D("3.75"),
        rate_parts=(RatePart(D("3.75"), ad_valorem=True),),
    )
    assert vat == PaymentLine(
        "5010",
        D("18700.61"),
        D("93503.03"),
        "20%",
        Explanation(
            "(90123.40 + 3379.63 + 0.00) RUB * 20% = 18700.606 -> 18700.61 RUB",
            {"customs_value": "90123.40", "duty": "3379.63", "excise": "0.00"},
            ("vat_rates: prefix '', in force from 2024-01-01: 20%",),
        ),
        item_number=1,
        rate_percent=D(20),
    )


def test_items_are_numbered_in_declaration_order_and_keep_their_ids() -> None:
    result = calculate(item(item_id="first"), item(item_id="second"))
    assert [(i.item_id, i.item_number) for i in result.items] == [("first", 1), ("second", 2)]
    assert [line.item_number for line in result.items[1].payments] == [2, 2]


def test_a_value_in_roubles_needs_no_conversion() -> None:
    computed = calculate(item(value="5000.00", currency="RUB")).items[0]
    assert computed.customs_value_explanation == Explanation(
        "5000.00 RUB * 1/1 RUB = 5000.00 RUB",
        {"invoice_value": "5000.00 RUB", "exchange_rate": "1"},
        ("RUB needs no conversion",),
    )


def test_specific_duty_per_unit_line_names_the_unit_and_the_euro_rate() -> None:
    # 1200 pairs * 1.5 EUR * 98.7654 = 177777.72
    duty = lines(calculate(item(code="6404110000", quantity="1200", unit="715", net="300")))["2010"]
    assert duty == PaymentLine(
        "2010",
        D("177777.72"),
        D("90123.40"),
        "1.5 EUR/unit 715",
        Explanation(
            "1200 unit 715 * 1.5 EUR * 98.7654 RUB = 177777.72000 -> 177777.72 RUB",
            {"customs_value": "90123.40 RUB", "net_weight_kg": "300", "quantity": "1200"},
            ("duty_rates: prefix '640411', in force from 2024-01-01: 1.5 EUR/unit 715", EUR_SOURCE),
        ),
        item_number=1,
        rate_parts=(RatePart(D("1.5"), ad_valorem=False, currency="EUR", unit_code="715"),),
    )


def test_specific_duty_per_kilogram_is_per_kilogram_net_in_box_47() -> None:
    # 150.5 kg * 2 EUR * 98.7654 = 29728.3854 -> 29728.39
    duty = lines(calculate(item(code="6403990000", net="150.5")))["2010"]
    assert duty.explanation.formula == "150.5 kg net * 2 EUR * 98.7654 RUB = 29728.38540 -> 29728.39 RUB"
    assert duty.rate_parts == (RatePart(D(2), ad_valorem=False, currency="EUR", unit_code=KILOGRAM),)
    assert duty.rate_percent is None and duty.combination is None


def test_a_per_unit_duty_or_excise_names_both_units_when_the_item_is_declared_in_another() -> None:
    with pytest.raises(CalculationError) as duty:
        calculate(item(code="6404110000", unit="796"))
    assert duty.value.problems == (
        FieldError("items[1]", "item 1: the duty is per unit 715 but the item is declared in unit 796"),
    )
    with pytest.raises(CalculationError) as excise:
        calculate(item(), item(code="2204210000", unit="796"))
    assert excise.value.problems == (
        FieldError("items[2]", "item 2: excise is per unit 112 but the item is declared in unit 796"),
    )


def test_duty_x_percent_plus_y_per_kilogram_adds_both_parts() -> None:
    # 10% of 90123.40 = 9012.34; plus 200 kg * 0.5 EUR * 98.7654 = 9876.54; together 18888.88
    duty = lines(calculate(item(code="6110200000", net="200")))["2010"]
    assert duty.amount == D("18888.88")
    assert duty.rate == "10% plus 0.5 EUR/kg"
    assert duty.explanation.formula == (
        "(90123.40 RUB * 10%) + (200 kg net * 0.5 EUR * 98.7654 RUB) = 18888.88000 -> 18888.88 RUB"
    )
    assert duty.explanation.sources == (
        "duty_rates: prefix '6110', in force from 2024-01-01: 10% plus 0.5 EUR/kg",
        EUR_SOURCE,
    )
    assert duty.rate_parts == (
        RatePart(D(10), ad_valorem=True),
        RatePart(D("0.5"), ad_valorem=False, currency="EUR", unit_code=KILOGRAM),
    )
    assert duty.combination is RateCombination.PLUS and duty.rate_percent is None


def test_duty_x_percent_but_not_less_than_y_when_both_parts_are_equal_the_percentage_is_named() -> None:
    # 3000.00 RUB * 10% = 300.00 and 100 kg * 3 RUB = 300: equal, so the ad valorem part is the one applied
    duty = lines(calculate(item(code="6111100000", value="3000.00", currency="RUB", net="100")))["2010"]
    assert duty.amount == D("300.00")
    assert duty.explanation.formula.endswith(": ad valorem applies = 300.00 -> 300.00 RUB")
    assert duty.combination is RateCombination.NOT_LESS_THAN
    assert duty.explanation.sources[1] == "RUB needs no conversion"


def test_an_origin_specific_rate_takes_no_preference_on_top() -> None:
    # IN has a 0.75 preference, but wine from IN has its own 3% row: 148148.10 * 3% = 4444.443 -> 4444.44
    result = calculate(item(code="2204210000", value="1500.00", currency="EUR", origin="IN", quantity="1", unit="112"))
    duty = lines(result)["2010"]
    assert duty.amount == D("4444.44") and duty.rate == "3%" and duty.rate_percent == D(3)
    assert duty.explanation.sources == ("duty_rates: prefix '2204' for origin IN, in force from 2024-01-01: 3%",)


def test_excise_in_euro_is_converted_at_the_official_rate() -> None:
    # 10 L * 2 EUR * 98.7654 = 1975.3080 -> 1975.31
    result = calculate(item(code="2208300000", quantity="10", unit="112"))
    assert lines(result)["5030"] == PaymentLine(
        "5030",
        D("1975.31"),
        D(10),
        "2 EUR/112",
        Explanation(
            "10 unit 112 * 2 EUR * 98.7654 = 1975.3080 -> 1975.31 RUB",
            {"quantity": "10", "unit_code": "112"},
            ("excise_rates: prefix '2208', in force from 2024-01-01: 2 EUR per unit 112", EUR_SOURCE),
        ),
        item_number=1,
    )
    # VAT base: 90123.40 + 4506.17 (5%) + 1975.31
    assert lines(result)["5010"].tax_base == D("96604.88")


def test_the_clearance_fee_line_in_full() -> None:
    fee = calculate(item(value="150000.00", currency="RUB")).fee
    assert fee == PaymentLine(
        "1010",
        D("775.00"),
        D("150000.00"),
        "775 RUB",
        Explanation(
            "total customs value 150000.00 RUB falls in the band customs value over 0 up to 200000.00 RUB: 775 RUB",
            {"total_customs_value": "150000.00"},
            ("fee_bands: in force from 2020-08-01: customs value over 0 up to 200000.00 RUB: 775 RUB",),
        ),
    )


def test_an_unknown_procedure_is_refused_naming_the_header_field() -> None:
    with pytest.raises(CalculationError) as failure:
        calculate(item(), procedure="99")
    assert failure.value.problems == (FieldError("header.procedure_code", "unknown customs procedure"),)


def test_without_a_fee_band_in_force_the_error_names_the_fee() -> None:
    declaration = replace(example_declaration(0), items=(item(),), header=DeclarationHeader(procedure_code="40"))
    with pytest.raises(CalculationError) as failure:
        calculate_payments(declaration, replace(MORE, fee_bands=()), ON)
    assert failure.value.problems == (
        FieldError("fee", "no customs fee band in force on 2025-03-17 for a customs value of 90123.40"),
    )


def test_a_declaration_without_items_totals_zero_roubles_and_kopecks() -> None:
    result = calculate(procedure="80")
    assert str(result.total_customs_value) == "0.00" and result.items == () and result.fee is None
