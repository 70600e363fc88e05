"""The recognition asset in process: what it sends for a recognised file, an unreadable one, a transient error.

The engines' `recognise` is stood in for (OCR is tested in tests/unit/recognition), so this checks the pipeline's
own part with the document domain's real commands: keys, tags, the mapping to the command, ids, retries.
"""

# No `from __future__ import annotations`: the captured producer is a pydantic model whose fields pydantic reads.

from typing import Any

import pytest
from dagster import DagsterInstance, materialize

import recognition
from pipelines.recognition import (
    CONTENT_TYPE_TAG,
    DOCUMENT_TYPE_TAG,
    OBJECT_KEY_TAG,
    TENANT_TAG,
    document_recognition,
    version_key,
)
from pipelines.resources import CommandProducer, ObjectStore, PipelineCommand, pipeline_command_id
from recognition import Unreadable
from recognition.model import Field, Recognition, Timings
from streams.document.commands import FailRecognition, RecognisedField, RecordRecognition


def recognition_of(document_type: str, language: str, fields: tuple[Field, ...], problems: tuple[str, ...]) -> Any:
    return Recognition(document_type, language, fields, problems, "text_layer", 1, Timings())  # type: ignore[arg-type]


SENT: list[PipelineCommand] = []  # Dagster runs a copy of the resource it is given: what it sends lands here


class CapturedCommands(CommandProducer):
    def setup_for_execution(self, context: Any) -> None:
        pass

    def send(self, sent: PipelineCommand) -> Any:
        SENT.append(sent)
        return None


class StoredFiles(ObjectStore):
    def get(self, key: str) -> bytes:
        return f"file at {key}".encode()


@pytest.fixture
def engines(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The engines' `recognise` stood in for (each call takes the next outcome); the commands are the domain's."""
    outcomes: list[Any] = []
    seen: list[tuple[bytes, str, str | None]] = []

    def recognise(data: bytes, content_type: str, hint: str | None = None) -> Recognition:
        seen.append((data, content_type, hint))
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome  # type: ignore[no-any-return]

    monkeypatch.setattr(recognition, "recognise", recognise)
    outcomes.append(seen)  # the last item: what recognise was given
    return outcomes


def recognise_once(outcomes: list[Any], *results: Any) -> tuple[list[PipelineCommand], str, list[Any]]:
    seen = outcomes.pop()
    outcomes.extend(results)
    SENT.clear()
    key = version_key("doc-1", 2)
    produced = CapturedCommands(kafka_bootstrap="unused")
    with DagsterInstance.ephemeral() as instance:
        instance.add_dynamic_partitions("document_versions", [key])
        result = materialize(
            [document_recognition],
            partition_key=key,
            instance=instance,
            resources={"commands": produced, "object_store": StoredFiles()},
            tags={
                TENANT_TAG: "tenant-1",
                OBJECT_KEY_TAG: "tenant-1/documents/doc-1/v2",
                CONTENT_TYPE_TAG: "application/pdf",
                DOCUMENT_TYPE_TAG: "commercial_invoice",
            },
        )
        assert result.success
    return list(SENT), result.run_id, seen


def test_a_recognised_version_becomes_record_recognition_with_each_fields_place(engines: list[Any]) -> None:
    field = Field("invoice_number", "INV-7", 0.97, 1, (0.1, 0.2, 0.3, 0.25), False)
    sent, run_id, seen = recognise_once(engines, recognition_of("unknown", "ru", (field,), ("inn_checksum: bad",)))
    assert seen == [(b"file at tenant-1/documents/doc-1/v2", "application/pdf", "commercial_invoice")]
    [command] = sent
    assert (command.domain, command.aggregate_id, command.tenant_id, command.run_id) == (
        "document",
        "doc-1",
        "tenant-1",
        run_id,
    )
    assert command.command_id == pipeline_command_id("document_recognition", "doc-1:v2", run_id, "recognise")
    assert command.command == RecordRecognition(
        "doc-1", 2, run_id, "", "ru",
        (RecognisedField("invoice_number", "INV-7", 0.97, 1, 0.1, 0.2, 0.3, 0.25, False),),
        ("inn_checksum: bad",),
    )  # fmt: skip


def test_an_unreadable_file_is_a_result_not_an_error(engines: list[Any]) -> None:
    sent, run_id, _ = recognise_once(engines, Unreadable("the PDF has no pages"))
    assert [s.command for s in sent] == [FailRecognition("doc-1", 2, run_id, "the PDF has no pages", 1)]


def test_a_transient_error_is_retried_and_the_result_sent_once(engines: list[Any]) -> None:
    sent, _, seen = recognise_once(engines, ConnectionError("engine busy"), recognition_of("cmr", "en", (), ()))
    assert len(seen) == 2
    assert [type(s.command) for s in sent] == [RecordRecognition]
    assert sent[0].command.document_type == "cmr"
