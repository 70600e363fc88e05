"""Digest batching: one email per person and kind once the oldest waited a window; quiet hours still hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifications.delivery import digest_message_id, retry_wait
from notifications.digest import Waiting, due_batches

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)
WINDOW = timedelta(minutes=10)


def waiting(delivery_id: int, user: str, minutes: int, held: int = 0) -> Waiting:
    created = T0 + timedelta(minutes=minutes)
    return Waiting(delivery_id, user, "edi_dead_letter", created, created + timedelta(minutes=held))


def test_nothing_goes_before_the_window() -> None:
    assert due_batches([waiting(1, "u1", 0), waiting(2, "u1", 5)], T0 + timedelta(minutes=9), WINDOW) == []


def test_after_the_window_everything_waiting_goes_as_one_per_person() -> None:
    items = [waiting(3, "u1", 5), waiting(1, "u1", 0), waiting(2, "u2", 1), waiting(4, "u2", 9)]
    batches = due_batches(items, T0 + timedelta(minutes=10, seconds=30), WINDOW)
    assert [(b.user_id, [d.delivery_id for d in b.deliveries]) for b in batches] == [("u1", [1, 3])]
    later = due_batches(items, T0 + timedelta(minutes=11), WINDOW)
    assert sorted((b.user_id, [d.delivery_id for d in b.deliveries]) for b in later) == [("u1", [1, 3]), ("u2", [2, 4])]


def test_a_batch_with_a_held_delivery_waits_for_the_quiet_hours_to_end() -> None:
    items = [waiting(1, "u1", 0), waiting(2, "u1", 1, held=60)]
    assert due_batches(items, T0 + timedelta(minutes=30), WINDOW) == []
    assert len(due_batches(items, T0 + timedelta(minutes=62), WINDOW)) == 1


def test_retries_back_off_and_a_digest_id_is_its_members() -> None:
    assert [retry_wait(n).total_seconds() for n in (1, 2, 3, 20)] == [2, 4, 8, 600]
    assert digest_message_id(["<a>", "<b>"]) == digest_message_id(["<b>", "<a>"]) != digest_message_id(["<a>"])
