"""The case pages: queue, case page with its actions, opening a case, the agreement."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case
from centres.models import User
from tests.factories.cases import case_make, escalate_once, staff_at, veteran_make, visit_make
from veterans.signals import case_requested

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_shows_tabs_with_counts(alice: User) -> None:
    case_make(code="330681107", by=alice, accept=False)
    case_make(code="330681107", by=alice)
    body = client_for(alice).get("/cases/").content.decode()
    assert "新登记（待受理）" in body and "调处中" in body and "上报至本级" in body
    assert "待回访" in body and "已办结" in body and "超期" in body and "下转" in body
    response = client_for(alice).get("/cases/?tab=mediation")
    tabs = dict((tab.key, count) for tab, count in response.context["tabs"])
    assert tabs["new"] == 1 and tabs["mediation"] == 1 and tabs["closed"] == 0


def test_escalated_to_us_lists_what_came_up_to_the_users_own_centre(
    village_staff: User, alice: User, county_staff: User
) -> None:
    case = escalate_once(case_make(code="330681107201", by=village_staff), village_staff)
    page = client_for(alice).get("/cases/?tab=escalated")
    assert [c.pk for c in page.context["page"].object_list] == [case.pk]
    county = client_for(county_staff).get("/cases/?tab=escalated")
    assert list(county.context["page"].object_list) == []


def test_the_queue_query_count_does_not_grow_with_rows(alice: User) -> None:
    client = client_for(alice)
    case_make(code="330681107", by=alice)
    with CaptureQueriesContext(connection) as few:
        client.get("/cases/?tab=mediation")
    for _ in range(6):
        case_make(code="330681107201", by=staff_at("330681107201"))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/cases/?tab=mediation")
    assert len(response.context["page"].object_list) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_case_page_query_count_does_not_grow_with_the_timeline(alice: User) -> None:
    case = case_make(code="330681107", by=alice, veterans=[veteran_make()])
    services.case_mediate(case=case, by=alice, note="首次调解")
    client = client_for(alice)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/cases/{case.pk}/")
    for n in range(5):
        services.case_mediate(case=case, by=alice, note=f"第{n}次调解")
    case.veterans.add(veteran_make(), veteran_make())
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/cases/{case.pk}/")
    assert len(response.context["events"]) == 7
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_case_page_shows_only_the_actions_the_user_may_take(
    village_staff: User, alice: User, city_official: User
) -> None:
    case = case_make(code="330681107201", by=village_staff)
    village_page = client_for(village_staff).get(f"/cases/{case.pk}/")
    names = [name for name, _label, _form in village_page.context["forms"]]
    assert names == ["assign", "mediate", "resolve", "extend"]  # no escalation before mediating
    services.case_mediate(case=case, by=village_staff, note="调解")
    village_page = client_for(village_staff).get(f"/cases/{case.pk}/")
    assert "escalate" in [name for name, _l, _f in village_page.context["forms"]]
    assert 'name="csrfmiddlewaretoken"' in village_page.content.decode()
    official_page = client_for(city_official).get(f"/cases/{case.pk}/")
    assert official_page.status_code == 200 and official_page.context["forms"] == []
    services.case_escalate(case=case, by=village_staff, reason="村级调解不成")
    after = client_for(village_staff).get(f"/cases/{case.pk}/")
    assert after.status_code == 200 and after.context["forms"] == []
    assert "refer_down" in [n for n, _l, _f in client_for(alice).get(
        f"/cases/{case.pk}/").context["forms"]]


def test_posting_an_action_runs_the_service_and_comes_back(alice: User) -> None:
    case = case_make(code="330681107", by=alice)
    client = client_for(alice)
    response = client.post(f"/cases/{case.pk}/mediate/",
                           {"mediate-method": "face_to_face", "mediate-note": "当面调解"})
    assert response.status_code == 302
    assert case.events.filter(kind="mediate", note="当面调解").exists()
    response = client.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": ""})
    assert response.status_code == 400
    response = client.post(f"/cases/{case.pk}/escalate/", {"escalate-reason": "需县级协调"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.level == "county"


def test_a_refused_action_answers_409_with_a_chinese_message(
    village_staff: User, alice: User
) -> None:
    case = escalate_once(case_make(code="330681107201", by=village_staff), village_staff)
    response = client_for(village_staff).post(
        f"/cases/{case.pk}/resolve/", {"resolve-resolution": "村里已解决"}
    )
    assert response.status_code == 409
    assert "只有该中心（站）或其上级可以办理" in response.content.decode()


def test_charlie_gets_404_on_the_case_pages(alice: User, charlie: User) -> None:
    case = case_make(code="330681107", by=alice)
    client = client_for(charlie)
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.post(f"/cases/{case.pk}/mediate/", {"mediate-note": "x"}).status_code == 404
    assert client.get(f"/cases/{case.pk}/agreement/").status_code == 404
    assert client.get("/cases/").context["page"].paginator.count == 0


def test_opening_a_case_on_the_page(alice: User) -> None:
    response = client_for(alice).post("/cases/new/", {
        "centre": "330681107", "category": "benefits", "risk_level": "serious",
        "summary": "伤残抚恤待遇未落实", "other_parties": "", "accept": "on",
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.category, case.risk_level, case.is_accepted) == ("benefits", "serious", True)
    assert response["Location"] == f"/cases/{case.pk}/"


def test_an_official_cannot_open_a_case_on_the_page(city_official: User) -> None:
    response = client_for(city_official).post("/cases/new/", {
        "centre": "330681107", "category": "other", "risk_level": "ordinary", "summary": "x",
    })
    assert response.status_code == 409
    assert not Case.objects.exists()


def test_the_new_case_form_is_prefilled_from_a_visit(alice: User, charlie: User) -> None:
    veteran = veteran_make("330681107201")
    visit = visit_make(veteran=veteran, code="330681107", by=alice, purpose="employment",
                       summary="退役后就业安置问题")
    page = client_for(alice).get(f"/cases/new/?visit={visit.pk}")
    form = page.context["form"]
    assert form.initial["centre"] == "诸暨市 › 枫桥镇"  # the visit's centre, by its place
    assert form.initial["veteran"] == veteran.pk
    assert form.initial["category"] == "employment"
    assert form.initial["summary"] == "退役后就业安置问题"
    assert client_for(charlie).get(f"/cases/new/?visit={visit.pk}").status_code == 404
    response = client_for(alice).post(f"/cases/new/?visit={visit.pk}", {
        "centre": "330681107", "category": "employment", "risk_level": "ordinary",
        "summary": "退役后就业安置问题", "veteran": veteran.pk, "visit": visit.pk,
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.visit == visit and list(case.veterans.all()) == [veteran]
    assert not case.is_accepted


def test_the_visit_signal_opens_a_case_in_the_same_transaction(alice: User) -> None:
    veteran = veteran_make("330681107201")
    with transaction.atomic():
        visit = visit_make(veteran=veteran, code="330681107", by=alice)
        case_requested.send(sender=type(visit), visit=visit, category="land_housing",
                            summary="宅基地纠纷", by=alice)
    case = Case.objects.get()
    assert (case.visit, case.centre.region_id, case.category) == (
        visit, "330681107000", "land_housing")
    assert list(case.veterans.all()) == [veteran]
    assert case.opened_by == alice


def test_a_refused_case_request_rolls_the_visit_back(alice: User, city_official: User) -> None:
    from veterans.models import Visit

    veteran = veteran_make("330681107201")
    with pytest.raises(services.TransitionRefused), transaction.atomic():
        visit = visit_make(veteran=veteran, code="330681107", by=alice)
        case_requested.send(sender=type(visit), visit=visit, category="other",
                            summary="x", by=city_official)
    assert not Visit.objects.exists() and not Case.objects.exists()


def test_the_mediation_agreement_prints_for_a_resolved_case(alice: User) -> None:
    secretary = veteran_make("330681107201", is_party_secretary=True, name="王书记")
    party = veteran_make("330681107201", name="张三")
    case = case_make(code="330681107", by=alice, veterans=[party], other_parties="李四")
    client = client_for(alice)
    assert client.get(f"/cases/{case.pk}/agreement/").status_code == 409
    services.case_mediate(case=case, by=alice, note="兵支书上门调解", mediator_veteran=secretary)
    services.case_resolve(case=case, by=alice, resolution="李四赔偿张三损失三千元")
    page = client.get(f"/cases/{case.pk}/agreement/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "人民调解协议书" in body and "李四赔偿张三损失三千元" in body
    assert "王书记" in body and "张三" in body
    assert party.id_number not in body  # masked
    assert 'media="print"' in body
