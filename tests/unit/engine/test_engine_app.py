"""The Faust app's own folders stay under the local directory, never in whatever folder the worker started in."""

from __future__ import annotations

from streams.engine import create_app
from streams.registry import DOMAINS, codec
from wellwon.config import LOCAL_DIR, Settings


def test_the_workers_data_folder_is_under_the_local_directory_per_namespace() -> None:
    app = create_app(Settings(namespace="tdatadir"), DOMAINS, codec())
    datadir = app.conf.datadir
    assert datadir.is_relative_to(LOCAL_DIR / "streams-data")
    # <app id>/<worker name>: several workers on one host keep their RocksDB databases apart.
    assert datadir.parent.name.startswith("tdatadir.")
    assert datadir.name == "worker-1"
    assert datadir.is_dir()
