"""Benchmark of the EDI agent: partners' messages per second parsed and applied, beside raw consumption.

Run: `python -m benchmarks.edi_bench [--messages N] [--profile]` (starts the local stack if needed; about a minute;
`--profile` runs the stream worker under cProfile and prints where its time went).

In a fresh namespace, the stream worker runs; a partner is registered and `SHIPMENTS` shipments are
created and booked by IFTMIN interchanges (setup, not timed). Then N IFTSTA interchanges (one
status report each, "crossed border", on the shipments in turn) are written to `edi.inbound` as a
partner does, and timed until N results reached `edi.results`, every one of them "applied" (each
message parsed, mapped, its shipment command decided and its outcome awaited). In the same run:
- raw consumption: the same N records read back from `edi.inbound` by a plain aiokafka consumer
  (the floor: fetching bytes, no parsing);
- parse and map only: the same N interchanges through the pure `translate_interchange`, in process;
- the stream worker's CPU time (Linux /proc) per applied message, and its CPU use when idle;
- tokenise only: the same N interchanges split into segments by pydifact (the reference, character
  by character) and by `streams.edi.interchange._split` (whole-string splits), as a ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from api.command_bus import CommandBus, Issued
from benchmarks.cpu import cpu_seconds
from benchmarks.engine_bench import print_profile, start_profiled_worker
from stack import services
from stack.processes import PlatformProcesses
from streams.company.permissions import ROLE_CLAIM, Role
from streams.edi.interchange import _decoded, _split, _tokenised_by_pydifact
from streams.edi.mapping import translate_interchange
from streams.edi_partner.commands import RecordInterchange, RegisterPartner
from streams.edi_partner.decider import EdiPartner, partner_id_for
from streams.edi_partner.domain import EDI_PARTNER
from streams.edi_partner.events import ResultStatus
from streams.registry import DOMAINS, codec
from wellwon import fetch_codec
from wellwon.cli import prepare
from wellwon.config import PROJECT_ROOT, Settings
from wellwon.topics import delete_namespace_topics, partitions_of

SHIPMENTS = 50
BOOKING = PROJECT_ROOT / "tests" / "fixtures" / "edifact" / "iftmin_d96a_sea_booking.edi"
SENDER = "BENCH"
IDLE_SECONDS = 3.0


def booking(index: int) -> bytes:
    text = BOOKING.read_text()
    return text.replace("WW-SEA-24001", f"BENCH-{index}").replace("HMB0000417", f"HMB{index:07d}").encode()


def status_report(index: int) -> bytes:
    control, minute = f"B{index:09d}", index % 60
    segments = [
        "UNA:+.? ",
        f"UNB+UNOC:3+{SENDER}:ZZZ+WELLWON:ZZZ+260301:1000+{control}",
        "UNH+1+IFTSTA:D:96A:UN",
        f"BGM+23+ST{index}+9",
        f"CNI+1+BENCH-{index % SHIPMENTS}",
        "STS+1+16::6:CROSSED BORDER",
        f"DTM+334:20260301{10 + index // 60 % 10:02d}{minute:02d}:203",
        "LOC+175+DEHAM:139:6",
        "UNT+7+1",
        f"UNZ+1+{control}",
    ]
    return "'\n".join(segments).encode() + b"'"


async def produce(settings: Settings, key: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, linger_ms=5, max_batch_size=256 * 1024)
    await producer.start()
    try:
        for value in values:
            await producer.send(settings.name("edi.inbound"), value, key=key.encode())
        await producer.flush()
    finally:
        await producer.stop()


class ResultCounter:
    """Reads `edi.results` from its current end, counting results by status."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.counts: dict[str, int] = {}
        self.consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, fetch_max_wait_ms=20)

    async def start(self) -> None:
        await self.consumer.start()
        partitions = await partitions_of(self.consumer, [self.settings.name("edi.results")])
        self.consumer.assign(partitions)
        await self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            await self.consumer.position(tp)

    async def until(self, wanted: int, timeout: float = 600) -> float:
        deadline = time.monotonic() + timeout
        while sum(self.counts.values()) < wanted:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.counts} of {wanted} results")
            for records in (await self.consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    _, recorded = codec().decode(record.value)
                    assert isinstance(recorded, RecordInterchange)
                    status = str(recorded.result.status)
                    self.counts[status] = self.counts.get(status, 0) + 1
        return time.monotonic()


async def raw_consumption(settings: Settings, starts: dict[TopicPartition, int], count: int) -> float:
    """Records per second of reading the same records back, bytes only."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, fetch_max_wait_ms=20, max_partition_fetch_bytes=4 * 1024 * 1024
    )
    await consumer.start()
    try:
        consumer.assign(list(starts))
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        started, seen = time.monotonic(), 0
        while seen < count:
            for records in (await consumer.getmany(timeout_ms=200, max_records=5000)).values():
                seen += len(records)
        return count / (time.monotonic() - started)
    finally:
        await consumer.stop()


async def inbound_ends(settings: Settings) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, [settings.name("edi.inbound")])
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def register_partner(settings: Settings, tenant_id: str) -> str:
    async def no_projection(_type: str, _id: str) -> int:
        return 1 << 62  # no read model runs here

    bus = CommandBus(settings, codec(), DOMAINS, no_projection)
    await bus.start()
    try:
        partner_id = partner_id_for(tenant_id, "BENCH")
        command = RegisterPartner("BENCH", "Bench Carrier", (SENDER, "4012345000009"))
        issued = Issued(actor_id="bench", tenant_id=tenant_id, claims=((ROLE_CLAIM, Role.OWNER),))
        _, outcome = await bus.send(EDI_PARTNER, partner_id, command, issued, timeout=60)
        assert outcome is not None and outcome.status == "accepted", outcome
        return partner_id
    finally:
        await bus.stop()


def parse_and_map_rate(interchanges: list[bytes], tenant_id: str, partner_id: str) -> float:
    partner = EdiPartner(partner_id, tenant_id, "BENCH", "Bench Carrier", (SENDER,), "UTC", ("CNI",))
    trading = partner.trading_partner()
    started = time.monotonic()
    for raw in interchanges:
        assert translate_interchange(raw, trading).requests
    return len(interchanges) / (time.monotonic() - started)


def tokenise_rates(interchanges: list[bytes]) -> tuple[float, float]:
    """Messages per second split into segments by pydifact and by `_split`, on the same decoded texts."""
    texts = [_decoded(raw).strip() for raw in interchanges]
    started = time.monotonic()
    for text in texts:
        assert list(_tokenised_by_pydifact(text))
    reference = len(texts) / (time.monotonic() - started)
    started = time.monotonic()
    for text in texts:
        assert _split(text)
    return reference, len(texts) / (time.monotonic() - started)


async def run(messages: int, profile: bool = False) -> None:
    services.up()
    processes = PlatformProcesses(log_level="WARNING")
    settings = processes.settings
    await prepare(settings, DOMAINS)
    profile_output = processes.log_path("streams").with_suffix(".edi.prof")
    profile_output.unlink(missing_ok=True)
    if profile:
        start_profiled_worker(processes, profile_output)
    else:
        processes.start("streams")
    try:
        tenant_id = str(uuid.uuid4())
        partner_id = await register_partner(settings, tenant_id)
        counter = ResultCounter(settings)
        await counter.start()
        await produce(settings, partner_id, [booking(i) for i in range(SHIPMENTS)])
        await counter.until(SHIPMENTS)
        assert counter.counts == {str(ResultStatus.APPLIED): SHIPMENTS}, counter.counts

        load = [status_report(i) for i in range(messages)]
        starts = await inbound_ends(settings)
        counter.counts.clear()
        worker = processes.processes["streams"].pid
        cpu_before, idle_started = cpu_seconds(worker), time.monotonic()
        await asyncio.sleep(IDLE_SECONDS)  # the worker's own polling, with nothing to do
        idle_cpu = (cpu_seconds(worker) - cpu_before) / (time.monotonic() - idle_started)
        cpu_before, started = cpu_seconds(worker), time.monotonic()
        await produce(settings, partner_id, load)
        finished = await counter.until(messages)
        cpu_per_message = (cpu_seconds(worker) - cpu_before) / messages
        applied_rate = messages / (finished - started)
        assert counter.counts == {str(ResultStatus.APPLIED): messages}, counter.counts
        await counter.consumer.stop()

        raw_rate = await raw_consumption(settings, starts, messages)
        mapping_rate = parse_and_map_rate(load, tenant_id, partner_id)
        pydifact_rate, split_rate = tokenise_rates(load)
        print(
            f"EDI messages: {messages} IFTSTA interchanges over {SHIPMENTS} shipments, partitions {settings.partitions}"
        )
        print(f"  raw consumption of the same records (baseline): {raw_rate:10.0f} records/s")
        print(f"  parse and map only, in process:                  {mapping_rate:10.0f} messages/s")
        print(f"  parsed and applied by the EDI agent:             {applied_rate:10.0f} messages/s")
        print(f"  applied / raw consumption:                       {applied_rate / raw_rate:10.3f}")
        print(f"  stream worker CPU per applied message:           {cpu_per_message * 1000:10.2f} ms")
        print(f"  stream worker CPU when idle:                     {idle_cpu:10.2f} cores")
        print(f"  applied / parse and map:                         {applied_rate / mapping_rate:10.3f}")
        print(f"  tokenise only, pydifact (reference):             {pydifact_rate:10.0f} messages/s")
        print(f"  tokenise only, whole-string splits:              {split_rate:10.0f} messages/s")
        print(f"  whole-string splits / pydifact:                  {split_rate / pydifact_rate:10.1f}")
    finally:
        processes.stop_all()
        await delete_namespace_topics(processes.settings)
    if profile:
        print_profile(profile_output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--profile", action="store_true", help="cProfile the stream worker")
    args = parser.parse_args()
    fetch_codec.install()  # the raw consumption baseline fetches as the platform's processes do
    asyncio.run(run(args.messages, args.profile))


if __name__ == "__main__":
    main()
