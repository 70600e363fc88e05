"""Browser fixtures: Debian's Chromium driven by Playwright (never `playwright install`), against the real stack.

Screenshots go to `.local/screenshots/` (the build's artefacts); the README shows a few of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from wellwon.config import LOCAL_DIR

CHROMIUM = "/usr/bin/chromium"
# A 2-core machine shared by several test sessions answers in seconds, not milliseconds: assertions wait as
# long as actions do (Playwright's default for `expect` is 5 s).
expect.set_options(timeout=20_000)
SCREENSHOTS = LOCAL_DIR / "screenshots"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        # Root in a container: Chromium's sandbox needs user namespaces it may not have.
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    opened = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    opened.set_default_timeout(20_000)
    try:
        yield opened
    finally:
        await opened.close()


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
