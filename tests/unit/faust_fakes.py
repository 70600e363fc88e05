"""What the offset checks read of Faust's records and signals, without a Faust app: one set of fakes for the engine's
and the EDI agent's tests."""

from __future__ import annotations

from typing import Any

from faust.types import TP
from mode.utils.queues import FlowControlEvent


class Signal:
    def connect(self, receiver: Any) -> None:
        self.receiver = receiver


class App:
    """What the offset checks use of a Faust app: its consumer, its rebalance state and signals, its flow control (the
    real one of `mode`), and its timers (registered, not run)."""

    def __init__(self, consumer: Any):
        self.consumer = consumer
        self.rebalancing = self.in_recovery = False
        self.on_partitions_revoked, self.on_partitions_assigned = Signal(), Signal()
        self.flow_control = FlowControlEvent()
        self.timers: list[tuple[float, Any]] = []

    def timer(self, interval: float) -> Any:
        def register(fun: Any) -> Any:
            self.timers.append((interval, fun))
            return fun

        return register


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
