"""Serves the operations console (the built `web/dist`) at `/`; client routes fall back to index.html.

The API's own paths (`/api`, `/ws`, `/docs`, `/openapi.json`, `/health`) are routed before this catch-all,
so a typo under `/api` still answers 404 JSON rather than the console's page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, status
from fastapi.responses import FileResponse

from wellwon.config import PROJECT_ROOT

CONSOLE_DIR = PROJECT_ROOT / "web" / "dist"
API_PREFIXES = ("api/", "ws", "docs", "redoc", "openapi.json", "health")
# Hashed asset names never change content, so browsers may keep them; index.html must be revalidated.
IMMUTABLE = "public, max-age=31536000, immutable"

router = APIRouter(include_in_schema=False)


def console_file(path: str, root: Path = CONSOLE_DIR) -> Path | None:
    """The built file for a URL path, or index.html for a client route; None outside the console."""
    if path.startswith(API_PREFIXES):
        return None
    index = root / "index.html"
    if not index.is_file():
        return None
    candidate = (root / path).resolve()
    if path and candidate.is_file() and candidate.is_relative_to(root.resolve()):
        return candidate
    # A path that names a file (has an extension) but is not one is a 404, not the app.
    return None if "." in Path(path).name else index


@router.get("/{path:path}")
async def console(path: str) -> FileResponse:
    found = console_file(path)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "not found")
    headers = {"Cache-Control": IMMUTABLE if "/assets/" in f"/{path}" else "no-cache"}
    return FileResponse(found, headers=headers)
