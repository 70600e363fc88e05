"""The stream worker logs JSON lines with their fields, after Faust's worker has set up its own logging."""

from __future__ import annotations

import logging

import orjson
import pytest
from mode.utils.logging import setup_logging

from streams.worker import StreamWorker


def test_the_worker_logs_json_with_its_fields_after_faust_set_up_logging(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIBRARY_LOG_LEVEL", "WARNING")  # the default (tests/conftest.py raises it for the platform)
    before = logging.root.handlers[:], logging.root.level
    try:
        setup_logging(loglevel="WARNING")  # what Faust's worker does first: its own text handler on stdout
        StreamWorker.on_setup_root_logger(StreamWorker.__new__(StreamWorker), logging.root, logging.WARNING)
        logging.getLogger("wellwon.streams").warning("offset gap: re-reading partition", extra={"partition": 3})
        logging.getLogger("streams.local_store").info("[KeyPartitionedRocksStore]: Starting...")
        lines = [orjson.loads(line) for line in capsys.readouterr().err.splitlines()]
        assert [(line["logger"], line["msg"], line["partition"]) for line in lines] == [
            ("wellwon.streams", "offset gap: re-reading partition", 3)
        ]
    finally:
        logging.root.handlers[:], _ = before
        logging.root.setLevel(before[1])
        logging.getLogger("streams").setLevel(logging.NOTSET)
