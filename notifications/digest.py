"""Digests: a noisy kind's emails to one person are batched into one email per window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Waiting:
    """A digest email delivery not yet sent."""

    delivery_id: int
    user_id: str
    kind: str
    created_at: datetime
    due_at: datetime  # quiet hours may hold it


@dataclass(frozen=True)
class Batch:
    user_id: str
    kind: str
    deliveries: tuple[Waiting, ...]


def due_batches(waiting: list[Waiting], now: datetime, window: timedelta) -> list[Batch]:
    """Per person and kind, every waiting delivery, once the oldest has waited a window and none is held.

    One email then says all of them; a batch whose window has not passed, or that quiet hours hold, waits.
    """
    groups: dict[tuple[str, str], list[Waiting]] = {}
    for item in sorted(waiting, key=lambda w: (w.created_at, w.delivery_id)):
        groups.setdefault((item.user_id, item.kind), []).append(item)
    return [
        Batch(user, kind, tuple(items))
        for (user, kind), items in groups.items()
        if items[0].created_at + window <= now and all(i.due_at <= now for i in items)
    ]
