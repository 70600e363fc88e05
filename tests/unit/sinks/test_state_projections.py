"""The three state projections share one mechanism and one history format, and keep the columns the API reads."""

from __future__ import annotations

import re

import pytest

from sinks.postgres.customs import DECLARATIONS
from sinks.postgres.customs_tariff import TARIFF_TABLES
from sinks.postgres.shipment import SHIPMENTS
from sinks.postgres.state import StateProjection

COMMON = ["tenant_id", "version", "event_type", "actor_id", "occurred_at", "payload"]


def columns_of(create: str) -> list[str]:
    return re.findall(r"^\s+([a-z_]+) [a-z]", create, flags=re.M)


@pytest.mark.parametrize("projection", [SHIPMENTS, DECLARATIONS, TARIFF_TABLES])
def test_every_history_has_the_common_columns(projection: StateProjection) -> None:
    create, _ = projection.history.ddl()
    history = columns_of(create)
    assert [c for c in history if c in COMMON] == COMMON
    assert projection.history.id_column in history


@pytest.mark.parametrize(
    ("projection", "read"),
    [
        (SHIPMENTS, ["event_type", "payload", "actor_id", "shipment_id", "version"]),
        (DECLARATIONS, ["version", "event_type", "actor_id", "occurred_at", "declaration_id"]),
        (TARIFF_TABLES, ["kind", "mode", "row_count", "source", "actor_id", "loaded_at"]),
    ],
)
def test_the_history_keeps_what_the_routes_read(projection: StateProjection, read: list[str]) -> None:
    assert set(read) <= set(columns_of(projection.history.ddl()[0]))


def test_the_registered_projections_of_the_three_domains_are_state_projections() -> None:
    from sinks.postgres.projections import PROJECTIONS

    folding = {p.domain: getattr(p.apply, "__self__", None) for p in PROJECTIONS}
    assert folding["shipment"] is SHIPMENTS
    assert folding["customs_declaration"] is DECLARATIONS
    assert folding["customs_tariff"] is TARIFF_TABLES
