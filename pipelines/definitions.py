"""The platform's one Dagster code location: every pipeline, with resources from the platform's settings.

Loaded by the stack's webserver and daemon (`wellwon stack up`, workspace.yaml: python_module `pipelines`) and by
every run worker they start, each in the namespace of its environment (`WELLWON_NAMESPACE`).
"""

from __future__ import annotations

from pipelines.pipeline import Pipeline, definitions_of
from pipelines.recognition import RECOGNITION
from pipelines.reconciliation import RECONCILIATION
from pipelines.reports import REPORTS
from pipelines.sweeper import SWEEPER
from wellwon.config import Settings

PIPELINES: tuple[Pipeline, ...] = (RECOGNITION, RECONCILIATION, REPORTS, SWEEPER)

defs = definitions_of(PIPELINES, Settings())
