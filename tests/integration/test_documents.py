"""Documents on the real stack (S3Proxy, Kafka, Postgres): upload to the store, versions, bad files, links,
recognition results from a pipeline, verification, expiry, and one tenant's documents out of another's reach."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg

from api.command_bus import Issued
from sinks.postgres.database import owner_dsn
from sinks.postgres.document_queries import pending_recognitions
from stack.processes import PlatformProcesses
from streams.document.commands import FailRecognition, RecognisedField, RecordRecognition
from streams.document.domain import DOCUMENT
from streams.pipeline import pipeline_claims
from streams.registry import DOMAINS
from tests.document_samples import CORRUPT_PDF, HTML, TRUNCATED_PNG, pdf_bytes, png_bomb, png_bytes
from tests.integration.document_steps import objects_of, upload, uploaded
from tests.integration.observe import bearer, company_owner, eventually, sql
from tests.integration.trade_steps import command, settled, terms
from wellwon.cli import send_once
from wellwon.object_store import ObjectStore


async def recognise(platform: PlatformProcesses, tenant_id: str, document_id: str, message: Any) -> dict[str, Any]:
    """Send a pipeline's command (role `pipeline`), as the recognition sensor does, and wait for its read model."""
    issued = Issued(actor_id=None, tenant_id=tenant_id, claims=tuple(pipeline_claims("document_recognition").items()))
    return await send_once(platform.settings, DOMAINS, DOCUMENT, document_id, message, issued, wait_for_read_model=True)


