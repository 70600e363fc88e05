"""Batch document recognition: one Dagster run per uploaded document version, its result sent back as a command.

The sensor polls the documents read model's queue (`pending_recognitions`: versions no run has recorded a result
or a failure for) and requests a run per version, partition `<document_id>:v<version>`. The run reads the file
from the object store, recognises it (`recognition.recognise`) and sends `RecordRecognition`; a file that can
never be read (`recognition.Unreadable`) is a result too: `FailRecognition` with the reason. Anything else is
retried with backoff; a run that fails for good (or is canceled) is reported by a run-status sensor as
`FailRecognition`, so no version stays pending. Every command's id derives from the version, the run and the
step, so a retried step sends the same id again and the engine applies it once.

The document domain, its read model and the recognition engines are imported when a run or a tick needs them,
not when Dagster loads the definitions.
"""

# No `from __future__ import annotations`: Dagster reads the parameters' real types (context, resources).

from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    DynamicPartitionsDefinition,
    MaterializeResult,
    asset,
    define_asset_job,
    in_process_executor,
)

from pipelines.pipeline import Pipeline
from pipelines.resources import CommandProducer, ObjectStore, PipelineCommand, ReadModels, pipeline_command_id
from pipelines.work_queue import FailedRun, Work, failure_sensors, queue_sensor, transient_retries

PIPELINE = "document_recognition"
DOMAIN = "document"
DOCUMENT_VERSIONS = DynamicPartitionsDefinition(name="document_versions")
QUEUE_LIMIT = 200  # versions a tick looks at; the oldest first, the rest on later ticks
POLL_SECONDS = 5
# What a run needs besides its partition key, read from the queue with it (a version never changes).
TENANT_TAG = "wellwon/tenant"
OBJECT_KEY_TAG = "wellwon/object_key"
CONTENT_TYPE_TAG = "wellwon/content_type"
DOCUMENT_TYPE_TAG = "wellwon/document_type"  # as uploaded: the recognition's hint
FAILED_RUN_STEP = "run-failed"  # the failure sensor's command: an id apart from whatever the run itself sent
UNKNOWN_TYPE = "unknown"  # recognition's word for "could not tell"; the document domain says ""


def version_key(document_id: str, version: int) -> str:
    return f"{document_id}:v{version}"


def parse_version_key(key: str) -> tuple[str, int]:
    document_id, separator, version = key.rpartition(":v")
    if not separator or not document_id or not version.isdigit():
        raise ValueError(f"not a document version's partition key: {key!r}")
    return document_id, int(version)


def pending_versions(read_models: ReadModels) -> list[Work]:
    from sinks.postgres.document_queries import pending_recognitions

    with read_models.connect() as conn:
        rows = pending_recognitions(conn, QUEUE_LIMIT)
    return [
        Work(
            version_key(str(row["document_id"]), int(row["version"])),
            {
                TENANT_TAG: str(row["tenant_id"]),
                OBJECT_KEY_TAG: str(row["object_key"]),
                CONTENT_TYPE_TAG: str(row["content_type"]),
                DOCUMENT_TYPE_TAG: str(row.get("document_type") or ""),
            },
        )
        for row in rows
    ]


def recognition_command(
    document_id: str, version: int, run_id: str, data: bytes, content_type: str, uploaded_as: str, attempt: int = 1
) -> Any:
    """`RecordRecognition` with what the engines read, or `FailRecognition` when the file can never be read."""
    import recognition
    from streams.document.commands import FailRecognition, RecognisedField, RecordRecognition

    hint = uploaded_as if uploaded_as not in ("", "other") else None
    try:
        result = recognition.recognise(data, content_type, hint=hint)
    except recognition.Unreadable as unreadable:
        return FailRecognition(document_id, version, run_id, reason=unreadable.reason, attempt=attempt)
    fields = tuple(
        RecognisedField(
            name=f.name, value=f.value, confidence=f.confidence, page=f.page,
            x0=f.box[0], y0=f.box[1], x1=f.box[2], y1=f.box[3], needs_verification=f.needs_verification,
        )
        for f in result.fields
    )  # fmt: skip
    detected = "" if result.document_type == UNKNOWN_TYPE else result.document_type
    return RecordRecognition(document_id, version, run_id, detected, result.language, fields, tuple(result.problems))


def send(
    commands: CommandProducer, partition_key: str, tenant_id: str, run_id: str, command: Any, step: str = "recognise"
) -> str:
    """Send a command about a document version; returns its id (derived from the version, the run and the step)."""
    document_id, _ = parse_version_key(partition_key)
    command_id = pipeline_command_id(PIPELINE, partition_key, run_id, step)
    commands.send(PipelineCommand(DOMAIN, document_id, tenant_id, command, command_id, PIPELINE, run_id))
    return command_id


@asset(
    partitions_def=DOCUMENT_VERSIONS,
    retry_policy=transient_retries(),
    description="What recognition read from each uploaded document version, sent to the document as a command.",
)
def document_recognition(
    context: AssetExecutionContext, commands: CommandProducer, object_store: ObjectStore
) -> MaterializeResult:  # type: ignore[type-arg]
    document_id, version = parse_version_key(context.partition_key)
    tags = context.run.tags
    data = object_store.get(tags[OBJECT_KEY_TAG])
    command = recognition_command(
        document_id,
        version,
        context.run_id,
        data,
        tags[CONTENT_TYPE_TAG],
        tags.get(DOCUMENT_TYPE_TAG, ""),
        attempt=context.retry_number + 1,
    )
    command_id = send(commands, context.partition_key, tags[TENANT_TAG], context.run_id, command)
    metadata: dict[str, Any] = {"command": type(command).__name__, "command_id": command_id, "bytes": len(data)}
    if hasattr(command, "fields"):
        metadata |= {"document_type": command.document_type, "language": command.language,
                     "fields": len(command.fields), "problems": len(command.problems),
                     "to_verify": sum(f.needs_verification for f in command.fields)}  # fmt: skip
    else:
        metadata["reason"] = command.reason
    return MaterializeResult(metadata=metadata)


# One step per run: it runs in the run's own process (no step subprocess), retries included.
recognise_documents = define_asset_job(
    "recognise_documents", AssetSelection.assets(document_recognition), executor_def=in_process_executor
)


def report_failure(failed: FailedRun, commands: CommandProducer) -> None:
    from streams.document.commands import FailRecognition

    document_id, version = parse_version_key(failed.partition_key)
    command = FailRecognition(document_id, version, failed.run_id, reason=failed.reason, attempt=failed.attempts)
    send(commands, failed.partition_key, failed.tags[TENANT_TAG], failed.run_id, command, step=FAILED_RUN_STEP)


RECOGNITION = Pipeline(
    name=PIPELINE,
    assets=(document_recognition,),
    jobs=(recognise_documents,),
    sensors=(
        queue_sensor("pending_documents", recognise_documents, DOCUMENT_VERSIONS, pending_versions, POLL_SECONDS),
        *failure_sensors(
            ("failed_recognitions", "canceled_recognitions"), recognise_documents, report_failure, POLL_SECONDS
        ),
    ),
)
