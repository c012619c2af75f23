"""Contact coverage on the dashboards: by child region, with the own row, adding up."""

from __future__ import annotations

import datetime
import random

import pytest
from django.test import Client
from django.utils import timezone

from centres.models import User
from contacts.selectors import contact_coverage, contact_figures
from contacts.services import campaign_open
from tests.factories.centres import region
from tests.factories.veterans import flagged, veteran_make, visit_make
from veterans.models import PRIORITY_FLAGS, Visit


@pytest.mark.django_db
def test_the_coverage_by_child_region_adds_up_to_the_stats_of_the_region(
    county_staff: User
) -> None:
    rng = random.Random(7)
    homes = ["330681107201", "330681107202", "330681107000", "330681108201", "330603101201"]
    for i in range(30):
        veteran = veteran_make(rng.choice(homes), name=f"兵{i}",
                               **flagged(rng.choice([*PRIORITY_FLAGS, "is_volunteer"])))
        if rng.random() < 0.6:
            visit_make(veteran, county_staff, "330681",
                       channel=rng.choice([Visit.Channel.HOME_VISIT, Visit.Channel.PHONE]))
    campaign_open(by=county_staff, region=region("330681"), name="春节走访慰问",
                  kind="spring_festival", starts_on=timezone.localdate(),
                  ends_on=timezone.localdate() + datetime.timedelta(days=5),
                  groups=list(PRIORITY_FLAGS))
    today = timezone.localdate()
    for code in ("330681107", "330681", "330600", "330000"):
        coverage = contact_coverage(region=region(code), on=today)
        figures = contact_figures(code=region(code).code, on=today)
        breakdown = coverage.contacts
        for name in ("priority_veterans", "contacted_this_quarter", "home_visited_this_year"):
            rows = sum(getattr(row.figures, name) for row in breakdown.rows)
            assert getattr(breakdown.own, name) + rows == getattr(breakdown.total, name)
            assert getattr(breakdown.total, name) == getattr(figures, name)
        for _campaign, report in coverage.campaigns:
            rows = sum(row.figures.covered for row in report.rows)
            assert report.own.covered + rows == report.total.covered
    assert [c.name for c, _r in contact_coverage(region=region("330681107"), on=today)
            .campaigns] == ["春节走访慰问"]


@pytest.mark.django_db
def test_the_dashboard_shows_contact_coverage_of_the_townships(county_staff: User) -> None:
    veteran_make("330681107201", name="甲", is_disabled=True)
    client = Client()
    client.force_login(county_staff)
    page = client.get("/dashboard/").content.decode()
    assert 'id="contact-coverage"' in page
    table = page[page.index('id="contact-coverage-table"'):]
    assert "枫桥镇" in table and "店口镇" in table


def test_a_province_dashboard_leaves_the_raw_counted_figures_to_the_api(
    ministry: User,
) -> None:
    """Counted from the raw rows, these figures cost seconds for a province or the
    nation (bench/results): the page says where to read them instead of counting them."""
    client = Client()
    client.force_login(ministry)
    for path in ("/dashboard/", "/dashboard/330000/"):
        page = client.get(path).content.decode()
        assert 'id="raw-figures-note"' in page and 'id="contact-coverage"' not in page
    page = client.get("/dashboard/330681/").content.decode()
    assert 'id="contact-coverage"' in page and 'id="raw-figures-note"' not in page
