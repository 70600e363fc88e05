"""The orphan sweeper's Dagster job on the real stack (S3Proxy, Postgres read model): an object no document version
references is deleted once older than the grace period; a version's object and other namespaces' objects stay."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from dagster import DagsterInstance, DagsterRunStatus, ExecuteInProcessResult

from pipelines.definitions import PIPELINES
from pipelines.pipeline import definitions_of
from pipelines.sweeper import sweep_documents, sweep_orphaned_documents
from stack.processes import PlatformProcesses
from tests.document_samples import pdf_bytes
from tests.integration.document_steps import objects_of, uploaded
from tests.integration.observe import company_owner
from wellwon.object_store import ObjectStore


def swept(platform: PlatformProcesses, instance: DagsterInstance, grace_seconds: int) -> ExecuteInProcessResult:
    """One run of the sweep job in the platform's namespace, with this grace period."""
    job = definitions_of(PIPELINES, platform.settings).resolve_job_def(sweep_documents.name)
    config = {"ops": {sweep_orphaned_documents.name: {"config": {"grace_seconds": grace_seconds}}}}
    result = job.execute_in_process(run_config=config, instance=instance)
    assert result.success
    return result


def counts(result: ExecuteInProcessResult) -> dict[str, Any]:
    output = next(e for e in result.all_node_events if e.event_type_value == "STEP_OUTPUT")
    return {name: value.value for name, value in output.event_specific_data.metadata.items()}  # type: ignore[union-attr]


def logged(instance: DagsterInstance, result: ExecuteInProcessResult) -> str:
    return "\n".join(e.message for e in instance.all_logs(result.run_id) if e.message)


async def test_an_orphaned_object_is_swept_after_the_grace_period_and_a_versions_object_stays(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company = await company_owner(api, "sweeper")
    kept_file = pdf_bytes(1, "kept")
    document = await uploaded(api, owner, kept_file)
    kept = f"{company}/documents/{document['id']}/v1"
    store = ObjectStore(platform.settings)
    # What an upload answered 202 whose command was never applied leaves: a file under a document id no version has.
    orphan = f"{company}/documents/{uuid.uuid4()}/v1"
    store.put(orphan, pdf_bytes(1, "orphan"), "application/pdf")
    # Another namespace's tenant shares the bucket: not this read model's to judge, never touched.
    foreign = f"{uuid.uuid4()}/documents/{uuid.uuid4()}/v1"
    store.put(foreign, b"%PDF-1.4 another namespace", "application/pdf")
    try:
        assert objects_of(platform, company) == sorted([kept, orphan])
        with DagsterInstance.ephemeral() as instance:
            # Within the grace period the orphan is kept (its command may still be on its way), and counted.
            recent = swept(platform, instance, grace_seconds=3600)
            assert objects_of(platform, company) == sorted([kept, orphan])
            first = counts(recent)
            assert first["deleted"] == 0 and first["too_recent"] >= 1 and first["referenced"] >= 1, first

            # Past it (no grace), the orphan goes; the version's object stays, and so does the foreign one.
            late = swept(platform, instance, grace_seconds=0)
            assert objects_of(platform, company) == [kept]
            second = counts(late)
            assert second["deleted"] >= 1 and second["grace_seconds"] == 0, second
            assert second["referenced"] == first["referenced"]
            assert f"deleted orphaned object {orphan}" in logged(instance, late)
            assert instance.get_run_by_id(late.run_id).status == DagsterRunStatus.SUCCESS  # type: ignore[union-attr]
        assert store.exists(foreign) and store.get(kept) == kept_file
    finally:
        store.delete(foreign)
