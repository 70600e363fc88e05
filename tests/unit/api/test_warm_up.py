"""Warming a slow index at the API's start: in the background, so readiness never waits for it."""

import logging
import threading

import pytest

from api.app import warm_in_background


def test_the_build_runs_in_a_daemon_thread_and_the_caller_does_not_wait_for_it() -> None:
    release, built = threading.Event(), threading.Event()

    def slow_build() -> None:
        assert release.wait(10)
        built.set()

    thread = warm_in_background(slow_build, "a slow index")
    # Returned while the build is still blocked: start-up carries on.
    assert thread.is_alive() and thread.daemon and not built.is_set()
    release.set()
    thread.join(10)
    assert built.is_set()


def test_a_failing_build_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> None:
        raise RuntimeError("no nomenclature")

    with caplog.at_level(logging.INFO, "wellwon.api"):
        thread = warm_in_background(broken, "a broken index")
        thread.join(10)
    assert [r.getMessage() for r in caplog.records] == ["warming a broken index failed"]
