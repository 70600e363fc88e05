"""Console benchmark: time to interactive of the shipments list and of a 100-item declaration, and bundle size.

    python -m benchmarks.console_bench [--shipments 200] [--items 100] [--runs 5]

Starts the platform in a fresh namespace, creates a company with N shipments and a declaration with M goods
items through the API, then opens each page in Debian's Chromium (Playwright) with a cold cache and a
signed-in session (the refresh cookie). Time to interactive here is: from navigation start until the page's
data is on screen (the table has its rows) and the main thread has painted the next frame. The baseline,
measured the same way in the same run, is the sign-in page: the console's shell with no data. Figures are
medians over the runs; each is also given as a ratio to the baseline. The bundle figure is the gzipped size
of what index.html loads first (the analytics page's charting code loads later, on demand).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import subprocess
import uuid
from typing import Any

import httpx
from playwright.async_api import Browser, Page, async_playwright

from stack import services
from stack.processes import PROJECT_ROOT, PlatformProcesses
from streams.registry import DOMAINS
from tests.conftest import wait_until_flowing
from wellwon.cli import prepare
from wellwon.topics import delete_namespace_topics

DIST = PROJECT_ROOT / "web" / "dist"
PASSWORD = "Lantern-Harbour-4417"
INTERACTIVE = "() => new Promise(done => requestAnimationFrame(() => setTimeout(() => done(performance.now()), 0)))"


def first_load_bytes() -> tuple[int, int]:
    """Raw and gzipped bytes of index.html and the scripts and styles it references."""
    index = (DIST / "index.html").read_text()
    files = [
        DIST / "index.html",
        *(DIST / ref.lstrip("/") for ref in re.findall(r'(?:src|href)="(/assets/[^"]+)"', index)),
    ]
    raw = sum(f.stat().st_size for f in files)
    packed = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
    return raw, packed


# A Russian company needs its registration numbers (INN, KPP, OGRN) to be created.
COMPANY = {
    "legal_name": 'ООО "Бенчмарк"',
    "name": "Bench",
    "country": "RU",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "legal_address": {"country": "RU", "city": "Москва", "street": "Тверская, 1", "postal_code": "125009"},
}


def answered(response: httpx.Response) -> Any:
    """The body of a successful answer; a failed seed step stops the benchmark saying why."""
    if response.status_code not in (200, 201):
        raise SystemExit(
            f"{response.request.method} {response.request.url.path}: {response.status_code} {response.text}"
        )
    return response.json()


async def seed(base_url: str, shipments: int, items: int) -> tuple[str, str]:
    """A company with its shipments and one declaration: (owner's email, declaration id)."""
    email = f"bench.{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as api:
        answered(
            await api.post(
                "/api/auth/register",
                json={"email": email, "password": PASSWORD, "first_name": "Bench", "last_name": "Mark"},
            )
        )
        tokens = answered(await api.post("/api/auth/login", json={"email": email, "password": PASSWORD}))
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        company = answered(await api.post("/api/companies", headers=auth, json=COMPANY))
        switched = answered(await api.post(f"/api/companies/{company['id']}/switch", headers=auth))
        auth = {"Authorization": f"Bearer {switched['access_token']}"}
        semaphore = asyncio.Semaphore(8)

        async def shipment(n: int) -> None:
            async with semaphore:
                answered(
                    await api.post(
                        "/api/shipments",
                        headers=auth,
                        json={
                            "reference": f"BENCH-{n:05d}",
                            "mode": "sea",
                            "incoterm": "FOB",
                            "incoterm_place": "CNSHA",
                        },
                    )
                )

        await asyncio.gather(*(shipment(n) for n in range(shipments)))
        goods: list[dict[str, Any]] = [
            {
                "item_id": f"i{n}",
                "description": f"Cotton T-shirts, knitted, lot {n}",
                "commodity_code": "6109100000",
                "origin_country": "CN",
                "quantity": "100",
                "unit_code": "796",
                "gross_weight_kg": "22",
                "net_weight_kg": "20",
                "invoice_value": "350.00",
                "currency": "USD",
            }
            for n in range(items)
        ]
        declaration = answered(
            await api.post(
                "/api/declarations",
                headers=auth,
                json={
                    "header": {"procedure_code": "40", "customs_office_code": "10702070", "reference": "BENCH-DT"},
                    "items": goods,
                },
            )
        )
        return email, str(declaration["id"])


async def session_cookie(base_url: str, email: str) -> list[Any]:
    """A fresh signed-in session as the console keeps it: the refresh token in its HttpOnly cookie.

    Refresh tokens are single-use (each refresh rotates it, and a reused one is refused), so every cold load
    gets a new one, taken outside the timed window.
    """
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as api:
        tokens = answered(await api.post("/api/auth/login", json={"email": email, "password": PASSWORD}))
    return [
        {
            "name": "wellwon_refresh",
            "value": tokens["refresh_token"],
            "domain": "127.0.0.1",
            "path": "/api/auth",
            "httpOnly": True,
            "sameSite": "Strict",
        }
    ]


async def measure(
    browser: Browser, base_url: str, path: str, ready: str, count: int | None, email: str | None
) -> float:
    context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    if email is not None:
        await context.add_cookies(await session_cookie(base_url, email))
    page: Page = await context.new_page()
    try:
        await page.goto(base_url + path)
        locator = page.locator(ready)
        if count is None:
            await locator.first.wait_for(timeout=60_000)
        else:
            await page.wait_for_function(
                "([selector, count]) => document.querySelectorAll(selector).length >= count",
                arg=[ready, count],
                timeout=60_000,
            )
        return float(await page.evaluate(INTERACTIVE))
    finally:
        await context.close()


def ensure_console_built() -> None:
    """The console the API serves, built as `make run` does when a checkout has none (the API then serves no page)."""
    if not (DIST / "index.html").is_file():
        print("the console is not built: npm run build", flush=True)
        subprocess.run(["npm", "run", "build"], cwd=DIST.parent, check=True)


async def main(shipments: int, items: int, runs: int) -> None:
    ensure_console_built()
    services.up()
    processes = PlatformProcesses(log_level="WARNING", extra_env={"COMMAND_TIMEOUT_SECONDS": "30"})
    await prepare(processes.settings, DOMAINS)
    processes.start_all()
    try:
        processes.wait_for_api(timeout=180)
        wait_until_flowing(processes)  # sinks joined: commands answer 200/201, not 202 (pending)
        email, declaration_id = await seed(processes.base_url, shipments, items)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
            )
            pages = {
                "baseline: sign-in page (shell, no data)": (
                    "/sign-in",
                    "form button[type=submit]",
                    None,
                    None,
                ),
                f"shipments list ({min(shipments, 200)} rows)": (
                    "/shipments",
                    "[data-testid=shipments] tbody tr",
                    min(shipments, 200),
                    email,
                ),
                f"declaration with {items} items": (
                    f"/declarations/{declaration_id}",
                    "[data-testid=goods-items] tbody tr",
                    items,
                    email,
                ),
            }
            results: dict[str, float] = {}
            for name, (url, ready, count, who) in pages.items():
                timed = (browser, processes.base_url, url, ready, count, who)
                await measure(*timed)  # warm the server's caches, not the browser's
                results[name] = statistics.median([await measure(*timed) for _ in range(runs)])
            await browser.close()
    finally:
        processes.stop_all()
        await delete_namespace_topics(processes.settings)
    baseline = next(iter(results.values()))
    print(f"\nWellWon console: time to interactive, median of {runs} cold loads (Chromium headless, this machine)")
    print(f"{'page':44} {'ms':>8} {'vs baseline':>12} {'goal':>8}")
    for name, value in results.items():
        print(f"{name:44} {value:8.0f} {value / baseline:12.2f} {'< 1000':>8}")
    raw, packed = first_load_bytes()
    print(
        f"\nfirst load: {raw / 1024:.0f} kB raw, {packed / 1024:.0f} kB gzipped "
        f"(goal < 300 kB gzipped): {packed / (300 * 1024):.2f} of the goal"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shipments", type=int, default=200)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.shipments, args.items, args.runs))
