"""The EDI agent acknowledges its rounds in the order it launched them, whatever order they finish in: Faust commits a
partition up to the first gap in what was acknowledged, checked against its last commit only, so an early finisher
acknowledging first could let the commit pass records of a round still running."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from streams.edi.agent import EdiAgent


class Records:
    def __init__(self) -> None:
        self.acked: list[str] = []

    def round(self, name: str, size: int = 2) -> list[Any]:
        return [
            SimpleNamespace(event=SimpleNamespace(ack=lambda n=f"{name}{i}": self.acked.append(n))) for i in range(size)
        ]


def agent_whose_rounds_finish_when_told(outcomes: dict[str, bool]) -> tuple[EdiAgent, dict[str, asyncio.Event]]:
    agent = EdiAgent.__new__(EdiAgent)  # only the acknowledging is exercised: no Faust app
    finish = {name: asyncio.Event() for name in outcomes}

    async def completed(handlings: list[Any], deliveries: list[Any]) -> bool:
        name = handlings[0].name
        await finish[name].wait()
        return outcomes[name]

    agent._completed = completed  # type: ignore[method-assign]
    return agent, finish


async def launched(agent: EdiAgent, records: Records, names: list[str]) -> list[asyncio.Future[None]]:
    rounds: list[asyncio.Future[None]] = []
    previous: asyncio.Future[None] | None = None
    for name in names:
        handlings = records.round(name)
        handlings[0].name = name
        acknowledged = asyncio.get_running_loop().create_future()
        rounds.append(asyncio.ensure_future(agent._complete(handlings, [], previous, acknowledged)))
        previous = acknowledged
    return rounds


async def test_a_round_that_finishes_first_waits_for_the_earlier_rounds_acknowledgement() -> None:
    records = Records()
    agent, finish = agent_whose_rounds_finish_when_told({"a": True, "b": True, "c": True})
    rounds = await launched(agent, records, ["a", "b", "c"])
    finish["c"].set()
    finish["b"].set()
    await asyncio.sleep(0.01)
    assert records.acked == []  # b and c are done, a is not: nothing acknowledged yet
    finish["a"].set()
    await asyncio.gather(*rounds)
    assert records.acked == ["a0", "a1", "b0", "b1", "c0", "c1"]


async def test_a_failed_round_stays_unacknowledged_and_the_next_ones_still_acknowledge_after_it() -> None:
    records = Records()
    agent, finish = agent_whose_rounds_finish_when_told({"a": False, "b": True})
    rounds = await launched(agent, records, ["a", "b"])
    finish["b"].set()
    await asyncio.sleep(0.01)
    assert records.acked == []
    finish["a"].set()
    await asyncio.gather(*rounds)
    assert records.acked == ["b0", "b1"]
