"""Quiet hours maths (in the person's time zone, across midnight and DST) and channels per kind."""

from __future__ import annotations

from datetime import UTC, datetime, time

from notifications.preferences import Preferences, QuietHours
from notifications.rules import Channel


def test_outside_quiet_hours_an_email_goes_at_once() -> None:
    quiet = QuietHours(time(22), time(7), "Europe/Moscow")  # UTC+3
    at = datetime(2026, 11, 30, 12, tzinfo=UTC)  # 15:00 in Moscow
    assert quiet.held_until(at) == at


def test_quiet_hours_across_midnight_hold_until_their_end_next_morning() -> None:
    quiet = QuietHours(time(22), time(7), "Europe/Moscow")
    evening = datetime(2026, 11, 30, 20, tzinfo=UTC)  # 23:00 in Moscow
    assert quiet.held_until(evening) == datetime(2026, 12, 1, 4, tzinfo=UTC)  # 07:00 in Moscow
    small_hours = datetime(2026, 11, 30, 1, tzinfo=UTC)  # 04:00 in Moscow, the same night
    assert quiet.held_until(small_hours) == datetime(2026, 11, 30, 4, tzinfo=UTC)
    assert quiet.held_until(datetime(2026, 11, 30, 4, tzinfo=UTC)) == datetime(2026, 11, 30, 4, tzinfo=UTC)  # end


def test_quiet_hours_within_a_day() -> None:
    quiet = QuietHours(time(12), time(14), "UTC")
    assert quiet.held_until(datetime(2026, 6, 1, 13, 30, tzinfo=UTC)) == datetime(2026, 6, 1, 14, tzinfo=UTC)
    assert quiet.held_until(datetime(2026, 6, 1, 11, 59, tzinfo=UTC)) == datetime(2026, 6, 1, 11, 59, tzinfo=UTC)
    assert not QuietHours(time(9), time(9)).contains(time(9))  # start == end: never quiet


def test_quiet_hours_end_at_the_local_wall_clock_across_a_dst_change() -> None:
    quiet = QuietHours(time(23), time(8), "Europe/Berlin")  # CET -> CEST on 2026-03-29 at 02:00
    night = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 00:30 CET on the 29th
    assert quiet.held_until(night) == datetime(2026, 3, 29, 6, tzinfo=UTC)  # 08:00 CEST


def test_channels_per_kind_default_to_the_rule_and_telegram_is_kept_when_chosen() -> None:
    preferences = Preferences({"edi_dead_letter": (Channel.IN_APP, Channel.TELEGRAM)})
    assert preferences.channels_for("edi_dead_letter") == (Channel.IN_APP, Channel.TELEGRAM)
    assert preferences.channels_for("shipment_exception") == (Channel.IN_APP, Channel.EMAIL)
    assert Preferences().email_due(datetime(2026, 1, 1, tzinfo=UTC)) == datetime(2026, 1, 1, tzinfo=UTC)
