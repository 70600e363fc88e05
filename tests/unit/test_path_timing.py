"""The engine benchmark's stage table: each stage is the time between its two points, and the slowest is named."""

from __future__ import annotations

import math

from benchmarks.path_timing import PUSH_PATH, slowest, stage_figures, stage_lines


def seen_for(commands: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    points = ("sent", "issued", "command", "event", "outcome", "pushed", "projected", "delivered", "answered")
    return {point: {c: times[point] for c, times in commands.items() if point in times} for point in points}


def test_each_stage_is_the_time_between_its_points_over_the_commands_seen_at_both() -> None:
    seen = seen_for(
        {
            # engine 0.030 s; the push sink 0.002 s
            "a": {"sent": 0.0, "issued": 0.003, "command": 0.004, "event": 0.034, "pushed": 0.036, "delivered": 0.037},
            # engine 0.010 s; never delivered: counted in the stages it passed only
            "b": {"sent": 1.0, "issued": 1.001, "command": 1.003, "event": 1.013, "pushed": 1.020},
        }
    )
    figures = {f.name: f for f in stage_figures(seen, PUSH_PATH)}
    engine = figures["engine: command -> event in Kafka"]
    assert engine.samples == 2
    assert math.isclose(engine.p50, 0.030) or math.isclose(engine.p50, 0.010)
    assert math.isclose(engine.p99, 0.030)
    socket = figures["socket: Redis -> WebSocket (API hub)"]
    assert socket.samples == 1
    assert math.isclose(socket.p99, 0.001)
    assert slowest(list(figures.values())).name == "engine: command -> event in Kafka"


def test_a_stage_nobody_passed_is_shown_unmeasured_and_never_named_slowest() -> None:
    seen = seen_for({"a": {"sent": 0.0, "issued": 0.15, "command": 0.2, "event": 0.21}})
    figures = stage_figures(seen, PUSH_PATH)
    assert [f.samples for f in figures] == [1, 1, 1, 0, 0]
    assert slowest(figures).name == "HTTP: request -> command issued (client, API)"
    lines = stage_lines(seen)
    assert "slowest stage of the push path by p99: HTTP: request -> command issued (client, API)" in lines
    assert any(line.startswith("HTTP: request -> command issued") and line.endswith("150.0") for line in lines)
    assert any(line.startswith("API: command issued -> in Kafka") and line.endswith("50.0") for line in lines)
