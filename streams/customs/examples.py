"""Example declarations and tariff tables for demos, benchmarks and tests.

The goods, parties and rates are illustrative, not official figures: commodity codes are HS
subheadings padded to ten digits, and the duty, VAT and exchange-rate rows are made up in the shape an
operator would load them. The clearance-fee scale is the shipped one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from streams.customs.codes import CONFORMITY_CERTIFICATE, CONTRACT, INVOICE
from streams.customs.declaration import (
    Address,
    CustomsRepresentative,
    Declaration,
    DeclarationHeader,
    DeclarationStatus,
    GoodsItem,
    Party,
    SupportingDocument,
    Transport,
)
from streams.customs.duty_tables import (
    DutyKind,
    DutyRate,
    ExchangeRate,
    SpecificBasis,
    TariffTables,
    VatRate,
    shipped_fee_scale,
)

EXAMPLE_DATE = date(2025, 3, 17)

IMPORTER = Party(
    name='LLC "Volga Trade"',
    country_code="RU",
    address=Address(city="Moscow", street="Tverskaya st. 7, office 12", postal_code="125009", region="Moscow"),
    inn="7704123450",
    kpp="770401001",
    ogrn="1027700123450",
)
SUPPLIER = Party(
    name="Shenzhen Bright Electronics Co., Ltd.",
    country_code="CN",
    address=Address(city="Shenzhen", street="Nanshan District, Keji Road 18", postal_code="518057"),
    foreign_registration_number="91440300MA5F3XYZ1Q",
)
BROKER = CustomsRepresentative(
    party=Party(
        name='LLC "Customs Broker Plus"',
        country_code="RU",
        address=Address(city="Vladivostok", street="Portovaya st. 3", postal_code="690001"),
        inn="5003123458",
        kpp="500301001",
    ),
    registry_number="1234/00",
    contract_number="TP-2025/17",
    contract_date=date(2025, 1, 10),
)
TRUCK = Transport(
    mode_code="31",
    vehicle_ids=("A123BC125", "AB1234 25"),
    nationality_code="RU",
    border_customs_office="10714040",
    inland_mode_code="31",
)

# (description, commodity code, origin, unit, quantity, net kg, invoice value, currency)
_GOODS: tuple[tuple[str, str, str, str, str, str, str, str], ...] = (
    ("Laptop computer 15.6 inch, 16GB RAM, 512GB SSD", "8471300000", "CN", "796", "20", "36.4", "12400.00", "USD"),
    (
        "Men's T-shirts, 100% cotton, knitted, assorted sizes",
        "6109100000",
        "CN",
        "796",
        "500",
        "110.5",
        "1750.00",
        "USD",
    ),
    ("Smartphone, 6.5 inch, 128GB, dual SIM", "8517130000", "CN", "796", "100", "19.8", "15800.00", "USD"),
    ("Plastic building blocks toy set for children", "9503007000", "CN", "796", "300", "240.0", "2100.00", "USD"),
    ("Stainless steel cooking pots, set of 3", "7323930000", "CN", "796", "150", "420.0", "3300.00", "USD"),
    ("LED light bulbs E27 10W", "8539520000", "CN", "796", "2000", "110.0", "1600.00", "USD"),
)


def example_item(index: int) -> GoodsItem:
    """The index-th example goods item (the templates repeat, ids stay unique)."""
    description, code, origin, unit, quantity, net, value, currency = _GOODS[index % len(_GOODS)]
    net_kg = Decimal(net)
    return GoodsItem(
        item_id=f"item-{index + 1}",
        description=description,
        commodity_code=code,
        origin_country=origin,
        quantity=Decimal(quantity),
        unit_code=unit,
        gross_weight_kg=net_kg * Decimal("1.1"),
        net_weight_kg=net_kg,
        invoice_value=Decimal(value),
        currency=currency,
    )


def example_documents(item_count: int) -> tuple[SupportingDocument, ...]:
    return (
        SupportingDocument("doc-invoice", INVOICE, "INV-2025-0311", date(2025, 3, 11)),
        SupportingDocument("doc-contract", CONTRACT, "VT-SB/2024-07", date(2024, 7, 1), date(2026, 12, 31)),
        SupportingDocument(
            "doc-conformity",
            CONFORMITY_CERTIFICATE,
            "EAEU RU C-CN.AB12.B.01234/24",
            date(2024, 5, 20),
            date(2027, 5, 19),
        ),
    )


def example_declaration(item_count: int = 3) -> Declaration:
    """A complete import declaration (release for domestic consumption) that validates and exports."""
    return Declaration(
        status=DeclarationStatus.DRAFT,
        tenant_id="tenant-volga",
        header=DeclarationHeader(
            procedure_code="40",
            customs_office_code="10702070",
            reference="VT-IMP-2025-031",
            dispatch_country="CN",
            destination_country="RU",
            trading_country="CN",
            delivery_terms="FCA",
            delivery_place="Shenzhen",
            declaration_date=EXAMPLE_DATE,
        ),
        declarant=IMPORTER,
        consignor=SUPPLIER,
        consignee=IMPORTER,
        customs_representative=BROKER,
        transport=TRUCK,
        items=tuple(example_item(i) for i in range(item_count)),
        documents=example_documents(item_count),
        created_at=datetime(2025, 3, 12, 9, 0, tzinfo=UTC),
    )


def example_tariff_tables() -> TariffTables:
    start = date(2024, 1, 1)
    return TariffTables(
        duty_rates=(
            DutyRate("", start, None, DutyKind.AD_VALOREM, ad_valorem_percent=Decimal(5)),
            DutyRate("8471", start, None, DutyKind.AD_VALOREM, ad_valorem_percent=Decimal(0)),
            DutyRate("8517", start, None, DutyKind.AD_VALOREM, ad_valorem_percent=Decimal(0)),
            DutyRate(
                "6109",
                start,
                None,
                DutyKind.AD_VALOREM_MINIMUM_SPECIFIC,
                ad_valorem_percent=Decimal(10),
                specific_amount=Decimal("0.3"),
                specific_currency="EUR",
                specific_basis=SpecificBasis.NET_KG,
            ),
            DutyRate("9503", start, None, DutyKind.AD_VALOREM, ad_valorem_percent=Decimal("7.5")),
        ),
        vat_rates=(
            VatRate("", start, None, Decimal(20)),
            VatRate("9503", start, None, Decimal(10)),
        ),
        fee_bands=shipped_fee_scale(),
        exchange_rates=(
            ExchangeRate("USD", date(2025, 3, 14), Decimal("85.7870")),
            ExchangeRate("USD", date(2025, 3, 15), Decimal("86.8389")),
            ExchangeRate("EUR", date(2025, 3, 15), Decimal("94.5096")),
            ExchangeRate("CNY", date(2025, 3, 15), Decimal("11.9632")),
        ),
    )
