"""The regular-contact rule at the edges of Asia/Shanghai quarters and years."""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from centres.codes import prefix_of
from centres.models import User
from contacts.rules import Periods, Status, contact_status
from contacts.selectors import contact_figures, worklist
from tests.conftest import api_as
from tests.factories.veterans import flagged, veteran_make, visit_make
from veterans.models import PRIORITY_FLAGS, Veteran, Visit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_a_quarter_runs_from_its_first_shanghai_midnight_to_the_next_quarter() -> None:
    q1 = Periods.containing(datetime.date(2026, 3, 31))
    q2 = Periods.containing(datetime.date(2026, 4, 1))
    assert q1.quarter_start == at("2026-01-01 00:00")
    assert q1.quarter_end == q2.quarter_start == at("2026-04-01 00:00")
    assert q2.previous_quarter_start == at("2026-01-01 00:00")
    assert Periods.containing(datetime.date(2026, 1, 1)).previous_quarter_start == at(
        "2025-10-01 00:00")
    assert Periods.containing(datetime.date(2026, 12, 31)).quarter_end == at("2027-01-01 00:00")


def test_a_contact_at_23_59_on_31_march_counts_for_the_first_quarter_not_the_second() -> None:
    last_minute = at("2026-03-31 23:59")
    home = at("2026-02-01 10:00")
    march = Periods.containing(datetime.date(2026, 3, 31))
    april = Periods.containing(datetime.date(2026, 4, 1))
    assert contact_status(periods=march, last_contact=last_minute,
                          last_home_visit=home) is Status.DONE
    assert contact_status(periods=april, last_contact=last_minute,
                          last_home_visit=home) is Status.DUE
    # 2026-04-01 00:00 in Shanghai is 2026-03-31 16:00 UTC: still the second quarter.
    midnight = at("2026-04-01 00:00").astimezone(datetime.UTC)
    assert contact_status(periods=april, last_contact=midnight,
                          last_home_visit=home) is Status.DONE


def test_a_home_visit_of_last_year_leaves_the_new_year_due_and_none_the_year_before_overdue(
) -> None:
    new_year = Periods.containing(datetime.date(2027, 1, 1))
    contact = at("2027-01-01 00:00")
    assert contact_status(periods=new_year, last_contact=contact,
                          last_home_visit=at("2026-12-31 23:59")) is Status.DUE
    assert contact_status(periods=new_year, last_contact=contact,
                          last_home_visit=at("2025-12-31 23:59")) is Status.OVERDUE
    assert contact_status(periods=new_year, last_contact=contact,
                          last_home_visit=None) is Status.OVERDUE


def test_a_quarter_without_contact_before_this_one_makes_the_veteran_overdue() -> None:
    april = Periods.containing(datetime.date(2026, 4, 15))
    home = at("2026-02-01 10:00")
    assert contact_status(periods=april, last_contact=at("2025-12-31 23:59"),
                          last_home_visit=home) is Status.OVERDUE
    assert contact_status(periods=april, last_contact=None, last_home_visit=home) is Status.OVERDUE


@pytest.mark.django_db
def test_the_boundary_visits_count_in_the_statistics_by_their_shanghai_day(
    alice: User, bob: User
) -> None:
    early = veteran_make(name="甲", is_disabled=True)
    late = veteran_make(name="乙", took_part_in_combat=True)
    visit_make(early, alice, "330681107", visited_at=at("2026-03-31 23:59"),
               channel=Visit.Channel.HOME_VISIT)
    visit_make(late, bob, "330681107", visited_at=at("2026-04-01 00:00"),
               channel=Visit.Channel.PHONE)
    march = contact_figures(code="330681107000", on=datetime.date(2026, 3, 31))
    april = contact_figures(code="330681107000", on=datetime.date(2026, 4, 1))
    assert (march.priority_veterans, march.contacted_this_quarter,
            march.home_visited_this_year) == (2, 1, 1)
    assert (april.contacted_this_quarter, april.home_visited_this_year) == (1, 1)
    answer = api_as(alice).get("/api/v1/stats/contacts/",
                               {"region": "330681107", "on": "2026-04-01"}).json()
    assert answer == {"region": "330681107000", "priority_veterans": 2,
                      "contacted_this_quarter": 1, "home_visited_this_year": 1}


