"""Classification over HTTP of Russian descriptions: the right heading and its Russian name, or no confidence."""

from __future__ import annotations

import httpx

from stack.processes import PlatformProcesses
from tests.integration.observe import bearer, company_owner

# The examples, as Russian importers write them, and the heading each belongs to.
EXAMPLES = [
    ("Смартфон Samsung Galaxy A55 8/256GB, в комплекте с зарядным устройством", "8517", "смартфон"),
    ("Ноутбук Lenovo IdeaPad 5 Intel Core i5 16GB", "8471", "вычислительные машины"),
    ("Шины пневматические для легковых автомобилей R17", "4011", "шины"),
    ("Кофе жареный в зёрнах, 1 кг", "0901", "кофе"),
]


async def test_russian_descriptions_get_their_heading_with_names_and_nonsense_gets_no_confidence(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    owner, _ = await company_owner(api, "customs-classify-ru")
    headers = bearer(owner)
    for description, heading, russian_word in EXAMPLES:
        answer = await api.get("/api/customs/classify", params={"q": description, "limit": 3}, headers=headers)
        assert answer.status_code == 200, answer.text
        suggestions = answer.json()
        found = [s for s in suggestions if s["heading"] == heading]
        assert found, (description, [s["code"] for s in suggestions])
        assert russian_word in found[0]["heading_name_ru"].lower()
        assert found[0]["heading_name_en"] and found[0]["code"].startswith(heading)
        assert {"confident", "subheading_name_en", "line_name_ru", "chapter_note"} <= set(found[0])
        assert not any(s["code"].startswith("3824") for s in suggestions)  # "Core" is a model, not a foundry core
    laptop = (await api.get("/api/customs/classify", params={"q": EXAMPLES[1][0]}, headers=headers)).json()[0]
    assert laptop["code"] == "8471300000" and laptop["confident"]
    assert laptop["line_name_ru"].startswith("машины вычислительные портативные")

    for nonsense in ("Квазибульбатор фиолетовый xyz", "Квазибульбатор фиолетовый для гиперпространства, сорт 7"):
        answer = await api.get("/api/customs/classify", params={"q": nonsense}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert all(not s["confident"] and s["reason"].startswith("low confidence") for s in answer.json())


async def test_a_confirmed_russian_description_lifts_its_line(
    platform: PlatformProcesses, api: httpx.AsyncClient
) -> None:
    description = "Кофе жареный в зёрнах, 1 кг"
    owner, _ = await company_owner(api, "customs-classify-ru-confirm")
    headers = bearer(owner)
    before = (await api.get("/api/customs/classify", params={"q": description}, headers=headers)).json()
    assert before[0]["code"] != "0901210001"
    choice = {"description": "Кофе жареный в зернах арабика", "code": "0901210001"}
    assert (await api.post("/api/customs/classify/confirm", headers=headers, json=choice)).status_code == 201
    after = (await api.get("/api/customs/classify", params={"q": description}, headers=headers)).json()
    assert after[0]["code"] == "0901210001" and "confirmed by your team" in after[0]["reason"]
    assert after[0]["line_name_ru"].endswith("арабика (Coffea arabica)")
