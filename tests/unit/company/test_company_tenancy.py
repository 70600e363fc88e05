"""The tenancy guard: an aggregate is reachable only from its own tenant, and a new one takes the command's."""

from __future__ import annotations

import pytest

from streams.decider import Rejection, RejectionCode
from streams.tenancy import guard_tenant, tenant_to_record
from tests.unit.company.company_scenarios import OTHER_TENANT, TENANT, context


def test_a_new_aggregate_admits_the_command_and_records_its_tenant() -> None:
    assert guard_tenant(None, context(tenant=TENANT), "shipment") is None
    assert tenant_to_record(None, context(tenant=TENANT)) == TENANT


def test_an_aggregate_admits_commands_of_its_own_tenant_and_keeps_its_tenant() -> None:
    assert guard_tenant(TENANT, context(tenant=TENANT), "shipment") is None
    assert tenant_to_record(TENANT, context(tenant=TENANT)) == TENANT


def test_another_tenant_is_told_the_aggregate_does_not_exist() -> None:
    assert guard_tenant(TENANT, context(tenant=OTHER_TENANT), "shipment") == Rejection(
        RejectionCode.NOT_FOUND, "no such shipment"
    )


def test_a_command_without_a_tenant_is_refused() -> None:
    rejection = guard_tenant(None, context(tenant=None), "shipment")
    assert rejection is not None and rejection.code is RejectionCode.UNAUTHORIZED
    with pytest.raises(ValueError):
        tenant_to_record(None, context(tenant=None))
