"""Every Kafka topic the platform uses, as data, and the one place that creates them.

Broker auto-creation is off: topics exist because this registry says so, with explicit partition
counts and configs. Changelogs are compacted (latest state per key); event topics keep
everything (Kafka is the system of record); results and dead letters expire.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from wellwon.config import Settings

log = logging.getLogger("wellwon.topics")

KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}
COMPACTED = {"cleanup.policy": "compact", "min.compaction.lag.ms": "60000"}
ONE_WEEK = {"retention.ms": str(7 * 24 * 3600 * 1000)}
FOUR_WEEKS = {"retention.ms": str(28 * 24 * 3600 * 1000)}


# Each sink's records it could not apply (after bounded retries), with the reason; `wellwon deadletters
# replay` sends them back to their events or results topic once the cause is fixed.
SINK_DEAD_LETTER_TOPICS: dict[str, str] = {
    "postgres": "sinks.postgres.deadletter",
    "clickhouse": "sinks.clickhouse.deadletter",
    "push": "sinks.push.deadletter",
    "notifications": "sinks.notifications.deadletter",
}


# What the processes (sagas) could not read or react to, with the reason.
PROCESSES_DEAD_LETTER_TOPIC = "processes.deadletter"


class DomainTopics(Protocol):
    """What the topic registry needs to know of a domain (streams.domain.Domain is one)."""

    @property
    def name(self) -> str: ...

    @property
    def commands_topic(self) -> str: ...

    @property
    def events_topic(self) -> str: ...

    @property
    def results_topic(self) -> str: ...

    @property
    def aggregates_table(self) -> str: ...


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    purpose: str = ""


def streams_app_id(settings: Settings) -> str:
    return settings.name("wellwon-streams")


def changelog_topic(settings: Settings, table: str) -> str:
    # Faust names a table's changelog "<app id>-<table>-changelog".
    return f"{streams_app_id(settings)}-{table}-changelog"


def dead_letter_for(topic: str) -> str:
    """The dead-letter topic of a (namespaced) topic: its unreadable records, with the reason."""
    return f"{topic}.deadletter"


def sink_dead_letter_topic(settings: Settings, sink: str) -> str:
    """The (namespaced) dead-letter topic of a sink, by the sink's name."""
    return settings.name(SINK_DEAD_LETTER_TOPICS[sink])


def platform_topics(settings: Settings, domains: Iterable[DomainTopics]) -> list[TopicSpec]:
    n = settings.partitions
    topics: list[TopicSpec] = []
    for domain in domains:
        topics += [
            TopicSpec(
                settings.name(domain.commands_topic), n, FOUR_WEEKS, f"{domain.name} commands, key = aggregate id"
            ),
            TopicSpec(
                settings.name(domain.events_topic), n, KEEP_FOREVER, f"{domain.name} events, the system of record"
            ),
            TopicSpec(settings.name(domain.results_topic), n, ONE_WEEK, f"{domain.name} command outcomes"),
            TopicSpec(
                changelog_topic(settings, domain.aggregates_table), n, COMPACTED, f"{domain.name} aggregate state"
            ),
        ]
        topics += [
            TopicSpec(dead_letter_for(settings.name(source)), 1, KEEP_FOREVER, f"unreadable records of {source}")
            for source in (domain.commands_topic, domain.events_topic, domain.results_topic)
        ]
    topics += edi_topics(settings)
    topics.append(
        TopicSpec(settings.name(PROCESSES_DEAD_LETTER_TOPIC), 1, KEEP_FOREVER, "records the processes could not handle")
    )
    topics += [
        TopicSpec(sink_dead_letter_topic(settings, sink), 1, KEEP_FOREVER, f"records the {sink} sink could not apply")
        for sink in SINK_DEAD_LETTER_TOPICS
    ]
    return topics


