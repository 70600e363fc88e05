"""The Dagster code location of the reports test's daemon: the reports pipeline, its schedule ticking every minute.

A module of its own, light to import: the daemon's code server and every run's process load it.
"""

from pipelines.pipeline import definitions_of
from pipelines.reports import reports_pipeline
from wellwon.config import Settings

defs = definitions_of((reports_pipeline("* * * * *"),), Settings())
