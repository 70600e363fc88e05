"""Scheduled compliance reports: per tenant and period, a PDF and an XLSX stored as documents and mailed.

A Dagster schedule ticks (hourly by default) and asks the report schedules' read model which tenants have a
period that has just ended where they are (their cadence, their timezone); it requests one run per tenant and
period, partition and run key `<tenant_id>:<period>` (2026-11-29, 2026-W48, 2026-11), so a period is never
reported twice by the schedule however often it ticks. The run reads the tenant's rows as the API would (row
level security), renders both files (reports/), stores each as a `compliance_report` document of the tenant
through the document domain (the object store, then a command with the `pipeline` role) and mails both to the
compliance contacts. The files are the same bytes for the same data: a re-run of a period stores no new version
(the document refuses a file it already has) unless the data changed.

Operators run a period now with `wellwon reports run <tenant_id> <period>` (`run_now`).
"""

# No `from __future__ import annotations`: Dagster reads the parameters' real types (context, resources).

import asyncio
import dataclasses
import hashlib
import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dagster import (
    AssetExecutionContext,
    DagsterInstance,
    DefaultScheduleStatus,
    DynamicPartitionsDefinition,
    MaterializeResult,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    SkipReason,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)

from pipelines.pipeline import Pipeline
from pipelines.resources import CommandProducer, PipelineCommand, ReadModels, pipeline_command_id
from pipelines.work_queue import Work, transient_retries
from wellwon.config import Settings

PIPELINE = "compliance_reports"
REPORT_PERIODS = DynamicPartitionsDefinition(name="report_periods")
# Hourly: a tenant's period ends at its own local midnight, whatever its timezone's offset.
CRON = os.environ.get("WELLWON_REPORTS_CRON", "0 * * * *")
TENANT_TAG = "wellwon/tenant"
PARTITION_TAG = "dagster/partition"
MAX_TRIES = 3  # runs of a period that failed before the schedule stops requesting it (an operator may run it)
REPORT_NAMESPACE = uuid.UUID("5b0f3c2e-7d4a-4e8b-9a61-c3d2e1f0a9b8")
SCHEDULES = """SELECT tenant_id, cadence, timezone, language, contacts, enabled FROM report_schedules"""


@dataclasses.dataclass(frozen=True)
class TenantSchedule:
    tenant_id: str
    cadence: str
    timezone: str
    language: str
    contacts: tuple[str, ...]
    enabled: bool


UNSCHEDULED = ("monthly", "UTC", "ru", (), False)  # a tenant without a schedule may still be reported (run now)


def report_key(tenant_id: str, period_key: str) -> str:
    return f"{tenant_id}:{period_key}"


def parse_report_key(key: str) -> tuple[str, str]:
    tenant_id, separator, period_key = key.rpartition(":")
    if not separator or not tenant_id or not period_key:
        raise ValueError(f"not a report's partition key: {key!r}")
    return tenant_id, period_key


def report_document_id(tenant_id: str, period_key: str, kind: str) -> str:
    """The same document for a tenant's period and kind (pdf, xlsx) every run: re-runs add versions to it."""
    return str(uuid.uuid5(REPORT_NAMESPACE, f"{tenant_id}|{period_key}|{kind}"))


def schedules(read_models: ReadModels, tenant_id: str | None = None) -> list[TenantSchedule]:
    query = SCHEDULES + (" WHERE tenant_id = %s" if tenant_id else "") + " ORDER BY tenant_id"
    with read_models.connect() as conn:
        rows = conn.execute(query, (tenant_id,) if tenant_id else ()).fetchall()
    return [TenantSchedule(r[0], r[1], r[2], r[3], tuple(r[4]), r[5]) for r in rows]


def schedule_of(read_models: ReadModels, tenant_id: str) -> TenantSchedule:
    found = schedules(read_models, tenant_id)
    return found[0] if found else TenantSchedule(tenant_id, *UNSCHEDULED)


def due_reports(found: Sequence[TenantSchedule], now: datetime) -> list[Work]:
    """The period each enabled tenant's schedule has most recently completed at `now`: the report it is due."""
    from reports.periods import last_completed
    from streams.report_schedule.commands import Cadence

    return [
        Work(
            report_key(s.tenant_id, last_completed(Cadence(s.cadence), s.timezone, now).key), {TENANT_TAG: s.tenant_id}
        )
        for s in found
        if s.enabled
    ]


