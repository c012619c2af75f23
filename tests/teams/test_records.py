"""Teams and service records: membership, hours, confirmation (谁记录谁证明), certificates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from centres.models import User
from teams import services
from teams.models import ServiceRecord, Team, TeamMember
from teams.services import ServiceRecordInvalid, TeamActionRefused
from tests.factories.teams import member_make, record_make, team_make
from tests.factories.veterans import veteran_make


@pytest.fixture
def team(alice: User) -> Team:
    return team_make(alice)


def test_a_record_of_a_non_member_is_refused(alice: User, team: Team) -> None:
    with pytest.raises(ServiceRecordInvalid) as refused:
        record_make(team, veteran_make(), alice)
    assert refused.value.field == "veteran"


@pytest.mark.parametrize("hours", ["0", "-1", "24.5"])
def test_hours_outside_a_day_are_refused(alice: User, team: Team, hours: str) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice)
    with pytest.raises(ServiceRecordInvalid) as refused:
        record_make(team, veteran, alice, hours=hours)
    assert refused.value.field == "hours"


def test_the_database_refuses_more_than_24_hours(alice: User, team: Team) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice)
    record = record_make(team, veteran, alice, hours="24")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceRecord.objects.filter(pk=record.pk).update(hours=Decimal("25"))


def test_a_record_before_the_member_joined_is_refused(alice: User, team: Team) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice, joined=datetime.date(2025, 6, 1))
    with pytest.raises(ServiceRecordInvalid):
        record_make(team, veteran, alice, date=datetime.date(2025, 5, 1))


def test_the_same_veteran_cannot_be_a_current_member_twice(alice: User, team: Team) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice)
    with pytest.raises(TeamActionRefused):
        member_make(team, veteran, alice)


def test_members_get_distinct_volunteer_numbers_without_the_id_number(
    alice: User, team: Team
) -> None:
    a = member_make(team, veteran_make(name="甲"), alice)
    b = member_make(team, veteran_make(name="乙"), alice)
    assert a.volunteer_number != b.volunteer_number
    assert a.veteran.id_number[6:] not in a.volunteer_number


def test_staff_of_the_centre_and_above_confirm_colleagues_too(
    alice: User, bob: User, county_staff: User, team: Team
) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice)
    for confirmer in (bob, county_staff):
        record = record_make(team, veteran, alice)
        confirmed = services.service_record_confirm(record=record, by=confirmer)
        assert (confirmed.status, confirmed.confirmed_by) == ("confirmed", confirmer)


def test_a_station_below_an_official_and_an_outsider_may_not_confirm(
    alice: User, charlie: User, city_official: User, team: Team
) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice)
    village = User.objects.create(username="village", region_id="330681107201")
    record = record_make(team, veteran, alice)
    for user in (village, charlie, city_official):
        with pytest.raises(TeamActionRefused):
            services.service_record_confirm(record=record, by=user)
    record.refresh_from_db()
    assert record.status == "pending"


def test_a_confirmed_record_is_never_changed(alice: User, bob: User, team: Team) -> None:
    veteran = veteran_make()
    member_make(team, veteran, alice)
    record = services.service_record_confirm(
        record=record_make(team, veteran, alice), by=bob
    )
    with pytest.raises(TeamActionRefused):
        services.service_record_confirm(record=record, by=bob)
    stored = ServiceRecord.objects.get(pk=record.pk)
    stored.hours = Decimal("5")
    with pytest.raises(TypeError):
        stored.save()
    assert ServiceRecord.objects.filter(pk=record.pk).update(hours=Decimal("5")) == 0
    with pytest.raises(TypeError):
        stored.delete()
    correction = services.service_record_correct(record=stored, hours=Decimal("3"),
                                                 activity="政策宣讲（更正）", by=bob)
    assert (correction.corrects, correction.status) == (stored, "pending")
    assert ServiceRecord.objects.get(pk=record.pk).hours == Decimal("2")


def test_a_certificate_counts_confirmed_hours_only(alice: User, bob: User, team: Team) -> None:
    veteran = veteran_make()
    member = member_make(team, veteran, alice)
    confirmed = [record_make(team, veteran, alice, hours=h,
                             date=datetime.date(2025, 3, d))
                 for h, d in (("2", 1), ("3.5", 2))]
    for record in confirmed:
        services.service_record_confirm(record=record, by=bob)
    record_make(team, veteran, alice, hours="8")  # pending
    certificate = services.certificate_issue(member=member, by=bob)
    assert certificate.hours == Decimal("5.5")
    assert set(certificate.records.all()) == {ServiceRecord.objects.get(pk=r.pk)
                                              for r in confirmed}
    assert certificate.number.startswith("ZYFW330681")


def test_no_certificate_without_confirmed_hours(alice: User, team: Team) -> None:
    veteran = veteran_make()
    member = member_make(team, veteran, alice)
    record_make(team, veteran, alice)
    with pytest.raises(TeamActionRefused):
        services.certificate_issue(member=member, by=alice)


def test_bulk_entry_records_one_activity_for_many_members(alice: User, team: Team) -> None:
    veterans = [veteran_make(name=n) for n in ("甲", "乙", "丙")]
    for v in veterans:
        member_make(team, v, alice)
    records = services.service_records_create(
        team=team, veterans=veterans, date=datetime.date(2025, 3, 5),
        hours=Decimal("1.5"), activity="走访慰问", by=alice,
    )
    assert [r.veteran for r in records] == veterans
    assert {r.status for r in records} == {"pending"}


def test_a_member_who_left_is_refused_for_later_days(alice: User, team: Team) -> None:
    veteran = veteran_make()
    member = member_make(team, veteran, alice)
    services.team_member_leave(member=member, left=datetime.date(2025, 1, 1), by=alice)
    assert TeamMember.objects.get().left == datetime.date(2025, 1, 1)
    with pytest.raises(ServiceRecordInvalid):
        record_make(team, veteran, alice, date=datetime.date(2025, 2, 1))
