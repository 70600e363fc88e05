"""A user's notification preferences: channels per kind, quiet hours in their time zone; and the quiet-hours maths."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifications.rules import RULES, Channel

# Channels with a sender; Telegram is switched on only by a person who linked their chat (the API checks).
DELIVERABLE = (Channel.IN_APP, Channel.EMAIL, Channel.TELEGRAM)


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` local time (wrapping midnight when end <= start), email waits; in-app never does."""

    start: time
    end: time
    timezone: str = "UTC"

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def held_until(self, at: datetime) -> datetime:
        """When an email due at `at` (aware) may go: `at` itself, or the end of the quiet hours it falls in."""
        zone = ZoneInfo(self.timezone)
        local = at.astimezone(zone)
        if not self.contains(local.timetz().replace(tzinfo=None)):
            return at
        end_day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        # Built from the wall clock in the zone, so a DST change that day still ends the quiet hours at `end`.
        return datetime.combine(end_day, self.end, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Preferences:
    # kind -> channels switched on; a kind not listed gets its rule's channels.
    channels: dict[str, tuple[Channel, ...]] = field(default_factory=dict)
    quiet_hours: QuietHours | None = None

    def channels_for(self, kind: str) -> tuple[Channel, ...]:
        if kind in self.channels:
            return tuple(c for c in self.channels[kind] if c in DELIVERABLE)
        rule = next((r for r in RULES if r.kind == kind), None)
        return rule.channels if rule else (Channel.IN_APP,)

    def email_due(self, at: datetime) -> datetime:
        return self.quiet_hours.held_until(at) if self.quiet_hours else at
