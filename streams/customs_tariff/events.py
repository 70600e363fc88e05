"""Events of a tenant's tariff table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.customs_tariff.tables import LoadMode, TableKind, TableRows


@dataclass(frozen=True)
class TableLoaded:
    tenant_id: str
    kind: TableKind
    rows: TableRows
    mode: LoadMode
    loaded_at: datetime
    source: str = ""


@dataclass(frozen=True)
class ClassificationConfirmed:
    tenant_id: str
    description: str
    code: str
    confirmed_at: datetime


TariffEvent = TableLoaded | ClassificationConfirmed
EVENTS: tuple[type, ...] = TariffEvent.__args__
