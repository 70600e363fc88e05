"""`wellwon stack up` waits for a service until it serves, not until its port merely answers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from stack import services


@pytest.fixture
def a_port_that_is_no_database() -> Iterator[int]:
    """A listener that takes connections and says nothing, as Postgres's port does early in its crash recovery."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        stop = threading.Event()

        def accept() -> None:
            listener.settimeout(0.1)
            held = []
            while not stop.is_set():
                try:
                    held.append(listener.accept()[0])
                except TimeoutError:
                    continue
            for connection in held:
                connection.close()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield listener.getsockname()[1]
        stop.set()
        thread.join()


def test_postgres_is_ready_only_when_it_accepts_connections(a_port_that_is_no_database: int) -> None:
    stacks_postgres = services.choose_ports()["postgres"]
    assert services.Postgres("postgres", stacks_postgres, lambda: None).ready()
    assert services.port_is_open(a_port_that_is_no_database)
    assert not services.Postgres("postgres", a_port_that_is_no_database, lambda: None).ready()