def edi_topics(settings: Settings) -> list[TopicSpec]:
    """Partners' raw interchanges (key = partner id, co-partitioned with the edi_partner domain)."""
    n = settings.partitions
    return [
        TopicSpec(settings.name("edi.inbound"), n, FOUR_WEEKS, "raw EDIFACT interchanges, key = partner id"),
        TopicSpec(settings.name("edi.results"), n, ONE_WEEK, "what became of each interchange and message"),
        TopicSpec(dead_letter_for(settings.name("edi.inbound")), 1, KEEP_FOREVER, "EDI that could not be applied"),
    ]


async def create_topics(settings: Settings, specs: list[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            response = await admin.create_topics(
                [NewTopic(s.name, s.partitions, 1, topic_configs=s.config) for s in missing]
            )
            for name, code, message in response.topic_errors:
                if code and code != TopicAlreadyExistsError.errno:
                    raise RuntimeError(f"could not create topic {name}: {code} {message}")
        # Topic metadata reaches every broker asynchronously; wait so clients see it at once.
        for _ in range(50):
            if {s.name for s in specs} <= set(await admin.list_topics()):
                break
            await asyncio.sleep(0.1)
        log.info("topics ready", extra={"created": [s.name for s in missing]})
        return [s.name for s in missing]
    finally:
        await admin.close()


async def partitions_of(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """Every partition of the topics, from fresh metadata; a missing topic is an error."""
    # aiokafka's public calls either return names only or read possibly stale metadata.
    cluster = await consumer._client.fetch_all_metadata()
    found: list[TopicPartition] = []
    for topic in topics:
        numbers = cluster.partitions_for_topic(topic)
        if not numbers:
            raise RuntimeError(f"topic {topic!r} does not exist: run `wellwon topics`")
        found += [TopicPartition(topic, p) for p in sorted(numbers)]
    return found


async def delete_namespace_topics(settings: Settings) -> list[str]:
    """Delete the topics of a namespace (the Faust worker's own included): tests and benchmarks run in throwaway
    namespaces, and their partition folders must not pile up on a shared broker (each holds open files; the
    local broker stopped at ~20,000 of them). A failure is logged, never raised: it must not fail a run."""
    if not settings.namespace:  # the default namespace is the developer's own platform: never touched
        return []
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    try:
        await admin.start()
        try:
            topics = [t for t in await admin.list_topics() if t.startswith(settings.name(""))]
            if topics:
                await admin.delete_topics(topics)
            return topics
        finally:
            await admin.close()
    except Exception as exc:
        log.warning("could not delete the topics of namespace %s: %r", settings.namespace, exc)
        return []


# A fetch of a reader that takes its records as they come (outcomes, the shipment index) waits this long at the
# broker when nothing is new. It costs no latency, since the broker answers as soon as any fetched partition has
# records; a short wait only costs idle fetches (at 20 ms, 50 a second per reader, each served by the broker).
PROMPT_FETCH_WAIT_MS = 500
# aiokafka sends a fetch that leaves out the partitions whose records were not taken yet once they waited its
# prefetch backoff (0.1 s); taken later, those partitions wait for that fetch to come back, up to the fetch wait.
# A reader whose event loop was kept busy that long (an API under load) would stall so: it never sends such a fetch.
NEVER_FETCH_AROUND_UNTAKEN_SECONDS = 3600.0


def never_fetch_around_untaken(consumer: AIOKafkaConsumer) -> None:
    """For a started consumer whose records are all taken by each `getmany` (see the constant)."""
    consumer._fetcher._prefetch_backoff = NEVER_FETCH_AROUND_UNTAKEN_SECONDS  # made by start(); no public knob


async def prompt_reader(settings: Settings, topics: list[str], from_beginning: bool = False) -> AIOKafkaConsumer:
    """A started consumer of every partition of the topics, without a group, at their ends (or beginnings)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, fetch_max_wait_ms=PROMPT_FETCH_WAIT_MS
    )
    await consumer.start()
    never_fetch_around_untaken(consumer)
    partitions = await partitions_of(consumer, topics)
    consumer.assign(partitions)
    if from_beginning:
        await consumer.seek_to_beginning(*partitions)
    else:
        await consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve the ends now: a record written after this call is read
            await consumer.position(tp)
    return consumer
