"""The Dagster code location and its machinery, without a daemon: definitions, keys, ids, the queue sensor's cursor,
the instance's configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dagster import (
    DagsterInstance,
    DefaultSensorStatus,
    DynamicPartitionsDefinition,
    MaterializeResult,
    SensorResult,
    SkipReason,
    asset,
    build_sensor_context,
    define_asset_job,
)
from dagster._utils.error import SerializableErrorInfo

import pipelines
from pipelines.pipeline import Pipeline, definitions_of
from pipelines.recognition import DOCUMENT_VERSIONS, parse_version_key, version_key
from pipelines.resources import CommandProducer, ReadModels, pipeline_claims, pipeline_command_id
from pipelines.work_queue import Work, queue_sensor, root_cause, transient_retries
from stack import dagster as stack_dagster
from wellwon.config import Settings


def test_the_code_location_loads_with_the_recognition_job_its_sensors_and_the_platforms_resources() -> None:
    defs = pipelines.defs
    job = defs.resolve_job_def("recognise_documents")
    assert job.partitions_def == DOCUMENT_VERSIONS
    assert job.executor_def.name == "in_process"
    sensors = {s.name: s for s in defs.sensors or []}
    assert set(sensors) == {"pending_documents", "failed_recognitions", "canceled_recognitions"}
    assert all(s.default_status == DefaultSensorStatus.RUNNING for s in sensors.values())
    retries = defs.resolve_assets_def("document_recognition").op.retry_policy
    assert retries is not None and retries.max_retries == 2
    assert set(defs.resources or {}) >= {"commands", "read_models", "object_store"}


def test_resources_follow_the_platforms_namespace() -> None:
    config = Settings(
        namespace="tpipes", kafka_bootstrap="127.0.0.1:1", postgres_dsn="postgresql://w@127.0.0.1:5/wellwon"
    )
    defs = definitions_of((), config)
    resources = defs.resources or {}
    commands, read_models = resources["commands"], resources["read_models"]
    assert isinstance(commands, CommandProducer) and (commands.kafka_bootstrap, commands.namespace) == (
        "127.0.0.1:1", "tpipes",
    )  # fmt: skip
    assert isinstance(read_models, ReadModels) and "dbname=wellwon_tpipes" in read_models.dsn()


def test_two_pipelines_of_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="share a name"):
        definitions_of((Pipeline("same"), Pipeline("same")), Settings())


def test_a_version_key_names_the_document_and_its_version() -> None:
    assert version_key("doc-1:x", 12) == "doc-1:x:v12"
    assert parse_version_key("doc-1:x:v12") == ("doc-1:x", 12)
    for bad in ("doc-1", "doc-1:vx", ":v3", "doc-1:v"):
        with pytest.raises(ValueError):
            parse_version_key(bad)


def test_a_command_id_is_the_same_for_a_retried_step_and_another_for_another_run_or_step() -> None:
    first = pipeline_command_id("document_recognition", "d:v1", "run-1", "RecordRecognition")
    assert first == pipeline_command_id("document_recognition", "d:v1", "run-1", "RecordRecognition")
    others = {
        pipeline_command_id("document_recognition", "d:v1", "run-2", "RecordRecognition"),
        pipeline_command_id("document_recognition", "d:v2", "run-1", "RecordRecognition"),
        pipeline_command_id("document_recognition", "d:v1", "run-1", "run-failed"),
    }
    assert first not in others and len(others) == 3


def test_a_pipelines_claims_carry_the_pipeline_role() -> None:
    assert pipeline_claims("document_recognition", "r1") == {
        "role": "pipeline", "pipeline": "document_recognition", "pipeline.run": "r1",
    }  # fmt: skip


def test_retries_are_three_attempts_with_growing_waits() -> None:
    policy = transient_retries()
    assert policy.max_retries == 2 and policy.backoff is not None and policy.delay == 2.0


def test_the_root_cause_is_the_users_exception_under_dagsters_wrappers() -> None:
    inner = SerializableErrorInfo("ConnectionError: the broker is away\n", [], "ConnectionError")
    outer = SerializableErrorInfo("DagsterExecutionStepExecutionError: Error in op\n", [], "X", cause=inner)
    assert root_cause(outer) == "ConnectionError: the broker is away"


QUEUE = DynamicPartitionsDefinition(name="unit_queue")


@asset(partitions_def=QUEUE)
def unit_work() -> MaterializeResult:  # type: ignore[type-arg]
    return MaterializeResult()


def test_the_queue_sensor_adds_partitions_requests_each_piece_once_and_skips_an_unchanged_queue() -> None:
    queue = [Work("a:v1", {"wellwon/tenant": "t1"}), Work("b:v1", {"wellwon/tenant": "t2"})]
    job = define_asset_job("unit_job", [unit_work])
    poll = queue_sensor("unit_queue_sensor", job, QUEUE, lambda _: list(queue), 1)
    read_models = ReadModels(postgres_dsn="postgresql://nobody@127.0.0.1:1/none")
    with DagsterInstance.ephemeral() as instance:

        def tick(cursor: str | None) -> tuple[SensorResult | SkipReason, str | None]:
            context = build_sensor_context(instance=instance, cursor=cursor, resources={"read_models": read_models})
            result = poll(context)
            return result, context.cursor

        first, cursor = tick(None)
        assert isinstance(first, SensorResult)
        assert [(r.run_key, r.partition_key, r.tags["wellwon/tenant"]) for r in first.run_requests or []] == [
            ("a:v1", "a:v1", "t1"), ("b:v1", "b:v1", "t2"),
        ]  # fmt: skip
        assert [list(r.partition_keys) for r in first.dynamic_partitions_requests or []] == [["a:v1", "b:v1"]]
        assert json.loads(cursor or "[]") == ["a:v1", "b:v1"]

        unchanged, cursor = tick(cursor)
        assert isinstance(unchanged, SkipReason)

        instance.add_dynamic_partitions("unit_queue", ["a:v1", "b:v1"])
        queue[:] = [Work("b:v1", {"wellwon/tenant": "t2"}), Work("c:v2", {"wellwon/tenant": "t1"})]  # a is done
        later, cursor = tick(cursor)
        assert isinstance(later, SensorResult)
        assert [r.run_key for r in later.run_requests or []] == ["c:v2"]
        assert [list(r.partition_keys) for r in later.dynamic_partitions_requests or []] == [["c:v2"]]
        assert json.loads(cursor or "[]") == ["b:v1", "c:v2"]


def test_the_instance_keeps_runs_events_and_schedules_in_the_namespaces_postgres_database() -> None:
    config = Settings(namespace="t-x1", postgres_dsn="postgresql://wellwon:s%40cret@127.0.0.1:15432/wellwon")
    instance = yaml.safe_load(stack_dagster.instance_yaml(config, max_concurrent_runs=3))
    assert instance["storage"]["postgres"]["postgres_url"] == (
        "postgresql+psycopg2://wellwon:s%40cret@127.0.0.1:15432/dagster_t_x1"
    )
    assert instance["run_queue"]["max_concurrent_runs"] == 3
    assert instance["run_monitoring"]["enabled"] is True
    workspace = yaml.safe_load(stack_dagster.workspace_yaml(stack_dagster.CodeServer.parse("code:4000")))
    assert workspace["load_from"] == [{"grpc_server": {"host": "code", "port": 4000, "location_name": "pipelines"}}]


def test_dagsters_processes_get_their_home_and_the_namespace() -> None:
    variables = stack_dagster.environment(Path("/h"), Settings(namespace="tns"))
    argv = stack_dagster.with_environment(variables, stack_dagster.daemon_argv(Path("/h/workspace.yaml")))
    assert argv[0] == "env" and "DAGSTER_HOME=/h" in argv and "WELLWON_NAMESPACE=tns" in argv
    assert argv[-4:] == ["dagster._daemon", "run", "-w", "/h/workspace.yaml"]


def test_compose_runs_dagsters_webserver_and_daemon_from_the_platforms_image() -> None:
    from wellwon.config import PROJECT_ROOT

    services = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())["services"]
    webserver, daemon = services["dagster-webserver"], services["dagster-daemon"]
    assert webserver["build"] == daemon["build"] == "."
    code = services["dagster-code"]
    assert code["build"] == webserver["build"] == daemon["build"] == "."
    assert code["command"] == ["python", "-m", "stack.dagster", "code-server", "--host", "0.0.0.0", "--port", "4000"]
    assert webserver["command"][:4] == ["python", "-m", "stack.dagster", "webserver"]
    assert webserver["command"][-2:] == daemon["command"][-2:] == ["--code-server", "dagster-code:4000"]
    assert daemon["command"][:4] == ["python", "-m", "stack.dagster", "daemon"]
    assert webserver["ports"] == ["127.0.0.1:13000:3000"]
    assert daemon["depends_on"]["dagster-webserver"] == {"condition": "service_healthy"}
    assert webserver["environment"]["POSTGRES_DSN"].startswith("postgresql://")
