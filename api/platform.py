"""The API process's long-lived parts, wired once at start-up (the composition root)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, WebSocket
from psycopg_pool import AsyncConnectionPool

from api.command_bus import CommandBus
from api.mailer import Mailer
from api.push_hub import PushHub
from wellwon.config import Settings
from wellwon.envelope import MessageCodec


@dataclass
class Platform:
    settings: Settings
    codec: MessageCodec
    pool: AsyncConnectionPool[Any]
    bus: CommandBus
    hub: PushHub
    mailer: Mailer


# Dependencies are `async def`: FastAPI runs a plain `def` in its thread pool, a hop that was ~6% of the API's CPU.
async def platform(request: Request) -> Platform:
    found: Platform = request.app.state.platform
    return found


def platform_of(websocket: WebSocket) -> Platform:
    found: Platform = websocket.app.state.platform
    return found
