"""Kafka's Fetch request and response (version 11, what aiokafka and the broker agree on) in a few struct calls.

aiokafka encodes and decodes every protocol message field by field through generic schema objects. A fetch names
every partition of its consumer and its answer lists them all (aiokafka has no incremental fetch sessions), so at a
few dozen commands a second, with each record fetched on its own, that code was ~40% of the stream worker's busy
CPU and ~60% of the sinks worker's (py-spy at 50 commands/s). The Postgres sink's consumer has 228 partitions; a
fetch of 300 took 0.6 ms to encode and 1.0 ms to decode. These do the same work with precompiled structs, producing
exactly what aiokafka's own code does (`tests/unit/platform/test_fetch_codec.py` checks them against it).
Other versions keep aiokafka's code.

And aiokafka's fetcher is made to fetch in incremental fetch sessions (KIP-227, `FetchSession`): after a first full
fetch a request names only the partitions whose position changed, and the broker answers only for partitions with
something new, so a fetch of a quiet consumer costs both ends little however many partitions it reads.
"""

from __future__ import annotations

import logging
import struct
from io import BytesIO
from typing import Any

from aiokafka.protocol.fetch import FetchRequest_v11, FetchResponse_v11

log = logging.getLogger("wellwon.kafka")

_RESPONSE_HEAD = struct.Struct(">ihii")  # throttle_time_ms, error_code, session_id, topic count
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_PARTITION_HEAD = struct.Struct(">ihqqqi")  # partition, error, highwater, last stable, log start, aborted count
_ABORTED = struct.Struct(">qq")  # producer_id, first_offset
_PARTITION_TAIL = struct.Struct(">ii")  # preferred_read_replica, records size
_REQUEST_HEAD = struct.Struct(">iiiibiii")  # replica, max wait, min bytes, max bytes, isolation, session, epoch, topics
_REQUEST_PARTITION = struct.Struct(">iiqqi")  # partition, current_leader_epoch, fetch_offset, log_start, max_bytes


def _string(value: str | None) -> bytes:
    if value is None:
        return _INT16.pack(-1)
    encoded = value.encode()
    return _INT16.pack(len(encoded)) + encoded


def encode_fetch_request_v11(self: FetchRequest_v11) -> bytes:
    fields = self.__dict__
    topics = fields["topics"] or []
    parts = [
        _REQUEST_HEAD.pack(
            fields["replica_id"], fields["max_wait_time"], fields["min_bytes"], fields["max_bytes"],
            fields["isolation_level"], fields["session_id"], fields["session_epoch"], len(topics),
        )
    ]  # fmt: skip
    pack_partition = _REQUEST_PARTITION.pack
    for topic, partitions in topics:
        parts.append(_string(topic))
        parts.append(_INT32.pack(len(partitions)))
        parts.extend(pack_partition(*partition) for partition in partitions)
    forgotten = fields["forgotten_topics_data"]
    if forgotten is None:
        parts.append(_INT32.pack(-1))
    else:
        parts.append(_INT32.pack(len(forgotten)))
        for topic, numbers in forgotten:
            parts.append(_string(topic))
            parts.append(_INT32.pack(len(numbers)))
            parts.extend(_INT32.pack(number) for number in numbers)
    parts.append(_string(fields["rack_id"]))
    return b"".join(parts)


def decode_fetch_response_v11(cls: type[FetchResponse_v11], data: BytesIO | bytes) -> FetchResponse_v11:
    if isinstance(data, BytesIO):
        buffer, position = data.getbuffer(), data.tell()
    else:
        buffer, position = memoryview(data), 0
    try:
        throttle, error, session, topic_count = _RESPONSE_HEAD.unpack_from(buffer, position)
        position += _RESPONSE_HEAD.size
        topics: list[tuple[str | None, list[tuple[Any, ...]]]] = []
        for _ in range(topic_count):
            (length,) = _INT16.unpack_from(buffer, position)
            position += 2
            name = None
            if length >= 0:
                name = bytes(buffer[position : position + length]).decode()
                position += length
            (partition_count,) = _INT32.unpack_from(buffer, position)
            position += 4
            partitions: list[tuple[Any, ...]] = []
            for _ in range(partition_count):
                number, part_error, highwater, stable, log_start, aborted_count = _PARTITION_HEAD.unpack_from(
                    buffer, position
                )
                position += _PARTITION_HEAD.size
                aborted: list[tuple[int, int]] | None = None
                if aborted_count >= 0:
                    aborted = [_ABORTED.unpack_from(buffer, position + 16 * i) for i in range(aborted_count)]
                    position += 16 * aborted_count
                replica, size = _PARTITION_TAIL.unpack_from(buffer, position)
                position += _PARTITION_TAIL.size
                records = None
                if size >= 0:
                    if position + size > len(buffer):
                        raise ValueError("Buffer underrun decoding Bytes")
                    records = bytes(buffer[position : position + size])
                    position += size
                partitions.append((number, part_error, highwater, stable, log_start, aborted, replica, records))
            topics.append((name, partitions))
    finally:
        buffer.release()
    if isinstance(data, BytesIO):
        data.seek(position)
    return cls(throttle, error, session, topics)


# ---- incremental fetch sessions (KIP-227)

