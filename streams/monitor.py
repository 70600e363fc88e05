"""The stream worker's Faust monitor: what Faust itself reads from it, and no per-record statistics.

Faust's default `Monitor` is a sensor called for every record received, every stream event in and out, every
record acknowledged, every send initiated and completed and every table read and write: counters by topic and by
stream (through weak-keyed lookups), timestamps, and deques of latencies that only Faust's web views and metrics
exporters read. The worker runs with `web_enabled=False` and exports none of them. A record in and a record sent
cost 6.2 us of sensor calls with it, 2.5 us with this one (`python -m benchmarks.monitor_bench`). Faust itself reads
`stream_inbound_time` (its check for streams that stopped, `verify_event_path`), which this monitor keeps; the hooks
Faust calls per partition, not per record (end offsets, commits, full buffers), stay Faust's own.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

from faust.sensors.monitor import Monitor
from faust.types import TP


class QuietMonitor(Monitor):
    def on_message_in(self, tp: TP, offset: int, message: Any) -> None:
        pass

    def on_stream_event_in(self, tp: TP, offset: int, stream: Any, event: Any) -> dict[str, Any] | None:
        self.stream_inbound_time[tp] = monotonic()  # what Faust's stalled-stream check reads
        return None

    def on_stream_event_out(self, tp: TP, offset: int, stream: Any, event: Any, state: Any = None) -> None:
        pass

    def on_message_out(self, tp: TP, offset: int, message: Any) -> None:
        pass

    def on_table_get(self, table: Any, key: Any) -> None:
        pass

    def on_table_set(self, table: Any, key: Any, value: Any) -> None:
        pass

    def on_table_del(self, table: Any, key: Any) -> None:
        pass

    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> Any:
        return None

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        pass
