"""Service hours in a real browser: record an activity for several members, confirm the
records, print a certificate. Playwright drives Debian's Chromium."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest

from teams import services
from teams.models import Certificate, Post, ServiceRecord
from tests.factories.centres import region
from tests.factories.teams import member_make, team_make
from tests.factories.veterans import veteran_make

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_record_an_activity_confirm_it_and_print_a_certificate(
    live_server: Any, alice: Any, county_staff: Any, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium to run the browser tests.")
    from playwright.sync_api import expect, sync_playwright

    team = team_make(alice, groups=("policy", "assistance", "legal"))
    names = ["陈建国", "王卫东", "李海军"]
    members = [member_make(team, veteran_make("330681107201", name=n), alice, role=role)
               for n, role in zip(names, ["captain", "vice_captain", "member"], strict=True)]
    veteran_make("330681107202", name="赵国庆", born=datetime.date(1992, 6, 1),
                 discharge_year=2014)
    services.village_cadre_appoint(village=region("330681107201"), veteran=members[0].veteran,
                                   post=Post.PARTY_SECRETARY, since=datetime.date(2021, 1, 5),
                                   by=county_staff)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    shots = os.environ.get("BROWSER_SHOTS")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1100, "height": 900})

            def login(username: str) -> None:
                page.context.clear_cookies()
                page.goto(f"{live_server.url}/accounts/login/")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", "pw-for-tests")
                page.locator("form button[type=submit], form input[type=submit]").last.click()

            login(alice.username)
            page.goto(f"{live_server.url}/teams/{team.pk}/")
            form = page.locator("#records-form")
            form.locator("input[name=date]").fill("2025-10-29")
            form.locator("input[name=hours]").fill("3")
            form.locator("input[name=activity]").fill("重阳节走访慰问孤寡老兵")
            form.locator("select[name=group]").select_option(label="帮扶援助")
            for member in members:
                form.locator(f"input[name=members][value='{member.pk}']").check()
            form.locator("button[type=submit]").click()
            expect(page.locator(".messages")).to_contain_text("3")
            pending = page.locator("#confirm-form tbody tr")
            expect(pending).to_have_count(3)
            page.locator("#confirm-form button[type=submit]").click()
            expect(page.locator(".messages")).to_contain_text("已确认 3 条记录")
            if shots:
                page.screenshot(path=str(Path(shots) / "team.png"), full_page=True)
            page.locator("tr", has_text="陈建国").locator("button", has_text="出具证明").click()
            certificate = page.locator("article.certificate")
            expect(certificate).to_contain_text("志愿服务证明")
            expect(certificate).to_contain_text(members[0].volunteer_number)
            expect(certificate).to_contain_text("重阳节走访慰问孤寡老兵")
            expect(certificate).not_to_contain_text(members[0].veteran.id_number[-4:])
            page.emulate_media(media="print")
            expect(page.locator(".topbar")).to_be_hidden()
            if shots:
                page.screenshot(path=str(Path(shots) / "certificate.png"), full_page=True)
            page.pdf(path=str(tmp_path / "certificate.pdf"))
            assert (tmp_path / "certificate.pdf").read_bytes().startswith(b"%PDF")
            page.emulate_media(media="screen")

            login(county_staff.username)
            page.goto(f"{live_server.url}/teams/roster/330681/")
            expect(page.locator("tbody")).to_contain_text("陈建国")
            expect(page.locator("tbody")).to_contain_text("赵国庆")
            if shots:
                page.screenshot(path=str(Path(shots) / "roster.png"), full_page=True)
        finally:
            browser.close()
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"confirmed"}
    assert Certificate.objects.get().hours == 3
