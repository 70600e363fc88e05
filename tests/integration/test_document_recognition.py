"""A document's whole path on the real stack: uploaded to the object store, recognised by a real Dagster run
(sensor, run storage, the OCR and extraction code), the result back as commands into the read model and
the tenant's socket, an operator's correction, and a declaration prefilled from the verified invoice."""

from __future__ import annotations

import asyncio
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from recognition.samples import sample
from stack.dagster import running_daemon
from stack.processes import PlatformProcesses
from tests.integration.document_steps import uploaded
from tests.integration.observe import PushListener, bearer, company_owner
from tests.integration.test_customs import full_declaration

CORRECTED = "Men's cotton T-shirts, knitted"


def blank_scan() -> bytes:
    """An A4 page scanned at 150 dpi with nothing on it: the engines find no text."""
    out = io.BytesIO()
    Image.new("L", (1240, 1754), 255).save(out, format="PNG")
    return out.getvalue()


async def read(api: httpx.AsyncClient, owner: dict[str, str], path: str) -> dict[str, Any]:
    answer = await api.get(path, headers=bearer(owner))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_invoice_is_recognised_in_dagster_verified_and_prefills_a_declaration(
    platform: PlatformProcesses, api: httpx.AsyncClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    owner, company = await company_owner(api, "recognition")
    invoice = sample(11, "commercial_invoice", "en", "text")  # a text-layer PDF rendered from known values
    dagster_home: Path = tmp_path_factory.mktemp("dagster")
    async with PushListener(platform, owner["access_token"]) as pushes:
        with running_daemon(dagster_home, platform.settings) as dagster:
            document = await uploaded(api, owner, invoice.data, content_type=invoice.content_type, filename="inv.pdf")
            document_id = document["id"]
            blank = await uploaded(api, owner, blank_scan(), content_type="image/png", filename="scan.png")
            # Polled in a thread: the socket's listener keeps running on the loop meanwhile.
            run = await asyncio.to_thread(dagster.finished_run, f"{document_id}:v1", 600)
            assert run.status.value == "SUCCESS", dagster.log_tail()
            assert run.tags["dagster/partition"] == f"{document_id}:v1"
            # An unreadable scan is a result of its run, not a failure to retry: the run succeeds and says why.
            unreadable = await asyncio.to_thread(dagster.finished_run, f"{blank['id']}:v1", 600)
            assert unreadable.status.value == "SUCCESS", dagster.log_tail()
        await pushes.wait_until(
            lambda got: any(
                e["type"] == "document.RecognitionRecorded" and e["aggregate_id"] == document_id for e in got
            ),
            "the tenant's socket hears the recognition",
            timeout=60,
        )

    # The unreadable scan's version is not left pending: it failed, and the reason is the engine's.
    failed = await read(api, owner, f"/api/documents/{blank['id']}")
    for _ in range(100):
        if failed["versions"][0]["recognition_status"] != "pending":
            break
        await asyncio.sleep(0.1)
        failed = await read(api, owner, f"/api/documents/{blank['id']}")
    assert failed["versions"][0]["recognition_status"] == "failed", failed
    assert failed["versions"][0]["recognition_reason"].startswith("no text found"), failed

    # The read model holds the fields the run read, each as the rendered document says.
    path = f"/api/documents/{document_id}"
    recognised = await read(api, owner, path)
    for _ in range(100):  # the push may run ahead of the Postgres projection by a moment
        if recognised["recognition_status"] != "pending":
            break
        await asyncio.sleep(0.1)
        recognised = await read(api, owner, path)
    assert recognised["recognition_status"] == "recognised", recognised
    fields = {f["name"]: f for f in recognised["fields"]}
    for name in ("number", "date", "currency", "total", "items[0].description", "items[0].quantity"):
        assert fields[name]["value"] == invoice.fields[name], name
        assert 0 < fields[name]["confidence"] <= 1 and fields[name]["page"] == 1
        box = (fields[name]["x0"], fields[name]["y0"], fields[name]["x1"], fields[name]["y1"])
        assert 0 <= box[0] < box[2] <= 1 and 0 <= box[1] < box[3] <= 1, (name, box)

    # The operator corrects the first line's description, confirms what was flagged, completes verification.
    corrected = await api.post(
        f"{path}/fields/verify", headers=bearer(owner), json={"name": "items[0].description", "value": CORRECTED}
    )
    assert corrected.status_code == 200, corrected.text
    for field in recognised["fields"]:
        if field["needs_verification"] and field["name"] != "items[0].description":
            confirmed = await api.post(
                f"{path}/fields/verify", headers=bearer(owner), json={"name": field["name"], "value": field["value"]}
            )
            assert confirmed.status_code == 200, confirmed.text
    completed = await api.post(f"{path}/verification/complete", headers=bearer(owner))
    assert completed.status_code == 200, completed.text

    # A draft declaration takes the invoice's lines as goods items, the corrected description among them.
    draft = {**full_declaration(), "items": []}
    created = await api.post("/api/declarations", headers=bearer(owner), json=draft)
    assert created.status_code == 201, created.text
    declaration_id = created.json()["id"]
    prefill = f"/api/declarations/{declaration_id}/goods-from-document"
    answer = await api.post(prefill, headers=bearer(owner), json={"document_id": document_id, "origin_country": "CN"})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    lines = sorted({n.split("]")[0] + "]" for n in invoice.fields if n.startswith("items[")})
    assert len(items) == len(lines)
    first = items[0]
    assert first["description"] == CORRECTED
    assert first["commodity_code"].startswith("6109")  # the classifier's confident code for the corrected text
    assert (first["origin_country"], first["currency"]) == ("CN", invoice.fields["currency"])
    assert Decimal(first["quantity"]) == Decimal(invoice.fields["items[0].quantity"])
    attached = [d for d in answer.json()["documents"] if d["document_id"] == document_id]
    assert [(d["type_code"], d["number"]) for d in attached] == [("04021", invoice.fields["number"])]

    # Applying it again adds nothing; an unverified or foreign document is refused.
    again = await api.post(prefill, headers=bearer(owner), json={"document_id": document_id})
    assert again.status_code == 200 and len(again.json()["items"]) == len(items)
    other_owner, _ = await company_owner(api, "recognition-other")
    foreign = await api.post(prefill, headers=bearer(other_owner), json={"document_id": document_id})
    assert foreign.status_code == 404
    assert company  # the uploading company owns the document (tenancy walked in test_documents)
