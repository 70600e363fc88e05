"""Commands on a tenant's report schedule (one per tenant: the aggregate id is the tenant's id)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"  # ISO weeks, Monday to Sunday
    MONTHLY = "monthly"


class ReportLanguage(StrEnum):
    RU = "ru"
    EN = "en"


@dataclass(frozen=True)
class SetReportSchedule:
    """Report every period of `cadence` (as the tenant's `timezone` counts days), mailed to `contacts`."""

    cadence: Cadence
    timezone: str  # an IANA name, e.g. "Europe/Moscow"
    contacts: tuple[str, ...]  # the compliance contacts' email addresses
    language: ReportLanguage
    enabled: bool = True


ReportScheduleCommand = SetReportSchedule
COMMANDS: tuple[type, ...] = (SetReportSchedule,)
