"""Places by name: the parent path (镇 › 村) and names typed where codes were (issue 18)."""

from __future__ import annotations

import pytest
from django.test import Client

from centres.models import User
from centres.selectors import RegionNotFound, region_paths, region_resolve
from tests.factories.centres import regions_make
from tests.factories.veterans import veteran_make

pytestmark = pytest.mark.django_db


def test_a_place_is_named_after_its_parent(world: None) -> None:
    paths = region_paths(["330681107201", "330681107000", "330000000000"])
    assert paths == {
        "330681107201": "枫桥镇 › 枫源村",
        "330681107000": "诸暨市 › 枫桥镇",
        "330000000000": "浙江省",
    }


def test_a_name_resolves_in_the_users_area_and_a_shared_name_asks_which(
    county_staff: User, alice: User, charlie: User
) -> None:
    regions_make(("330681108202", "枫源村"))
    assert region_resolve(user=county_staff, text="枫桥镇").code == "330681107000"
    assert region_resolve(user=county_staff, text="枫桥").code == "330681107000"
    assert region_resolve(user=county_staff, text="330681107").code == "330681107000"
    with pytest.raises(RegionNotFound) as shared:
        region_resolve(user=county_staff, text="枫源村")
    assert "枫桥镇 › 枫源村" in str(shared.value) and "店口镇 › 枫源村" in str(shared.value)
    assert region_resolve(user=county_staff, text="店口镇 › 枫源村").code == "330681108202"
    assert region_resolve(user=county_staff, text="店口镇>枫源村").code == "330681108202"
    # Within alice's township the name is not shared; outside anyone's area it is no place.
    assert region_resolve(user=alice, text="枫源村").code == "330681107201"
    with pytest.raises(RegionNotFound):
        region_resolve(user=charlie, text="枫桥镇")
    with pytest.raises(RegionNotFound):
        region_resolve(user=alice, text="330681108")


def test_the_registry_filter_takes_a_place_name_or_a_code(county_staff: User) -> None:
    here = veteran_make("330681107201", name="陈建国")
    veteran_make("330681108201", name="王店口")
    client = Client()
    client.force_login(county_staff)
    for value in ("枫桥镇", "330681107", "诸暨市 › 枫桥镇"):
        page = client.get("/veterans/", {"region": value})
        assert [v.pk for v in page.context["page"]] == [here.pk], value
    regions_make(("330681108202", "枫源村"))
    ambiguous = client.get("/veterans/", {"region": "枫源村"})
    assert "枫桥镇 › 枫源村" in ambiguous.content.decode()
    assert list(ambiguous.context["page"]) == []


def test_the_directory_search_shows_each_centres_place(ministry: User) -> None:
    client = Client()
    client.force_login(ministry)
    results = client.get("/centres/", {"q": "枫源"}).context["results"]
    assert [path for _centre, path in results] == ["枫桥镇 › 枫源村"]
