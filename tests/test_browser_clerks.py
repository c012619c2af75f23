"""Front desk and case work in a real browser, as clerks do it (issue 18).

Playwright drives Debian's Chromium at a desktop (1366×768) and a phone (390×844)
viewport; one browser serves the whole module. With BROWSER_SHOTS=docs/img the
flows also write the screenshots of the README tour.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from cases import services
from cases.models import Case, Status
from centres.models import User
from tests.factories.cases import case_make, escalate_once, staff_at
from tests.factories.centres import centre
from tests.factories.veterans import veteran_make

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the
    # tests (fixtures, assertions) are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def open_as(browser: Browser, live_server: Any, user: User, *, phone: bool = False) -> Page:
    options: dict[str, Any] = {"locale": "zh-CN", "viewport": PHONE if phone else DESKTOP}
    if phone:
        options |= {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    page = browser.new_context(**options).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "pw-for-tests")
    page.locator("form button[type=submit], form input[type=submit]").last.click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url
    return page


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    shots = os.environ.get("BROWSER_SHOTS")
    if shots:
        page.screenshot(path=str(Path(shots) / name), full_page=full_page)


def inside_the_screen(page: Page, selector: str) -> bool:
    """Every element matching the selector lies within the viewport's width."""
    return bool(page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].every(
               e => e.getBoundingClientRect().right <= window.innerWidth + 0.5)""",
        selector,
    ))


def resolved_by_the_township(village: User, township: User) -> Case:
    veteran = veteran_make("330681107201", name="陈建国", is_party_secretary=True)
    case = case_make(code="330681107201", by=village, veterans=[veteran],
                     other_parties="邻居王某", summary="宅基地边界纠纷，双方对界桩位置有争议")
    escalate_once(case, village, note="调解未成")
    services.case_mediate(case=case, by=township, method="joint",
                          note="镇调委会会同村兵支书联合调解，双方同意按1998年确权图重新划界")
    return services.case_resolve(case=case, by=township,
                                 resolution="按确权图重新设置界桩，双方签字确认")


def test_the_visit_form_keeps_everything_on_an_error_and_links_the_case_it_opens(
    browser: Browser, live_server: Any, alice: User
) -> None:
    known = veteran_make("330681107201", name="陈建国", phone="13900001111")
    veteran_make("330681107202", name="陈建华", born=datetime.date(1966, 3, 3))
    for phone in (False, True):
        page = open_as(browser, live_server, alice, phone=phone)
        page.goto(f"{live_server.url}/visits/new/")
        hint = page.locator(".kbd-hint")
        expect(hint).to_be_hidden() if phone else expect(hint).to_be_visible()
        page.fill("#q", "陈建")
        expect(page.locator("#candidates input[type=radio]")).to_have_count(2, timeout=10_000)
        page.select_option("#id_purpose", "rights")
        page.fill("#id_summary", "宅基地边界纠纷")
        page.click("#save")  # no veteran chosen among the two
        expect(page.locator("#error-summary")).to_be_visible()
        expect(page.locator("#q")).to_have_value("陈建")
        expect(page.locator("#id_summary")).to_have_value("宅基地边界纠纷")
        expect(page.locator("#candidates input[type=radio]")).to_have_count(2)
        assert page.evaluate("document.activeElement.name") == "veteran"
        assert inside_the_screen(page, "#visit-form *")
        if not phone:
            shot(page, "visit-form-error.png")
    # The case it opens is named with its number and a link to it.
    page.locator(f"#candidates input[value='{known.pk}']").check()
    page.check("#id_open_case")
    page.select_option("#id_case_category", "land_housing")
    page.click("#save")
    case = Case.objects.get()
    link = page.locator(".messages a", has_text=case.number)
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.locator("h1")).to_contain_text(case.number)


def test_inline_registration_of_a_known_number_uses_that_veteran_in_place(
    browser: Browser, live_server: Any, alice: User
) -> None:
    known = veteran_make("330681107201", name="陈建国")
    page = open_as(browser, live_server, alice)
    page.goto(f"{live_server.url}/visits/new/")
    page.check("#veteran-new")
    page.fill("#id_new-name", "陈建国")
    page.fill("#id_new-id_number", known.id_number)
    page.select_option("#id_new-region", "330681107201")
    expect(page.locator("#id_new-region option:checked")).to_have_text("枫桥镇 › 枫源村")
    page.fill("#id_summary", "咨询优待证")
    page.click("#save")
    page.click("#use-veteran")
    expect(page.locator(f"#candidates input[value='{known.pk}']")).to_be_checked()
    expect(page.locator("#new-veteran")).to_be_hidden()
    expect(page.locator("#id_summary")).to_have_value("咨询优待证")
    page.click("#save")
    expect(page.locator(".messages")).to_contain_text("陈建国")
    # The edit form shows the birth year beside the masked number (the date input stays
    # empty until one is typed), and the home region select stays in its cell.
    page.goto(f"{live_server.url}/veterans/{known.pk}/edit/")
    expect(page.locator("#id_birth_date")).to_have_value("")
    expect(page.locator("form", has=page.locator("#id_birth_date"))).to_contain_text(
        str(known.birth_date.year))
    region = page.locator("#id_region").bounding_box()
    year = page.locator("#id_discharge_year").bounding_box()
    cell = page.locator("#field-region").bounding_box()
    assert region and year and cell
    assert region["x"] + region["width"] <= cell["x"] + cell["width"] + 0.5
    assert region["x"] + region["width"] <= year["x"] or region["y"] >= year["y"] + year["height"]


def test_a_case_is_opened_by_place_name_referred_down_and_found_in_the_queue(
    browser: Browser, live_server: Any, county_staff: User
) -> None:
    veteran = veteran_make("330681107201", name="陈建国")
    for n, (name, party, summary) in enumerate([
        ("李卫东", "某物业公司", "安置住房维修费用分担争议"),
        ("周红梅", "", "伤残抚恤金发放标准咨询后引发的纠纷"),
    ]):
        other = veteran_make("330681107202", name=name, born=datetime.date(1975 + n, 2, 3))
        case_make(code="330681107", by=county_staff, veterans=[other], other_parties=party,
                  summary=summary, category="benefits", risk_level="serious" if n else "ordinary")
    case_make(code="330681107201", by=county_staff, accept=False, other_parties="张某、李某",
              summary="相邻通行权纠纷", category="family")
    page = open_as(browser, live_server, county_staff)
    page.goto(f"{live_server.url}/cases/new/")
    expect(page.locator("#id_centre")).to_have_value("绍兴市 › 诸暨市")  # the user's own
    page.fill("#id_centre", "枫桥镇")
    page.fill("#q", "陈建国")
    candidate = page.locator(f"#candidates input[value='{veteran.pk}']")
    expect(candidate).to_be_visible(timeout=10_000)
    candidate.check()
    page.select_option("#id_category", "land_housing")
    page.fill("#id_summary", "宅基地边界纠纷")
    page.fill("#id_other_parties", "邻居王某")
    page.click("#save")
    expect(page.locator(".facts")).to_contain_text("陈建国")
    case = Case.objects.get(summary="宅基地边界纠纷")
    assert case.region_id == "330681107000"
    # Refer down from the page (it used to answer 选择一个有效的选项 every time).
    form = page.locator("form.action-refer_down")
    form.locator("select").select_option(label="枫桥镇 › 枫源村退役军人服务站")
    form.locator("textarea").fill("请村调委会先行调解")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("下转")
    case.refresh_from_db()
    assert case.region_id == "330681107201"
    # The queue shows who and what, masked, and finds the case by the veteran's name.
    page.goto(f"{live_server.url}/cases/?tab=mediation")
    row = page.locator("#queue tbody tr", has_text="陈建国")
    expect(row).to_contain_text(veteran.id_number_masked)
    expect(row).to_contain_text("宅基地边界纠纷")
    expect(page.locator("#queue")).not_to_contain_text(veteran.id_number)
    shot(page, "case-queue.png")
    page.fill("#queue-q", "陈建国")
    page.press("#queue-q", "Enter")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    page.goto(f"{live_server.url}/cases/?tab=new")
    expect(page.locator("#queue tbody tr").first).to_contain_text("待受理")


def test_the_village_follows_up_and_prints_the_agreement_of_the_township(
    browser: Browser, live_server: Any, alice: User
) -> None:
    village = staff_at("330681107201", "village")
    case = resolved_by_the_township(village, alice)
    page = open_as(browser, live_server, village)
    page.goto(f"{live_server.url}/cases/{case.pk}/agreement/")
    article = page.locator("article.agreement")
    expect(article.locator("#mediation")).to_contain_text("联合调解")
    expect(article.locator("#mediation")).to_contain_text(alice.get_full_name() or alice.username)
    expect(article).not_to_contain_text("调解未成")
    expect(article.locator("#parties")).to_contain_text("陈建国")
    expect(article.locator("#parties")).to_contain_text("邻居王某")
    expect(article.locator("#seal")).to_have_text(centre("330681107").name)
    shot(page, "mediation-agreement.png", full_page=True)
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    form = page.locator("form.action-follow_up")
    form.locator("input[value=yes]").check()
    form.locator("input[type=text]").fill("入户回访，当事人满意")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("回访")
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_on_a_phone_the_menu_folds_and_lists_become_cards(
    browser: Browser, live_server: Any, alice: User, ministry: User
) -> None:
    from dashboards import rollups
    from tests.dashboards.scenario import Scenario

    scenario = Scenario(7)
    scenario.visits(30)
    scenario.cases(12)
    village = staff_at("330681107201", "village")
    resolved_by_the_township(village, alice)
    for n in range(3):
        v = veteran_make("330681107202", name=f"王建{'军民华'[n]}",
                         born=datetime.date(1970 + n, 1, 9))
        case_make(code="330681107201", by=village, veterans=[v], accept=bool(n),
                  summary=["土地承包合同纠纷", "务工工资拖欠", "邻里排水沟纠纷"][n])
    page = open_as(browser, live_server, village, phone=True)
    page.goto(f"{live_server.url}/cases/?tab=mediation")
    expect(page.locator("#main-nav")).to_be_hidden()
    expect(page.locator(".account .who")).to_be_visible()
    assert inside_the_screen(page, ".account .who")
    page.click("label[for=nav-toggle]")
    expect(page.locator("#main-nav")).to_be_visible()
    page.click("label[for=nav-toggle]")
    expect(page.locator("#queue tbody tr").first).to_be_visible()
    for label in ("状态", "期限"):
        cell = page.locator(f"#queue tbody tr td[data-label='{label}']").first
        expect(cell).to_be_visible()
    assert inside_the_screen(page, "#queue td")
    shot(page, "phone-case-queue.png")
    page.goto(f"{live_server.url}/visits/new/")
    assert inside_the_screen(page, "#today td")
    # The dashboard's chart labels are legible on the phone.
    rollups.rollups_refresh()
    page = open_as(browser, live_server, ministry, phone=True)
    page.goto(f"{live_server.url}/dashboard/")
    labels = page.locator(".chart .label")
    expect(labels.first).to_be_visible()
    height = page.evaluate(
        "Math.min(...[...document.querySelectorAll('.chart .label')]"
        ".map(e => e.getBoundingClientRect().height).filter(h => h > 0))"
    )
    assert height >= 9, height
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The charts scroll inside their boxes: show the latest months, as a reader would.
    page.evaluate("document.querySelectorAll('.charts figure')"
                  ".forEach(f => { f.scrollLeft = f.scrollWidth; })")
    page.evaluate("window.scrollTo(0, document.querySelector('.charts').offsetTop - 120)")
    shot(page, "phone-dashboard.png")


def test_error_pages_speak_chinese_and_lead_back_and_each_language_names_itself(
    browser: Browser, live_server: Any, ministry: User, alice: User
) -> None:
    for phone in (False, True):
        page = open_as(browser, live_server, ministry, phone=phone)
        response = page.goto(f"{live_server.url}/visits/new/")
        assert response is not None and response.status == 403
        expect(page.locator("h1")).to_have_text("您的角色不能进行此项操作")
        page.click("text=回到首页")
        expect(page).not_to_have_url(re.compile(r"/visits/new/$"))
        response = page.goto(f"{live_server.url}/no-such-page/")
        assert response is not None and response.status == 404
        expect(page.locator("h1")).to_have_text("这里没有这个页面")
        expect(page.locator("label[for=nav-toggle]" if phone else "#main-nav")).to_be_visible()
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.ok and "svg" in favicon.headers["content-type"]
    # English: the language is named in itself, and the 兵支书 tag is translated.
    veteran_make("330681107201", name="陈建国", is_party_secretary=True)
    page = open_as(browser, live_server, alice)
    page.goto(f"{live_server.url}/veterans/")
    options = page.locator("select[name=language] option").all_inner_texts()
    assert options == ["简体中文", "English"]
    page.select_option("select[name=language]", "en")
    page.wait_for_url(re.compile(r"/veterans/$"))
    expect(page.locator("#veterans")).to_contain_text("veteran village party secretary")
    expect(page.locator("#veterans")).not_to_contain_text("兵支书")
