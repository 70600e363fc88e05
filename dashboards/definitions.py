"""The dashboards and their panels. Panel SQL reads `tenant_events`, never `events`: the query
layer (`dashboards/query.py`) defines `tenant_events` as the caller's tenant's rows only."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Chart(StrEnum):
    LINE = "line"
    BAR = "bar"
    TABLE = "table"
    NUMBER = "number"


@dataclass(frozen=True)
class Panel:
    id: str
    title: str
    sql: str
    chart: Chart


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    panels: tuple[Panel, ...]


ACTIVITY = Dashboard(
    id="activity",
    title="Company activity",
    panels=(
        Panel(
            "events_per_day",
            "Events per day (30 days)",
            "SELECT toDate(occurred_at) AS day, count() AS events FROM tenant_events"
            " WHERE occurred_at >= now() - INTERVAL 30 DAY GROUP BY day ORDER BY day",
            Chart.LINE,
        ),
        Panel(
            "events_by_type",
            "Events by type",
            "SELECT event_type, count() AS events FROM tenant_events GROUP BY event_type ORDER BY events DESC",
            Chart.BAR,
        ),
        Panel(
            "active_people",
            "People active in the last 7 days",
            "SELECT uniqExact(actor_id) AS people FROM tenant_events"
            " WHERE actor_id != '' AND occurred_at >= now() - INTERVAL 7 DAY",
            Chart.NUMBER,
        ),
        Panel(
            "busiest_aggregates",
            "Most changed records",
            "SELECT aggregate_type, aggregate_id, count() AS changes FROM tenant_events"
            " GROUP BY aggregate_type, aggregate_id ORDER BY changes DESC LIMIT 10",
            Chart.TABLE,
        ),
    ),
)

DASHBOARDS: dict[str, Dashboard] = {d.id: d for d in (ACTIVITY,)}
