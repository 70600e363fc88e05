"""The HTTP answer of a command, decided without a broker: accepted and readable, pending, or rejected.

The bus here is a stand-in that answers as the real one would (outcome or timeout; read model caught up
or lagging); the real one is exercised end to end in tests/integration/test_lagging_reads.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from fastapi import HTTPException

from api.command_bus import Issued
from api.deps import Session
from api.outcomes import CommandsOn, no_content, pending_response, send_and_read
from api.platform import Platform
from streams.company.domain import COMPANY
from streams.company.permissions import Action
from wellwon.envelope import CommandOutcome

ACCEPTED = CommandOutcome("c-1", "accepted", event_ids=("e-1",), aggregate_version=4)
ISSUER = Issued(actor_id="ann", tenant_id="t-1")


@dataclass
class Bus:
    outcome: CommandOutcome | None
    projected: bool = True
    waited_for: list[tuple[str, str, int]] = field(default_factory=list)
    pending: list[tuple[str, str | None]] = field(default_factory=list)

    async def send(self, *args: Any, **kwargs: Any) -> tuple[str, CommandOutcome | None]:
        return "c-1", self.outcome

    async def wait_projected(self, aggregate_type: str, aggregate_id: str, version: int, timeout: float) -> bool:
        self.waited_for.append((aggregate_type, aggregate_id, version))
        return self.projected

    async def remember_pending(self, command_id: str, actor_id: str | None) -> None:
        self.pending.append((command_id, actor_id))


@dataclass
class Settings:
    command_timeout_seconds: float = 5


def platform_with(bus: Bus) -> Platform:
    @dataclass
    class Found:
        bus: Bus
        settings: Settings = field(default_factory=Settings)

    return cast(Platform, Found(bus))


async def read_back(outcome: CommandOutcome) -> dict[str, Any]:
    return {"read": "state", "version": outcome.aggregate_version}


async def test_accepted_and_readable_answers_what_a_read_now_shows() -> None:
    bus = Bus(ACCEPTED)
    answer = await send_and_read(platform_with(bus), COMPANY, "co-1", object(), ISSUER, read_back)
    assert answer == {"read": "state", "version": 4}
    assert bus.waited_for == [("company", "co-1", 4)]
    assert bus.pending == []


async def test_a_lagging_read_model_gives_202_with_the_status_url_not_the_old_state() -> None:
    bus = Bus(ACCEPTED, projected=False)
    mailed: list[str] = []

    async def mail(outcome: CommandOutcome) -> None:
        mailed.append(outcome.command_id)

    answer = await send_and_read(
        platform_with(bus), COMPANY, "co-1", object(), ISSUER, read_back, on_accepted=mail, pending_also={"key": "k"}
    )
    assert not isinstance(answer, dict)
    assert answer.status_code == 202
    assert answer.headers["location"] == "/api/commands/c-1"
    assert answer.body == (
        b'{"key":"k","command_id":"c-1","status":"pending","location":"/api/commands/c-1","aggregate_id":"co-1"}'
    )
    assert bus.pending == [("c-1", "ann")]  # so GET /api/commands/c-1 answers "pending" to its sender
    assert mailed == ["c-1"]  # what an accepted command owes is done even while the read model lags


async def test_no_outcome_in_time_gives_202_and_no_read() -> None:
    bus = Bus(None)
    answer = await send_and_read(platform_with(bus), COMPANY, "co-1", object(), ISSUER, read_back)
    assert not isinstance(answer, dict) and answer.status_code == 202
    assert bus.waited_for == []


async def test_a_rejection_is_its_http_error_and_nothing_is_read() -> None:
    bus = Bus(CommandOutcome("c-1", "rejected", code="illegal_state", reason="archived"))
    with pytest.raises(HTTPException) as raised:
        await send_and_read(platform_with(bus), COMPANY, "co-1", object(), ISSUER, read_back)
    assert raised.value.status_code == 409
    assert raised.value.detail == {"command_id": "c-1", "reason": "archived", "field": None}
    assert bus.waited_for == []


async def test_an_accepted_command_without_events_answers_at_once() -> None:
    bus = Bus(CommandOutcome("c-1", "accepted"), projected=False)
    answer = await send_and_read(platform_with(bus), COMPANY, "co-1", object(), ISSUER, no_content)
    assert answer.status_code == 204
    assert bus.waited_for == []


def test_pending_fields_cannot_be_overridden_by_what_comes_along() -> None:
    answer = pending_response("c-9", "a-1", {"status": "done", "command_id": "forged", "api_key": "k"})
    assert answer.body == (
        b'{"status":"pending","command_id":"c-9","api_key":"k","location":"/api/commands/c-9","aggregate_id":"a-1"}'
    )


async def test_a_domain_s_commands_check_the_permission_before_sending_and_read_back_after() -> None:
    sent: list[Any] = []

    @dataclass
    class CountingBus(Bus):
        async def send(self, *args: Any, **kwargs: Any) -> tuple[str, CommandOutcome | None]:
            sent.append(args)
            return "c-1", self.outcome

    async def read(found: Platform, session: Session, aggregate_id: str) -> dict[str, str]:
        return {"id": aggregate_id, "read_as": session.account_id}

    companies = CommandsOn(COMPANY, read, Action.COMPANY_UPDATE)
    found = platform_with(CountingBus(ACCEPTED))
    viewer = Session("vic", "s-1", "vic@example.com", {}, "t-1", "viewer")
    with pytest.raises(HTTPException) as refused:
        await companies.send(found, viewer, "co-1", object())
    assert refused.value.status_code == 403 and sent == []

    owner = Session("ann", "s-2", "ann@example.com", {}, "t-1", "owner")
    assert await companies.send(found, owner, "co-1", object()) == {"id": "co-1", "read_as": "ann"}
    assert len(sent) == 1
    assert sent[0][3] == Issued("ann", "t-1", (("role", "owner"),))  # sent as the caller, in their role
