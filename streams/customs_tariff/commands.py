"""Commands on a tenant's tariff table: an operator loads rows, or confirms a classification."""

from __future__ import annotations

from dataclasses import dataclass

from streams.customs_tariff.tables import LoadMode, TableKind, TableRows


@dataclass(frozen=True)
class LoadTable:
    kind: TableKind
    rows: TableRows  # only the field of `kind` is filled
    mode: LoadMode
    source: str = ""  # what the rows came from, e.g. the uploaded file's name


@dataclass(frozen=True)
class ConfirmClassification:
    """An operator chose `code` for goods described as `description`; later suggestions learn from it."""

    description: str
    code: str  # 6 or 10 digits


TariffCommand = LoadTable | ConfirmClassification
COMMANDS: tuple[type, ...] = TariffCommand.__args__
