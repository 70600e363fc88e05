"""What every router shares: the platform, the caller, request-body and paging conventions, the command's issuer.

A route is: its permission (`require_permission`), the command it builds, and `send_and_read` (api/outcomes.py).
Routers import these from here only, so a new domain's router starts from the same pieces.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict

from api.auth import CurrentSession, Session, require_permission, tenant_db
from api.command_bus import Issued
from api.platform import Platform, platform
from streams.company.permissions import ROLE_CLAIM

__all__ = [
    "CurrentSession",
    "Offset",
    "PlatformDep",
    "Session",
    "Strict",
    "issued",
    "page_size",
    "require_permission",
    "tenant_db",
]

PlatformDep = Annotated[Platform, Depends(platform)]
Offset = Annotated[int, Query(ge=0, description="rows to skip")]


def page_size(maximum: int) -> Any:
    """A page size parameter, 1 to `maximum` rows: `limit: Annotated[int, page_size(200)] = 50`."""
    return Query(ge=1, le=maximum, description=f"rows to return, at most {maximum}")


class Strict(BaseModel):
    """Every request body (`<Thing>In`): unknown fields are refused (422 naming them), text is stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def issued(session: Session, tenant_id: str | None = None) -> Issued:
    """The caller as a command's issuer: account, active company (or `tenant_id`) and role there."""
    role = ((ROLE_CLAIM, session.role),) if session.role else ()
    return Issued(actor_id=session.account_id, tenant_id=tenant_id or session.tenant_id, claims=role)
