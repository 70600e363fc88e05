"""A realistic month for the demo company, sent through the platform's own API like any operator's work.

Shipments by sea, air, road and rail between real places with real carriers, in every state; an EDI
partner whose status messages move some of them (and a few broken messages that end as dead letters);
two warehouses with stock; tariff and exchange-rate tables; customs declarations from draft to
submitted with computed duties. Every step first looks for what it would create (a shipment by its
reference, a warehouse by its code, a partner by its code, a declaration by its reference), so running
the demo twice does not double anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger("wellwon.demo")

EDIFACT = Path(__file__).resolve().parent / "demo_edifact"


@dataclass(frozen=True)
class DemoShipment:
    reference: str
    mode: str
    incoterm: str
    origin: str
    destination: str
    carrier: str
    booking: str
    cargo: str
    packages: int
    package_type: str
    gross_kg: str
    shipper: tuple[str, str, str]  # name, address, country
    milestones: tuple[str, ...]  # reached, in order, after booking ("" = stays a draft)
    container: str | None = None
    booked: bool = True


CONSIGNEE = ("ООО «Веллвон Демо»", "ул. Вавилова, 19, Москва", "RU")
SHIPMENTS = (
    DemoShipment(
        "WW-SEA-2611-001",
        "sea",
        "FOB",
        "CNSHA",
        "RULED",
        "COSCO Shipping Lines",
        "COSU6301874520",
        "Запчасти для станков ЧПУ",
        42,
        "CT",
        "12480",
        ("Shanghai Precision Parts Co., Ltd.", "No. 88 Huancheng Rd, Shanghai", "CN"),
        ("picked_up", "departed", "arrived", "customs", "released", "delivered"),
        "CSQU3054383",
    ),
    DemoShipment(
        "WW-SEA-2611-002",
        "sea",
        "CIF",
        "CNNGB",
        "RUNVS",
        "Maersk A/S",
        "MAEU240117",
        "Бытовая техника: пылесосы, 1 200 шт.",
        1200,
        "CT",
        "9650",
        ("Ningbo Home Appliance Co.", "18 Jiangnan Rd, Ningbo", "CN"),
        ("picked_up",),
        "MSKU9070323",
    ),  # the EDI feed reports its departure
    DemoShipment(
        "WW-SEA-2611-003",
        "sea",
        "FOB",
        "KRPUS",
        "RUVVO",
        "HMM Co., Ltd.",
        "HDMU5521907",
        "Шины пневматические для легковых автомобилей",
        860,
        "PK",
        "8400",
        ("Hankook Tire Trading", "Gangnam-daero 286, Seoul", "KR"),
        ("picked_up", "departed", "customs"),
    ),
    DemoShipment(
        "WW-AIR-2611-004",
        "air",
        "FCA",
        "DEFRA",
        "RUMOW",
        "Lufthansa Cargo",
        "020-44561290",
        "Медицинские диагностические приборы",
        12,
        "CT",
        "640",
        ("Medizintechnik Rhein GmbH", "Mainzer Landstr. 50, Frankfurt", "DE"),
        ("picked_up", "departed", "arrived", "customs", "released"),
    ),
    DemoShipment(
        "WW-AIR-2611-005",
        "air",
        "EXW",
        "CNSZX",
        "RUMOW",
        "China Southern Cargo",
        "784-10233871",
        "Смартфоны Samsung Galaxy A55",
        20,
        "CT",
        "310",
        ("Shenzhen Mobile Trade Ltd.", "Futian District, Shenzhen", "CN"),
        ("picked_up",),
    ),
    DemoShipment(
        "WW-ROAD-2611-006",
        "road",
        "DAP",
        "BYMSQ",
        "RUMOW",
        "Belarus Trans Logistic",
        "BTL-26-1188",
        "Молочная продукция, сыры",
        33,
        "PX",
        "18200",
        ("Савушкин продукт", "ул. Янки Купалы, 7, Брест", "BY"),
        ("picked_up", "departed", "delivered"),
    ),
    DemoShipment(
        "WW-ROAD-2611-007",
        "road",
        "FCA",
        "ITMIL",
        "RUMOW",
        "Arcese Trasporti",
        "ARC-77120",
        "Мебель офисная",
        64,
        "PK",
        "7300",
        ("Arredo Ufficio S.r.l.", "Via Tortona 31, Milano", "IT"),
        ("picked_up", "departed"),
    ),
    DemoShipment(
        "WW-RAIL-2611-008",
        "rail",
        "FCA",
        "CNCKG",
        "RUMOW",
        "RZD Logistics",
        "RZDL-2611-0042",
        "Ноутбуки Lenovo IdeaPad 5",
        400,
        "CT",
        "5200",
        ("Chongqing Electronics Export", "Liangjiang New Area, Chongqing", "CN"),
        ("picked_up", "departed"),
        "TGHU8812341",
    ),
    DemoShipment(
        "WW-RAIL-2611-009",
        "rail",
        "CPT",
        "KZALA",
        "RUOVB",
        "KTZ Express",
        "KTZ-55102",
        "Кофе жареный в зёрнах",
        180,
        "BG",
        "10800",
        ("Almaty Coffee Roasters", "Abay Ave 150, Almaty", "KZ"),
        (),
    ),
    DemoShipment(
        "WW-SEA-2611-010",
        "sea",
        "FOB",
        "VNSGN",
        "RUVVO",
        "Evergreen Marine",
        "EGLV142600981",
        "Обувь кожаная мужская",
        300,
        "CT",
        "2950",
        ("Saigon Footwear JSC", "District 7, Ho Chi Minh City", "VN"),
        (),
        booked=False,
    ),
    DemoShipment(
        "WW-SEA-2611-011",
        "sea",
        "FOB",
        "INNSA",
        "RUNVS",
        "MSC Mediterranean Shipping",
        "MEDUIN882211",
        "Текстиль хлопковый",
        150,
        "BL",
        "6400",
        ("Mumbai Cotton Mills", "Andheri East, Mumbai", "IN"),
        (),
        booked=True,
    ),
)
CANCELLED = DemoShipment(
    "WW-ROAD-2611-012",
    "road",
    "DAP",
    "TRIST",
    "RUMOW",
    "Ekol Logistics",
    "EKOL-2611-77",
    "Текстиль, образцы",
    3,
    "CT",
    "45",
    ("Istanbul Tekstil A.Ş.", "Merter, Istanbul", "TR"),
    (),
)

WAREHOUSES = (
    (
        "MOW-01",
        "Склад Подольск",
        "RU",
        "RUMOW",
        (("ACC-CNC-220", "1400"), ("TIRE-R17-225", "320"), ("COF-BEANS-1KG", "900")),
    ),
    ("LED-01", "Склад Шушары", "RU", "RULED", (("VAC-ROBOT-X1", "640"), ("LAP-IDEA5-I5", "180"))),
)


def idem(label: str) -> dict[str, str]:
    """The same Idempotency-Key for the same demo step, every run."""
    import uuid

    return {"Idempotency-Key": str(uuid.uuid5(uuid.UUID("0b6f2a1e-77c3-4f0e-9a51-2d4d5e6f7a80"), label))}


async def _exists(client: httpx.AsyncClient, headers: dict[str, str], path: str, params: dict[str, Any]) -> bool:
    answer = await client.get(path, headers=headers, params=params)
    if answer.status_code != 200:
        return False
    body = answer.json()
    items = body.get("items", []) if isinstance(body, dict) else body
    return bool(items)


def _party(details: tuple[str, str, str]) -> dict[str, str]:
    name, address, country = details
    return {"name": name, "address": address, "country": country}


async def _shipment(client: httpx.AsyncClient, headers: dict[str, str], s: DemoShipment, start: datetime) -> None:
    if await _exists(client, headers, "/api/shipments", {"reference": s.reference}):
        return
    created = await client.post(
        "/api/shipments",
        headers={**headers, **idem(s.reference)},
        json={
            "reference": s.reference,
            "mode": s.mode,
            "incoterm": s.incoterm,
            "incoterm_place": s.origin,
            "shipper": _party(s.shipper),
            "consignee": _party(CONSIGNEE),
        },
    )
    if created.status_code not in (200, 201):
        log.warning("demo shipment %s: %s", s.reference, created.text)
        return
    shipment_id = created.json()["id"]
    path = f"/api/shipments/{shipment_id}"
    await client.put(
        f"{path}/route",
        headers=headers,
        json={
            "legs": [
                {
                    "origin": s.origin,
                    "destination": s.destination,
                    "mode": s.mode,
                    "planned_departure": (start + timedelta(days=2)).isoformat(),
                    "planned_arrival": (start + timedelta(days=24 if s.mode == "sea" else 6)).isoformat(),
                }
            ]
        },
    )
    await client.put(
        f"{path}/cargo/1",
        headers=headers,
        json={
            "description": s.cargo,
            "package_count": s.packages,
            "package_type": s.package_type,
            "gross_weight_kg": s.gross_kg,
        },
    )
    if s.container:
        await client.post(f"{path}/equipment", headers=headers, json={"kind": "container", "identifier": s.container})
    if not s.booked:
        return
    await client.post(
        f"{path}/booking",
        headers=headers,
        json={"carrier": {"name": s.carrier}, "booking_reference": s.booking, "booked_at": start.isoformat()},
    )
    at = start
    for milestone in s.milestones:
        at += timedelta(days=3 if s.mode == "sea" else 1)
        place = s.destination if milestone in ("arrived", "customs", "released", "delivered") else s.origin
        answer = await client.post(
            f"{path}/milestones",
            headers={**headers, **idem(f"{s.reference}:{milestone}")},
            json={"milestone": milestone, "actual_at": min(at, datetime.now(UTC)).isoformat(), "place": place},
        )
        if answer.status_code >= 400:
            log.warning("demo milestone %s %s: %s", s.reference, milestone, answer.text)
            break
    if s.reference.endswith("003"):
        await client.post(
            f"{path}/exceptions",
            headers={**headers, **idem(f"{s.reference}:hold")},
            json={"kind": "hold", "reason": "Таможенный досмотр: запрос сертификата соответствия"},
        )


async def _warehouses(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    listed = (await client.get("/api/warehouses", headers=headers)).json()
    have = {w["code"] for w in (listed.get("items", []) if isinstance(listed, dict) else listed)}
    for code, name, country, locode, stock in WAREHOUSES:
        if code in have:
            continue
        created = await client.post(
            "/api/warehouses",
            headers={**headers, **idem(code)},
            json={"code": code, "name": name, "country": country, "locode": locode},
        )
        if created.status_code not in (200, 201):
            log.warning("demo warehouse %s: %s", code, created.text)
            continue
        path = f"/api/warehouses/{created.json()['id']}"
        for location, kind in (
            ("DOCK-1", "receiving"),
            ("A-01-01", "storage"),
            ("A-01-02", "storage"),
            ("OUT-1", "staging"),
        ):
            await client.post(f"{path}/locations", headers=headers, json={"code": location, "kind": kind})
        for sku, quantity in stock:
            await client.post(
                f"{path}/receipts",
                headers={**headers, **idem(f"{code}:{sku}:in")},
                json={"sku": sku, "quantity": quantity, "location": "DOCK-1"},
            )
            await client.post(
                f"{path}/put-aways",
                headers={**headers, **idem(f"{code}:{sku}:put")},
                json={"sku": sku, "quantity": quantity, "from_location": "DOCK-1", "to_location": "A-01-01"},
            )


async def _edi(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    listed = (await client.get("/api/edi/partners", headers=headers)).json()
    if any(p.get("code") == "MAEU" for p in (listed.get("items", []) if isinstance(listed, dict) else listed)):
        return
    partner = await client.post(
        "/api/edi/partners",
        headers={**headers, **idem("partner:MAEU")},
        json={
            "code": "MAEU",
            "name": "Maersk A/S",
            "sender_ids": ["MAEU"],
            "timezone": "Europe/Copenhagen",
            "status_codes": {"CUS": "at_customs"},
        },
    )
    if partner.status_code not in (200, 201):
        log.warning("demo EDI partner: %s", partner.text)
        return
    key = (
        await client.post(
            f"/api/edi/partners/{partner.json()['id']}/api-keys", headers=headers, json={"label": "demo feed"}
        )
    ).json()["api_key"]
    for message in sorted(EDIFACT.glob("*.edi")):
        await client.post("/api/edi/inbound", headers={"X-Api-Key": key}, content=message.read_bytes())


async def load_demo_month(client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(days=30)
    for number, shipment in enumerate((*SHIPMENTS, CANCELLED)):
        await _shipment(client, headers, shipment, start + timedelta(days=number * 2))
    cancelled = await client.get("/api/shipments", headers=headers, params={"reference": CANCELLED.reference})
    for row in cancelled.json().get("items", []):
        if row["status"] != "cancelled":
            await client.post(
                f"/api/shipments/{row['id']}/cancel", headers=headers, json={"reason": "Поставщик отменил заказ"}
            )
    await _warehouses(client, headers)
    await _edi(client, headers)
    print("demo month: shipments, warehouses, EDI partner and its messages loaded")
