"""Parties and payment requests the payment tests share: valid Russian and foreign bank details."""

from __future__ import annotations

from decimal import Decimal

from streams.payment.commands import Party, RequestPayment

# Sberbank's own details (public): INN, KPP, BIK and correspondent account; accounts keyed to the BIK.
OUR_ROUBLE_ACCOUNT = Party(
    name='ООО "Веллвон Трейд"',
    country="RU",
    account="40702810200000012345",
    bank_name="ПАО Сбербанк",
    bank_bic="SABRRUMM",
    inn="7707083893",
    kpp="773601001",
    bik="044525225",
    correspondent_account="30101810400000000225",
)
ROUBLE_SUPPLIER = Party(
    name='АО "Альфа Логистик"',
    country="RU",
    account="40702810300000067890",
    bank_name="АО Альфа-Банк",
    inn="7728168971",
    kpp="770801001",
    bik="044525593",
    correspondent_account="30101810200000000593",
)
OUR_EURO_ACCOUNT = Party(
    name="WellWon Trade LLC",
    country="RU",
    account="40702978100000012345",
    bank_name="Sberbank",
    bank_bic="SABRRUMM",
)
GERMAN_SUPPLIER = Party(
    name="Hamburger Maschinenbau GmbH",
    country="DE",
    account="DE89370400440532013000",
    bank_name="Commerzbank",
    bank_bic="COBADEFFXXX",
)


def euro_request(key: str = "key-1", amount: str = "1250.50", **changes: object) -> RequestPayment:
    values: dict[str, object] = {
        "idempotency_key": key,
        "amount": Decimal(amount),
        "currency": "EUR",
        "payer": OUR_EURO_ACCOUNT,
        "beneficiary": GERMAN_SUPPLIER,
        "purpose": "Invoice HM-2026-118, machine parts",
        "invoice_id": "inv-118",
        **changes,
    }
    return RequestPayment(**values)  # type: ignore[arg-type]


def rouble_request(key: str = "key-rub", amount: str = "98000.00", **changes: object) -> RequestPayment:
    values: dict[str, object] = {
        "idempotency_key": key,
        "amount": Decimal(amount),
        "currency": "RUB",
        "payer": OUR_ROUBLE_ACCOUNT,
        "beneficiary": ROUBLE_SUPPLIER,
        "purpose": "Оплата по счету 57 от 20.11.2026 за перевозку",
        "vat_note": "В т.ч. НДС 20% - 16333.33 руб.",
        **changes,
    }
    return RequestPayment(**values)  # type: ignore[arg-type]
