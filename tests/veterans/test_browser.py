"""The front desk in a real browser: Playwright drives Debian's Chromium."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ViewportSize

from tests.factories.veterans import id_number, veteran_make

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_county_staff_log_two_visits_in_the_browser(
    live_server: Any, county_staff: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(apt-get install chromium) to run the browser tests."
        )
    from playwright.sync_api import expect, sync_playwright

    known = veteran_make("330681107201", name="陈建国", phone="13900001111")
    new_number = id_number(born=datetime.date(1972, 4, 5), male=False)
    # Playwright's sync API runs an event loop in this thread; the ORM calls made
    # here (fixtures above, assertions below) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(locale="zh-CN")
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", county_staff.username)
            page.fill("input[name=password]", "pw-for-tests")
            page.locator("form button[type=submit], form input[type=submit]").last.click()
            page.goto(f"{live_server.url}/visits/new/")

            # 1. A veteran already registered, found as we type.
            page.fill("#q", "陈建")
            candidate = page.locator(f"#candidates input[value='{known.pk}']")
            expect(candidate).to_be_visible(timeout=10_000)
            candidate.check()
            expect(page.locator("#new-veteran")).to_be_hidden()
            page.select_option("#id_purpose", "card")
            page.fill("#id_summary", "办理优待证")
            page.click("#save")
            expect(page.locator(".messages")).to_contain_text("陈建国")

            # 2. A new veteran, registered inline.
            page.check("#veteran-new")
            expect(page.locator("#new-veteran")).to_be_visible()
            page.fill("#id_new-name", "周红梅")
            page.fill("#id_new-id_number", new_number)
            page.select_option("#id_new-region", "330681107202")
            page.select_option("#id_purpose", "employment")
            page.fill("#id_summary", "咨询就业创业政策")
            page.keyboard.press("Control+Enter")
            expect(page.locator(".messages")).to_contain_text("周红梅")

            today = page.locator("#today tbody")
            expect(today).to_contain_text("陈建国")
            expect(today).to_contain_text("周红梅")
            expect(today).not_to_contain_text(new_number)
            shots = os.environ.get("BROWSER_SHOTS")
            if shots:  # BROWSER_SHOTS=/some/dir keeps a screenshot to look at
                page.screenshot(path=str(Path(shots) / "visit-page.png"), full_page=True)
        finally:
            browser.close()
    from veterans.models import Veteran, Visit

    assert Visit.objects.count() == 2
    assert Veteran.objects.get(id_number=new_number).sex == "F"


PHONE: ViewportSize = {"width": 390, "height": 844}
# Who opens which pages at the counter and in the office.
PAGES_ON_A_PHONE = {
    "county_staff": ["/visits/new/", "/veterans/", "/cases/", "/cases/new/"],
    "ministry": ["/dashboard/", "/dashboard/330681/", "/demonstration/targets/", "/centres/"],
}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_fit_a_phone_screen_without_sideways_scrolling(
    live_server: Any, county_staff: Any, ministry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only wide tables may scroll sideways, inside their own box; the page itself fits."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    from tests.dashboards.scenario import Scenario

    Scenario(5).visits(5)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    users = {"county_staff": county_staff, "ministry": ministry}
    too_wide = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            for who, paths in PAGES_ON_A_PHONE.items():
                page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
                page.goto(f"{live_server.url}/accounts/login/")
                page.fill("input[name=username]", users[who].username)
                page.fill("input[name=password]", "pw-for-tests")
                page.locator("form button[type=submit], form input[type=submit]").last.click()
                page.wait_for_load_state()
                assert "/accounts/login/" not in page.url, who
                for path in paths:
                    response = page.goto(f"{live_server.url}{path}")
                    assert response is not None and response.status == 200, path
                    assert page.url == f"{live_server.url}{path}", (who, page.url)
                    width = page.evaluate("document.documentElement.scrollWidth")
                    if width > PHONE["width"]:
                        too_wide[path] = width
        finally:
            browser.close()
    assert too_wide == {}
