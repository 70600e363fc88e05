"""Projection of report schedule events: each tenant's schedule, read by the API and the reports' Dagster schedule."""

from __future__ import annotations

from typing import Any

from sinks.postgres.state import History, StateProjection
from streams.report_schedule.decider import ReportSchedule
from streams.report_schedule.domain import REPORT_SCHEDULE
from wellwon.envelope import Envelope

DDL = (
    """CREATE TABLE IF NOT EXISTS report_schedules (
        id text PRIMARY KEY,
        tenant_id text NOT NULL,
        cadence text NOT NULL,
        timezone text NOT NULL,
        language text NOT NULL,
        contacts text[] NOT NULL,
        enabled boolean NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        version bigint NOT NULL
    )""",
)


def columns(state: ReportSchedule, envelope: Envelope, event: Any) -> dict[str, Any]:
    return {
        "cadence": str(state.cadence),
        "timezone": state.timezone,
        "language": str(state.language),
        "contacts": list(state.contacts),
        "enabled": state.enabled,
    }


REPORT_SCHEDULES = StateProjection(
    domain=REPORT_SCHEDULE,
    table="report_schedules",
    table_ddl=DDL,
    columns=columns,
    history=History("report_schedule_history", "schedule_id"),
)
REPORT_SCHEDULE_PROJECTION = REPORT_SCHEDULES.projection()
