"""What Faust's sensors cost the stream worker per record: its default monitor against the worker's `QuietMonitor`.

Run: `python -m benchmarks.monitor_bench [--records N] [--rounds R]` (in process, a few seconds, no stack needed).

Per record the worker's Faust calls its sensors when the record comes in, when a stream takes it and is done with
it, when it is acknowledged, and for each record it sends (an engine command sends about three: event, outcome,
aggregate). Timed here through Faust's own `SensorDelegate`, as the worker calls them: one record in and one send per
step. The baseline is the delegate with no sensor at all (the calls themselves), measured in the same run; the
figures are the best of the rounds.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import faust
from faust.sensors.base import SensorDelegate
from faust.sensors.monitor import Monitor
from faust.types import TP
from faust.types.tuples import Message

from streams.monitor import QuietMonitor


class _Owner:
    """A stream's task owner (Faust's monitor keys its counts by it, weakly)."""


class _Stream:
    def __init__(self) -> None:
        self.task_owner = _Owner()


def per_record(delegate: SensorDelegate, records: int) -> float:
    """Seconds per record of the sensor calls one record in and one record sent make."""
    tp, stream = TP("bench.commands", 0), _Stream()
    message = Message("bench.commands", 0, 0, 0.0, 0, None, b"key", b"value", None)
    started = time.perf_counter()
    for offset in range(records):
        delegate.on_message_in(tp, offset, message)
        state = delegate.on_stream_event_in(tp, offset, stream, None)  # type: ignore[arg-type]
        delegate.on_stream_event_out(tp, offset, stream, None, state)  # type: ignore[arg-type]
        delegate.on_message_out(tp, offset, message)
        sent = delegate.on_send_initiated(None, "bench.events", None, 3, 5)  # type: ignore[arg-type]
        delegate.on_send_completed(None, sent, None)  # type: ignore[arg-type]
    return (time.perf_counter() - started) / records


def delegate_with(app: faust.App, sensor: Any | None) -> SensorDelegate:
    delegate = SensorDelegate(app)
    if sensor is not None:
        delegate.add(sensor)
    return delegate


def main(records: int, rounds: int) -> None:
    app = faust.App("monitor-bench", broker="kafka://127.0.0.1:1")  # never connects
    contenders: dict[str, Callable[[], SensorDelegate]] = {
        "no sensor (baseline)": lambda: delegate_with(app, None),
        "Faust's default Monitor": lambda: delegate_with(app, Monitor()),
        "the worker's QuietMonitor": lambda: delegate_with(app, QuietMonitor()),
    }
    best = {name: min(per_record(make(), records) for _ in range(rounds)) for name, make in contenders.items()}
    baseline = best["no sensor (baseline)"]
    print(f"Faust's sensor calls per record (one in, one sent), {records:,} records, best of {rounds}")
    print(f"{'sensors':<28}{'us/record':>10}{'vs baseline':>13}")
    for name, seconds in best.items():
        print(f"{name:<28}{seconds * 1e6:>10.2f}{seconds / baseline:>13.2f}")
    saved = best["Faust's default Monitor"] - best["the worker's QuietMonitor"]
    print(f"saved per record: {saved * 1e6:.2f} us")


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    main(args.records, args.rounds)


if __name__ == "__main__":
    cli()
