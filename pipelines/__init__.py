"""Dagster batch jobs: document recognition now; duty reconciliation and compliance reports slot in the same way.

Pipelines read read models and stored files and write back only by producing commands to Kafka
(pipelines/resources.py). The code location's one `Definitions` is `defs` (pipelines/definitions.py).
"""

from pipelines.definitions import defs

__all__ = ["defs"]
