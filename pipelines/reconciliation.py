"""Daily duty reconciliation: per declaration released that day and payment type, the four figures compared.

A daily partitioned asset (`duty_reconciliation`, partition = the UTC day of release). Its run reads, across
tenants, the declarations released that day (their folded state: the items as filed and as corrected, the
authority's assessed payments), each tenant's tariff tables, and what finance paid for each declaration (the
ledger's duty postings for `declaration:<id>`, less refunds); builds the Polars frame of figures, classifies the
differences (pipelines/reconciliation_frame.py, pure) and sends each finding to its declaration as
`RecordReconciliationFinding` (pipeline role). The declaration records a finding once per (payment type, day,
class), so re-running a day records nothing new. A schedule reconciles each day shortly after it ends.
"""

# No `from __future__ import annotations`: Dagster reads the parameters' real types (context, resources).

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    DailyPartitionsDefinition,
    DefaultScheduleStatus,
    MaterializeResult,
    RunRequest,
    ScheduleEvaluationContext,
    asset,
    define_asset_job,
    in_process_executor,
    schedule,
)

from pipelines.pipeline import Pipeline
from pipelines.reconciliation_frame import Reconciled, explanation, figures_frame, figures_of, findings, roubles
from pipelines.resources import CommandProducer, PipelineCommand, ReadModels, pipeline_command_id
from pipelines.work_queue import transient_retries

PIPELINE = "duty_reconciliation"
DOMAIN = "customs_declaration"
# Today is a partition too (end_offset=1): an operator may reconcile the releases so far; the schedule takes
# each day once it has ended.
RELEASE_DAYS = DailyPartitionsDefinition(start_date="2024-01-01", timezone="UTC", end_offset=1)

RELEASED_ON = """SELECT id, tenant_id, state FROM customs_declarations
                 WHERE status = 'released' AND (state->>'released_at')::timestamptz >= %s
                   AND (state->>'released_at')::timestamptz < %s
                 ORDER BY tenant_id, id"""
# Finance's payments per declaration (kopecks): postings of the duty, less what was reversed (a refund).
PAID = """SELECT reference, coalesce(sum(CASE WHEN kind IN ('post', 'posted') THEN amount
                                              WHEN kind = 'reversal' THEN -amount ELSE 0 END), 0)
          FROM ledger_transfers WHERE code = 'duty' AND reference = ANY(%s) GROUP BY reference"""
TABLES = "SELECT tenant_id, state FROM customs_tariff_tables WHERE tenant_id = ANY(%s)"


def released_on(read_models: ReadModels, day: date) -> tuple[list[Reconciled], dict[str, Any]]:
    """The declarations released on `day` (UTC) with what was paid for each, and each tenant's tariff tables."""
    from pydantic import TypeAdapter

    from streams.customs.declaration import Declaration
    from streams.customs_tariff.tables import TariffTable, tariff_tables

    start = datetime.combine(day, time(), UTC)
    with read_models.connect() as conn:
        rows = conn.execute(RELEASED_ON, (start, start + timedelta(days=1))).fetchall()
        references = [f"declaration:{declaration_id}" for declaration_id, _, _ in rows]
        paid = dict(conn.execute(PAID, (references,)).fetchall()) if rows else {}
        tenants = sorted({tenant for _, tenant, _ in rows})
        table_rows = conn.execute(TABLES, (tenants,)).fetchall() if rows else []
    declaration, table = TypeAdapter(Declaration), TypeAdapter(TariffTable)
    by_tenant: dict[str, dict[Any, Any]] = {}
    for tenant, state in table_rows:
        loaded = table.validate_python(state)
        if loaded.kind is not None:
            by_tenant.setdefault(tenant, {})[loaded.kind] = loaded
    tables = {tenant: tariff_tables(by_tenant.get(tenant, {})) for tenant in tenants}
    reconciled = [
        Reconciled(tenant, declaration_id, declaration.validate_python(state), day,
                   int(paid.get(f"declaration:{declaration_id}", 0)))
        for declaration_id, tenant, state in rows
    ]  # fmt: skip
    return reconciled, tables


def finding_commands(day: date, found: Sequence[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(tenant, declaration, command) per finding row."""
    from decimal import Decimal

    from streams.customs.commands import RecordReconciliationFinding
    from streams.customs.reconciliation import DifferenceClass

    def money(kopecks: int) -> Decimal:
        return roubles(kopecks)

    return [
        (row["tenant_id"], row["declaration_id"], RecordReconciliationFinding(
            day, row["payment_code"], DifferenceClass(row["difference_class"]), money(row["calculated"]),
            money(row["declared"]), money(row["assessed"]), money(row["paid"]), money(row["difference"]),
            explanation(row),
        ))
        for row in found
    ]  # fmt: skip


@asset(
    partitions_def=RELEASE_DAYS,
    retry_policy=transient_retries(),
    description="Per declaration released that day and payment type: calculated, declared, assessed and paid, "
    "differences classified and sent to the declaration as findings.",
)
def duty_reconciliation(
    context: AssetExecutionContext, read_models: ReadModels, commands: CommandProducer
) -> MaterializeResult:  # type: ignore[type-arg]
    from streams.customs.reconciliation import finding_key

    day = date.fromisoformat(context.partition_key)
    reconciled, tables = released_on(read_models, day)
    figures = figures_frame(row for r in reconciled for row in figures_of(r, tables[r.tenant_id]))
    found = findings(figures).to_dicts()
    for tenant, declaration_id, command in finding_commands(day, found):
        subject = f"{declaration_id}|{finding_key(day, command.payment_code, command.difference_class)}"
        command_id = pipeline_command_id(PIPELINE, subject, context.run_id, "record")
        commands.send(PipelineCommand(DOMAIN, declaration_id, tenant, command, command_id, PIPELINE, context.run_id))
    classes = Counter(row["difference_class"] for row in found)
    refunds = sum(row["difference"] for row in found if row["difference_class"] == "overpayment")
    return MaterializeResult(
        metadata={
            "declarations": len(reconciled),
            "lines": figures.height,
            "findings": len(found),
            **{f"findings.{name}": count for name, count in sorted(classes.items())},
            "refund_claims_rub": str(roubles(refunds)),
        }
    )


reconcile_duties = define_asset_job(
    "reconcile_duties", AssetSelection.assets(duty_reconciliation), executor_def=in_process_executor
)


@schedule(
    cron_schedule="0 1 * * *", job=reconcile_duties, execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING, name="daily_duty_reconciliation",
    description="Reconciles each day an hour after it ends (releases recorded late in the day are in by then).",
)  # fmt: skip
def daily_reconciliation(context: ScheduleEvaluationContext) -> RunRequest:
    assert context.scheduled_execution_time is not None  # a schedule's tick always has its time
    day = (context.scheduled_execution_time.astimezone(UTC) - timedelta(days=1)).date().isoformat()
    return RunRequest(run_key=day, partition_key=day)


RECONCILIATION = Pipeline(
    name=PIPELINE,
    assets=(duty_reconciliation,),
    jobs=(reconcile_duties,),
    schedules=(daily_reconciliation,),
)
