"""The notification inbox and preferences over HTTP: /api/notifications.

The inbox is the caller's own notifications in the active company (row-level security), newest first, with
the unread count the console's bell shows. Preferences are the caller's own, across companies: channels per
kind (in-app, email, and Telegram once they linked their chat: api/routers/telegram.py) and quiet hours in
their time zone.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Path, Response, status
from pydantic import Field, field_validator

from api.deps import CurrentSession, Offset, PlatformDep, Strict, page_size, tenant_db
from api.outcomes import invalid_field
from notifications import queries, telegram_links
from notifications.preferences import DELIVERABLE, Preferences, QuietHours
from notifications.rules import KINDS, RULES, Channel, Severity
from notifications.store import preferences_json

router = APIRouter(tags=["notifications"])

NotificationId = Annotated[str, Path(max_length=64, description="the notification's id (a UUID)")]


class QuietHoursIn(Strict):
    start: time = Field(description="local time quiet hours begin (HH:MM, or HH:MM:SS)")
    end: time = Field(description="local time they end; before `start` means they run past midnight")
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone, e.g. Europe/Moscow")

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {zone!r}") from exc
        return zone


class PreferencesIn(Strict):
    channels: dict[str, list[Channel]] = Field(
        default_factory=dict, description="per notification kind, the channels switched on (the others off)"
    )
    quiet_hours: QuietHoursIn | None = None

    @field_validator("channels")
    @classmethod
    def known_kinds_and_channels(cls, channels: dict[str, list[Channel]]) -> dict[str, list[Channel]]:
        for kind, chosen in channels.items():
            if kind not in KINDS:
                raise ValueError(f"unknown notification kind {kind!r}: one of {list(KINDS)}")
            if unavailable := [str(c) for c in chosen if c not in DELIVERABLE]:
                raise ValueError(f"{kind}: channel not available yet: {unavailable}")
        return channels


@router.get("/api/notifications")
async def list_notifications(
    session: CurrentSession,
    found: PlatformDep,
    unread_only: bool = False,
    limit: Annotated[int, page_size(200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        items = await queries.inbox(conn, unread_only, limit, offset)
        unread = await queries.unread_count(conn)
    return {"notifications": items, "unread": unread, "limit": limit, "offset": offset}


@router.post("/api/notifications/read-all")
async def read_all(session: CurrentSession, found: PlatformDep) -> dict[str, int]:
    async with tenant_db(found, session) as conn:
        return {"marked": await queries.mark_all_read(conn)}


@router.post("/api/notifications/{notification_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def read_one(notification_id: NotificationId, session: CurrentSession, found: PlatformDep) -> Response:
    async with tenant_db(found, session) as conn:
        if not await queries.mark_read(conn, notification_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such notification")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/notifications/preferences")
async def get_preferences(session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    async with tenant_db(found, session) as conn:
        saved = await queries.preferences(conn)
        linked = await telegram_links.link_of(conn, session.account_id) is not None
    return described(saved, linked)


@router.put("/api/notifications/preferences")
async def put_preferences(body: PreferencesIn, session: CurrentSession, found: PlatformDep) -> dict[str, Any]:
    quiet = None
    if body.quiet_hours is not None:
        start, end = (t.replace(microsecond=0, tzinfo=None) for t in (body.quiet_hours.start, body.quiet_hours.end))
        quiet = QuietHours(start, end, body.quiet_hours.timezone)
    chosen = Preferences({kind: tuple(dict.fromkeys(channels)) for kind, channels in body.channels.items()}, quiet)
    async with tenant_db(found, session) as conn:
        linked = await telegram_links.link_of(conn, session.account_id) is not None
        if not linked and (kind := next((k for k, c in chosen.channels.items() if Channel.TELEGRAM in c), None)):
            raise invalid_field(["channels", kind], "link your Telegram first: POST /api/notifications/telegram/link")
        await queries.save_preferences(conn, session.account_id, chosen)
    return described(chosen, linked)


def described(preferences: Preferences, telegram_linked: bool) -> dict[str, Any]:
    """The preferences, every kind listed (with its rule's severity and default channels), for the console's form."""
    kinds = [
        {
            "kind": r.kind,
            "severity": str(r.severity),
            "digest": r.digest,
            "default_channels": [str(c) for c in r.channels],
        }
        for r in RULES
    ]
    available = [str(c) for c in DELIVERABLE if telegram_linked or c is not Channel.TELEGRAM]
    return {**preferences_json(preferences, KINDS), "kinds": kinds, "channels_available": available,
            "telegram_linked": telegram_linked, "severities": [str(s) for s in Severity]}  # fmt: skip
