"""Customs-gateway credentials: issued and revoked by platform operators only, scoped, revoked once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.customs_gateway.commands import IssueGatewayCredential, RevokeGatewayCredential
from streams.customs_gateway.decider import PLATFORM_OPERATOR_ROLE, GatewayCredential, gateway_credential_decider
from streams.customs_gateway.events import GatewayCredentialIssued, GatewayCredentialRevoked, GatewayScope
from streams.decider import CommandContext, Rejection, RejectionCode
from tests.unit.logistics.logistics_scenarios import NOW, OTHER_TENANT, TENANT, then_accepted, then_rejected
from wellwon.api_keys import key_hash

decide, fold = gateway_credential_decider.decide, gateway_credential_decider.fold
KEY_HASH = key_hash("credential-1.secret")
OPERATOR = CommandContext("cmd-1", NOW, "operator:ops", None, (("role", PLATFORM_OPERATOR_ROLE),))


def issue(**changes: object) -> IssueGatewayCredential:
    fields: dict[str, object] = {
        "name": "FTS gateway",
        "tenant_ids": (TENANT,),
        "scopes": (GatewayScope.REGISTER, GatewayScope.RELEASE),
        "key_hash": KEY_HASH,
    }
    return IssueGatewayCredential(**{**fields, **changes})  # type: ignore[arg-type]


def issued() -> GatewayCredential:
    return fold(then_accepted(decide(GatewayCredential(), issue(), OPERATOR)))


def test_an_operator_issues_a_credential_for_named_tenants_and_scopes() -> None:
    expires = NOW + timedelta(days=90)
    command = issue(name=" FTS gateway ", tenant_ids=(TENANT, OTHER_TENANT, TENANT), expires_at=expires,
                    scopes=("release", "register", "release"))  # fmt: skip
    [event] = then_accepted(decide(GatewayCredential(), command, OPERATOR))
    assert event == GatewayCredentialIssued(
        name="FTS gateway",
        tenant_ids=(TENANT, OTHER_TENANT),
        scopes=(GatewayScope.RELEASE, GatewayScope.REGISTER),
        key_hash=KEY_HASH,
        issued_at=NOW,
        expires_at=expires,
    )
    state = fold([event])
    assert state.tenant_ids == (TENANT, OTHER_TENANT) and state.revoked_at is None and state.key_hash == KEY_HASH


@pytest.mark.parametrize(
    "context",
    [
        CommandContext("cmd-1", NOW, "user-1", TENANT, (("role", "owner"),)),  # a tenant's owner
        CommandContext("cmd-1", NOW, "user-1", TENANT, (("role", PLATFORM_OPERATOR_ROLE),)),  # the claim, in a tenant
        CommandContext("cmd-1", NOW, "user-1", None, ()),  # no claim at all
        CommandContext("cmd-1", NOW, "gw", TENANT, (("role", "customs_authority"),)),  # a gateway itself
    ],
)
def test_nobody_but_a_platform_operator_issues_or_revokes(context: CommandContext) -> None:
    then_rejected(decide(GatewayCredential(), issue(), context), RejectionCode.FORBIDDEN, "platform operators")
    then_rejected(decide(issued(), RevokeGatewayCredential("leaked"), context), RejectionCode.FORBIDDEN)


def test_a_credential_is_issued_once() -> None:
    then_rejected(decide(issued(), issue(), OPERATOR), RejectionCode.CONFLICT, "issued already")


@pytest.mark.parametrize(
    ("scopes", "words"),
    [
        ((), "at least one scope"),
        (("register", "submit"), "register, release, reject"),
        (("REGISTER",), "scopes are some of"),
    ],
)
def test_scopes_are_a_non_empty_subset_of_register_release_reject(scopes: tuple[str, ...], words: str) -> None:
    rejection = then_rejected(decide(GatewayCredential(), issue(scopes=scopes), OPERATOR), RejectionCode.INVALID, words)
    assert rejection.field == "scopes"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"tenant_ids": ()}, "tenant_ids"),
        ({"tenant_ids": ("a b",)}, "tenant_ids"),
        ({"tenant_ids": tuple(f"t{i}" for i in range(101))}, "tenant_ids"),
        ({"key_hash": "credential-1.secret"}, "key_hash"),  # the key itself is refused: only its hash travels
        ({"expires_at": NOW}, "expires_at"),
    ],
)
def test_issuing_checks_every_field(changes: dict[str, object], field: str) -> None:
    rejection = then_rejected(decide(GatewayCredential(), issue(**changes), OPERATOR), RejectionCode.INVALID)
    assert rejection.field == field


def test_revoking_records_the_reason_and_time() -> None:
    [event] = then_accepted(decide(issued(), RevokeGatewayCredential(" key leaked "), OPERATOR))
    assert event == GatewayCredentialRevoked(reason="key leaked", revoked_at=NOW)
    assert fold([event], issued()).revoked_at == NOW


def test_revoking_twice_is_an_illegal_state() -> None:
    revoked = fold(then_accepted(decide(issued(), RevokeGatewayCredential("leaked"), OPERATOR)), issued())
    then_rejected(decide(revoked, RevokeGatewayCredential("again"), OPERATOR), RejectionCode.ILLEGAL_STATE, "already")


def test_revoking_needs_an_issued_credential_and_a_reason() -> None:
    then_rejected(decide(GatewayCredential(), RevokeGatewayCredential("x"), OPERATOR), RejectionCode.NOT_FOUND)
    rejection = then_rejected(decide(issued(), RevokeGatewayCredential(" "), OPERATOR), RejectionCode.INVALID)
    assert rejection.field == "reason"


def test_a_revocation_is_refused_with_its_reason() -> None:
    assert decide(GatewayCredential(), RevokeGatewayCredential("x"), OPERATOR) == Rejection(
        RejectionCode.NOT_FOUND, "no such customs-gateway credential"
    )
    assert decide(issued(), RevokeGatewayCredential("x" * 501), OPERATOR) == Rejection(
        RejectionCode.INVALID, "reason must be at most 500 characters", "reason"
    )
    assert decide(issued(), RevokeGatewayCredential("x" * 500), OPERATOR) == [
        GatewayCredentialRevoked(reason="x" * 500, revoked_at=NOW)
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "N" * 141}, Rejection(RejectionCode.INVALID, "name must be at most 140 characters", "name")),
        (
            {"tenant_ids": tuple(f"tenant-{i}" for i in range(101))},
            Rejection(RejectionCode.INVALID, "a credential acts for 1 to 100 tenants", "tenant_ids"),
        ),
        (
            {"tenant_ids": (TENANT, "tenant one")},
            Rejection(RejectionCode.INVALID, "'tenant one' is not a tenant id", "tenant_ids"),
        ),
        ({"key_hash": "abc"}, Rejection(RejectionCode.INVALID, "key_hash must be a SHA-256 hex digest", "key_hash")),
        ({"expires_at": NOW}, Rejection(RejectionCode.INVALID, "expires_at must be in the future", "expires_at")),
    ],
)
def test_an_issue_refusal_says_which_rule_and_which_field(changes: dict[str, object], expected: Rejection) -> None:
    assert decide(GatewayCredential(), issue(**changes), OPERATOR) == expected


def test_a_credential_at_its_limits_is_issued() -> None:
    widest = issue(name="N" * 140, tenant_ids=tuple(f"tenant-{i}" for i in range(100)))
    [event] = then_accepted(decide(GatewayCredential(), widest, OPERATOR))
    assert len(event.name) == 140 and len(event.tenant_ids) == 100


def test_refusals_to_a_tenant_user_and_on_a_second_issue_say_why() -> None:
    tenant_admin = CommandContext("cmd-1", NOW, "user-1", TENANT, (("role", PLATFORM_OPERATOR_ROLE),))
    assert decide(GatewayCredential(), issue(), tenant_admin) == Rejection(
        RejectionCode.FORBIDDEN, "gateway credentials are issued and revoked by platform operators"
    )
    assert decide(issued(), issue(), OPERATOR) == Rejection(
        RejectionCode.CONFLICT, "this credential was issued already"
    )


def test_the_credential_remembers_what_was_issued_and_why_it_was_revoked() -> None:
    expires = NOW + timedelta(days=30)
    issued_event = GatewayCredentialIssued("FTS", (TENANT,), (GatewayScope.REJECT,), KEY_HASH, NOW, expires)
    revoked_at = NOW + timedelta(days=1)
    state = fold([issued_event, GatewayCredentialRevoked(reason="key leaked", revoked_at=revoked_at)])
    assert state == GatewayCredential(
        name="FTS",
        tenant_ids=(TENANT,),
        scopes=(GatewayScope.REJECT,),
        key_hash=KEY_HASH,
        issued_at=NOW,
        expires_at=expires,
        revoked_at=revoked_at,
        revocation_reason="key leaked",
    )


def test_an_unknown_command_or_event_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="not a customs-gateway command"):
        decide(GatewayCredential(), "issue", OPERATOR)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a customs-gateway event"):
        fold(["issued"])  # type: ignore[list-item]