def run_settings(commands: CommandProducer, read_models: ReadModels) -> Settings:
    """The platform's settings in the namespace the resources were configured for."""
    return dataclasses.replace(
        Settings(), kafka_bootstrap=commands.kafka_bootstrap, postgres_dsn=read_models.postgres_dsn,
        namespace=read_models.namespace,
    )  # fmt: skip


def stored_versions(read_models: ReadModels, tenant_id: str, document_id: str) -> dict[str, int]:
    """The versions a report document already has in the read model, by SHA-256."""
    with read_models.connect() as conn:
        rows = conn.execute(
            "SELECT sha256, version FROM document_versions WHERE tenant_id = %s AND document_id = %s",
            (tenant_id, document_id),
        ).fetchall()
    return {str(sha): int(version) for sha, version in rows}


def store_report_file(
    commands: CommandProducer, read_models: ReadModels, settings: Settings, partition_key: str, run_id: str,
    kind: str, data: bytes, content_type: str, filename: str, title: str,
) -> dict[str, Any]:  # fmt: skip
    """The file as the report document's next version (the first: a new document), unless it has it already."""
    from streams.document.commands import AddVersion, DocumentType, StoredFile, UploadDocument
    from streams.document.decider import object_key
    from wellwon.object_store import object_store

    tenant_id, period_key = parse_report_key(partition_key)
    document_id = report_document_id(tenant_id, period_key, kind)
    sha256 = hashlib.sha256(data).hexdigest()
    versions = stored_versions(read_models, tenant_id, document_id)
    if sha256 in versions:
        return {"document_id": document_id, "version": versions[sha256], "sha256": sha256, "stored": False}
    version = max(versions.values(), default=0) + 1
    key = object_key(tenant_id, document_id, version)
    object_store(settings).put(key, data, content_type)
    file = StoredFile(key, content_type, len(data), sha256, filename, 1)
    command: Any = (
        UploadDocument(document_id, DocumentType.COMPLIANCE_REPORT, file, title)
        if version == 1
        else AddVersion(document_id, file)
    )
    command_id = pipeline_command_id(PIPELINE, partition_key, run_id, f"store-{kind}")
    commands.send(PipelineCommand("document", document_id, tenant_id, command, command_id, PIPELINE, run_id))
    return {"document_id": document_id, "version": version, "sha256": sha256, "stored": True}


LETTER = {
    "ru": ("{title}: {period}", "Во вложении отчёт о соблюдении требований {company} за период {period} (PDF и XLSX)."),
    "en": ("{title}: {period}", "Attached is {company}'s compliance report for {period} (PDF and XLSX)."),
}


def mail_report(settings: Settings, contacts: Sequence[str], report: Any, pdf: bytes, xlsx: bytes, base: str) -> None:
    from api.mailer import Attachment, Mailer
    from reports.render import PDF, XLSX

    subject, body = LETTER.get(report.language, LETTER["en"])
    words = {"title": report.title, "period": report.period.key, "company": report.company}
    attachments = (Attachment(f"{base}.pdf", PDF, pdf), Attachment(f"{base}.xlsx", XLSX, xlsx))

    async def send_all() -> None:
        mailer = Mailer(settings)
        try:
            for contact in contacts:
                await mailer.send(contact, subject.format(**words), body.format(**words), attachments=attachments)
        finally:
            await mailer.close()

    asyncio.run(send_all())


@asset(
    partitions_def=REPORT_PERIODS,
    retry_policy=transient_retries(),
    description="A tenant's compliance report for a period: PDF and XLSX stored as documents, mailed to its contacts.",
)
def compliance_report(
    context: AssetExecutionContext, commands: CommandProducer, read_models: ReadModels
) -> MaterializeResult:  # type: ignore[type-arg]
    from reports.content import assemble
    from reports.periods import period_of
    from reports.read import report_rows
    from reports.render import PDF, XLSX, rendered

    tenant_id, period_key = parse_report_key(context.partition_key)
    settings = run_settings(commands, read_models)
    setting = schedule_of(read_models, tenant_id)
    period = period_of(period_key, setting.timezone)
    report = assemble(tenant_id, period, setting.language, asyncio.run(report_rows(settings, tenant_id, period)))
    files = rendered(report)
    title = f"{report.title} {period.key}"
    stored = {
        kind: store_report_file(
            commands, read_models, settings, context.partition_key, context.run_id, kind, data, media,
            f"{files.base_name}.{kind}", title,
        )
        for kind, data, media in (("pdf", files.pdf, PDF), ("xlsx", files.xlsx, XLSX))
    }  # fmt: skip
    mail_report(settings, setting.contacts, report, files.pdf, files.xlsx, files.base_name)
    return MaterializeResult(
        metadata={
            "tenant": tenant_id,
            "period": period.key,
            "sections": {section.key: len(section.rows) for section in report.sections},
            "pdf": stored["pdf"],
            "xlsx": stored["xlsx"],
            "mailed_to": len(setting.contacts),
        }
    )


