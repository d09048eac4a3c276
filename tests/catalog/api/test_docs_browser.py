"""The interactive API docs render in a real browser, from local assets only."""

from __future__ import annotations

import os

import pytest

from tests.conftest import CHROMIUM_ARGS, UI_WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = os.environ.get("API_DOCS_SCREENSHOT", "")


def _operation_count() -> int:
    """Return how many operations the OpenAPI schema holds."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sum(1 for item in schema["paths"].values() for method in item
               if method in {"get", "post", "put", "patch", "delete"})


def test_swagger_ui_lists_every_operation_without_leaving_the_server(live_server, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    expected = _operation_count()
    assert expected >= 12  # products, details, taxonomy, stats, search, suggest, commands

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
            expect(operations.first).to_be_visible(timeout=UI_WAIT_MS)
            expect(page.locator(".opblock")).to_have_count(expected, timeout=UI_WAIT_MS)
            expect(page.locator(".btn.authorize")).to_be_visible(timeout=UI_WAIT_MS)
            if SCREENSHOT:
                page.screenshot(path=SCREENSHOT, full_page=True)
        finally:
            browser.close()
    assert [url for url in outside if not url.startswith("data:")] == []
