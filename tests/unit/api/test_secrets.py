"""How the JWT signing secret is found: the environment wins, else the local stack's file, else no start."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from wellwon.config import DEFAULTS, MissingSecret, Settings, ensure_local_jwt_secret, jwt_secret


def test_there_is_no_default_secret() -> None:
    assert "JWT_SECRET" not in DEFAULTS


def test_the_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret_file = tmp_path / "secrets" / "jwt_secret"
    ensure_local_jwt_secret(secret_file)
    monkeypatch.setenv("JWT_SECRET", "from-the-environment-" + "x" * 20)
    assert jwt_secret(secret_file) == "from-the-environment-" + "x" * 20


def test_the_generated_file_is_used_without_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    secret_file = tmp_path / "secrets" / "jwt_secret"
    ensure_local_jwt_secret(secret_file)
    assert jwt_secret(secret_file) == secret_file.read_text().strip()
    assert len(jwt_secret(secret_file)) >= 48


def test_the_file_is_private_created_once_and_stable(tmp_path: Path) -> None:
    secret_file = tmp_path / "secrets" / "jwt_secret"
    ensure_local_jwt_secret(secret_file)
    first = secret_file.read_text()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    ensure_local_jwt_secret(secret_file)
    assert secret_file.read_text() == first
    assert [p.name for p in secret_file.parent.iterdir()] == ["jwt_secret"]  # no temporary left behind


def test_two_generated_secrets_differ(tmp_path: Path) -> None:
    ensure_local_jwt_secret(tmp_path / "a")
    ensure_local_jwt_secret(tmp_path / "b")
    assert (tmp_path / "a").read_text() != (tmp_path / "b").read_text()


def test_without_environment_or_file_the_api_refuses_to_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWT_SECRET", raising=False)
    assert jwt_secret(tmp_path / "absent") == ""
    with pytest.raises(MissingSecret, match="JWT_SECRET"):
        Settings(jwt_secret=jwt_secret(tmp_path / "absent")).require_jwt_secret()
    with pytest.raises(MissingSecret):
        Settings(jwt_secret="short").require_jwt_secret()


def test_create_app_refuses_without_a_secret() -> None:
    from api.app import create_app

    with pytest.raises(MissingSecret):
        create_app(Settings(jwt_secret=""))


def test_settings_never_show_the_secret() -> None:
    assert "s3cr3t-value" not in repr(Settings(jwt_secret="s3cr3t-value" * 4))
