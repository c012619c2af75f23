"""The case pages as clerks use them: who and what in the queue, a case opened by
place name with its veteran, refer-down from the page, the agreement of the
mediation that succeeded, and the receiving village's follow-up (issue 18)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case, Status
from centres.models import User
from tests.factories.cases import case_make, escalate_once, staff_at, veteran_make
from tests.factories.centres import centre, regions_make

pytestmark = pytest.mark.django_db


def client_for(user: User, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    return client


def resolved_by_the_township(village_staff: User, alice: User) -> Case:
    """Received at 枫源村, a failed mediation there, escalated; mediated and resolved at 枫桥镇."""
    veteran = veteran_make("330681107201", name="陈建国")
    case = case_make(code="330681107201", by=village_staff, veterans=[veteran],
                     other_parties="邻居王某")
    escalate_once(case, village_staff, note="调解未成")
    services.case_mediate(case=case, by=alice, note="镇调委会联合调解，双方同意重新划界",
                          method="joint")
    return services.case_resolve(case=case, by=alice, resolution="重新划定宅基地边界")


def test_the_queue_shows_who_and_what_with_the_number_masked(
    alice: User, charlie: User
) -> None:
    veteran = veteran_make("330681107201", name="陈建国")
    case_make(code="330681107", by=alice, veterans=[veteran], other_parties="邻居王某",
              summary="宅基地边界纠纷，双方争执")
    body = client_for(alice).get("/cases/?tab=mediation").content.decode()
    assert "陈建国" in body and veteran.id_number_masked in body
    assert "邻居王某" in body and "宅基地边界纠纷" in body
    assert veteran.id_number not in body
    assert veteran.birth_date.isoformat() not in body  # no birth date beside the mask
    assert "陈建国" not in client_for(charlie).get("/cases/?tab=mediation").content.decode()


def test_the_queue_finds_cases_by_veteran_party_number_or_summary(alice: User) -> None:
    veteran = veteran_make("330681107201", name="陈建国")
    wanted = case_make(code="330681107", by=alice, veterans=[veteran])
    other = case_make(code="330681107", by=alice, other_parties="赵某", summary="工资拖欠")
    client = client_for(alice)

    def found(query: str) -> set[int]:
        page = client.get("/cases/", {"tab": "mediation", "q": query}).context["page"]
        return {c.pk for c in page.object_list}

    assert found("陈建") == {wanted.pk}
    assert found("赵某") == found("工资") == {other.pk}
    assert found(wanted.number) == {wanted.pk}
    assert found("没有这个人") == set()


def test_the_queue_confirms_no_number_of_a_veteran_from_elsewhere(
    alice: User, county_staff: User
) -> None:
    """A case received in 枫桥镇 may concern a veteran living in 店口镇: alice finds it by
    name, but not by that veteran's ID number (the county, which sees him, does)."""
    elsewhere = veteran_make("330681108201", name="王店口")
    case = case_make(code="330681107", by=alice, veterans=[elsewhere])

    def found(user: User, query: str) -> list[int]:
        page = client_for(user).get("/cases/", {"tab": "mediation", "q": query})
        return [c.pk for c in page.context["page"].object_list]

    assert found(alice, "王店口") == [case.pk]
    assert found(alice, elsewhere.id_number) == []
    assert found(county_staff, elsewhere.id_number) == [case.pk]


def test_the_queue_costs_the_same_queries_for_more_cases(alice: User) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client_for(alice).get("/cases/?tab=mediation")
        return len(queries)

    case_make(code="330681107", by=alice, veterans=[veteran_make("330681107201")])
    few = count()
    for _ in range(4):
        case_make(code="330681107", by=alice, veterans=[veteran_make("330681107201")])
    assert count() == few


def test_a_case_not_yet_accepted_reads_awaiting_acceptance(alice: User) -> None:
    case_make(code="330681107", by=alice, accept=False)
    body = client_for(alice).get("/cases/?tab=new").content.decode()
    assert "待受理" in body
    assert "<td data-label=\"状态\">办理中" not in body


def test_a_reminder_says_what_its_second_date_is(alice: User) -> None:
    case = case_make(code="330681107", by=alice, accept=False)
    Case.objects.filter(pk=case.pk).update(deadline=case.deadline.replace(year=2000))
    services.cases_overdue_mark()
    body = client_for(alice).get("/cases/").content.decode()
    assert "提醒于" in body


