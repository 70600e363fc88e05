"""Pipelines (Dagster jobs): the steps only a pipeline may take, such as recording what a recognition run read.

A pipeline reads the read models and the object store and answers with commands to Kafka, whose claims
carry the role `pipeline` and the pipeline's name. The API never grants that role to a person, so a
decider accepting a step "from a pipeline only" checks it here, in one place.
"""

from __future__ import annotations

from streams.decider import CommandContext, Rejection, RejectionCode, reject

PIPELINE_ROLE = "pipeline"
PIPELINE_CLAIM = "pipeline"  # the pipeline's name, e.g. "document_recognition"


def pipeline_claims(pipeline: str) -> dict[str, str]:
    """The claims a pipeline's command carries."""
    return {"role": PIPELINE_ROLE, PIPELINE_CLAIM: pipeline}


def sent_by_pipeline(context: CommandContext) -> bool:
    return context.claim("role") == PIPELINE_ROLE and bool(context.claim(PIPELINE_CLAIM))


def require_pipeline(context: CommandContext, step: str) -> Rejection | None:
    """None when a pipeline sent the command; else FORBIDDEN, naming the step a person may not take."""
    if sent_by_pipeline(context):
        return None
    return reject(RejectionCode.FORBIDDEN, f"{step} is a step of a pipeline, not of a person")