async def test_an_upload_is_stored_in_the_object_store_and_versioned(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company = await company_owner(api, "docs")
    original = pdf_bytes(2, "original")
    document = await uploaded(api, owner, original, filename="C:\\fakepath\\../счёт №7.pdf", title="Supplier invoice 7")
    document_id = document["id"]
    assert (document["document_type"], document["latest_version"], document["recognition_status"]) == (
        "commercial_invoice", 1, "pending",
    )  # fmt: skip
    first = document["versions"][0]
    assert (first["filename"], first["content_type"], first["pages"], first["size_bytes"]) == (
        "счёт №7.pdf", "application/pdf", 2, len(original),
    )  # fmt: skip

    # In S3Proxy under the platform's key, read back through boto3: the same bytes and hash.
    key = f"{company}/documents/{document_id}/v1"
    assert objects_of(platform, company) == [key]
    assert ObjectStore(platform.settings).get(key) == original
    row = sql(platform, "SELECT object_key, sha256, recognition_status FROM document_versions WHERE document_id = %s",
              document_id)  # fmt: skip
    assert row[0][0] == key and row[0][2] == "pending"
    with psycopg.connect(owner_dsn(platform.settings)) as conn:
        queued = [r for r in pending_recognitions(conn, 1000) if r["document_id"] == document_id]
    assert [(r["tenant_id"], r["version"], r["object_key"]) for r in queued] == [(company, 1, key)]

    # Read back through the API: streamed content, a page image, a presigned URL that opens the object.
    base = f"/api/documents/{document_id}/versions/1"
    content = await api.get(f"{base}/content", headers=bearer(owner))
    assert content.status_code == 200 and content.content == original
    assert content.headers["content-type"] == "application/pdf"
    page = await api.get(f"{base}/pages/2.png", headers=bearer(owner))
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    assert (await api.get(f"{base}/pages/3.png", headers=bearer(owner))).status_code == 404
    presigned = (await api.get(f"{base}/download-url", headers=bearer(owner))).json()
    assert presigned["expires_in"] <= 300
    async with httpx.AsyncClient() as outside:
        fetched = await outside.get(presigned["url"])
    assert fetched.status_code == 200 and fetched.content == original

    # A new file is version 2; the first is kept.
    revised = pdf_bytes(2, "revised")
    answer = await upload(api, owner, revised, path=f"/api/documents/{document_id}/versions", filename="v2.pdf")
    assert answer.status_code in (201, 202), answer.text
    document = (await settled(api, owner, answer, f"/api/documents/{document_id}")).json()
    assert [v["version"] for v in document["versions"]] == [1, 2] and document["filename"] == "v2.pdf"
    assert objects_of(platform, company) == [key, f"{company}/documents/{document_id}/v2"]
    assert (await api.get(f"{base}/content", headers=bearer(owner))).content == original

    # The same file again is no new version, and nothing is stored.
    again = await upload(api, owner, original, path=f"/api/documents/{document_id}/versions")
    assert again.status_code == 409 and "already version 1" in again.text
    assert len(objects_of(platform, company)) == 2

    listed = await api.get("/api/documents", headers=bearer(owner), params={"document_type": "commercial_invoice"})
    assert [d["id"] for d in listed.json()["items"]] == [document_id]
    others = await api.get("/api/documents", headers=bearer(owner), params={"document_type": "cmr"})
    assert others.json()["items"] == []
    history = (await api.get(f"/api/documents/{document_id}/history", headers=bearer(owner))).json()
    assert [h["event_type"] for h in history] == ["document.DocumentUploaded", "document.VersionAdded"]


async def _chunked(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1 << 20):
        yield data[start : start + (1 << 20)]


async def test_bad_files_are_refused_with_their_reason_and_nothing_is_stored(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company = await company_owner(api, "bad-docs")
    limit = platform.settings.document_max_bytes
    cases: list[tuple[bytes, str, int, str]] = [
        (b"", "application/pdf", 422, "the file is empty"),
        (CORRUPT_PDF, "application/pdf", 422, "the PDF cannot be read"),
        (pdf_bytes(0), "application/pdf", 422, "PDF"),
        (png_bomb(), "image/png", 422, "pixels"),
        (TRUNCATED_PNG, "image/png", 422, "the image cannot be read"),
        (HTML, "text/html", 415, "not a PDF, PNG, JPEG, TIFF or WEBP"),
        (pdf_bytes(1), "image/png", 415, "declared image/png, but the content is application/pdf"),
        (b"%PDF-" + b"0" * limit, "application/pdf", 413, f"larger than {limit} bytes"),
    ]
    for data, content_type, expected, says in cases:
        answer = await upload(api, owner, data, content_type=content_type)
        assert answer.status_code == expected, (content_type, says, answer.status_code, answer.text[:300])
        assert says in answer.text, answer.text[:300]
    # Without a Content-Length the limit holds while the body streams in.
    headers = {**bearer(owner), "Content-Type": "application/pdf"}
    streamed = await api.post(
        "/api/documents", headers=headers, params={"document_type": "other"},
        content=_chunked(b"%PDF-" + b"0" * limit),
    )  # fmt: skip
    assert streamed.status_code == 413, streamed.text[:300]

    # Positive control: a good file from the same tenant is stored, so "nothing" above means nothing.
    good = await uploaded(api, owner, png_bytes(), content_type="image/png", filename="scan.png", document_type="cmr")
    assert objects_of(platform, company) == [f"{company}/documents/{good['id']}/v1"]
    assert sql(platform, "SELECT count(*) FROM documents WHERE tenant_id = %s", company) == [(1,)]


async def test_recognition_from_a_pipeline_then_an_operator_verifies(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company = await company_owner(api, "verify")
    document = await uploaded(api, owner, pdf_bytes(1, "to-recognise"))
    document_id = document["id"]
    fields = (
        RecognisedField("invoice.number", "INV-7", 0.98, 1, 0.6, 0.05, 0.9, 0.09, False),
        RecognisedField("total", "1200.00", 0.61, 1, 0.6, 0.8, 0.9, 0.84, True),
        RecognisedField("items[0].quantity", "10", 0.95, 1, 0.1, 0.4, 0.2, 0.44, False),
    )
    run = RecordRecognition(document_id, 1, "run-1", "commercial_invoice", "en", fields, ("VAT missing",))
    outcome = await recognise(platform, company, document_id, run)
    assert outcome["status"] == "accepted", outcome

    # A pipeline's command for another tenant does not reach the document.
    _, other_company = await company_owner(api, "verify-other")
    refused = await recognise(platform, other_company, document_id, FailRecognition(document_id, 1, "r", "x", 1))
    assert (refused["status"], refused["code"]) == ("rejected", "not_found"), refused

    read = (await api.get(f"/api/documents/{document_id}", headers=bearer(owner))).json()
    assert read["recognition_status"] == "recognised" and read["versions"][0]["field_count"] == 3
    assert [(f["name"], f["confidence"], f["needs_verification"]) for f in read["fields"]] == [
        ("invoice.number", 0.98, False), ("total", 0.61, True), ("items[0].quantity", 0.95, False),
    ]  # fmt: skip
    assert read["fields"][1]["x0"] == 0.6 and read["fields"][1]["page"] == 1

    base = f"/api/documents/{document_id}"
    early = await api.post(f"{base}/verification/complete", headers=bearer(owner))
    assert early.status_code == 422 and "total" in early.text
    corrected = await command(api, owner, f"{base}/fields/verify", {"name": "total", "value": "1250.00"}, read=base)
    total = next(f for f in corrected["fields"] if f["name"] == "total")
    assert (total["value"], total["recognised_value"], total["check"]) == ("1250.00", "1200.00", "corrected")

    # A late run for the same version no longer overwrites the operator's correction.
    late = RecordRecognition(document_id, 1, "run-2", "commercial_invoice", "en", fields[1:2])
    assert (await recognise(platform, company, document_id, late))["status"] == "accepted"
    kept = (await api.get(base, headers=bearer(owner))).json()
    assert next(f for f in kept["fields"] if f["name"] == "total")["value"] == "1250.00"

    done = await command(api, owner, f"{base}/verification/complete", read=base)
    assert done["verification"] == "completed"
    missing = await api.post(f"{base}/fields/verify", headers=bearer(owner), json={"name": "vat", "value": "1"})
    assert missing.status_code == 409

    # A failed run of an unreadable version says why, and the version does not stay pending.
    failing = await uploaded(api, owner, png_bytes(label=""), content_type="image/png", document_type="other")
    failure = FailRecognition(failing["id"], 1, "run-3", "no text found on any page", 3)
    assert (await recognise(platform, company, failing["id"], failure))["status"] == "accepted"
    failed = (await api.get(f"/api/documents/{failing['id']}", headers=bearer(owner))).json()
    assert failed["versions"][0]["recognition_status"] == "failed"
    assert failed["versions"][0]["recognition_reason"] == "no text found on any page"


async def test_links_expiry_and_archive(platform: PlatformProcesses, api: httpx.AsyncClient) -> None:
    owner, _ = await company_owner(api, "links")
    order = await api.post("/api/purchase-orders", headers=bearer(owner), json={"reference": "PO-D1", "terms": terms()})
    assert order.status_code in (201, 202), order.text
    order_id = order.json()["id"] if order.status_code == 201 else order.json()["aggregate_id"]
    eventually(lambda: sql(platform, "SELECT id FROM purchase_orders WHERE id = %s", order_id))

    # Uploaded from the order's page: linked at once.
    document = await uploaded(api, owner, pdf_bytes(1, "po"), linked_type="purchase_order", linked_id=order_id)
    base = f"/api/documents/{document['id']}"
    read = (await api.get(base, headers=bearer(owner))).json()
    assert read["links"] == [{"linked_type": "purchase_order", "linked_id": order_id}]
    panel = await api.get(
        "/api/documents", headers=bearer(owner), params={"linked_type": "purchase_order", "linked_id": order_id}
    )
    assert [d["id"] for d in panel.json()["items"]] == [document["id"]]
    missing = await api.post(f"{base}/links", headers=bearer(owner), json={"linked_type": "shipment", "linked_id": "x"})
    assert missing.status_code == 404 and "no such shipment" in missing.text

    unlinked = await api.delete(f"{base}/links/purchase_order/{order_id}", headers=bearer(owner))
    assert unlinked.status_code in (200, 202), unlinked.text
    assert (await settled(api, owner, unlinked, base)).json()["links"] == []

    expiring = await api.put(f"{base}/expiry", headers=bearer(owner), json={"expires_on": "2020-01-31"})
    assert expiring.status_code in (200, 202), expiring.text
    soon = (await api.get("/api/documents/expiring", headers=bearer(owner), params={"within_days": 30})).json()
    assert [(d["id"], d["expires_on"], d["expired"]) for d in soon] == [(document["id"], "2020-01-31", True)]
    # Customs compliance shows it beside the declarations' findings; another company's compliance does not.
    compliance = (await api.get("/api/customs/compliance", headers=bearer(owner))).json()
    assert [(d["id"], d["expired"]) for d in compliance["documents_expiring"]] == [(document["id"], True)]
    stranger, _ = await company_owner(api, "links-other")
    assert (await api.get("/api/customs/compliance", headers=bearer(stranger))).json()["documents_expiring"] == []

    archived = await command(api, owner, f"{base}/archive", {"reason": "superseded"}, read=base)
    assert archived["status"] == "archived"
    assert (await api.get("/api/documents/expiring", headers=bearer(owner))).json() == []
    assert (await api.get("/api/customs/compliance", headers=bearer(owner))).json()["documents_expiring"] == []
    late = await upload(api, owner, pdf_bytes(1, "late"), path=f"/api/documents/{document['id']}/versions")
    assert late.status_code == 409


async def test_another_tenants_document_is_out_of_reach_through_every_route(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner_a, company_a = await company_owner(api, "docs-a")
    owner_b, company_b = await company_owner(api, "docs-b")
    mine = await uploaded(api, owner_a, pdf_bytes(1, "a"))
    theirs = await uploaded(api, owner_b, pdf_bytes(1, "b"))
    order_b = await api.post("/api/purchase-orders", headers=bearer(owner_b), json={"reference": "B", "terms": terms()})
    order_b_id = order_b.json()["id"] if order_b.status_code == 201 else order_b.json()["aggregate_id"]
    eventually(lambda: sql(platform, "SELECT id FROM purchase_orders WHERE id = %s", order_b_id))

    b = f"/api/documents/{theirs['id']}"
    tries: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", b, None),
        ("GET", f"{b}/history", None),
        ("GET", f"{b}/versions/1/content", None),
        ("GET", f"{b}/versions/1/pages/1.png", None),
        ("GET", f"{b}/versions/1/download-url", None),
        ("POST", f"{b}/links", {"linked_type": "purchase_order", "linked_id": order_b_id}),
        ("PUT", f"{b}/expiry", {"expires_on": "2030-01-01"}),
        ("POST", f"{b}/fields/verify", {"name": "total", "value": "1"}),
        ("POST", f"{b}/verification/complete", None),
        ("POST", f"{b}/archive", {"reason": "x"}),
        ("DELETE", f"{b}/links/purchase_order/{order_b_id}", None),
    ]
    for method, path, body in tries:
        answer = await api.request(method, path, headers=bearer(owner_a), json=body)
        assert answer.status_code == 404, f"{method} {path}: {answer.status_code} {answer.text}"
    new_version = await upload(api, owner_a, pdf_bytes(1, "a2"), path=f"{b}/versions")
    assert new_version.status_code == 404
    # A's own document cannot be linked to B's purchase order either.
    cross = await api.post(
        f"/api/documents/{mine['id']}/links", headers=bearer(owner_a),
        json={"linked_type": "purchase_order", "linked_id": order_b_id},
    )  # fmt: skip
    assert cross.status_code == 404 and "no such purchase order" in cross.text
    listed = (await api.get("/api/documents", headers=bearer(owner_a))).json()["items"]
    assert [d["id"] for d in listed] == [mine["id"]]
    uploaded_to_b = await upload(api, owner_a, pdf_bytes(1, "a3"), linked_type="purchase_order", linked_id=order_b_id)
    assert uploaded_to_b.status_code == 404

    # A presigned URL opens its own object only: the signature covers the key.
    url = (await api.get(f"/api/documents/{mine['id']}/versions/1/download-url", headers=bearer(owner_a))).json()["url"]
    forged = url.replace(f"{company_a}/documents/{mine['id']}", f"{company_b}/documents/{theirs['id']}")
    assert forged != url
    async with httpx.AsyncClient() as outside:
        assert (await outside.get(url)).status_code == 200
        assert (await outside.get(forged)).status_code == 403
    # Nothing A tried touched B's document or store.
    assert objects_of(platform, company_b) == [f"{company_b}/documents/{theirs['id']}/v1"]
    after = (await api.get(b, headers=bearer(owner_b))).json()
    assert (after["status"], after["links"], after["expires_on"], after["latest_version"]) == ("active", [], None, 1)


async def test_a_document_issued_from_a_template_is_filled_from_the_order_and_stored(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, company = await company_owner(api, "templates")
    order = await api.post("/api/purchase-orders", headers=bearer(owner), json={"reference": "PO-T1", "terms": terms()})
    order_id = order.json()["id"] if order.status_code == 201 else order.json()["aggregate_id"]
    eventually(lambda: sql(platform, "SELECT id FROM purchase_orders WHERE id = %s", order_id))
    body = (
        "<h1>Order {{reference}}</h1><p>{{supplier.name}}, {{currency}} {{total}}</p>"
        "<ul>{{#terms.lines}}<li>{{line_no}}. {{description}} × {{quantity}}</li>{{/terms.lines}}</ul>"
    )
    defined = await api.post(
        "/api/document-templates", headers=bearer(owner),
        json={"name": "Order confirmation", "document_type": "contract", "source": "purchase_order", "body": body},
    )  # fmt: skip
    assert defined.status_code in (201, 202), defined.text
    template_id = defined.json()["id"] if defined.status_code == 201 else defined.json()["aggregate_id"]
    eventually(lambda: sql(platform, "SELECT id FROM document_templates WHERE id = %s", template_id))
    malformed = await api.post(
        "/api/document-templates", headers=bearer(owner),
        json={"name": "Broken", "document_type": "contract", "source": "purchase_order", "body": "{{#terms.lines}}"},
    )  # fmt: skip
    assert malformed.status_code == 422 and "never closed" in malformed.text

    issue = f"/api/document-templates/{template_id}/issue"
    answer = await api.post(issue, headers=bearer(owner), json={"linked_id": order_id})
    assert answer.status_code in (201, 202), answer.text
    document_id = answer.json()["id"] if answer.status_code == 201 else answer.json()["aggregate_id"]
    document = (await settled(api, owner, answer, f"/api/documents/{document_id}")).json()
    assert (document["document_type"], document["title"]) == ("contract", "Order confirmation")
    assert document["links"] == [{"linked_type": "purchase_order", "linked_id": order_id}]
    stored = ObjectStore(platform.settings).get(f"{company}/documents/{document_id}/v1").decode()
    assert stored == (
        "<h1>Order PO-T1</h1><p>Maschinenbau GmbH, EUR 12749.98</p>"
        "<ul><li>1. Hydraulic pump × 10</li><li>2. Seal kit × 2.5</li></ul>"
    )
    content = await api.get(f"/api/documents/{document_id}/versions/1/content", headers=bearer(owner))
    assert content.text == stored and content.headers["content-disposition"].startswith("attachment")

    # A placeholder the order has no value for is named; another tenant's order is not found.
    await api.put(f"/api/document-templates/{template_id}", headers=bearer(owner),
                  json={"name": "Order confirmation", "body": "{{supplier.vat_id}}"})  # fmt: skip
    eventually(lambda: sql(platform, "SELECT revision FROM document_templates WHERE id = %s", template_id) == [(2,)])
    missing = await api.post(issue, headers=bearer(owner), json={"linked_id": order_id})
    assert missing.status_code == 422 and "{{supplier.vat_id}}" in missing.text
    stranger, _ = await company_owner(api, "templates-b")
    theirs = await api.post(f"/api/document-templates/{template_id}/issue", headers=bearer(stranger),
                            json={"linked_id": order_id})  # fmt: skip
    assert theirs.status_code == 404
    assert len(objects_of(platform, company)) == 1
