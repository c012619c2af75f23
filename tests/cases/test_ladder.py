"""The escalation ladder village → township → county → city → province, and every refusal."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.http import Http404

from cases import services
from cases.models import Case, CaseEvent
from cases.selectors import case_get_for_user
from centres.errors import DomainError
from centres.models import User
from tests.factories.cases import case_make, escalate_once, veteran_make
from tests.factories.centres import centre

pytestmark = pytest.mark.django_db


def test_a_case_climbs_the_whole_ladder_one_level_at_a_time(
    village_staff: User, alice: User, county_staff: User, city_staff: User,
    province_staff: User,
) -> None:
    case = case_make(code="330681107201", by=village_staff)
    assert (case.level, case.region_id) == ("village", "330681107201")
    steps = [
        (village_staff, "township", "330681107000"),
        (alice, "county", "330681000000"),
        (county_staff, "city", "330600000000"),
        (city_staff, "province", "330000000000"),
    ]
    for actor, level, code in steps:
        case = escalate_once(case, actor)
        assert (case.level, case.region_id, case.centre.region_id) == (level, code, code)
    assert case.escalated_count == 4
    assert case.received_region_id == "330681107201"
    escalations = list(case.events.filter(kind="escalate").values_list("from_level", "to_level"))
    assert escalations == [
        ("village", "township"), ("township", "county"), ("county", "city"), ("city", "province")
    ]
    with pytest.raises(DomainError, match="省级"):
        escalate_once(case, province_staff)
    case = services.case_resolve(case=case, by=province_staff, resolution="省厅协调解决")
    assert (case.status, case.resolved_level) == ("resolved", "province")


def test_escalating_needs_a_mediation_at_the_current_centre(alice: User) -> None:
    case = case_make(code="330681107", by=alice)
    with pytest.raises(DomainError, match="调解"):
        services.case_escalate(case=case, by=alice, reason="复杂")
    assert case.level == "township"
    assert not case.events.filter(kind="escalate").exists()


def test_a_mediation_below_does_not_count_after_the_case_moves_up(
    village_staff: User, alice: User
) -> None:
    case = escalate_once(case_make(code="330681107201", by=village_staff), village_staff)
    with pytest.raises(DomainError):
        services.case_escalate(case=case, by=alice, reason="镇里也调不了")


def test_escalating_needs_a_reason(alice: User) -> None:
    case = case_make(code="330681107", by=alice)
    services.case_mediate(case=case, by=alice, note="第一次调解")
    with pytest.raises(DomainError, match="理由"):
        services.case_escalate(case=case, by=alice, reason="  ")


def test_escalation_skips_a_missing_level_to_the_nearest_centre(alice: User) -> None:
    from centres.models import Centre

    Centre.objects.filter(region_id="330681000000").delete()
    case = case_make(code="330681107", by=alice)
    case = escalate_once(case, alice)
    assert case.region_id == "330600000000"
    assert case.level == "city"


def test_the_lower_centre_cannot_act_on_a_case_it_no_longer_holds(
    village_staff: User, alice: User
) -> None:
    case = escalate_once(case_make(code="330681107201", by=village_staff), village_staff)
    # Still visible (received there), but the village may no longer act.
    seen = case_get_for_user(user=village_staff, pk=case.pk)
    assert services.case_allowed_actions(case=seen, by=village_staff) == []
    with pytest.raises(DomainError, match="枫桥镇"):
        services.case_resolve(case=seen, by=village_staff, resolution="村里解决了")
    with pytest.raises(DomainError):
        services.case_mediate(case=seen, by=village_staff, note="再调一次")


def test_bob_the_colleague_may_act_on_alices_case(alice: User, bob: User) -> None:
    case = case_make(code="330681107", by=alice)
    services.case_mediate(case=case, by=bob, note="同事接手调解")
    assert case.events.filter(kind="mediate", by=bob).exists()


def test_charlie_the_outsider_cannot_even_see_the_case(alice: User, charlie: User) -> None:
    case = case_make(code="330681107", by=alice)
    with pytest.raises(Http404):
        case_get_for_user(user=charlie, pk=case.pk)
    with pytest.raises(DomainError):
        services.case_mediate(case=case, by=charlie, note="越权")


def test_a_neighbouring_township_never_sees_another_townships_cases(
    alice: User, dianko_staff: User
) -> None:
    case = case_make(code="330681107", by=alice)
    assert not Case.objects.visible_to(dianko_staff).filter(pk=case.pk).exists()


def test_an_official_sees_the_case_but_may_not_act(alice: User, city_official: User) -> None:
    case = case_make(code="330681107", by=alice)
    seen = case_get_for_user(user=city_official, pk=case.pk)
    assert services.case_allowed_actions(case=seen, by=city_official) == []
    with pytest.raises(DomainError, match="工作人员"):
        services.case_mediate(case=seen, by=city_official, note="领导调解")


def test_a_county_above_the_holder_may_act_on_a_township_case(
    alice: User, county_staff: User
) -> None:
    case = case_make(code="330681107", by=alice)
    services.case_mediate(case=case, by=county_staff, note="县里指导调解")
    case = services.case_escalate(case=case, by=county_staff, reason="需县级协调")
    assert case.level == "county"


def test_refer_down_hands_the_case_to_a_centre_below_with_instructions(
    alice: User, county_staff: User, village_staff: User
) -> None:
    case = escalate_once(case_make(code="330681107", by=alice), alice)
    case = services.case_refer_down(
        case=case, by=county_staff, to=centre("330681107201"), instructions="请村里先行调解"
    )
    assert (case.level, case.region_id, case.arrival) == ("village", "330681107201",
                                                          "referred_down")
    event = case.events.get(kind="refer_down")
    assert (event.from_level, event.to_level, event.note) == ("county", "village", "请村里先行调解")
    # The village, which did not receive it, sees the case referred into its area and may act.
    assert case_get_for_user(user=village_staff, pk=case.pk) == case
    assert "mediate" in services.case_allowed_actions(case=case, by=village_staff)
    # A referral needs a fresh mediation at the new holder before it may climb again.
    with pytest.raises(DomainError):
        services.case_escalate(case=case, by=village_staff, reason="再上报")


def test_refer_down_refuses_a_centre_outside_the_subtree(alice: User, county_staff: User) -> None:
    case = escalate_once(case_make(code="330681107", by=alice), alice)
    with pytest.raises(DomainError):
        services.case_refer_down(case=case, by=county_staff, to=centre("330603101"),
                                 instructions="交柯桥")
    with pytest.raises(DomainError):
        services.case_refer_down(case=case, by=county_staff, to=centre("330681"),
                                 instructions="自己")


def test_a_dissatisfied_follow_up_reopens_at_the_same_level(alice: User, bob: User) -> None:
    case = case_make(code="330681107", by=alice)
    services.case_mediate(case=case, by=alice, note="调解")
    case = services.case_resolve(case=case, by=alice, resolution="达成协议")
    assert (case.status, case.resolved_level) == ("resolved", "township")
    case = services.case_follow_up(case=case, by=bob, satisfied=False, note="协议未履行")
    assert (case.status, case.resolved_level, case.level) == ("open", "", "township")
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["follow_up", "reopen"]
    assert case.events.get(kind="follow_up").extra == {"satisfied": False}
    case = services.case_resolve(case=case, by=alice, resolution="补充协议")
    case = services.case_follow_up(case=case, by=alice, satisfied=True, note="满意")
    assert (case.status, case.resolved_level) == ("closed", "township")
    with pytest.raises(DomainError):
        services.case_follow_up(case=case, by=alice, satisfied=True)


def test_resolving_and_following_up_are_refused_in_the_wrong_state(alice: User) -> None:
    case = case_make(code="330681107", by=alice, accept=False)
    with pytest.raises(DomainError, match="受理"):
        services.case_resolve(case=case, by=alice, resolution="x")
    with pytest.raises(DomainError):
        services.case_follow_up(case=case, by=alice, satisfied=True)
    case = services.case_accept(case=case, by=alice)
    with pytest.raises(DomainError):
        services.case_accept(case=case, by=alice)


def test_assign_only_to_staff_of_the_holding_centre(
    alice: User, bob: User, county_staff: User
) -> None:
    case = case_make(code="330681107", by=alice)
    case = services.case_assign(case=case, by=alice, assignee=bob)
    assert case.assignee == bob
    with pytest.raises(DomainError):
        services.case_assign(case=case, by=alice, assignee=county_staff)


def test_a_veteran_mediator_must_be_a_party_secretary_or_volunteer(alice: User) -> None:
    case = case_make(code="330681107", by=alice)
    secretary = veteran_make("330681107201", is_party_secretary=True)
    plain = veteran_make("330681107201")
    services.case_mediate(case=case, by=alice, note="兵支书调解", method="home_visit",
                          mediator_veteran=secretary)
    event = case.events.get(kind="mediate")
    assert event.extra["mediator_name"] == secretary.name
    assert event.extra["mediator_role"] == "party_secretary"
    assert event.extra["method"] == "home_visit"
    with pytest.raises(DomainError):
        services.case_mediate(case=case, by=alice, note="x", mediator_veteran=plain)


def test_case_events_are_append_only(alice: User) -> None:
    case = case_make(code="330681107", by=alice)
    event = case.events.get()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(note="changed")
    assert CaseEvent.objects.get(pk=event.pk).note == ""


def test_officials_and_outsiders_cannot_open_cases_here(
    city_official: User, charlie: User
) -> None:
    with pytest.raises(DomainError):
        case_make(code="330681107", by=city_official)
    with pytest.raises(DomainError):
        case_make(code="330681107", by=charlie)
