"""Structured logs: one JSON object per line, with the `extra` fields, whatever their keys and values."""

from __future__ import annotations

import logging
from datetime import date

import orjson

from wellwon.logs import JsonFormatter


def test_a_line_carries_its_fields_even_a_mapping_keyed_by_partition_number() -> None:
    record = logging.LogRecord("wellwon.streams", logging.WARNING, __file__, 1, "positions %s", ("now",), None)
    record.positions = {2: 1, 5: 0}  # orjson refused int keys: the line was lost with a formatting traceback
    record.day = date(2026, 12, 1)
    line = orjson.loads(JsonFormatter().format(record))
    assert line["msg"] == "positions now" and line["level"] == "warning" and line["logger"] == "wellwon.streams"
    assert line["positions"] == {"2": 1, "5": 0}
    assert line["day"] == "2026-12-01"
