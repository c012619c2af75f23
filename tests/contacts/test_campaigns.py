"""Holiday campaigns (走访慰问): who opens them, and the report that adds up."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from centres.codes import prefix_of
from centres.models import User
from contacts.models import Campaign
from contacts.selectors import campaign_report
from contacts.services import campaign_open
from tests.factories.centres import region
from tests.factories.veterans import flagged, veteran_make, visit_make
from veterans.models import Visit


def _open(by: User, code: str = "330681", **kw: object) -> object:
    today = timezone.localdate()
    return campaign_open(**{
        "by": by, "region": region(code), "name": "八一走访慰问", "kind": "army_day",
        "starts_on": today - datetime.timedelta(days=5), "ends_on": today,
        "groups": ["is_disabled", "took_part_in_combat"], **kw,
    })  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_county_opens_a_campaign_and_a_township_or_an_official_cannot(
    county_staff: User, alice: User, city_official: User, charlie: User
) -> None:
    assert _open(county_staff).region_id == "330681000000"  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        _open(alice, "330681107")  # a township station
    with pytest.raises(PermissionDenied):
        _open(city_official, "330681")  # officials read
    with pytest.raises(PermissionDenied):
        _open(charlie, "330681")  # another county
    with pytest.raises(ValidationError):
        _open(county_staff, groups=["is_volunteer"])  # not a priority group


@pytest.mark.django_db
def test_the_campaign_report_adds_own_and_child_rows_up_to_the_total(
    county_staff: User
) -> None:
    today = timezone.localdate()
    groups = ["is_disabled", "took_part_in_combat"]
    rng = random.Random(3)
    homes = ["330681107201", "330681107202", "330681107000", "330681108201", "330681108000"]
    veterans = []
    for i in range(40):
        flag = rng.choice(["is_disabled", "took_part_in_combat", "is_martyr_family"])
        veteran = veteran_make(rng.choice(homes), name=f"兵{i}", **flagged(flag))
        channel = rng.choice([Visit.Channel.HOME_VISIT, Visit.Channel.PHONE, None])
        if channel:
            visit_make(veteran, county_staff, "330681", channel=channel)
        veterans.append((veteran, flag, channel))
    county = campaign_open(
        by=county_staff, region=region("330681"), name="春节走访慰问", kind="spring_festival",
        starts_on=today - datetime.timedelta(days=10), ends_on=today, groups=groups,
    )
    # A report rooted at a township, where veterans also live at the root itself.
    township = Campaign.objects.create(
        region=region("330681107"), name="枫桥镇", kind="local", starts_on=county.starts_on,
        ends_on=today, groups=groups, created_by=county_staff,
    )
    for campaign in (county, township):
        report = campaign_report(campaign=campaign)
        inside = [(v, c) for v, flag, c in veterans
                  if v.region_id.startswith(prefix_of(campaign.region_id)) and flag in groups]
        assert report.total.covered == len(inside)
        assert report.total.visited == sum(1 for _v, c in inside if c == "home_visit")
        for figure in ("covered", "visited"):
            own = getattr(report.own, figure)
            rows = sum(getattr(row.figures, figure) for row in report.rows)
            assert own + rows == getattr(report.total, figure)
    assert campaign_report(campaign=township).own.covered == sum(
        1 for v, flag, _c in veterans if v.region_id == "330681107000" and flag in groups)


@pytest.mark.django_db
def test_the_campaign_page_shows_the_own_row_and_is_404_outside(
    county_staff: User, charlie: User
) -> None:
    campaign = _open(county_staff)
    client = Client()
    client.force_login(county_staff)
    page = client.get(f"/contacts/campaigns/{campaign.pk}/").content.decode()  # type: ignore[attr-defined]
    assert "枫桥镇" in page and "店口镇" in page
    client.force_login(charlie)
    assert client.get(f"/contacts/campaigns/{campaign.pk}/").status_code == 404  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_county_staff_open_a_campaign_through_the_form(county_staff: User) -> None:
    client = Client()
    client.force_login(county_staff)
    response = client.post("/contacts/campaigns/new/", {
        "region": "330681000000", "kind": "spring_festival", "name": "",
        "starts_on": "2027-01-20", "ends_on": "2027-02-20",
        "groups": ["is_disabled", "is_martyr_family"],
    })
    assert response.status_code == 302
    refused = client.post("/contacts/campaigns/new/", {
        "region": "330681000000", "kind": "spring_festival", "starts_on": "2027-02-20",
        "ends_on": "2027-01-20", "groups": ["is_disabled"],
    })
    assert refused.status_code == 200
    assert "ends_on" in refused.context["form"].errors
