"""The EDI agent's index of shipments by the carriers' numbers, kept from the shipment events topic.

`ShipmentIndexReader` reads `shipment.events` from the beginning into a `references.ShipmentIndex`
(tenant-scoped: booking numbers, bills of lading, waybills, active containers). Kafka is the record:
nothing is stored, a restarted worker reads the topic again. Before a batch is mapped the agent calls
`caught_up()`, which waits until every event written before that moment is in the index, so a status
sent after its booking was confirmed always finds the booking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.edi.references import ShipmentIndex
from wellwon.config import Settings
from wellwon.envelope import MessageCodec
from wellwon.topics import prompt_reader

log = logging.getLogger("wellwon.streams.edi")

# The events that name a shipment or change what names it; the payloads of others are not decoded.
INDEXED_EVENTS = frozenset(
    {
        "ShipmentCreated",
        "ShipmentBooked",
        "TransportDocumentRecorded",
        "EquipmentAttached",
        "EquipmentDetached",
        "MilestoneReached",
        "ShipmentCancelled",
    }
)
CATCH_UP_TIMEOUT_SECONDS = 30.0


class ShipmentIndexReader:
    def __init__(self, settings: Settings, codec: MessageCodec, topic: str):
        self.settings = settings
        self.codec = codec
        self.topic = topic
        self.index = ShipmentIndex()
        self.positions: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._started: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[None] | None = None
        self._progress = asyncio.Event()

    async def start(self) -> None:
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)

    async def _start(self) -> None:
        consumer = await prompt_reader(self.settings, [self.topic], from_beginning=True)
        partitions = list(consumer.assignment())
        self._consumer = consumer
        self.positions = {tp: 0 for tp in partitions}
        self._reading = asyncio.ensure_future(self._read(consumer))

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=200, max_records=5000)
                for tp, records in batches.items():
                    for record in records:
                        self._apply(record.value)
                        self.positions[tp] = record.offset + 1
                for tp in consumer.assignment():
                    # Past transaction markers and aborted records too: the consumer's own position.
                    self.positions[tp] = max(self.positions.get(tp, 0), await consumer.position(tp))
                self._progress.set()
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    def _apply(self, value: bytes | None) -> None:
        try:
            envelope = self.codec.decode_envelope(value)
            if envelope.schema_name.rsplit(".", 1)[-1] not in INDEXED_EVENTS:
                return
            event = self.codec.decode_payload(envelope)
        except Exception:
            log.exception("unreadable shipment event: not indexed")
            return
        self.index.apply(envelope.aggregate_id, event)

    async def caught_up(self) -> None:
        """Wait until the index holds every shipment event written before this call."""
        await self.start()
        assert self._consumer is not None
        ends = await self._consumer.end_offsets(list(self.positions))
        deadline = asyncio.get_running_loop().time() + CATCH_UP_TIMEOUT_SECONDS
        while any(self.positions.get(tp, 0) < end for tp, end in ends.items()):
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                log.warning("the shipment index is behind the events topic; mapping with what it has")
                return
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), remaining)
