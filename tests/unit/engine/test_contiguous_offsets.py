"""The engine's order of records per partition: a partition whose fetched records were dropped is read again."""

from __future__ import annotations

from typing import Any

from faust.types import TP
from mode.utils.queues import FlowControlQueue

from streams.engine import HANDED_OVER_TRUST_SECONDS, ContiguousOffsets
from tests.unit.faust_fakes import App, Event

TOPIC = "t.user_account.commands"


class FetchingConsumer:
    """What the check reads of Faust's consumer: the assignment, each partition's highwater; and its seeks."""

    def __init__(self, highwaters: dict[TP, int | None]):
        self.highwaters = highwaters
        self.seeks: list[tuple[TP, int]] = []
        self._read_offset: dict[TP, int] = {}  # the last offset Faust handed to the agents

    def assignment(self) -> set[TP]:
        return set(self.highwaters)

    def highwater(self, tp: TP) -> int | None:
        return self.highwaters[tp]

    async def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))


def offsets(highwaters: dict[TP, int | None], stored: dict[int, int] | None = None) -> ContiguousOffsets:
    app = App(FetchingConsumer(highwaters))
    order = ContiguousOffsets(app, [TOPIC], lambda topic, partition: (stored or {}).get(partition))  # type: ignore[arg-type]
    assert [fun for _, fun in app.timers] == [order.resume_stalled]
    return order


def seeks(order: ContiguousOffsets) -> list[tuple[TP, int]]:
    return order.app.consumer.seeks  # type: ignore[no-any-return]


async def test_a_partition_behind_its_end_with_no_progress_since_the_last_check_is_read_again() -> None:
    stalled, idle, moving = TP(TOPIC, 0), TP(TOPIC, 1), TP(TOPIC, 2)
    order = offsets({stalled: 367, idle: 120, moving: 500})
    order.next_offsets.update({(TOPIC, 0): 331, (TOPIC, 1): 120, (TOPIC, 2): 400})
    await order.resume_stalled()
    assert seeks(order) == []  # one look is not a stall: the records may be on their way
    order.next_offsets[TOPIC, 2] = 450  # handled meanwhile
    await order.resume_stalled()
    assert seeks(order) == [(stalled, 331)]  # the idle partition is at its end, the moving one moved
    order.next_offsets.update({(TOPIC, 0): 367, (TOPIC, 2): 500})  # the first re-read, the second at its end
    await order.resume_stalled()
    assert seeks(order) == [(stalled, 331)]


async def test_a_partition_with_nothing_read_since_the_assignment_resumes_from_its_stored_offset() -> None:
    order = offsets({TP(TOPIC, 3): 90, TP(TOPIC, 4): 10, TP("t.other", 0): 50}, stored={3: 60})
    await order.resume_stalled()
    await order.resume_stalled()
    # Partition 4 has no stored offset (and no record yet): nothing to compare with; another topic is not watched.
    assert seeks(order) == [(TP(TOPIC, 3), 60)]


async def test_nothing_is_sought_while_the_group_rebalances_or_the_tables_recover_nor_across_it() -> None:
    stalled = TP(TOPIC, 0)
    order = offsets({stalled: 367, TP(TOPIC, 1): None})
    order.next_offsets[TOPIC, 0] = 331
    await order.resume_stalled()
    order.app.rebalancing = True  # type: ignore[attr-defined]
    await order.resume_stalled()
    order.app.rebalancing = False  # type: ignore[attr-defined]
    await order.resume_stalled()  # the look before the rebalance does not count
    assert seeks(order) == []
    order.app.in_recovery = True  # type: ignore[attr-defined]
    await order.resume_stalled()
    assert seeks(order) == []
    order.app.in_recovery = False  # type: ignore[attr-defined]
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(stalled, 331)]


def event(partition: int, offset: int) -> Event:
    return Event(TOPIC, partition, offset)


async def test_a_copy_below_the_expected_offset_is_held_for_an_agent_that_acknowledges_later() -> None:
    for acknowledge_repeats, held in ((True, 0), (False, 1)):
        app = App(FetchingConsumer({TP(TOPIC, 0): 10}))
        order = ContiguousOffsets(app, [TOPIC], lambda t, p: 5, acknowledge_repeats=acknowledge_repeats)  # type: ignore[arg-type]
        first = [event(0, 5), event(0, 6)]
        assert await order.admit(first) == first
        copy = event(0, 6)
        assert await order.admit([copy]) == []
        # The batch loop acknowledges what is not held: the engine's copy at once (its original was handled), the
        # EDI agent's copy never (its original's round may still run; its acknowledgement stands for the copy).
        assert copy.message.refcount == held
        assert app.consumer.seeks == []


async def test_a_partition_its_agent_does_not_fetch_on_purpose_is_not_taken_for_stalled() -> None:
    resting: set[TP] = set()
    held_back, stalled = TP(TOPIC, 0), TP(TOPIC, 1)
    app = App(FetchingConsumer({held_back: 900, stalled: 900}))
    order = ContiguousOffsets(app, [TOPIC], lambda t, p: None, resting=resting)  # type: ignore[arg-type]
    order.next_offsets.update({(TOPIC, 0): 500, (TOPIC, 1): 500})
    resting.add(held_back)
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(stalled, 500)]
    resting.clear()  # fetched again: two looks without progress make a stall, as for any partition
    await order.resume_stalled()
    await order.resume_stalled()
    assert sorted(seeks(order)[1:]) == [(held_back, 500), (stalled, 500), (stalled, 500)]


