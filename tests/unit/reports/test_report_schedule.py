"""The report schedule's rules to the letter: each refusal's code, reason and field, the limits, the event."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from streams.decider import Rejection, RejectionCode
from streams.report_schedule.commands import Cadence, ReportLanguage, SetReportSchedule
from streams.report_schedule.decider import ReportSchedule, known_timezone, report_schedule_decider
from streams.report_schedule.domain import REPORT_SCHEDULE
from streams.report_schedule.events import ReportScheduleSet
from tests.unit.deciders import AT, context, given

DECIDER = REPORT_SCHEDULE.decider
CTX = context(tenant="t1")
LATER = AT + timedelta(days=1)
SET = ReportScheduleSet("t1", Cadence.WEEKLY, "Europe/Moscow", ("ops@example.com",), ReportLanguage.EN, True, AT)
COMMAND = SetReportSchedule(Cadence.WEEKLY, "Europe/Moscow", ("ops@example.com",), ReportLanguage.EN)
CONTACTS_RULE = Rejection(RejectionCode.INVALID, "a schedule mails 1 to 10 contacts", "contacts")
TIMEZONE_RULE = Rejection(RejectionCode.INVALID, "not a known timezone (an IANA name, e.g. Europe/Moscow)", "timezone")
UNKNOWN = Rejection(RejectionCode.INVALID, "not a known cadence or language")


def emails(n: int) -> tuple[str, ...]:
    return tuple(f"c{i}@example.com" for i in range(n))


@pytest.mark.parametrize(
    ("command", "rejection"),
    [
        (replace(COMMAND, cadence="hourly"), UNKNOWN),  # type: ignore[arg-type]
        (replace(COMMAND, language="de"), UNKNOWN),  # type: ignore[arg-type]
        (replace(COMMAND, timezone="Mars/Olympus"), TIMEZONE_RULE),
        (replace(COMMAND, timezone=""), TIMEZONE_RULE),
        (replace(COMMAND, timezone="/etc/localtime"), TIMEZONE_RULE),
        (replace(COMMAND, timezone="../etc/passwd"), TIMEZONE_RULE),
        (replace(COMMAND, timezone="Europe/../UTC"), TIMEZONE_RULE),
        (
            replace(COMMAND, contacts=("a@b.ru", " Not-An-Email ")),
            Rejection(RejectionCode.INVALID, "not an email address: not-an-email", "contacts"),
        ),
        (replace(COMMAND, contacts=()), CONTACTS_RULE),
        (replace(COMMAND, contacts=emails(11)), CONTACTS_RULE),
        (replace(COMMAND, contacts=emails(11), enabled=False), CONTACTS_RULE),
    ],
)
def test_each_refusal_says_its_code_reason_and_field(command: SetReportSchedule, rejection: Rejection) -> None:
    assert given(DECIDER).when(command, CTX).then_rejected(rejection.code) == rejection


@pytest.mark.parametrize(
    ("name", "known"),
    [("UTC", True), ("Europe/Moscow", True), ("", False), ("/UTC", False), ("..", False), ("Europe/..", False)],
)
def test_a_timezone_is_an_iana_name_and_never_a_path(name: str, known: bool) -> None:
    assert known_timezone(name) is known


def test_ten_distinct_contacts_are_the_most_and_duplicates_count_once() -> None:
    command = replace(COMMAND, contacts=(*emails(10), "C0@Example.com "))
    given(DECIDER).when(command, CTX).then(replace(SET, contacts=emails(10)))


def test_the_event_carries_every_setting_the_tenant_and_the_time() -> None:
    later = replace(CTX, issued_at=LATER)
    state = given(DECIDER).when(COMMAND, later).then(replace(SET, set_at=LATER))
    assert state == ReportSchedule(
        "t1", Cadence.WEEKLY, "Europe/Moscow", ("ops@example.com",), ReportLanguage.EN, True, LATER
    )


@pytest.mark.parametrize(
    "change",
    [
        {"cadence": Cadence.DAILY},
        {"timezone": "UTC"},
        {"contacts": ("ops@example.com", "cfo@example.com")},
        {"language": ReportLanguage.RU},
        {"enabled": False},
    ],
)
def test_a_changed_setting_is_set_again_and_the_same_settings_change_nothing(change: dict[str, Any]) -> None:
    given(DECIDER, SET).when(replace(COMMAND, **change), CTX).then(replace(SET, **change))
    assert given(DECIDER, SET).when(COMMAND, CTX).then_accepted() == []


def test_the_first_setting_is_recorded_even_when_it_equals_the_defaults() -> None:
    defaults = SetReportSchedule(Cadence.MONTHLY, "UTC", (), ReportLanguage.RU, enabled=False)
    given(DECIDER).when(defaults, CTX).then(
        ReportScheduleSet("t1", Cadence.MONTHLY, "UTC", (), ReportLanguage.RU, False, AT)
    )


def test_what_is_not_a_schedule_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a report schedule command: 'x'"):
        report_schedule_decider.decide(ReportSchedule(), "x", CTX)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a report schedule event: 'x'"):
        report_schedule_decider.evolve(ReportSchedule(), "x")  # type: ignore[arg-type]