report_job = define_asset_job("compliance_reports_job", [compliance_report], executor_def=in_process_executor)


def already_run(instance: DagsterInstance, partition_key: str) -> bool:
    """Whether the period has a run that has not failed (queued, running or done), or has failed `MAX_TRIES` times."""
    from dagster import DagsterRunStatus, RunsFilter

    runs = instance.get_runs(RunsFilter(job_name=report_job.name, tags={PARTITION_TAG: partition_key}))
    failed = [r for r in runs if r.status in (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)]
    return len(runs) > len(failed) or len(failed) >= MAX_TRIES


def report_schedule(cron: str = CRON) -> ScheduleDefinition:
    @schedule(
        name="compliance_reports", cron_schedule=cron, job=report_job, execution_timezone="UTC",
        default_status=DefaultScheduleStatus.RUNNING,
        description="Requests each tenant's report for the period its own schedule has just completed.",
    )  # fmt: skip
    def due(context: ScheduleEvaluationContext, read_models: ReadModels) -> list[RunRequest] | SkipReason:
        now = context.scheduled_execution_time or datetime.now(UTC)
        # A schedule's run key holds within one tick only: the periods already run (or tried enough) are left out.
        work = [
            w for w in due_reports(schedules(read_models), now) if not already_run(context.instance, w.partition_key)
        ]
        if not work:
            return SkipReason("every tenant's due report has been run")
        name = REPORT_PERIODS.name
        assert name is not None
        unknown = [w.partition_key for w in work if not context.instance.has_dynamic_partition(name, w.partition_key)]
        if unknown:
            context.instance.add_dynamic_partitions(name, unknown)
        # The run key: a period already reported by this schedule is skipped by Dagster on every later tick.
        return [RunRequest(run_key=w.partition_key, partition_key=w.partition_key, tags=dict(w.tags)) for w in work]

    return due


def reports_pipeline(cron: str = CRON) -> Pipeline:
    return Pipeline(name=PIPELINE, assets=(compliance_report,), jobs=(report_job,), schedules=(report_schedule(cron),))


REPORTS = reports_pipeline()


def run_now(tenant_id: str, period_key: str, settings: Settings, instance: DagsterInstance | None = None) -> Any:
    """Report a tenant's period now, in this process (an operator's re-run; also a period not yet over)."""
    from dagster import materialize

    from pipelines.resources import platform_resources
    from reports.periods import period_of

    period_of(period_key, "UTC")  # refuses a malformed period before anything is stored
    key = report_key(tenant_id, period_key)
    instance = instance or DagsterInstance.get()
    name = REPORT_PERIODS.name
    assert name is not None
    if not instance.has_dynamic_partition(name, key):
        instance.add_dynamic_partitions(name, [key])
    return materialize(
        [compliance_report], partition_key=key, instance=instance, resources=platform_resources(settings),
        tags={TENANT_TAG: tenant_id},
    )  # fmt: skip


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m pipelines.reports run <tenant_id> <period>`: an operator's "run now" of a tenant's report, in
    the stack's Dagster instance (DAGSTER_HOME, else .local/dagster), so the run shows in its UI."""
    import argparse

    from stack.dagster import HOME

    parser = argparse.ArgumentParser(prog="python -m pipelines.reports", description="compliance reports")
    actions = parser.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="report a tenant's period now (2026-11-29, 2026-W48 or 2026-11)")
    run.add_argument("tenant_id")
    run.add_argument("period")
    args = parser.parse_args(argv)
    os.environ.setdefault("DAGSTER_HOME", str(HOME))
    result = run_now(args.tenant_id, args.period, Settings())
    metadata = result.asset_materializations_for_node("compliance_report")[0].metadata
    print(f"report {args.tenant_id}:{args.period}: run {result.run_id}, "
          f"pdf {metadata['pdf'].value}, xlsx {metadata['xlsx'].value}")  # fmt: skip


if __name__ == "__main__":
    main()
