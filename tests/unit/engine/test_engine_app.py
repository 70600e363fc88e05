"""The Faust app's own folders stay under the local directory, never in whatever folder the worker started in."""

from __future__ import annotations

import pytest

from streams.engine import create_app
from streams.registry import DOMAINS, codec
from wellwon.config import LOCAL_DIR, Settings


def test_the_workers_data_folder_is_under_the_local_directory_per_namespace() -> None:
    app = create_app(Settings(namespace="tdatadir"), DOMAINS, codec())
    datadir = app.conf.datadir
    assert datadir.is_relative_to(LOCAL_DIR / "streams-data")
    # <app id>/<worker name>: several workers on one host keep their RocksDB databases apart.
    assert datadir.parent.name.startswith("tdatadir.")
    assert datadir.name == "worker-1"
    assert datadir.is_dir()


def test_a_revoked_commands_partition_drops_its_domain_s_cached_aggregates() -> None:
    import asyncio

    from faust.types import TP

    from streams.aggregates import KeptAggregate
    from streams.step import AggregateRecord

    app = create_app(Settings(namespace="tcache"), DOMAINS, codec())
    agent, other = app.domain_agents[0], app.domain_agents[1]
    cache = agent.cache
    assert other.cache is cache  # one bound for the worker
    table = agent.domain.aggregates_table
    for key, partition in ((b"moved", 2), (b"stays", 1)):
        cache.put(table, key, partition, KeptAggregate(AggregateRecord(None)), cache.generation)
    cache.put(other.domain.aggregates_table, b"other", 2, KeptAggregate(AggregateRecord(None)), cache.generation)
    began = cache.generation
    asyncio.run(agent._revoked(app, {TP(agent.commands.get_topic_name(), 2)}))
    assert cache.take(table, b"moved") is None
    assert cache.take(table, b"stays") is not None
    assert cache.take(other.domain.aggregates_table, b"other") is not None
    asyncio.run(agent._assigned(app, set()))
    assert cache.generation > began


def test_faust_neither_drops_a_record_read_again_nor_counts_a_jump_as_acknowledged() -> None:
    """After the engine seeks a partition back, the records read again from there reach it (Faust dropped those
    below the highest offset it had delivered), and a jump in offsets is not committed (Faust filled it in)."""
    import asyncio

    from faust.types import TP

    app = create_app(Settings(namespace="treadoffsets"), DOMAINS, codec())
    consumer = app.consumer
    tp = TP(app.domain_agents[0].commands.get_topic_name(), 0)
    consumer._read_offset[tp] = 40  # what delivering offset 40 recorded; a record at 12 was then dropped
    assert consumer._read_offset[tp] is None
    asyncio.run(consumer._add_gap(tp, 13, 40))
    assert not consumer._gap[tp]


def test_the_stall_check_sees_the_offsets_faust_handed_to_the_agents() -> None:
    """Faust's own reads find nothing read (above), but the stall check tells a partition whose records were handed
    over and wait behind others (slow) from one whose records never came (stalled) by what Faust recorded."""
    from faust.types import TP

    from streams.engine import _handed_over

    app = create_app(Settings(namespace="thandedoffsets"), DOMAINS, codec())
    other = create_app(Settings(namespace="thandedoffsets2"), DOMAINS, codec())
    consumer = app.consumer
    tp = TP(app.domain_agents[0].commands.get_topic_name(), 0)
    assert not _handed_over(consumer, tp, 30)
    consumer._read_offset[tp] = 40  # as Faust's delivery loop records it
    assert _handed_over(consumer, tp, 30)
    assert not _handed_over(consumer, tp, 40)
    assert not _handed_over(other.consumer, tp, 30)  # each consumer its own
    consumer._read_offset[tp] = None  # a seek to offset 0
    assert not _handed_over(consumer, tp, 0)
    consumer._read_offset[tp] = 40
    consumer._read_offset.pop(tp, None)  # revoked
    assert not _handed_over(consumer, tp, 30)