async def test_a_partition_whose_records_were_handed_over_and_wait_behind_others_is_slow_not_stalled() -> None:
    slow, stalled = TP(TOPIC, 0), TP(TOPIC, 1)
    order = offsets({slow: 367, stalled: 367})
    order.next_offsets.update({(TOPIC, 0): 331, (TOPIC, 1): 331})
    order.app.consumer._read_offset.update({slow: 360, stalled: 330})  # type: ignore[attr-defined]
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(stalled, 331)]  # 332..360 of the slow one are in the agent's queue


async def test_a_seek_back_undone_by_the_rest_of_the_fetch_before_it_is_made_again_by_the_stall_check() -> None:
    """Faust's seek sets its read offset to the offset sought; the rest of the fetch before it sets it past that
    again. If the seek was undone, nothing more comes, and the read offset past the expected one is no sign that
    the records sought are on their way."""
    tp = TP(TOPIC, 0)
    order = offsets({tp: 300}, stored={0: 46})
    assert await order.admit([event(0, 289)]) == []
    assert seeks(order) == [(tp, 46)]
    order.app.consumer._read_offset[tp] = 299  # type: ignore[attr-defined]  # handed out after the seek
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(tp, 46), (tp, 46)]
    order.app.consumer._read_offset[tp] = 120  # type: ignore[attr-defined]  # this seek took: the records come
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(tp, 46), (tp, 46)]  # once: they may only wait behind others in the agent's queue
    from streams.engine import RESEEK_SECONDS

    order.clock = lambda: 10**9 + RESEEK_SECONDS  # later, a new record past the jump: sought back on it again
    assert await order.admit([event(0, 301)]) == []
    order.app.consumer._read_offset[tp] = 301  # type: ignore[attr-defined]
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(tp, 46), (tp, 46), (tp, 46), (tp, 46)]  # that seek is checked once too


async def test_before_the_agent_took_a_record_the_read_offset_is_the_commit_and_the_stored_offset_decides() -> None:
    behind = TP(TOPIC, 0)
    order = offsets({behind: 90}, stored={0: 60})
    order.app.consumer._read_offset[behind] = 90  # type: ignore[attr-defined]  # the group's commit ran ahead
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(behind, 60)]


async def test_the_rest_of_a_fetch_made_before_a_seek_back_does_not_seek_again_and_again() -> None:
    """After a seek back, what Faust fetched before it still comes, batch by batch, past the offset sought: those
    records are held (unacknowledged) without another seek for each batch, until the ones sought arrive. A seek
    that did not take is made again once RESEEK_SECONDS have passed."""
    from streams.engine import RESEEK_SECONDS

    tp = TP(TOPIC, 0)
    order = offsets({tp: 100}, stored={0: 10})
    clock = [1000.0]
    order.clock = lambda: clock[0]
    gap = [event(0, 20), event(0, 21)]
    assert await order.admit(gap) == []
    assert seeks(order) == [(tp, 10)]
    for start in (22, 40, 60):  # the rest of the earlier fetch
        clock[0] += 0.3
        rest = [event(0, offset) for offset in range(start, start + 5)]
        assert await order.admit(rest) == []
        assert all(e.message.refcount == 1 for e in rest)  # held: never acknowledged without being handled
    assert seeks(order) == [(tp, 10)]
    clock[0] += RESEEK_SECONDS
    assert await order.admit([event(0, 80)]) == []
    assert seeks(order) == [(tp, 10), (tp, 10)]
    sought = [event(0, offset) for offset in range(10, 13)]  # the records sought arrive
    assert await order.admit(sought) == sought
    assert await order.admit([event(0, 30)]) == []  # a new jump, from 13: sought at once
    assert seeks(order) == [(tp, 10), (tp, 10), (tp, 13)]


async def test_records_handed_over_then_dropped_with_faust_s_queues_are_read_again() -> None:
    """Faust empties the agents' queues when its flow control resumes (at the end of every recovery): the records
    it had handed over are gone, and its read offset past the expected one must no longer excuse the partition."""
    tp = TP(TOPIC, 0)
    order = offsets({tp: 61})
    app: Any = order.app
    queue: FlowControlQueue[int] = FlowControlQueue(flow_control=app.flow_control, clear_on_resume=True)
    order.next_offsets[TOPIC, 0] = 45
    for offset in range(45, 61):  # handed to the agent's queue, not yet taken
        queue.put_nowait(offset)
        app.consumer._read_offset[tp] = offset
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == []  # on their way
    app.flow_control.resume()  # as Faust's recovery ends
    assert queue.empty()
    await order.resume_stalled()
    await order.resume_stalled()
    assert seeks(order) == [(tp, 45)]


async def test_records_handed_over_excuse_a_partition_without_progress_for_a_bounded_time() -> None:
    tp = TP(TOPIC, 0)
    order = offsets({tp: 61})
    clock = [1000.0]
    order.clock = lambda: clock[0]
    order.next_offsets[TOPIC, 0] = 45
    order.app.consumer._read_offset[tp] = 60  # type: ignore[attr-defined]
    for _ in range(4):
        await order.resume_stalled()
        clock[0] += HANDED_OVER_TRUST_SECONDS / 4 - 0.1
    assert seeks(order) == []
    order.next_offsets[TOPIC, 0] = 50  # progress: trusted anew
    for _ in range(4):
        await order.resume_stalled()
        clock[0] += HANDED_OVER_TRUST_SECONDS / 4 - 0.1
    assert seeks(order) == []
    for _ in range(3):  # no progress since 50 for the whole while: two looks, then sought back
        clock[0] += 1.0
        await order.resume_stalled()
    assert seeks(order) == [(tp, 50)]
    clock[0] += 1.0
    await order.resume_stalled()
    assert seeks(order) == [(tp, 50)]  # the seek back is trusted anew: no seek at every look
