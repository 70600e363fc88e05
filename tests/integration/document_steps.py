"""Steps the documents tests share: an upload through the API, the object store as the platform sees it."""

from __future__ import annotations

import urllib.parse
from typing import Any

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import bearer
from tests.integration.trade_steps import settled
from wellwon.object_store import ObjectStore


async def upload(
    api: httpx.AsyncClient,
    tokens: dict[str, str],
    data: bytes,
    content_type: str = "application/pdf",
    filename: str = "invoice.pdf",
    document_type: str = "commercial_invoice",
    path: str = "/api/documents",
    **params: str,
) -> httpx.Response:
    """The raw file as the request body, its name percent-encoded in X-Filename (as the console sends it)."""
    headers = {**bearer(tokens), "Content-Type": content_type, "X-Filename": urllib.parse.quote(filename)}
    query = {"document_type": document_type, **params} if path == "/api/documents" else params
    return await api.post(path, headers=headers, params=query, content=data)


async def uploaded(api: httpx.AsyncClient, tokens: dict[str, str], data: bytes, **kwargs: Any) -> dict[str, Any]:
    """Upload and return the document as the read model shows it (waiting out a lagging 202)."""
    answer = await upload(api, tokens, data, **kwargs)
    assert answer.status_code in (201, 202), answer.text
    document_id = answer.json()["id"] if answer.status_code == 201 else answer.json()["aggregate_id"]
    read = await settled(api, tokens, answer, f"/api/documents/{document_id}")
    assert read.status_code in (200, 201), read.text
    document: dict[str, Any] = read.json()
    return document


def objects_of(platform: PlatformProcesses, tenant_id: str) -> list[str]:
    """Every object the store holds for a tenant (S3Proxy's filesystem backend also lists its folders: not objects)."""
    store = ObjectStore(platform.settings)
    listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix=f"{tenant_id}/")
    return sorted(item["Key"] for item in listed.get("Contents", []) if not item["Key"].endswith("/"))
