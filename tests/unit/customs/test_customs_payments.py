"""Duties, excise, VAT and the clearance fee, checked against figures worked out by hand.

Rounding rule under test: amounts rounded to kopecks ROUND_HALF_UP per item and payment type; VAT on
the rounded customs value + duty + excise; totals summed from rounded item amounts.
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from streams.customs.calculation import CalculationError, PaymentCalculation, calculate_payments
from streams.customs.declaration import DeclarationHeader, FieldError, GoodsItem
from streams.customs.duty_tables import (
    DutyKind,
    DutyRate,
    ExchangeRate,
    ExciseRate,
    OriginPreference,
    SpecificBasis,
    TariffDataMissing,
    TariffTableError,
    TariffTables,
    VatRate,
    load_duty_rates,
    load_exchange_rates,
    load_fee_bands,
    shipped_fee_scale,
    supersede,
)
from streams.customs.examples import example_declaration

ON = date(2025, 3, 17)
START = date(2024, 1, 1)
D = Decimal

TABLES = TariffTables(
    duty_rates=(
        DutyRate("", START, None, DutyKind.AD_VALOREM, ad_valorem_percent=D(5)),
        DutyRate("6403", START, None, DutyKind.SPECIFIC, specific_amount=D("2"), specific_basis=SpecificBasis.NET_KG),
        DutyRate(
            "640411",
            START,
            None,
            DutyKind.SPECIFIC,
            specific_amount=D("1.5"),
            specific_basis=SpecificBasis.UNIT,
            unit_code="715",
        ),
        DutyRate(
            "6109",
            START,
            None,
            DutyKind.AD_VALOREM_MINIMUM_SPECIFIC,
            ad_valorem_percent=D(10),
            specific_amount=D("0.3"),
            specific_basis=SpecificBasis.NET_KG,
        ),
        DutyRate("2204", START, None, DutyKind.AD_VALOREM, ad_valorem_percent=D("12.5")),
        DutyRate("8471", START, None, DutyKind.AD_VALOREM, ad_valorem_percent=D(0), origin_country="VN"),
    ),
    preferences=(
        OriginPreference("IN", START, None, D("0.75"), "developing country"),
        OriginPreference("BD", START, None, D(0), "least developed country"),
    ),
    excise_rates=(ExciseRate("2204", START, None, D(36), "112", "5020"),),
    vat_rates=(VatRate("", START, None, D(20)), VatRate("9503", START, None, D(10))),
    fee_bands=shipped_fee_scale(),
    exchange_rates=(
        ExchangeRate("USD", date(2025, 3, 14), D("85.7870")),
        ExchangeRate("USD", date(2025, 3, 15), D("90.1234")),
        ExchangeRate("USD", date(2025, 3, 18), D("84.0000")),
        ExchangeRate("EUR", date(2025, 3, 15), D("98.7654")),
        ExchangeRate("JPY", date(2025, 3, 15), D("59.8765"), units=100),
    ),
)


def item(
    code: str = "8471300000",
    value: str = "1000.00",
    currency: str = "USD",
    origin: str = "CN",
    net: str = "100",
    quantity: str = "10",
    unit: str = "796",
    item_id: str = "item-1",
) -> GoodsItem:
    return GoodsItem(
        item_id=item_id,
        description="goods",
        commodity_code=code,
        origin_country=origin,
        quantity=D(quantity),
        unit_code=unit,
        gross_weight_kg=D(net) + 1,
        net_weight_kg=D(net),
        invoice_value=D(value),
        currency=currency,
    )


def calculate(*items: GoodsItem, on: date = ON, procedure: str = "40") -> PaymentCalculation:
    declaration = replace(example_declaration(0), items=items, header=DeclarationHeader(procedure_code=procedure))
    return calculate_payments(declaration, TABLES, on)


def payment(calculation: PaymentCalculation, code: str, number: int = 1) -> Decimal:
    return next(p.amount for p in calculation.items[number - 1].payments if p.payment_code == code)


def test_ad_valorem_duty_and_vat() -> None:
    # customs value: 1000.00 USD * 90.1234 (rate dated 2025-03-15, in force on the 17th) = 90123.40
    # duty 5%: 90123.40 * 0.05 = 4506.17
    # VAT 20%: (90123.40 + 4506.17) * 0.20 = 94629.57 * 0.20 = 18925.914 -> 18925.91
    result = calculate(item(code="8471300000", origin="CN"))
    assert result.items[0].customs_value == D("90123.40")
    assert payment(result, "2010") == D("4506.17")
    assert payment(result, "5010") == D("18925.91")
    duty = result.items[0].payments[0]
    assert "90123.40 RUB * 5%" in duty.explanation.formula
    assert any("prefix ''" in source and "5%" in source for source in duty.explanation.sources)
    assert "dated 2025-03-15" in result.items[0].customs_value_explanation.sources[0]


def test_specific_duty_per_kilogram_in_euro() -> None:
    # 150.5 kg net * 2 EUR/kg = 301 EUR; * 98.7654 = 29728.3854 -> 29728.39
    result = calculate(item(code="6403990000", net="150.5"))
    assert payment(result, "2010") == D("29728.39")


def test_specific_duty_per_unit() -> None:
    # 1200 pairs * 1.5 EUR = 1800 EUR; * 98.7654 = 177777.72
    result = calculate(item(code="6404110000", quantity="1200", unit="715"))
    assert payment(result, "2010") == D("177777.72")


def test_per_unit_duty_refuses_an_item_declared_in_another_unit() -> None:
    with pytest.raises(CalculationError) as failure:
        calculate(item(code="6404110000", unit="796"))
    assert failure.value.problems[0].path == "items[1]"


def test_combined_duty_where_the_percentage_wins() -> None:
    # 10% of 90123.40 = 9012.34; minimum 100 kg * 0.3 EUR * 98.7654 = 2962.962 -> the 10% applies: 9012.34
    result = calculate(item(code="6109100000", net="100"))
    assert payment(result, "2010") == D("9012.34")
    assert "ad valorem applies" in result.items[0].payments[0].explanation.formula


def test_combined_duty_where_the_minimum_wins() -> None:
    # 10% of 90123.40 = 9012.34; minimum 500 kg * 0.3 EUR * 98.7654 = 14814.81 -> the minimum applies
    result = calculate(item(code="6109100000", net="500"))
    assert payment(result, "2010") == D("14814.81")
    assert "the minimum applies" in result.items[0].payments[0].explanation.formula


def test_preference_by_origin() -> None:
    # developing country (IN): 5% * 0.75 -> 90123.40 * 0.05 * 0.75 = 3379.6275 -> 3379.63
    assert payment(calculate(item(origin="IN")), "2010") == D("3379.63")
    # least developed country (BD): duty free
    assert payment(calculate(item(origin="BD")), "2010") == D("0.00")
    # a country-specific rate (VN, 0% for 8471) replaces the base rate and takes no preference on top
    assert payment(calculate(item(origin="VN")), "2010") == D("0.00")


def test_excise_per_litre_enters_the_vat_base() -> None:
    # customs value 1500.00 EUR * 98.7654 = 148148.10
    # duty 12.5%: 148148.10 * 0.125 = 18518.5125 -> 18518.51
    # excise: 300 L * 36 RUB = 10800.00 (payment code as the excise row gives it)
    # VAT: (148148.10 + 18518.51 + 10800.00) * 0.20 = 177466.61 * 0.20 = 35493.322 -> 35493.32
    result = calculate(item(code="2204210000", value="1500.00", currency="EUR", quantity="300", unit="112"))
    assert result.items[0].customs_value == D("148148.10")
    assert payment(result, "2010") == D("18518.51")
    assert payment(result, "5020") == D("10800.00")
    assert payment(result, "5010") == D("35493.32")


def test_reduced_vat_rate_for_listed_codes() -> None:
    # 100.00 USD * 90.1234 = 9012.34; duty 5% = 450.617 -> 450.62; VAT 10%: 9462.96 * 0.10 = 946.296 -> 946.30
    result = calculate(item(code="9503007000", value="100.00"))
    assert payment(result, "5010") == D("946.30")


def test_exchange_rate_in_force_is_the_latest_dated_on_or_before_the_day() -> None:
    # 16 March falls between the rates dated 15 March (90.1234) and 18 March (84.0000): the 15th applies.
    assert calculate(item(), on=date(2025, 3, 16)).items[0].customs_value == D("90123.40")
    # On the 18th its own rate applies: 1000 * 84.0000 = 84000.00
    assert calculate(item(), on=date(2025, 3, 18)).items[0].customs_value == D("84000.00")
    # A rate quoted per 100 units: 250000 JPY * 59.8765 / 100 = 149691.25
    assert calculate(item(value="250000", currency="JPY")).items[0].customs_value == D("149691.25")


def test_no_rate_before_the_first_published_one() -> None:
    with pytest.raises(CalculationError) as failure:
        calculate(item(), on=date(2025, 3, 13))
    assert "no official USD rate" in str(failure.value)


def test_fee_scale_band_boundaries() -> None:
    # exactly 200000.00 RUB is in the first band (up to 200000 inclusive): 775
    assert calculate(item(value="200000.00", currency="RUB")).totals["1010"] == D("775.00")
    # one kopeck more starts the second band (200000.01 to 450000): 1550
    assert calculate(item(value="200000.01", currency="RUB")).totals["1010"] == D("1550.00")
    # above 10 million: the top band, 30000
    assert calculate(item(value="10000000.01", currency="RUB")).totals["1010"] == D("30000.00")


def test_fee_is_once_per_declaration_on_the_total_customs_value() -> None:
    # 150000.00 + 60000.00 = 210000.00 RUB -> the 1550 band, charged once
    result = calculate(
        item(value="150000.00", currency="RUB"), item(value="60000.00", currency="RUB", item_id="item-2")
    )
    assert result.total_customs_value == D("210000.00")
    assert result.fee is not None and result.fee.amount == D("1550.00")
    assert [line.payment_code for line in result.lines()].count("1010") == 1


def test_half_a_kopeck_rounds_up_and_totals_add_rounded_items() -> None:
    # 100.10 RUB * 5% = 5.005 -> 5.01 (half up; banker's rounding would give 5.00)
    result = calculate(item(value="100.10", currency="RUB"), item(value="100.10", currency="RUB", item_id="item-2"))
    assert payment(result, "2010", 1) == D("5.01")
    # total duty is the sum of the rounded items: 5.01 + 5.01 = 10.02 (not round(10.01) = 10.01)
    assert result.totals["2010"] == D("10.02")


def test_transit_pays_neither_import_payments_nor_the_fee() -> None:
    result = calculate(item(), procedure="80")
    assert result.items[0].payments == () and result.fee is None and result.totals == {}


def test_missing_vat_table_names_the_item() -> None:
    declaration = replace(example_declaration(0), items=(item(),), header=DeclarationHeader(procedure_code="40"))
    with pytest.raises(CalculationError) as failure:
        calculate_payments(declaration, replace(TABLES, vat_rates=()), ON)
    assert failure.value.problems[0].path == "items[1]" and "VAT" in failure.value.problems[0].message


def test_loaders_read_operator_csv() -> None:
    rates = load_duty_rates(
        "code_prefix,valid_from,valid_to,kind,ad_valorem_percent,specific_amount,specific_currency,specific_basis,unit_code\n"
        "6109,2024-01-01,,ad_valorem_min_specific,10,0.3,EUR,kg,\n"
    )
    assert rates[0].kind is DutyKind.AD_VALOREM_MINIMUM_SPECIFIC and rates[0].specific_amount == D("0.3")
    assert rates[0].describe() == "10% but not less than 0.3 EUR/kg"
    fx = load_exchange_rates("currency,rate_date,rate,units\nJPY,2025-03-15,59.8765,100\n")
    assert fx[0].per_unit == D("0.598765")
    with pytest.raises(TariffTableError, match="line 2: valid_from"):
        load_fee_bands("valid_from,valid_to,value_over,value_up_to,fee\n2025-13-01,,0,100,5\n")
    with pytest.raises(TariffTableError, match="missing columns: fee"):
        load_fee_bands("valid_from,value_over\n")


def test_superseding_a_rate_closes_the_old_row_the_day_before() -> None:
    old = DutyRate("8471", START, None, DutyKind.AD_VALOREM, ad_valorem_percent=D(5))
    new = DutyRate("8471", date(2025, 4, 1), None, DutyKind.AD_VALOREM, ad_valorem_percent=D(0))
    rows = supersede((old,), new)
    assert rows[0].valid_to == date(2025, 3, 31)
    tables = TariffTables(duty_rates=rows)
    assert tables.duty_rate("8471300000", "CN", date(2025, 3, 31)).ad_valorem_percent == D(5)
    assert tables.duty_rate("8471300000", "CN", date(2025, 4, 1)).ad_valorem_percent == D(0)
    with pytest.raises(TariffDataMissing):
        tables.duty_rate("8471300000", "CN", date(2023, 12, 31))


def test_the_error_lists_every_problem_with_the_item_it_concerns() -> None:
    error = CalculationError((FieldError("items[1]", "no duty rate"), FieldError("items[2]", "no VAT rate")))
    assert str(error) == "items[1]: no duty rate; items[2]: no VAT rate"
