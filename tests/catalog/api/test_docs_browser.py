"""The interactive API docs render in a real browser, from local assets only."""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM_ARGS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = os.environ.get("API_DOCS_SCREENSHOT", "")


def test_swagger_ui_lists_every_operation_without_leaving_the_server(live_server, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: outside.append(request.url)
                    if not request.url.startswith(live_server.url) else None)
            # when
            page.goto(f"{live_server.url}/api/docs/")
            # then
            operations = page.locator(".opblock-summary-path")
            expect(operations.first).to_be_visible(timeout=15_000)
            expect(page.locator(".opblock")).to_have_count(13)
            expect(page.locator(".btn.authorize")).to_be_visible()
            if SCREENSHOT:
                page.screenshot(path=SCREENSHOT, full_page=True)
        finally:
            browser.close()
    assert [url for url in outside if not url.startswith("data:")] == []
