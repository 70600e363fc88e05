"""The request-to-push path cut into stages, from the times each command was seen at each point.

The points (wall-clock seconds; Kafka's are the records' timestamps, whole milliseconds):
- sent: the client sends the HTTP request;
- issued: the API makes the command (its envelope's `occurred_at`: the request passed the edge, auth and checks);
- command: the API's command record is written to Kafka;
- event: the engine's event record is written;
- outcome: the engine's outcome record is written;
- pushed: the push sink's message arrives on Redis (a subscriber of the user's channel);
- projected: the Postgres sink announces the event's version applied (on Redis);
- delivered: the event arrives on the client's WebSocket;
- answered: the HTTP answer arrives (the API answers once the outcome is in and its effects are readable).

The push path is sent -> issued -> command -> event -> pushed -> delivered; outcome, projection and the HTTP answer run
beside it and are shown apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PUSH_PATH = (
    ("HTTP: request -> command issued (client, API)", "sent", "issued"),
    ("API: command issued -> in Kafka", "issued", "command"),
    ("engine: command -> event in Kafka", "command", "event"),
    ("push sink: event -> Redis", "event", "pushed"),
    ("socket: Redis -> WebSocket (API hub)", "pushed", "delivered"),
)
BESIDE_PATH = (
    ("outcome: command -> outcome in Kafka", "command", "outcome"),
    ("projection: event -> applied in Postgres", "event", "projected"),
    ("API hold: command issued -> response", "issued", "answered"),
    ("API answer: applied in Postgres -> response", "projected", "answered"),
    ("HTTP answer: request -> response", "sent", "answered"),
)


@dataclass(frozen=True)
class StageFigures:
    name: str
    samples: int
    p50: float
    p99: float


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def stage_figures(
    seen: Mapping[str, Mapping[str, float]], stages: tuple[tuple[str, str, str], ...]
) -> list[StageFigures]:
    """Per stage, p50 and p99 of (to - from) over the commands seen at both points (`seen`: point -> command ->
    time)."""
    figures = []
    for name, start, end in stages:
        durations = [seen[end][c] - at for c, at in seen[start].items() if c in seen[end]]
        if durations:
            figures.append(StageFigures(name, len(durations), percentile(durations, 0.5), percentile(durations, 0.99)))
        else:
            figures.append(StageFigures(name, 0, float("nan"), float("nan")))
    return figures


def slowest(figures: list[StageFigures]) -> StageFigures:
    """The stage with the highest p99 (the one to work on for the path's p99)."""
    measured = [f for f in figures if f.samples]
    if not measured:
        raise ValueError("no stage was measured")
    return max(measured, key=lambda f: f.p99)


def stage_lines(seen: Mapping[str, Mapping[str, float]]) -> list[str]:
    """The printed table: the push path's stages, the slowest named, then the stages beside the path."""
    path = stage_figures(seen, PUSH_PATH)
    lines = [f"{'stage (milliseconds)':48} {'n':>6} {'p50':>8} {'p99':>8}"]
    lines += [f"{f.name:48} {f.samples:6} {f.p50 * 1000:8.1f} {f.p99 * 1000:8.1f}" for f in path]
    lines.append(f"slowest stage of the push path by p99: {slowest(path).name}")
    lines += [f"  beside: {f.name:40} {f.samples:6} {f.p50 * 1000:8.1f} {f.p99 * 1000:8.1f}"
              for f in stage_figures(seen, BESIDE_PATH)]  # fmt: skip
    return lines
