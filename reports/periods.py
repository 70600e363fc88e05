"""Report periods: a key per day (2026-11-29), ISO week (2026-W48) or month (2026-11), in the tenant's timezone.

A period is due once it has ended where the tenant is; its bounds are local midnights, as UTC instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from streams.report_schedule.commands import Cadence

DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
WEEK = re.compile(r"(\d{4})-W(\d{2})")
MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Period:
    key: str
    cadence: Cadence
    first_day: date
    last_day: date  # inclusive
    timezone: str

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time(), ZoneInfo(self.timezone)).astimezone(UTC)

    @property
    def ends_at(self) -> datetime:
        """The instant the period ends (exclusive): the next day's local midnight; the report's timestamp too."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), ZoneInfo(self.timezone)).astimezone(UTC)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def period_of(key: str, timezone: str) -> Period:
    """The period a key names (its cadence follows from its shape)."""
    if m := DAY.fullmatch(key):
        day = date(int(m[1]), int(m[2]), int(m[3]))
        return Period(key, Cadence.DAILY, day, day, timezone)
    if m := WEEK.fullmatch(key):
        monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return Period(key, Cadence.WEEKLY, monday, monday + timedelta(days=6), timezone)
    if m := MONTH.fullmatch(key):
        first = date(int(m[1]), int(m[2]), 1)
        return Period(key, Cadence.MONTHLY, first, _next_month(first) - timedelta(days=1), timezone)
    raise ValueError(f"not a report period: {key!r} (2026-11-29, 2026-W48 or 2026-11)")


def period_containing(cadence: Cadence, day: date, timezone: str) -> Period:
    match cadence:
        case Cadence.DAILY:
            return period_of(day.isoformat(), timezone)
        case Cadence.WEEKLY:
            year, week, _ = day.isocalendar()
            return period_of(f"{year}-W{week:02d}", timezone)
        case Cadence.MONTHLY:
            return period_of(f"{day.year}-{day.month:02d}", timezone)
    raise ValueError(f"not a cadence: {cadence!r}")


def last_completed(cadence: Cadence, timezone: str, now: datetime) -> Period:
    """The latest period that has ended at `now` where the tenant is: the one due for its report."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    current = period_containing(cadence, today, timezone)
    return period_containing(cadence, current.first_day - timedelta(days=1), timezone)
