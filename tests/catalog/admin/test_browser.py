"""A merchandiser creates a product in a real browser (headless Chromium through Playwright)."""

from __future__ import annotations

import pytest

from catalog import commands
from catalog.events import EventType
from catalog.models import Event, Product
from tests.conftest import CHROMIUM_ARGS, UI_WAIT_MS, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_merchandiser_creates_a_product_with_a_brand_chosen_by_autocomplete(
        live_server, chromium_path, tenant, other_tenant):
    # given: the ORM is used only before and after the browser runs (it refuses to run
    # while Playwright's event loop is active in this thread)
    from playwright.sync_api import expect, sync_playwright

    user = make_staff("merch-browser", tenant)
    commands.brand_create(tenant=tenant, name="Bahco")
    commands.brand_create(tenant=other_tenant, name="Bahama")
    # when
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/admin/login/?next=/admin/catalog/product/add/")
            page.fill("#id_username", "merch-browser")
            page.fill("#id_password", "pw-for-tests-only")
            page.click("input[type=submit]")
            page.fill("#id_sku", "UI-1")
            page.fill("#id_name", "Socket set")
            page.fill("#id_price", "39.90")
            page.fill("#id_tags", "metric, chrome vanadium")
            page.click("#id_brand + .select2")  # open the autocomplete
            page.keyboard.type("Bah")
            options = page.locator(".select2-results__option:not(.loading-results)")
            # the other tenant's Bahama is not offered
            expect(options).to_have_text(["Bahco"], timeout=UI_WAIT_MS)
            options.first.click()
            page.click("input[name=_save]")
            expect(page.locator(".messagelist .success")).to_contain_text(
                "was added successfully", timeout=UI_WAIT_MS)
        finally:
            browser.close()
    # then
    product = Product.objects.get(sku="UI-1")
    assert (product.tenant, product.brand.name, product.tags) == (
        tenant, "Bahco", ["metric", "chrome vanadium"])
    event = Event.objects.get(aggregate_id=str(product.pk))
    assert (event.event_type, event.actor) == (EventType.PRODUCT_CREATED, user)