def test_after_a_recovery_a_partition_never_committed_is_read_from_its_beginning() -> None:
    """aiokafka's seek to committed offsets skips a partition with none, so what Faust fetched and dropped there
    while it held the stream partitions during a recovery was never read again (the recovery benchmark's probe
    went unanswered). Such a partition is sought to its earliest offset; changelogs and committed ones are not."""
    import asyncio
    from typing import Any

    from faust.types import TP

    app = create_app(Settings(namespace="tperformseek"), DOMAINS, codec())
    consumer: Any = app.consumer
    commands = app.domain_agents[0].commands.get_topic_name()
    changelog = next(iter(app.domain_agents[0].table.changelog_topic.topics))
    fresh, zero, resumed, table = TP(commands, 0), TP(commands, 1), TP(commands, 2), TP(changelog, 0)
    sought: dict[TP, int] = {}

    async def seek_to_committed() -> dict[TP, int | None]:
        return {fresh: None, zero: 0, resumed: 41, table: None}

    async def earliest_offsets(*partitions: TP) -> dict[TP, int]:
        return {tp: 7 for tp in partitions}  # the log's start after retention

    async def seek_wait(partitions: dict[TP, int]) -> None:
        sought.update(partitions)

    consumer.seek_to_committed, consumer.earliest_offsets, consumer.seek_wait = (
        seek_to_committed, earliest_offsets, seek_wait
    )  # fmt: skip
    asyncio.run(consumer.perform_seek())
    assert sought == {fresh: 7, zero: 7}
    assert consumer._committed_offset[resumed] == 41


def test_the_worker_s_consumer_fetches_with_a_short_wait_at_the_broker() -> None:
    """Faust's 1.5 s let a just-handled partition's next records wait that long behind a fetch of idle ones."""
    import asyncio

    from streams.engine import FETCH_MAX_WAIT_MS

    app = create_app(Settings(namespace="tfetchwait"), DOMAINS, codec())
    create_app(Settings(namespace="tfetchwait2"), DOMAINS, codec())  # patched once, not wrapped twice

    async def created() -> int:
        thread = app.consumer._thread
        consumer = thread._create_worker_consumer(app.consumer.transport)
        return int(consumer._fetch_max_wait_ms)

    assert asyncio.run(created()) == FETCH_MAX_WAIT_MS == 50


def test_the_worker_s_faust_monitor_keeps_what_faust_reads_and_no_statistics_per_record() -> None:
    from faust.types import TP
    from faust.types.tuples import Message

    from streams.monitor import QuietMonitor

    app = create_app(Settings(namespace="tmonitor"), DOMAINS, codec())
    monitor = app.monitor
    assert isinstance(monitor, QuietMonitor)
    tp = TP(app.domain_agents[0].commands.get_topic_name(), 0)
    message = Message(tp.topic, 0, 7, 0.0, 0, None, b"k", b"v", None)
    monitor.on_message_in(tp, 7, message)
    assert monitor.on_stream_event_in(tp, 7, object(), None) is None  # type: ignore[arg-type]
    assert tp in monitor.stream_inbound_time  # Faust's check for streams that stopped reads it
    monitor.on_send_completed(None, monitor.on_send_initiated(None, tp.topic, None, 1, 1), None)  # type: ignore[arg-type]
    assert monitor.messages_received_total == 0 and monitor.events_total == 0 and monitor.messages_sent == 0
    assert message.time_in is None


def test_the_edi_agent_waits_for_outcomes_as_long_as_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.edi.agent import register_edi_agent

    settings = Settings(namespace="tediwait")
    assert settings.edi_outcome_timeout == 30.0
    monkeypatch.setenv("EDI_OUTCOME_TIMEOUT_SECONDS", "120")
    settings = Settings(namespace="tediwait")
    app = create_app(settings, DOMAINS, codec())
    register_edi_agent(app, settings, codec())
    assert app.edi_agent.outcome_timeout == 120.0  # type: ignore[attr-defined]
