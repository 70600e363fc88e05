"""The chart of accounts (a subset of the Russian План счетов) as data: `data/chart_of_accounts.csv`.

Each chart account has its names in Russian and English, its kind (active: its balance is on the
debit side; passive: on the credit side; active-passive: either), whether its accounts may go
negative (bank and cash accounts may not, beyond an overdraft), the currencies it holds (`rub`:
roubles only, like 51; `foreign`: all but roubles, like 52; `any`) and whether an account opens on
a transfer's first use (bank accounts are opened explicitly).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType

DATA_DIR = Path(__file__).parent / "data"
NATIONAL_CURRENCY = "RUB"


class AccountKind(StrEnum):
    ACTIVE = "active"
    PASSIVE = "passive"
    ACTIVE_PASSIVE = "active_passive"


class Currencies(StrEnum):
    RUB = "rub"
    FOREIGN = "foreign"
    ANY = "any"


@dataclass(frozen=True)
class ChartAccount:
    code: str
    name_ru: str
    name_en: str
    kind: AccountKind
    may_go_negative: bool
    currencies: Currencies
    open_on_first_use: bool

    def holds(self, currency: str) -> bool:
        if self.currencies is Currencies.RUB:
            return currency == NATIONAL_CURRENCY
        if self.currencies is Currencies.FOREIGN:
            return currency != NATIONAL_CURRENCY
        return True


@cache
def chart() -> Mapping[str, ChartAccount]:
    with (DATA_DIR / "chart_of_accounts.csv").open(newline="", encoding="utf-8") as rows:
        accounts = {
            row["code"]: ChartAccount(
                code=row["code"],
                name_ru=row["name_ru"],
                name_en=row["name_en"],
                kind=AccountKind(row["kind"]),
                may_go_negative=row["may_go_negative"] == "true",
                currencies=Currencies(row["currencies"]),
                open_on_first_use=row["open_on_first_use"] == "true",
            )
            for row in csv.DictReader(rows)
        }
    return MappingProxyType(accounts)


def account_id(chart_code: str, currency: str, sub: str = "") -> str:
    """The account's id in its ledger: "<chart>:<currency>" or "<chart>:<currency>:<sub>"."""
    return f"{chart_code}:{currency}:{sub}" if sub else f"{chart_code}:{currency}"
