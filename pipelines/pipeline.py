"""A pipeline as data: its assets, jobs, sensors and schedules; the code location is the sum of the pipelines.

A new batch job (duty reconciliation, scheduled compliance reports) is a module exporting one `Pipeline`, added to
`PIPELINES` in pipelines/definitions.py; the platform's resources (pipelines/resources.py) are given to all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dagster import AssetsDefinition, Definitions, ScheduleDefinition, SensorDefinition

from pipelines.resources import platform_resources
from wellwon.config import Settings


@dataclass(frozen=True)
class Pipeline:
    name: str
    assets: tuple[AssetsDefinition, ...] = ()
    jobs: tuple[Any, ...] = ()  # JobDefinition or an asset job (resolved against the assets when loaded)
    sensors: tuple[SensorDefinition, ...] = ()
    schedules: tuple[ScheduleDefinition, ...] = ()


def definitions_of(pipelines: Sequence[Pipeline], settings: Settings) -> Definitions:
    """One Definitions for these pipelines, with the platform's resources configured from `settings`."""
    names = [p.name for p in pipelines]
    if len(set(names)) != len(names):
        raise ValueError(f"two pipelines share a name: {names}")
    return Definitions(
        assets=[a for p in pipelines for a in p.assets],
        jobs=[j for p in pipelines for j in p.jobs],
        sensors=[s for p in pipelines for s in p.sensors],
        schedules=[s for p in pipelines for s in p.schedules],
        resources=platform_resources(settings),
    )
