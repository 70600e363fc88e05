"""The customs authority's gateway: its credential and the dependency that admits it (and only it).

Register, release and reject are the customs authority's decisions: those routes take this
credential, never a user's token.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import jwt
from fastapi import Depends, HTTPException, Request, status

from api.auth import ALGORITHM, UNAUTHORIZED, Session, bearer_token
from api.deps import PlatformDep
from streams.customs.decider import CUSTOMS_AUTHORITY_ROLE
from wellwon.envelope import now

GATEWAY_TOKEN_TYPE = "customs_gateway"


def customs_gateway_token(secret: str, tenant_id: str, gateway_id: str, ttl: timedelta = timedelta(hours=1)) -> str:
    """The credential of the customs authority's gateway for one tenant (provisioned by the platform)."""
    issued_at = now()
    claims = {"sub": gateway_id, "tid": tenant_id, "typ": GATEWAY_TOKEN_TYPE, "iat": issued_at, "exp": issued_at + ttl}
    return jwt.encode(claims, secret, ALGORITHM)


async def customs_gateway(request: Request, found: PlatformDep) -> Session:
    """The gateway's session: a user's token, however privileged, is refused here (403)."""
    try:
        claims = jwt.decode(
            bearer_token(request),
            found.settings.jwt_secret,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub", "tid"]},
        )
    except jwt.PyJWTError as exc:
        raise UNAUTHORIZED from exc
    if claims.get("typ") != GATEWAY_TOKEN_TYPE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the customs authority registers, releases or rejects")
    return Session(claims["sub"], "", "", claims, claims["tid"], CUSTOMS_AUTHORITY_ROLE)


CustomsGateway = Annotated[Session, Depends(customs_gateway)]
