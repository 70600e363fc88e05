"""The console names every event and every kind of record in Russian and English (`web/src/i18n/events.ts`): the
audit trail and the activity dashboard show them, and an unlisted one would read as its English code split
into words on a Russian page."""

from __future__ import annotations

import re

from streams.registry import DOMAINS
from wellwon.config import PROJECT_ROOT

NAMES = (PROJECT_ROOT / "web" / "src" / "i18n" / "events.ts").read_text(encoding="utf-8")


def listed(table: str) -> dict[str, tuple[str, str]]:
    """`Key: ["Русский", "English"],` lines of the `const <table>: Names = {...}` block."""
    block = NAMES[NAMES.index(f"const {table}: Names = {{") :]
    block = block[: block.index("\n};")]
    return {key: (ru, en) for key, ru, en in re.findall(r'^\s+(\w+): \["([^"]+)", "([^"]+)"\]', block, re.M)}


def test_every_event_of_every_domain_has_a_russian_and_an_english_name() -> None:
    events = listed("EVENTS")
    missing = [f"{d.name}.{e.__name__}" for d in DOMAINS for e in d.events if e.__name__ not in events]
    assert not missing, missing
    assert all(re.search("[а-яё]", ru, re.I) for ru, _ in events.values()), "a Russian name without Russian"


def test_every_domain_s_records_have_a_name() -> None:
    objects = listed("OBJECTS")
    assert [d.name for d in DOMAINS if d.name not in objects] == []
