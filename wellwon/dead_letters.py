"""Reading and replaying dead-letter topics: after a fix, a letter goes back to its source topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from wellwon.config import Settings
from wellwon.envelope import DeadLetter, codec_for
from wellwon.topics import partitions_of


async def _letters(settings: Settings, topic: str) -> list[tuple[int, DeadLetter]]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        letters: list[tuple[int, DeadLetter]] = []
        while any([await consumer.position(tp) < ends[tp] for tp in partitions]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    _, letter = codec_for(()).decode(record.value)  # platform messages only
                    letters.append((record.offset, letter))
        return letters
    finally:
        await consumer.stop()


async def last_letter(settings: Settings, topic: str, match: Callable[[DeadLetter], bool]) -> DeadLetter | None:
    """The latest letter on the dead-letter topic that `match` picks (e.g. one inbound message's), if kept."""
    found = [letter for _, letter in await _letters(settings, settings.name(topic)) if match(letter)]
    return found[-1] if found else None


async def list_dead_letters(settings: Settings, topic: str) -> list[dict[str, Any]]:
    return [
        {
            "offset": offset,
            "source": f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}",
            "reason": letter.reason,
            "failed_at": letter.failed_at.isoformat(),
            "key": letter.key.decode(errors="replace") if letter.key else None,
            "value_bytes": len(letter.value or b""),
        }
        for offset, letter in await _letters(
            settings, settings.name(topic) if not topic.startswith(settings.namespace) else topic
        )
    ]


async def replay_dead_letters(settings: Settings, topic: str, only_offset: int | None = None) -> int:
    """Produce each letter's original key and value to its source topic again."""
    name = settings.name(topic) if not topic.startswith(settings.namespace) else topic
    letters = [(o, letter) for o, letter in await _letters(settings, name) if only_offset in (None, o)]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for _, letter in letters:
            await producer.send_and_wait(letter.source_topic, letter.value, key=letter.key)
    finally:
        await producer.stop()
    return len(letters)