FETCH_SESSION_ID_NOT_FOUND = 70
INVALID_FETCH_SESSION_EPOCH = 71
_PartitionKey = tuple[str, int]  # topic, partition
_PartitionFetch = tuple[int, int, int, int]  # current_leader_epoch, fetch_offset, log_start_offset, max_bytes


def _by_topic(entries: dict[_PartitionKey, Any] | list[_PartitionKey]) -> list[tuple[str, list[Any]]]:
    grouped: dict[str, list[Any]] = {}
    if isinstance(entries, dict):
        for (topic, partition), fetch in entries.items():
            grouped.setdefault(topic, []).append((partition, *fetch))
    else:
        for topic, partition in entries:
            grouped.setdefault(topic, []).append(partition)
    return list(grouped.items())


class FetchSession:
    """A consumer's fetch session with one broker: after a first full fetch, each request names only the partitions
    whose fetch position changed (and forgets those no longer fetched), and each answer lists only partitions with
    something new. Without it every fetch names every partition, at both ends.

    One request per broker is in flight at a time (aiokafka's fetcher waits for each). A request left unanswered
    (a broken connection, a cancelled fetch) leaves the broker's epoch unknown, so the next one starts a new session
    with a full fetch; so does any error the broker answers with, or an answer without a session.
    """

    def __init__(self) -> None:
        self.session_id = 0  # 0: none yet; the next request is full and asks for one
        self.epoch = 0
        self.known: dict[_PartitionKey, _PartitionFetch] = {}  # what the broker holds for the session
        self.sent: dict[_PartitionKey, _PartitionFetch] | None = None  # what it holds once the request in flight is
        self.full_fetches = 0
        self.incremental_fetches = 0

    def reset(self) -> None:
        self.session_id, self.epoch, self.known, self.sent = 0, 0, {}, None

    def shape(self, request: FetchRequest_v11) -> None:
        """Turn aiokafka's full request into this session's next one, and have its answer come back through here."""
        fields = request.__dict__
        wanted = {(topic, p[0]): tuple(p[1:]) for topic, partitions in fields["topics"] for p in partitions}
        if self.sent is not None:  # the last request was never answered
            self.reset()
        if self.session_id == 0:
            fields["session_id"], fields["session_epoch"] = 0, 0
            self.full_fetches += 1
        else:
            changed = {key: fetch for key, fetch in wanted.items() if self.known.get(key) != fetch}
            fields["session_id"], fields["session_epoch"] = self.session_id, self.epoch
            fields["topics"] = _by_topic(changed)
            fields["forgotten_topics_data"] = _by_topic([key for key in self.known if key not in wanted])
            self.incremental_fetches += 1
        self.sent = wanted  # type: ignore[assignment]
        fields["RESPONSE_TYPE"] = self  # aiokafka decodes the answer with `request.RESPONSE_TYPE.decode`

    def decode(self, data: BytesIO | bytes) -> FetchResponse_v11:
        response = decode_fetch_response_v11(FetchResponse_v11, data)
        error, session_id = response.error_code, response.session_id  # type: ignore[attr-defined]
        sent, self.sent = self.sent, None
        if error or not session_id or sent is None:
            if error not in (0, FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH):
                log.warning("fetch session refused", extra={"error_code": error})
            self.reset()
            return response
        if self.session_id != session_id:
            self.session_id, self.epoch = session_id, 0
        self.epoch = self.epoch + 1 if self.epoch < 2**31 - 1 else 1  # after the maximum, epochs start again at 1
        self.known = sent
        return response


def _fetch_in_sessions() -> None:
    """aiokafka's fetcher, each of its requests shaped by the session it keeps with that broker."""
    from aiokafka.consumer.fetcher import Fetcher
    from aiokafka.protocol.fetch import FetchRequest

    if getattr(Fetcher._proc_fetch_request, "in_sessions", False):
        return
    original = Fetcher._proc_fetch_request

    class SessionFetchRequest(FetchRequest):
        """aiokafka's request (its `topics` still say what was asked for, for reading the answer), built for a
        session's next fetch when the broker speaks version 11."""

        session: FetchSession

        def build(self, request_struct_class: Any) -> Any:
            built = super().build(request_struct_class)
            if request_struct_class is FetchRequest_v11:
                self.session.shape(built)
            else:
                self.session.reset()
            return built

    async def in_session(self: Any, assignment: Any, node_id: int, request: FetchRequest) -> bool:
        sessions: dict[int, FetchSession] = self.__dict__.setdefault("_wellwon_fetch_sessions", {})
        shaped = SessionFetchRequest.__new__(SessionFetchRequest)
        shaped.__dict__.update(request.__dict__)
        shaped.session = sessions.setdefault(node_id, FetchSession())
        result: bool = await original(self, assignment, node_id, shaped)
        return result

    in_session.in_sessions = True  # type: ignore[attr-defined]
    Fetcher._proc_fetch_request = in_session  # type: ignore[method-assign]


def install() -> None:
    """Use these for version 11 in this process, in fetch sessions (idempotent)."""
    FetchRequest_v11.encode = encode_fetch_request_v11  # type: ignore[method-assign]
    FetchResponse_v11.decode = classmethod(decode_fetch_response_v11)  # type: ignore[method-assign, assignment, arg-type]
    _fetch_in_sessions()
