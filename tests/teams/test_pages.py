"""The teams pages: list and create, a team, bulk entry, confirmation, certificate, export,
the roster, a cadre, call-ups; with the owner, a colleague and an outsider."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from centres.models import User
from teams import services
from teams.models import CallUp, CallUpAnswer, Certificate, Post, ServiceRecord, Team, VillageCadre
from teams.views import answer_token
from tests.factories.centres import centre, region
from tests.factories.teams import member_make, record_make, team_make
from tests.factories.veterans import veteran_make

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_alice_creates_a_team_from_the_teams_page(alice: User) -> None:
    client = client_for(alice)
    page = client.get("/teams/")
    assert page.status_code == 200
    response = client.post("/teams/", {"centre": centre("330681107").pk, "name": "枫桥服务队",
                                       "kind": "volunteer", "groups": ["policy", "legal"]})
    team = Team.objects.get(name="枫桥服务队")
    assert response.status_code == 302 and response["Location"] == f"/teams/{team.pk}/"
    assert sorted(team.groups.values_list("kind", flat=True)) == ["legal", "policy"]


def test_an_official_sees_teams_but_cannot_create_one(alice: User, city_official: User) -> None:
    team_make(alice)
    client = client_for(city_official)
    assert "枫桥镇退役军人志愿者服务队" in client.get("/teams/").content.decode()
    assert client.post("/teams/", {"name": "x"}).status_code == 403


def test_a_member_is_found_by_search_and_added(alice: User, bob: User) -> None:
    team = team_make(alice)
    veteran = veteran_make(name="陈建国")
    client = client_for(bob)
    page = client.get(f"/teams/{team.pk}/", {"q": "陈建"})
    assert "陈建国" in page.content.decode()
    assert veteran.id_number not in page.content.decode()
    response = client.post(f"/teams/{team.pk}/add-member/",
                           {"veteran": veteran.pk, "role": "captain", "joined": "2024-01-01"})
    assert response.status_code == 302
    assert team.members.get().role == "captain"


def test_bulk_entry_confirmation_and_a_certificate(alice: User, bob: User) -> None:
    team = team_make(alice)
    members = [member_make(team, veteran_make(name=n), alice) for n in ("甲", "乙", "丙")]
    client = client_for(alice)
    response = client.post(f"/teams/{team.pk}/records/", {
        "date": "2025-03-05", "hours": "2.5", "activity": "重阳节走访慰问",
        "members": [m.pk for m in members[:2]],
    })
    assert response.status_code == 302
    records = list(ServiceRecord.objects.filter(team=team))
    assert [r.status for r in records] == ["pending", "pending"]
    client_for(bob).post(f"/teams/{team.pk}/confirm/", {"records": [r.pk for r in records]})
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"confirmed"}
    issued = client.post(f"/teams/{team.pk}/certificate/", {"member": members[0].pk})
    certificate = Certificate.objects.get()
    assert issued["Location"] == f"/teams/certificates/{certificate.pk}/"
    text = client.get(issued["Location"]).content.decode()
    for shown in ("甲", members[0].volunteer_number, "2.5", "重阳节走访慰问",
                  "枫桥镇退役军人服务站", certificate.number):
        assert shown in text
    assert members[0].veteran.id_number not in text
    assert members[0].veteran.id_number_masked not in text


def test_hours_beyond_a_day_are_refused_on_the_page(alice: User) -> None:
    team = team_make(alice)
    member = member_make(team, veteran_make(), alice)
    response = client_for(alice).post(f"/teams/{team.pk}/records/", {
        "date": "2025-03-05", "hours": "25", "activity": "x", "members": [member.pk]})
    assert response.status_code == 400
    assert not ServiceRecord.objects.exists()


def test_a_certificate_without_confirmed_hours_is_refused(alice: User) -> None:
    team = team_make(alice)
    member = member_make(team, veteran_make(), alice)
    record_make(team, member.veteran, alice)
    client = client_for(alice)
    response = client.post(f"/teams/{team.pk}/certificate/", {"member": member.pk}, follow=True)
    assert not Certificate.objects.exists()
    assert "没有" in response.content.decode() or "no confirmed" in response.content.decode()


def test_the_export_has_the_national_columns_and_confirmed_rows_only(
    alice: User, bob: User
) -> None:
    team = team_make(alice)
    member = member_make(team, veteran_make(name="甲"), alice)
    services.service_record_confirm(record=record_make(team, member.veteran, alice,
                                                       activity="=HYPERLINK(1)"), by=bob)
    record_make(team, member.veteran, alice, activity="未确认")
    response = client_for(alice).get(f"/teams/{team.pk}/records.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["志愿者编号", "姓名", "服务日期", "服务时长（小时）", "服务内容"]
    assert len(rows) == 2
    assert rows[1][0] == member.volunteer_number and rows[1][4] == "'=HYPERLINK(1)"


def test_an_outsider_gets_404_on_every_team_page(alice: User, charlie: User) -> None:
    team = team_make(alice)
    member = member_make(team, veteran_make(), alice)
    services.service_record_confirm(record=record_make(team, member.veteran, alice), by=alice)
    certificate = services.certificate_issue(member=member, by=alice)
    client = client_for(charlie)
    for url in (f"/teams/{team.pk}/", f"/teams/{team.pk}/records.csv",
                f"/teams/certificates/{certificate.pk}/", "/teams/roster/330681/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/teams/{team.pk}/confirm/", {}).status_code == 404


def test_the_roster_shows_posts_villages_without_a_secretary_and_candidates(
    county_staff: User
) -> None:
    secretary = veteran_make("330681107201", name="陈书记")
    veteran_make("330681107202", name="年轻人", born=datetime.date(1995, 3, 1),
                 discharge_year=2018)
    veteran_make("330681107202", name="年长者", born=datetime.date(1950, 3, 1),
                 discharge_year=1975)
    services.village_cadre_appoint(village=region("330681107201"), veteran=secretary,
                                   post=Post.PARTY_SECRETARY, since=None, by=county_staff)
    client = client_for(county_staff)
    text = client.get("/teams/roster/330681/").content.decode()
    assert "陈书记" in text and "年轻人" in text and "年长者" not in text
    page = client.get("/teams/roster/330681/", {"lacking": "1"}).content.decode()
    lacking = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "陈家村" in lacking and "枫源村" not in lacking


def test_the_roster_page_appoints_by_id_number(county_staff: User) -> None:
    veteran = veteran_make("330681107202", name="陈二")
    response = client_for(county_staff).post("/teams/roster/330681/", {
        "village": "330681107202", "id_number": veteran.id_number, "post": "reserve",
        "since": "2024-05-01",
    })
    assert response.status_code == 302
    assert VillageCadre.objects.get(veteran=veteran).post == "reserve"


def test_a_cadre_page_records_training_and_assessment(county_staff: User) -> None:
    cadre = services.village_cadre_appoint(
        village=region("330681107201"), veteran=veteran_make(), post=Post.PARTY_SECRETARY,
        since=None, by=county_staff)
    client = client_for(county_staff)
    client.post(f"/teams/cadres/{cadre.pk}/", {
        "step": "training", "training-date": "2025-04-01", "training-course": "基层治理",
        "training-hours": "8"})
    client.post(f"/teams/cadres/{cadre.pk}/", {"step": "assessment", "assessment-year": "2025",
                                               "assessment-grade": "excellent"})
    assert cadre.trainings.get().course == "基层治理"
    assert cadre.assessments.get().grade == "excellent"


def test_a_call_up_is_answered_from_the_link_and_attendance_becomes_records(
    alice: User, bob: User
) -> None:
    team = team_make(alice, name="突击队", kind="shock", groups=())
    members = [member_make(team, veteran_make(name=n), alice) for n in ("甲", "乙")]
    client = client_for(alice)
    response = client.post(f"/teams/{team.pk}/call-up/", {
        "task": "防汛抢险", "place": "枫桥江堤", "starts_at": "2025-07-01T08:00", "needed": "2",
        "tier": "2h"})
    call_up = CallUp.objects.get()
    assert response["Location"] == f"/teams/call-ups/{call_up.pk}/"
    member_page = Client().post(f"/teams/answer/{answer_token(call_up, members[0].pk)}/",
                                {"available": "yes"})
    assert member_page.status_code == 200
    client_for(bob).post(f"/teams/call-ups/{call_up.pk}/",
                         {"step": "mark", "member": members[1].pk, "available": "no"})
    assert dict(CallUpAnswer.objects.values_list("member", "available")) == {
        members[0].pk: True, members[1].pk: False}
    client.post(f"/teams/call-ups/{call_up.pk}/", {
        "step": "attendance", "attendance-hours": "6", "attendance-members": [members[0].pk]})
    record = ServiceRecord.objects.get()
    assert (record.veteran, record.call_up, record.status) == (members[0].veteran, call_up,
                                                               "pending")
    assert Client().get("/teams/answer/forged/").status_code == 404


def test_the_team_page_queries_do_not_grow_with_its_members(alice: User) -> None:
    team = team_make(alice)
    client = client_for(alice)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/teams/{team.pk}/").status_code == 200
        return len(queries)

    member = member_make(team, veteran_make(name="甲"), alice)
    record_make(team, member.veteran, alice)
    few = count()
    for name in ("乙", "丙", "丁", "戊"):
        m = member_make(team, veteran_make(name=name), alice)
        services.service_record_confirm(record=record_make(team, m.veteran, alice), by=alice)
        record_make(team, m.veteran, alice)
    assert count() == few
