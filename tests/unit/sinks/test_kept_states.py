"""The states a Postgres sink's connection keeps per state table: bounded, the least recently written go first."""

from __future__ import annotations

from sinks.postgres.state import KeptStates, keep


def test_keep_remembers_the_version_and_state_written() -> None:
    kept: KeptStates = {}
    keep(kept, "a", 3, "state a3")
    keep(kept, "a", 5, "state a5")
    assert kept == {"a": (5, "state a5")}


def test_beyond_the_limit_the_least_recently_written_go() -> None:
    kept: KeptStates = {}
    for n, aggregate_id in enumerate(("a", "b", "c")):
        keep(kept, aggregate_id, n + 1, aggregate_id, limit=3)
    keep(kept, "a", 7, "a again", limit=3)  # written again: now the most recent
    keep(kept, "d", 1, "d", limit=3)
    assert list(kept) == ["c", "a", "d"]
    assert kept["a"] == (7, "a again")
