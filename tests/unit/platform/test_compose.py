"""compose.yaml describes the same topology as the local stack, configured the way the code reads it.

(`docker compose config` needs the compose plugin, which this machine lacks; this checks what it
would: the file parses, services exist, references resolve, and every variable given to the
platform is one the code reads.)
"""

from __future__ import annotations

from pathlib import Path

import yaml

from wellwon.config import DEFAULTS, PROJECT_ROOT, SECRETS

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text())
PLATFORM = ("migrate", "streams", "sinks", "api")


def test_compose_runs_the_official_images_and_the_platform() -> None:
    services = COMPOSE["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")
    assert services["minio"]["image"].startswith("minio/minio:")
    assert services["kafka"]["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    for name in PLATFORM:
        assert services[name]["build"] == "."
        assert set(services[name]["depends_on"]) == {"kafka", "postgres", "redis", "clickhouse", "minio"}


def test_platform_variables_are_ones_the_code_reads() -> None:
    for name in PLATFORM:
        environment = COMPOSE["services"][name]["environment"]
        assert set(environment) <= set(DEFAULTS) | set(SECRETS) | {"API_POSTGRES_DSN"}
        assert environment["KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert COMPOSE["services"]["api"]["ports"] == ["127.0.0.1:5002:5002"]


def test_the_image_copies_every_package_it_runs() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    for package in ("wellwon", "streams", "sinks", "api", "schemas_avro"):
        assert f"COPY {package} {package}" in dockerfile
        assert Path(PROJECT_ROOT / package).is_dir()
