"""Events of a tenant's report schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from streams.report_schedule.commands import Cadence, ReportLanguage


@dataclass(frozen=True)
class ReportScheduleSet:
    tenant_id: str
    cadence: Cadence
    timezone: str
    contacts: tuple[str, ...]
    language: ReportLanguage
    enabled: bool
    set_at: datetime


ReportScheduleEvent = ReportScheduleSet
EVENTS: tuple[type, ...] = (ReportScheduleSet,)
