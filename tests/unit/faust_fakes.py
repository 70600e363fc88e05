"""What the offset checks read of Faust's records and signals, without a Faust app: one set of fakes for the engine's
and the EDI agent's tests."""

from __future__ import annotations

from typing import Any

from faust.types import TP


class Signal:
    def connect(self, receiver: Any) -> None:
        self.receiver = receiver


class Message:
    def __init__(self, topic: str, partition: int, offset: int):
        self.topic, self.partition, self.offset = topic, partition, offset
        self.tp = TP(topic, partition)
        self.refcount = 0  # Faust acknowledges a record when its count falls to 0 after the batch loop's decref

    def incref(self) -> None:
        self.refcount += 1


class Event:
    def __init__(self, topic: str, partition: int, offset: int):
        self.message = Message(topic, partition, offset)
