"""GET /ws: a WebSocket that pushes the caller's events as JSON, authenticated by the access token.

The token comes as `?token=` or an `Authorization: Bearer` header. The socket gets the caller's
own account events and, with an active company, that tenant's events. It closes (code 4401) when
its access ends: logout, a password change elsewhere, deletion of the account, or removal from
the company.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, HTTPException, WebSocket, WebSocketDisconnect

from api.auth import bearer_token, decode_token, open_session
from api.platform import platform_of

router = APIRouter(tags=["push"])

SESSION_ENDED = 4401
SESSION_ENDING_EVENTS = {"user_account.UserAccountDeleted", "user_account.UserPasswordChanged"}


def ends_session(event: dict[str, object], session_id: str, account_id: str) -> bool:
    """Whether this event takes the socket's access away: its session ended or its company dropped it."""
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return False
    if event.get("type") == "company.ParticipantRemoved":
        return payload.get("user_id") == account_id
    if event.get("type") == "user_account.UserLoggedOut":
        return payload.get("session_id") == session_id
    if event.get("type") == "user_account.UserPasswordChanged":
        return payload.get("kept_session_id") != session_id
    return event.get("type") in SESSION_ENDING_EVENTS


@router.websocket("/ws")
async def push_socket(websocket: WebSocket) -> None:
    found = platform_of(websocket)
    try:
        claims = decode_token(found.settings.jwt_secret, bearer_token(websocket), "access")
        session = await open_session(found, claims)
    except HTTPException:
        await websocket.close(code=SESSION_ENDED, reason="not authenticated")
        return
    await websocket.accept()
    channels = {found.hub.user_channel(session.account_id)}
    if session.tenant_id is not None:
        channels.add(found.hub.tenant_channel(session.tenant_id))
    subscription = found.hub.subscribe(channels)
    receiver = asyncio.create_task(_drain_client(websocket))
    try:
        while not receiver.done():
            getter = asyncio.create_task(subscription.queue.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            event = getter.result()
            await websocket.send_json(event)
            if ends_session(event, session.session_id, session.account_id):
                await websocket.close(code=SESSION_ENDED, reason="session ended")
                break
    except WebSocketDisconnect:
        pass
    finally:
        found.hub.unsubscribe(subscription)
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
            await receiver


async def _drain_client(websocket: WebSocket) -> None:
    """Reads (and ignores) what the client sends, to notice when it goes away."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