def _brute_force(code: str, on: datetime.date) -> tuple[int, int, int]:
    """The figures counted one veteran and one visit at a time, in Python."""
    priority = [v for v in Veteran.objects.all()
                if v.region_id.startswith(prefix_of(code))
                and any(getattr(v, f) for f in PRIORITY_FLAGS)]
    quarter = (on.year, (on.month - 1) // 3)
    contacted = home = 0
    for veteran in priority:
        days = [(timezone.localtime(v.visited_at, SHANGHAI).date(), v.channel)
                for v in Visit.objects.filter(veteran=veteran)]
        if any((d.year, (d.month - 1) // 3) == quarter for d, _c in days):
            contacted += 1
        if any(d.year == on.year and c == "home_visit" for d, c in days):
            home += 1
    return len(priority), contacted, home


@pytest.mark.django_db
def test_the_statistics_equal_a_brute_force_count(alice: User, county_staff: User) -> None:
    rng = random.Random(20)
    homes = ["330681107201", "330681107202", "330681108201", "330681107000"]
    flags = [*PRIORITY_FLAGS, "is_volunteer", "is_party_secretary"]
    veterans = [
        veteran_make(rng.choice(homes), name=f"兵{i}", **flagged(rng.choice(flags)))
        for i in range(30)
    ]
    start = at("2025-11-01 00:00")
    for _ in range(90):
        visit_make(
            rng.choice(veterans), rng.choice([alice, county_staff]),
            visited_at=start + datetime.timedelta(minutes=rng.randrange(0, 60 * 24 * 240)),
            channel=rng.choice(Visit.Channel.values),
        )
    for code in ("330681000000", "330681107000", "330681107201"):
        for day in (datetime.date(2025, 12, 31), datetime.date(2026, 1, 1),
                    datetime.date(2026, 3, 31), datetime.date(2026, 4, 1),
                    datetime.date(2026, 6, 15)):
            figures = contact_figures(code=code, on=day)
            assert (figures.priority_veterans, figures.contacted_this_quarter,
                    figures.home_visited_this_year) == _brute_force(code, day), (code, day)


@pytest.mark.django_db
def test_the_work_list_and_the_statistics_count_a_visit_at_any_centre(
    alice: User, county_staff: User
) -> None:
    veteran = veteran_make(name="丙", is_martyr_family=True)
    visit_make(veteran, county_staff, "330681", channel=Visit.Channel.HOME_VISIT)
    today = timezone.localdate()
    [group] = worklist(user=alice, on=today)
    assert group.rows[0].status is Status.DONE
    assert contact_figures(code="330681107201", on=today).contacted_this_quarter == 1


@pytest.mark.django_db
@pytest.mark.parametrize("on", ["1999-12-31", "2101-01-01", "yesterday"])
def test_a_stats_date_outside_2000_to_2100_is_refused_with_400(alice: User, on: str) -> None:
    response = api_as(alice).get("/api/v1/stats/contacts/", {"region": "330681107", "on": on})
    assert response.status_code == 400
    assert "on" in response.json()


@pytest.mark.django_db
def test_stats_contacts_needs_a_region_and_hides_others(alice: User, charlie: User) -> None:
    assert api_as(alice).get("/api/v1/stats/contacts/").status_code == 400
    assert api_as(charlie).get("/api/v1/stats/contacts/",
                               {"region": "330681107"}).status_code == 404
    assert api_as(alice).get("/api/v1/stats/contacts/",
                             {"region": "330681107"}).status_code == 200


