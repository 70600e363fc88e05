"""A replay runs the cyclic garbage collector rarely, and gives the default thresholds back however it ends."""

from __future__ import annotations

import gc

import pytest

from sinks.replay import rare_collections


def test_thresholds_are_raised_for_the_replay_and_restored_after() -> None:
    before = gc.get_threshold()
    with rare_collections(12_345):
        assert gc.get_threshold() == (12_345, 10, 10)
    assert gc.get_threshold() == before


def test_thresholds_are_restored_when_the_replay_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), rare_collections():
        assert gc.get_threshold()[0] == 10_000
        raise RuntimeError("the store went away")
    assert gc.get_threshold() == before