def test_a_case_is_opened_at_a_centre_named_by_its_place_with_its_veteran(
    alice: User, bob: User, charlie: User
) -> None:
    veteran = veteran_make("330681107201", name="陈建国")
    page = client_for(alice).get("/cases/new/", {"q": "陈建"})
    assert page.context["form"].initial["centre"] == "诸暨市 › 枫桥镇"  # the user's own
    assert [v.pk for v in page.context["candidates"]] == [veteran.pk]
    assert "枫桥镇 › 枫源村" in page.content.decode()  # the centres listed by place
    response = client_for(alice).post("/cases/new/", {
        "centre": "枫源村", "category": "family", "risk_level": "ordinary",
        "summary": "邻里纠纷", "veteran": str(veteran.pk), "q": "陈建",
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.centre.region_id == "330681107201"
    assert list(case.veterans.all()) == [veteran]
    # A veteran outside the jurisdiction is refused like a missing one.
    far = veteran_make("430181101201", name="刘海军")
    refused = client_for(charlie).post("/cases/new/", {
        "centre": "淮川村", "category": "family", "risk_level": "ordinary",
        "summary": "x", "veteran": str(veteran.pk),
    })
    assert refused.status_code == 400 and far.pk != veteran.pk


def test_a_name_shared_by_two_places_asks_which_one(county_staff: User) -> None:
    regions_make(("330681108202", "枫源村"))  # a second 枫源村, under 店口镇
    centre("330681108202")
    response = client_for(county_staff).post("/cases/new/", {
        "centre": "枫源村", "category": "family", "risk_level": "ordinary", "summary": "x",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert "枫桥镇 › 枫源村" in body and "店口镇 › 枫源村" in body
    ok = client_for(county_staff).post("/cases/new/", {
        "centre": "店口镇 › 枫源村", "category": "family", "risk_level": "ordinary",
        "summary": "x",
    })
    assert ok.status_code == 302
    assert Case.objects.get().centre.region_id == "330681108202"
    by_code = client_for(county_staff).post("/cases/new/", {
        "centre": "330681107201", "category": "family", "risk_level": "ordinary",
        "summary": "y",
    })
    assert by_code.status_code == 302


def test_the_refer_down_form_on_the_page_accepts_a_centre_below(
    alice: User, bob: User, village_staff: User, charlie: User
) -> None:
    case = case_make(code="330681107", by=alice)
    page = client_for(bob).get(f"/cases/{case.pk}/")
    form = dict((name, f) for name, _label, f in page.context["forms"])["refer_down"]
    labels = [label for _value, label in form.fields["centre"].widget.choices]
    assert "枫桥镇 › 枫源村退役军人服务站" in labels
    target = centre("330681107201")
    response = client_for(bob).post(f"/cases/{case.pk}/refer_down/", {
        "refer_down-centre": str(target.pk), "refer_down-instructions": "请村里先行调解",
    })
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.region_id == "330681107201"
    # A centre elsewhere is not a choice; an outsider does not reach the case at all.
    again = case_make(code="330681107", by=alice)
    refused = client_for(bob).post(f"/cases/{again.pk}/refer_down/", {
        "refer_down-centre": str(centre("330681108201").pk), "refer_down-instructions": "x",
    })
    assert refused.status_code == 400
    assert client_for(charlie).post(f"/cases/{again.pk}/refer_down/", {
        "refer_down-centre": str(target.pk), "refer_down-instructions": "x",
    }).status_code == 404


def test_the_agreement_prints_the_mediation_that_succeeded_under_its_centre(
    village_staff: User, alice: User
) -> None:
    case = resolved_by_the_township(village_staff, alice)
    body = client_for(alice).get(f"/cases/{case.pk}/agreement/").content.decode()
    article = body[body.index("<article"):body.index("</article>")]
    assert "镇调委会联合调解" in article and "联合调解" in article
    assert "调解未成" not in article  # the village's failed attempt is not the agreement
    assert alice.username in article or alice.get_full_name() in article
    seal = article[article.index('id="seal"'):]
    assert seal.startswith('id="seal">枫桥镇退役军人服务站')
    assert "陈建国" in article and "邻居王某" in article


def test_the_english_agreement_has_no_chinese_punctuation(
    village_staff: User, alice: User
) -> None:
    case = resolved_by_the_township(village_staff, alice)
    body = client_for(alice, "en").get(f"/cases/{case.pk}/agreement/").content.decode()
    article = body[body.index("<article"):body.index("</article>")]
    # The user's own text (summary, notes) is theirs; the page's own words and marks are English.
    for text in [case.summary, case.resolution, "镇调委会联合调解，双方同意重新划界"]:
        article = article.replace(text, "")
    assert not set("：；。（）、，") & set(article)
    assert "Joint mediation" in article or "joint mediation" in article


def test_the_receiving_village_does_the_follow_up_after_the_township_resolved(
    village_staff: User, alice: User, dianko_staff: User, charlie: User
) -> None:
    case = resolved_by_the_township(village_staff, alice)
    neighbour = staff_at("330681107202", "chenjia")  # another village of the same township
    assert "follow_up" in services.case_allowed_actions(case=case, by=village_staff)
    assert "follow_up" in services.case_allowed_actions(case=case, by=alice)
    for outsider in (neighbour, dianko_staff):
        with pytest.raises(services.TransitionRefused):
            services.case_check_follow_up(case=case, by=outsider)
    assert client_for(charlie).get(f"/cases/{case.pk}/").status_code == 404
    response = client_for(village_staff).post(
        f"/cases/{case.pk}/follow_up/",
        {"follow_up-satisfied": "yes", "follow_up-note": "入户回访，满意"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.events.last().by == village_staff  # type: ignore[union-attr]
