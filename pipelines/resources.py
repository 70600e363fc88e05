"""The platform as Dagster resources: the command producer (Kafka), the read models (Postgres), the object store.

A pipeline reads read models and stored files and writes back only by producing commands, encoded and keyed
as the API's command bus does, with claims naming the role `pipeline` and the pipeline. Every resource takes its
addresses from the platform's own settings (`wellwon.config`, `WELLWON_NAMESPACE` included), so a Dagster
instance started in a test's namespace reads and writes that namespace only.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from wellwon.config import Settings
from wellwon.envelope import Envelope, command_fields

# The role claim of a pipeline's commands (the document domain's `streams.pipeline` checks it) and the claim
# naming the pipeline. Spelled here as well so the pipelines import no domain until a run needs one.
PIPELINE_ROLE = "pipeline"
PIPELINE_CLAIM = "pipeline"
PIPELINE_RUN_CLAIM = "pipeline.run"  # the Dagster run that sent it, to find the run from the command
SEND_TIMEOUT_SECONDS = 30.0


def pipeline_claims(pipeline: str, run_id: str) -> dict[str, str]:
    return {"role": PIPELINE_ROLE, PIPELINE_CLAIM: pipeline, PIPELINE_RUN_CLAIM: run_id}


def pipeline_command_id(pipeline: str, subject: str, run_id: str, step: str) -> str:
    """Deterministic: a step retried inside a run sends the same id (the engine applies it once); another run of
    the same subject (a re-execution) sends another."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"wellwon:pipeline:{pipeline}|{subject}|{run_id}|{step}"))


@dataclass(frozen=True)
class PipelineCommand:
    """A command a pipeline sends: to which domain and aggregate, in which tenant, under which id."""

    domain: str
    aggregate_id: str
    tenant_id: str
    command: Any
    command_id: str
    pipeline: str
    run_id: str


class CommandProducer(ConfigurableResource):  # type: ignore[type-arg]
    """Sends commands to `<namespace>.<domain>.commands` (key = aggregate id) with kafka-python, waiting for the
    broker's acknowledgement (acks=all, idempotent producer), as a synchronous op expects."""

    kafka_bootstrap: str
    namespace: str = ""

    _producer: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        from kafka import KafkaProducer

        self._producer = KafkaProducer(
            bootstrap_servers=self.kafka_bootstrap, acks="all", enable_idempotence=True, linger_ms=1
        )

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        if self._producer is not None:
            self._producer.close(timeout=SEND_TIMEOUT_SECONDS)
            self._producer = None

    def send(self, sent: PipelineCommand) -> Envelope:
        """Encode with the platform's codec and send; returns the envelope once the broker has it."""
        from streams.registry import DOMAINS, domain_named  # the composition root: every domain's messages
        from wellwon.envelope import codec_for

        if self._producer is None:
            self.setup_for_execution(None)  # type: ignore[arg-type]  # used outside a run (a sensor's tick)
        fields = command_fields(
            sent.domain, sent.aggregate_id, sent.command_id, f"pipeline:{sent.pipeline}", sent.tenant_id,
            pipeline_claims(sent.pipeline, sent.run_id),
        )  # fmt: skip
        envelope, value = codec_for(DOMAINS).encode(fields, sent.command)
        topic = Settings(kafka_bootstrap=self.kafka_bootstrap, namespace=self.namespace).name(
            domain_named(sent.domain).commands_topic
        )
        future = self._producer.send(topic, key=sent.aggregate_id.encode(), value=value)
        future.get(timeout=SEND_TIMEOUT_SECONDS)
        return envelope


class ReadModels(ConfigurableResource):  # type: ignore[type-arg]
    """The namespace's operational Postgres database, as its owner: a pipeline's work queue spans tenants."""

    postgres_dsn: str
    namespace: str = ""

    def dsn(self) -> str:
        from sinks.postgres.database import owner_dsn

        return owner_dsn(Settings(postgres_dsn=self.postgres_dsn, namespace=self.namespace))

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A synchronous psycopg connection (Dagster's ops and sensors are synchronous)."""
        import psycopg

        with psycopg.connect(self.dsn()) as conn:
            yield conn


@dataclass(frozen=True)
class StoredObject:
    key: str
    last_modified: datetime


class ObjectStore(ConfigurableResource):  # type: ignore[type-arg]
    """Documents' files in the S3-compatible store (`wellwon.object_store`): read, listed by prefix, deleted."""

    def _store(self) -> Any:
        # The S3 adapter (boto3), imported when a run first needs it.
        return importlib.import_module("wellwon.object_store").object_store()

    def get(self, key: str) -> bytes:
        data: bytes = self._store().get(key)
        return data

    def listed(self, prefix: str) -> Iterator[StoredObject]:
        """Every object under `prefix`, a page at a time (without the folder markers S3Proxy's filesystem lists)."""
        store = self._store()
        for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/"):
                    yield StoredObject(item["Key"], item["LastModified"])

    def delete(self, key: str) -> None:
        self._store().delete(key)


def platform_resources(settings: Settings) -> dict[str, Any]:
    """The resources every pipeline may ask for, by name, configured from the platform's settings."""
    return {
        "commands": CommandProducer(kafka_bootstrap=settings.kafka_bootstrap, namespace=settings.namespace),
        "read_models": ReadModels(postgres_dsn=settings.postgres_dsn, namespace=settings.namespace),
        "object_store": ObjectStore(),
    }
