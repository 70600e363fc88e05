"""Customs over HTTP: declarations and their lifecycle, payments and XML, compliance, tariff tables, classification.

- Declarations (`/api/declarations`): created from scratch, or from a shipment (`shipment_id`); edited by
  commands, judged by the customs-declaration decider (`declarations`, `lifecycle`). Register, release and
  reject are the customs authority's: they take its gateway credential (api/gateway.py), never a user's.
- Payments are computed on read (`/calculation`, `/xml`) from the declaration's current read model and the
  tenant's tariff tables in force on the declaration date (`payments`).
- Tariff tables (`/api/customs/tariff/{kind}`) are the tenant's own CSV uploads, sent as commands of the
  customs-tariff domain (`tariff`); classification suggestions and confirmations (`classification`).
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routers.customs import (
    classification,
    compliance,
    declarations,
    from_document,
    lifecycle,
    payments,
    refund_claims,
    tariff,
)

router = APIRouter()
for part in (declarations, from_document, lifecycle, payments, compliance, refund_claims, tariff, classification):
    router.include_router(part.router)
