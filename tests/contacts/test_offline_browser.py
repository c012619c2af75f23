"""The village station on a phone without a connection (Playwright, Debian's Chromium).

Service workers need a secure context: the live server on localhost is one.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from centres.models import User
from tests.factories.centres import UserFactory, region
from tests.factories.veterans import veteran_make
from veterans.models import Visit

CHROMIUM = Path("/usr/bin/chromium")
PHONE: ViewportSize = {"width": 390, "height": 844}
SHOTS = os.environ.get("CONTACT_SHOTS")  # a directory: keep the screenshots for the docs


@pytest.fixture
def station(world: None) -> User:
    user: User = UserFactory.create(username="fengyuan", region=region("330681107201"),
                                    first_name="枫源村服务站")
    return user


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


def _phone(browser: Browser) -> BrowserContext:
    """A phone's browser. `set_offline` cuts the pages' network but not the service
    worker's, so a Background Sync could send a "queued" visit while the test is still
    offline: the pages here see no SyncManager and send on the "online" event instead."""
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    context.add_init_script("delete window.SyncManager;")
    return context


API = "**/api/v1/visits/"


def _offline(context: BrowserContext, offline: bool) -> None:
    """No connection: the pages are offline, and no visit gets through to the server
    whatever the page believes `navigator.onLine` to be."""
    if offline:
        context.route(API, lambda route: route.abort("internetdisconnected"))
        context.set_offline(True)
    else:
        context.unroute(API)
        context.set_offline(False)


def _log_in(page: Page, base: str, user: User) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests")
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_url(re.compile(r"^(?!.*accounts/login).*$"))


def _installed(page: Page, base: str) -> None:
    """Open the work-list until the service worker controls it (pages cached)."""
    page.goto(f"{base}/contacts/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def _log_offline(page: Page, veteran_id: int, name: str, summary: str) -> None:
    from playwright.sync_api import expect

    page.click(f".contact-row[data-veteran='{veteran_id}'] a.contact-visit")
    expect(page.locator("#visit-form")).to_be_visible()
    expect(page.locator(f"#candidates input[value='{veteran_id}']")).to_be_checked()
    expect(page.locator("input[name=channel][value=home_visit]")).to_be_checked()
    page.select_option("#id_purpose", "honours")
    page.fill("#id_summary", summary)
    page.click("#save")
    expect(page.locator("#outbox .outbox-item", has_text=name)).to_contain_text("待发送")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_visits_logged_offline_arrive_once_each_when_the_phone_is_back_online(
    live_server: Any, station: User, browser: Browser
) -> None:
    from playwright.sync_api import expect

    first = veteran_make(name="陈建国", is_disabled=True, phone="13900001111")
    second = veteran_make(name="周红梅", male=False, took_part_in_combat=True)
    veteran_make("330681107202", name="邻村老兵", is_decorated=True)  # not this station's
    context = _phone(browser)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, station)
    _installed(page, base)
    expect(page.locator(".contact-row")).to_have_count(2)
    expect(page.locator(".contact-row.status-overdue")).to_have_count(2)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "contacts-worklist.png"), full_page=True)

    _offline(context, True)
    _log_offline(page, first.pk, "陈建国", "春节走访，身体健康")
    page.goto(f"{base}/contacts/")  # the work-list, from the phone's cache
    _log_offline(page, second.pk, "周红梅", "八一慰问，送慰问金")
    expect(page.locator("#outbox .outbox-item")).to_have_count(2)
    expect(page.locator("#outbox")).to_contain_text("待发送")

    page.reload()  # still offline: the form opens and the outbox is still there
    expect(page.locator("#visit-form")).to_be_visible()
    expect(page.locator("#outbox .outbox-item")).to_have_count(2)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "contacts-queued.png"), full_page=True)
    assert not Visit.objects.exists()

    _offline(context, False)  # the "online" event (or Background Sync) sends them
    expect(page.locator("#outbox")).to_be_hidden(timeout=15_000)
    visits = list(Visit.objects.order_by("veteran_id"))
    assert [(v.veteran_id, v.channel) for v in visits] == [
        (first.pk, "home_visit"), (second.pk, "home_visit")]
    assert len({v.idempotency_key for v in visits}) == 2
    assert all(uuid.UUID(v.idempotency_key) for v in visits)  # made on the device

    page.goto(f"{base}/contacts/")
    expect(page.locator(".contact-row.status-done")).to_have_count(2)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_same_queued_visit_sent_from_two_tabs_is_stored_once(
    live_server: Any, station: User, browser: Browser
) -> None:
    from playwright.sync_api import expect

    veteran = veteran_make(name="陈建国", needs_assistance=True)
    context = _phone(browser)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, station)
    _installed(page, base)
    _offline(context, True)
    _log_offline(page, veteran.pk, "陈建国", "上门走访")
    other = context.new_page()
    other.goto(f"{base}/contacts/")
    expect(other.locator(".contact-row .pending")).to_have_count(1)  # shown as waiting there too
    keep = "FqOutbox.all(FqOutbox.VISITS).then(([r]) => { window.held = r; return r.key; })"
    keys = {page.evaluate(keep), other.evaluate(keep)}  # both tabs hold the same record
    assert len(keys) == 1
    posts: list[str] = []
    for tab in (page, other):
        tab.on("request", lambda r: posts.append(r.headers.get("idempotency-key", ""))
               if r.method == "POST" and r.url.endswith("/api/v1/visits/") else None)
    _offline(context, False)  # the tabs flush on "online"; both also send what they hold
    send = """() => FqOutbox.send(window.held,
        document.querySelector("input[name=csrfmiddlewaretoken]").value)"""
    answers = [page.evaluate(send), other.evaluate(send)]
    expect(page.locator("#outbox")).to_be_hidden(timeout=15_000)
    assert Visit.objects.filter(veteran=veteran).count() == 1
    assert answers == ["sent", "sent"]  # the second is answered with the first visit
    assert len(posts) >= 2 and set(posts) == keys

    # Logging out leaves nothing of the registry on the phone.
    other.close()
    page.goto(f"{base}/contacts/")
    page.evaluate("""FqOutbox.put(FqOutbox.VISITS, {key: "left", body: {veteran: 1}})""")
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
    left = page.evaluate("""async () => ({
        dbs: (await indexedDB.databases()).map(d => d.name),
        caches: (await caches.keys()).filter(n => n.startsWith("fq-offline-")),
    })""")
    assert left == {"dbs": [], "caches": []}
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_visit_refused_when_sent_is_shown_to_the_user_not_dropped(
    live_server: Any, station: User, browser: Browser
) -> None:
    from playwright.sync_api import expect

    veteran = veteran_make(name="陈建国", is_martyr_family=True)
    context = _phone(browser)
    page = context.new_page()
    base = live_server.url
    _log_in(page, base, station)
    _installed(page, base)
    _offline(context, True)
    _log_offline(page, veteran.pk, "陈建国", "清明慰问")
    # Meanwhile the veteran moved to another county: the station no longer sees them.
    veteran.region = region("430181101201")
    veteran.save(update_fields=["region"])
    _offline(context, False)
    conflict = page.locator("#outbox .outbox-item.conflict")
    expect(conflict).to_contain_text("陈建国", timeout=15_000)
    expect(conflict).to_contain_text("未被接受")
    page.reload()  # still listed after a reload, until the user dismisses it
    expect(page.locator("#outbox .outbox-item.conflict")).to_have_count(1)
    page.click("#outbox .outbox-item.conflict button")
    expect(page.locator("#outbox")).to_be_hidden()
    assert not Visit.objects.exists()
    context.close()
