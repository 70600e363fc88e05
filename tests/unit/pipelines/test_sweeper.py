"""The orphan sweeper without a store: which objects it deletes, and its place in the code location."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import DefaultScheduleStatus

import pipelines
from pipelines.resources import StoredObject
from pipelines.sweeper import DEFAULT_GRACE_SECONDS, SweepConfig, orphans

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_only_unreferenced_objects_older_than_the_grace_period_are_orphans() -> None:
    listed = [
        StoredObject("t/documents/a/v1", NOW - timedelta(hours=5)),  # referenced: kept however old
        StoredObject("t/documents/b/v1", NOW - timedelta(hours=2)),  # unreferenced and old: an orphan
        StoredObject("t/documents/c/v1", NOW - timedelta(minutes=10)),  # unreferenced but recent: kept
    ]
    deleted, too_recent = orphans(listed, {"t/documents/a/v1"}, NOW - timedelta(hours=1))
    assert (deleted, too_recent) == (["t/documents/b/v1"], 1)
    assert orphans(listed, set(), NOW) == (["t/documents/a/v1", "t/documents/b/v1", "t/documents/c/v1"], 0)


def test_the_sweep_runs_daily_with_an_hour_of_grace_unless_configured() -> None:
    defs = pipelines.defs
    job = defs.resolve_job_def("sweep_documents")
    schedule = next(s for s in defs.schedules or [] if s.name == "daily_document_sweep")
    assert schedule.job_name == job.name and schedule.cron_schedule == "17 3 * * *"
    assert schedule.default_status == DefaultScheduleStatus.RUNNING
    assert SweepConfig().grace_seconds == DEFAULT_GRACE_SECONDS == 3600
    assert SweepConfig(grace_seconds=60).grace_seconds == 60
