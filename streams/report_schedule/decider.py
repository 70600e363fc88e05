"""The report schedule decider: one setting per tenant, replaced as a whole; setting the same again changes nothing.

The timezone must be one the IANA database knows (reference data, as the tariff's country codes are); the
contacts are 1 to 10 distinct email addresses (a disabled schedule may have none).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from streams.decider import CommandContext, Decider, Rejection, RejectionCode, reject
from streams.report_schedule.commands import Cadence, ReportLanguage, ReportScheduleCommand, SetReportSchedule
from streams.report_schedule.events import ReportScheduleEvent, ReportScheduleSet

MAX_CONTACTS = 10
EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s.]{1,63}")


@dataclass(frozen=True)
class ReportSchedule:
    tenant_id: str | None = None
    cadence: Cadence = Cadence.MONTHLY
    timezone: str = "UTC"
    contacts: tuple[str, ...] = ()
    language: ReportLanguage = ReportLanguage.RU
    enabled: bool = False
    updated_at: datetime | None = None


def known_timezone(name: str) -> bool:
    # ZoneInfo itself refuses an empty name, absolute paths and ".." parts (ValueError): no file outside the
    # tz database is ever read.
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def decide(
    state: ReportSchedule, command: ReportScheduleCommand, context: CommandContext
) -> Sequence[ReportScheduleEvent] | Rejection:
    if not isinstance(command, SetReportSchedule):
        raise TypeError(f"not a report schedule command: {command!r}")
    try:
        cadence, language = Cadence(command.cadence), ReportLanguage(command.language)
    except ValueError:
        return reject(RejectionCode.INVALID, "not a known cadence or language")
    if not known_timezone(command.timezone):
        return reject(RejectionCode.INVALID, "not a known timezone (an IANA name, e.g. Europe/Moscow)", "timezone")
    contacts = tuple(dict.fromkeys(c.strip().lower() for c in command.contacts))
    if bad := [c for c in contacts if not EMAIL.fullmatch(c)]:
        return reject(RejectionCode.INVALID, f"not an email address: {bad[0]}", "contacts")
    if len(contacts) > MAX_CONTACTS or (command.enabled and not contacts):
        return reject(RejectionCode.INVALID, f"a schedule mails 1 to {MAX_CONTACTS} contacts", "contacts")
    same = (state.cadence, state.timezone, state.contacts, state.language, state.enabled)
    if state.tenant_id is not None and same == (cadence, command.timezone, contacts, language, command.enabled):
        return []
    assert context.tenant_id is not None  # the tenancy combinator admitted it
    return [
        ReportScheduleSet(
            context.tenant_id, cadence, command.timezone, contacts, language, command.enabled, context.issued_at
        )
    ]


def evolve(state: ReportSchedule, event: ReportScheduleEvent) -> ReportSchedule:
    if not isinstance(event, ReportScheduleSet):
        raise TypeError(f"not a report schedule event: {event!r}")
    return ReportSchedule(
        event.tenant_id, event.cadence, event.timezone, event.contacts, event.language, event.enabled, event.set_at
    )


report_schedule_decider: Decider[ReportSchedule, ReportScheduleCommand, ReportScheduleEvent] = Decider(
    ReportSchedule(), decide, evolve
)
