"""`replay_all`'s orchestration: the ClickHouse replay in a forked process beside the Postgres one, progress summed,
and each side's failure. The two replays are stood in for here; `tests/integration/test_analytics_facts.py` runs
the real ones against the stack."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import sinks.replay
from sinks.replay import replay_all
from wellwon.config import Settings
from wellwon.envelope import MessageCodec

Progress = Callable[[int, int], None] | None


def fakes(
    monkeypatch: pytest.MonkeyPatch, marks: Path, postgres_fails: bool = False, clickhouse_fails: bool = False
) -> None:
    async def postgres(settings: Any, codec: Any, projections: Any, topics: list[str], progress: Progress) -> int:
        (marks / "postgres-pid").write_text(str(os.getpid()))
        for done in (50, 100):
            await asyncio.sleep(0.3)
            if progress is not None:
                progress(done, 100)
        if postgres_fails:
            raise ValueError("postgres went away")
        (marks / "postgres-done").touch()
        return len(topics) * 100

    async def clickhouse(settings: Any, codec: Any, topics: list[str], progress: Progress) -> int:
        (marks / "clickhouse-pid").write_text(str(os.getpid()))
        if clickhouse_fails:
            raise ValueError("clickhouse went away")
        if progress is not None:
            progress(40, 40)
        await asyncio.sleep(0.1 if not postgres_fails else 30)
        (marks / "clickhouse-done").touch()
        return 40

    monkeypatch.setattr(sinks.replay, "replay_postgres", postgres)
    monkeypatch.setattr(sinks.replay, "replay_clickhouse", clickhouse)


def run(heard: list[tuple[int, int]] | None = None) -> tuple[int, int]:
    progress = (lambda done, total: heard.append((done, total))) if heard is not None else None
    return replay_all(Settings(), MessageCodec.__new__(MessageCodec), (), ["e1", "e2"], ["r1"], progress)


def test_both_run_at_once_in_two_processes_and_progress_is_their_sum(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fakes(monkeypatch, tmp_path)
    heard: list[tuple[int, int]] = []
    assert run(heard) == (300, 40)  # Postgres read events and results, ClickHouse the events
    assert (tmp_path / "postgres-pid").read_text() == str(os.getpid())
    assert (tmp_path / "clickhouse-pid").read_text() != str(os.getpid())
    assert heard[-1] == (140, 140)  # the ClickHouse run's 40 of 40 and Postgres's 100 of 100


def test_a_failed_clickhouse_replay_lets_postgres_finish_and_then_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fakes(monkeypatch, tmp_path, clickhouse_fails=True)
    with pytest.raises(RuntimeError, match="the ClickHouse replay failed"):
        run()
    assert (tmp_path / "postgres-done").exists()


def test_a_failed_postgres_replay_stops_the_clickhouse_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fakes(monkeypatch, tmp_path, postgres_fails=True)
    with pytest.raises(ValueError, match="postgres went away"):
        run()
    child = int((tmp_path / "clickhouse-pid").read_text())
    assert not (tmp_path / "clickhouse-done").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # stopped and reaped, not left running its 30 s
