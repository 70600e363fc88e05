"""The wire contract: envelope round trips, and the CI check that catches breaking schema changes."""

from __future__ import annotations

import json
import shutil
from dataclasses import FrozenInstanceError, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.registry import DOMAINS, codec
from streams.user_account.events import UserAccountRegistered, UserProfileUpdated
from wellwon.envelope import EVENT, Envelope, UnreadableRecord, message_groups
from wellwon.schemas import SCHEMAS_DIR, check_schemas, reads_data_of, schema_for, write_schemas


def test_committed_schemas_match_the_code() -> None:
    assert check_schemas(message_groups(DOMAINS)) == []


def test_an_event_survives_the_wire() -> None:
    event = UserProfileUpdated(first_name="Ada", phone="+44")
    envelope, value = codec().encode(
        {
            "message_id": "0b0e3c5c-5a55-4d6e-9d0e-2a8b1d7f2c11",
            "kind": EVENT,
            "correlation_id": "c",
            "causation_id": None,
            "tenant_id": "t",
            "actor_id": "a",
            "occurred_at": datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            "aggregate_type": "user_account",
            "aggregate_id": "agg",
            "aggregate_version": 7,
        },
        event,
    )
    decoded_envelope, decoded = codec().decode(value)
    assert decoded == event
    assert decoded_envelope == envelope
    assert decoded_envelope.schema_name == "user_account.UserProfileUpdated"
    # Made by filling its dictionary (see `decode_envelope`), it is the dataclass's own: frozen, with its repr.
    assert type(decoded_envelope) is Envelope and repr(decoded_envelope) == repr(envelope)
    with pytest.raises(FrozenInstanceError):
        decoded_envelope.aggregate_version = 8  # type: ignore[misc]


@pytest.mark.parametrize("value", [b"", b"\x01garbage", b"\x09unknown version", b'{"json": 1}'])
def test_unreadable_records_say_why(value: bytes) -> None:
    with pytest.raises(UnreadableRecord):
        codec().decode(value)


@dataclass(frozen=True)
class Added:
    email: str
    nickname: str | None = None  # optional, with a default: old data still reads


@dataclass(frozen=True)
class Required:
    email: str
    nickname: str  # required, no default: old data cannot be read


def test_adding_an_optional_field_is_compatible_but_a_required_one_is_not() -> None:
    old = schema_for(UserAccountRegistered, "wellwon.user_account")
    old_simple = {"type": "record", "name": "X", "namespace": "n", "fields": [{"name": "email", "type": "string"}]}
    added = {**schema_for(Added, "n"), "name": "X"}
    required = {**schema_for(Required, "n"), "name": "X"}
    assert reads_data_of(added, old_simple) is None
    assert reads_data_of(required, old_simple) is not None
    assert reads_data_of(old, old) is None


def test_the_ci_check_fails_on_a_breaking_version(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, root)
    v1 = root / "user_account" / "UserLoggedOut.v1.avsc"
    breaking = json.loads(v1.read_text())
    breaking["fields"].append({"name": "reason", "type": "string"})
    (root / "user_account" / "UserLoggedOut.v2.avsc").write_text(json.dumps(breaking))
    problems = check_schemas(message_groups(DOMAINS), root)
    assert any("UserLoggedOut: v2 cannot read v1 data" in p for p in problems)
    # ...and that the dataclass no longer matches the latest version.
    assert any("UserLoggedOut: the dataclass differs" in p for p in problems)


def test_writing_schemas_adds_a_version_only_for_changed_messages(tmp_path: Path) -> None:
    root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, root)
    assert write_schemas(message_groups(DOMAINS), root) == []
    (root / "user_account" / "UserLoggedOut.v1.avsc").unlink()
    assert [p.name for p in write_schemas(message_groups(DOMAINS), root)] == ["UserLoggedOut.v1.avsc"]
