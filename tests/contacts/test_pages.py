"""The work-list, the route list and the campaigns as pages."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from centres.models import User
from contacts.services import campaign_open
from tests.factories.centres import region
from tests.factories.veterans import veteran_make, visit_make
from veterans.idnumbers import mask_id_number
from veterans.models import Visit


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_work_list_puts_the_overdue_first_and_shows_masked_numbers_only(
    alice: User
) -> None:
    done = veteran_make(name="已联系", is_disabled=True)
    visit_make(done, alice, channel=Visit.Channel.HOME_VISIT)
    never = veteran_make("330681107202", name="未联系", needs_assistance=True)
    veteran_make(name="普通老兵")  # not a priority veteran
    page = client_for(alice).get("/contacts/").content.decode()
    assert page.index("未联系") < page.index("已联系")
    assert "普通老兵" not in page
    for veteran in (done, never):
        assert veteran.id_number not in page
        assert mask_id_number(veteran.id_number) in page
        assert veteran.birth_date.isoformat() not in page
    assert f"/visits/new/?veteran={never.pk}&amp;channel=home_visit" in page


@pytest.mark.django_db
def test_the_work_list_filters_by_village_and_group(alice: User) -> None:
    veteran_make("330681107201", name="枫源老兵", is_decorated=True)
    veteran_make("330681107202", name="陈家老兵", took_part_in_combat=True)
    client = client_for(alice)
    by_village = client.get("/contacts/", {"village": "330681107202"}).content.decode()
    assert "陈家老兵" in by_village and "枫源老兵" not in by_village
    by_group = client.get("/contacts/", {"group": "is_decorated"}).content.decode()
    assert "枫源老兵" in by_group and "陈家老兵" not in by_group


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/contacts/", "/contacts/route/"])
def test_the_work_list_costs_the_same_queries_for_3_rows_as_for_30(alice: User, url: str) -> None:
    client = client_for(alice)

    def add(n: int) -> None:
        for i in range(n):
            veteran = veteran_make(["330681107201", "330681107202"][i % 2], name=f"兵{i}",
                                   is_disabled=True)
            visit_make(veteran, alice, channel=Visit.Channel.PHONE)

    add(3)
    few = _queries(client, url)
    add(27)
    assert _queries(client, url) == few


@pytest.mark.django_db
def test_one_tap_opens_the_visit_form_with_the_veteran_chosen_and_home_visit_set(
    alice: User
) -> None:
    veteran = veteran_make(name="王立功", is_decorated=True)
    page = client_for(alice).get(
        "/visits/new/", {"veteran": str(veteran.pk), "channel": "home_visit"}).content.decode()
    assert re.search(rf'name="veteran" value="{veteran.pk}"\s+checked', page)
    assert re.search(r'value="home_visit"[^>]*checked|checked[^>]*value="home_visit"', page)


@pytest.mark.django_db
def test_a_link_naming_a_veteran_of_another_county_chooses_nobody(
    alice: User, charlie: User
) -> None:
    outsider = veteran_make("430181101201", name="外县老兵", is_disabled=True)
    page = client_for(alice).get("/visits/new/", {"veteran": outsider.pk}).content.decode()
    assert "外县老兵" not in page


@pytest.mark.django_db
def test_the_route_list_holds_those_without_this_years_home_visit(alice: User) -> None:
    visited = veteran_make(name="已走访", is_disabled=True)
    visit_make(visited, alice, channel=Visit.Channel.HOME_VISIT)
    called = veteran_make(name="仅电话", is_disabled=True)
    visit_make(called, alice, channel=Visit.Channel.PHONE)
    page = client_for(alice).get("/contacts/route/").content.decode()
    assert "仅电话" in page and "已走访" not in page


def _campaign(by: User, **kw: Any) -> Any:
    today = timezone.localdate()
    return campaign_open(by=by, region=region("330681"), name="春节走访慰问",
                         kind="spring_festival", starts_on=today - datetime.timedelta(days=3),
                         ends_on=today + datetime.timedelta(days=10),
                         groups=kw.get("groups", ["is_disabled", "is_martyr_family"]))


@pytest.mark.django_db
def test_a_station_sees_its_progress_in_the_county_campaign(
    alice: User, county_staff: User
) -> None:
    _campaign(county_staff)
    first = veteran_make(name="甲", is_disabled=True)
    veteran_make(name="乙", is_martyr_family=True)
    veteran_make(name="丙", took_part_in_combat=True)  # not in the campaign's groups
    visit_make(first, alice, channel=Visit.Channel.HOME_VISIT)
    page = client_for(alice).get("/contacts/").content.decode()
    assert "春节走访慰问" in page
    assert "已走访 1 / 应走访 2" in page


@pytest.mark.django_db
def test_a_county_chooses_a_township_before_its_long_work_list_is_drawn(
    county_staff: User
) -> None:
    veteran_make("330681107202", name="陈家老兵", is_disabled=True)
    veteran_make("330681108201", name="店口老兵", is_disabled=True)
    client = client_for(county_staff)
    assert "陈家老兵" not in client.get("/contacts/").content.decode()
    township = client.get("/contacts/", {"village": "330681107000"}).content.decode()
    assert "陈家老兵" in township and "店口老兵" not in township
