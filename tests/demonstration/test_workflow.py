"""The assessment workflow: one service per step, who may act, and the refusals.

Alice owns the self-assessment of 枫桥镇, Bob is her colleague at the same
station, Charlie (浏阳市) is an outsider: for him it does not exist (404).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from centres.errors import DomainError
from centres.models import User
from demonstration.models import Assessment, AssessmentEvent, Designation, StandardItem
from demonstration.services import (
    ScoreInput,
    assessment_approve,
    assessment_create,
    assessment_forward,
    assessment_return,
    assessment_scores_save,
    assessment_submit,
    designation_revoke,
)
from tests.conftest import api_as
from tests.factories.centres import centre
from tests.factories.demonstration import assessment_at, designate, full_marks

pytestmark = pytest.mark.django_db
Status = Assessment.Status


def fengqiao() -> Any:
    return centre("330681107")


def test_alice_fills_in_and_submits_and_every_step_leaves_an_event(alice: User) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    assert assessment.status == Status.DRAFT
    assert assessment.standard.year <= 2026
    assessment_scores_save(assessment=assessment, scores=full_marks(assessment), by=alice)
    assessment = assessment_submit(assessment=assessment, by=alice)
    assert assessment.status == Status.SUBMITTED
    events = list(assessment.events.values_list("action", "from_status", "to_status", "by"))
    assert events == [
        ("created", "", "draft", alice.pk),
        ("scored", "draft", "draft", alice.pk),
        ("submitted", "draft", "submitted", alice.pk),
    ]


def test_bob_a_colleague_may_continue_alices_self_assessment(alice: User, bob: User) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    assessment_scores_save(assessment=assessment, scores=full_marks(assessment), by=bob)
    assert assessment_submit(assessment=assessment, by=bob).status == Status.SUBMITTED


def test_charlie_an_outsider_finds_no_such_assessment(alice: User, charlie: User) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    with pytest.raises(Http404):
        assessment_create(centre=fengqiao(), by=charlie, year=2027)
    for step in (
        lambda: assessment_scores_save(assessment=assessment, scores=[], by=charlie),
        lambda: assessment_submit(assessment=assessment, by=charlie),
        lambda: assessment_return(assessment=assessment, by=charlie, comment="x"),
        lambda: assessment_forward(assessment=assessment, by=charlie),
        lambda: assessment_approve(assessment=assessment, by=charlie),
    ):
        with pytest.raises(Http404):
            step()


def test_an_incomplete_self_assessment_cannot_be_submitted(alice: User) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    assessment_scores_save(assessment=assessment, scores=full_marks(assessment)[:3], by=alice)
    with pytest.raises(DomainError, match="全部指标"):
        assessment_submit(assessment=assessment, by=alice)


def test_points_above_the_maximum_are_refused(alice: User) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    item = StandardItem.objects.filter(dimension__standard=assessment.standard).first()
    assert item is not None
    with pytest.raises(DomainError):
        assessment_scores_save(
            assessment=assessment,
            scores=[ScoreInput(item=item, points=item.max_points + 1)],
            by=alice,
        )


def test_one_assessment_in_progress_per_centre_and_year(alice: User) -> None:
    assessment_create(centre=fengqiao(), by=alice, year=2026)
    with pytest.raises(DomainError):
        assessment_create(centre=fengqiao(), by=alice, year=2026)


def test_the_next_level_up_returns_with_comments_back_to_draft(
    alice: User, county_staff: User
) -> None:
    assessment = assessment_at(Status.SUBMITTED, centre=fengqiao(), owner=alice)
    with pytest.raises(DomainError, match="写明"):
        assessment_return(assessment=assessment, by=county_staff, comment="  ")
    assessment = assessment_return(assessment=assessment, by=county_staff, comment="补充台账")
    assert assessment.status == Status.DRAFT
    assert assessment.review_comment == "补充台账"
    assert assessment.events.last().action == AssessmentEvent.Action.RETURNED  # type: ignore[union-attr]
    # Back in draft, Alice may change and resubmit.
    assessment_scores_save(assessment=assessment, scores=full_marks(assessment), by=alice)
    assert assessment_submit(assessment=assessment, by=alice).status == Status.SUBMITTED


def test_only_the_next_level_up_reviews(
    alice: User, bob: User, city_official: User, county_staff: User
) -> None:
    assessment = assessment_at(Status.SUBMITTED, centre=fengqiao(), owner=alice)
    for user in (alice, bob, city_official):
        with pytest.raises(DomainError, match="上一级"):
            assessment_forward(assessment=assessment, by=user)
    assert assessment_forward(assessment=assessment, by=county_staff).status == Status.FORWARDED


def test_steps_out_of_order_are_refused(
    alice: User, county_staff: User, city_official: User
) -> None:
    assessment = assessment_at(Status.DRAFT, centre=fengqiao(), owner=alice)
    with pytest.raises(DomainError):
        assessment_forward(assessment=assessment, by=county_staff)
    with pytest.raises(DomainError):
        assessment_approve(assessment=assessment, by=city_official)
    assessment = assessment_at(
        Status.APPROVED, centre=fengqiao(), owner=alice, reviewer=county_staff,
        approver=city_official, year=2025,
    )
    with pytest.raises(DomainError):
        assessment_submit(assessment=assessment, by=alice)
    with pytest.raises(DomainError):
        assessment_approve(assessment=assessment, by=city_official)


def test_a_passing_approval_names_the_centre(
    alice: User, county_staff: User, city_official: User
) -> None:
    assessment = assessment_at(
        Status.APPROVED, centre=fengqiao(), owner=alice, reviewer=county_staff,
        approver=city_official,
    )
    assert assessment.score == Decimal("100")
    assert assessment.passed is True
    designation = Designation.objects.get(centre=fengqiao())
    assert (designation.year, designation.grade, designation.source) == (2026, "city", "assessment")
    assert designation.assessment == assessment


def test_a_provincial_approval_gives_a_provincial_designation(
    alice: User, county_staff: User, province_official: User
) -> None:
    assessment_at(
        Status.APPROVED, centre=fengqiao(), owner=alice, reviewer=county_staff,
        approver=province_official,
    )
    assert Designation.objects.get(centre=fengqiao()).grade == "provincial"


def test_a_score_below_the_pass_mark_records_the_result_without_a_designation(
    alice: User, county_staff: User, city_official: User
) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    scores = [
        ScoreInput(item=s.item, points=s.item.max_points * Decimal("0.8"))
        for s in full_marks(assessment)
    ]
    assessment_scores_save(assessment=assessment, scores=scores, by=alice)
    assessment_submit(assessment=assessment, by=alice)
    assessment_forward(assessment=assessment, by=county_staff)
    assessment = assessment_approve(assessment=assessment, by=city_official)
    assert assessment.status == Status.APPROVED
    assert assessment.score == Decimal("80.0")
    assert assessment.passed is False
    assert not Designation.objects.exists()


def test_a_dimension_under_its_floor_fails_even_above_the_pass_mark(
    alice: User, county_staff: User, city_official: User
) -> None:
    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    scores = full_marks(assessment)
    # 家的环境: 6 + 4 + 5 + 5 = 20, floor 14. Give it 13, the rest full: total 93.
    env = [s for s in scores if s.item.dimension.code == "environment"]
    lowered = {env[0].item.pk: Decimal(0), env[1].item.pk: Decimal(3)}
    scores = [ScoreInput(item=s.item, points=lowered.get(s.item.pk, s.points)) for s in scores]
    assessment_scores_save(assessment=assessment, scores=scores, by=alice)
    assessment_submit(assessment=assessment, by=alice)
    assessment_forward(assessment=assessment, by=county_staff)
    assessment = assessment_approve(assessment=assessment, by=city_official)
    assert assessment.score == Decimal("93.0")
    assert assessment.passed is False
    assert not Designation.objects.exists()


def test_only_a_city_or_provincial_official_approves(
    alice: User, county_staff: User, county_official: User, ministry: User
) -> None:
    assessment = assessment_at(
        Status.FORWARDED, centre=fengqiao(), owner=alice, reviewer=county_staff
    )
    for user in (alice, county_staff, county_official, ministry):
        with pytest.raises(DomainError):
            assessment_approve(assessment=assessment, by=user)


def test_village_and_city_centres_cannot_be_assessed(world: None, settings: Any) -> None:
    from tests.factories.centres import UserFactory, region

    settings.DEMONSTRATION_VILLAGES_ELIGIBLE = False
    village_staff = UserFactory.create(username="v", region=region("330681107201"))
    city_staff = UserFactory.create(username="c", region=region("330600"))
    with pytest.raises(DomainError, match="县乡两级"):
        assessment_create(centre=centre("330681107201"), by=village_staff)
    with pytest.raises(DomainError, match="县乡两级"):
        assessment_create(centre=centre("330600"), by=city_staff)


def test_a_village_with_300_veterans_may_be_assessed_when_the_setting_is_on(
    world: None, settings: Any
) -> None:
    import datetime

    from tests.factories.centres import UserFactory, region
    from veterans.models import Veteran

    Veteran.objects.bulk_create(
        Veteran(name="老兵", sex="M", birth_date=datetime.date(1970, 1, 1),
                id_number=f"{i:017d}X", region_id="330681107201")
        for i in range(300)
    )
    village_staff = UserFactory.create(username="v", region=region("330681107201"))
    settings.DEMONSTRATION_VILLAGES_ELIGIBLE = True
    assert assessment_create(centre=centre("330681107201"), by=village_staff).status == "draft"


def test_an_official_revokes_a_designation_with_a_reason(
    alice: User, city_official: User, charlie: User
) -> None:
    designation = designate("330681107", 2024)
    with pytest.raises(Http404):
        designation_revoke(designation=designation, by=charlie, reason="x")
    with pytest.raises(DomainError):
        designation_revoke(designation=designation, by=alice, reason="x")
    with pytest.raises(DomainError, match="摘牌原因"):
        designation_revoke(designation=designation, by=city_official, reason=" ")
    designation = designation_revoke(designation=designation, by=city_official, reason="整改不力")
    assert designation.revoked_on is not None
    assert designation.revoked_by == city_official
    with pytest.raises(DomainError, match="已摘牌"):
        designation_revoke(designation=designation, by=city_official, reason="again")


# --- The API answers 409 for refused steps and 404 for outsiders -----------------


def test_the_api_walks_the_workflow_and_answers_409_for_refused_steps(
    alice: User, county_staff: User, city_official: User, charlie: User
) -> None:
    assessment = assessment_at(Status.DRAFT, centre=fengqiao(), owner=alice)
    url = f"/api/v1/assessments/{assessment.pk}/"
    assert api_as(alice).post(url + "submit/").json()["status"] == "submitted"
    assert api_as(alice).post(url + "submit/").status_code == 409
    assert api_as(charlie).post(url + "forward/").status_code == 404
    assert api_as(charlie).get(url).status_code == 404
    assert api_as(alice).post(url + "forward/").status_code == 409
    response = api_as(county_staff).post(url + "return/", {"comment": ""}, format="json")
    assert response.status_code == 409
    assert "detail" in response.json()
    assert api_as(alice).post(url + "submit/").status_code == 409  # still submitted
    forwarded = api_as(county_staff).post(url + "forward/", {"comment": "同意"}, format="json")
    assert forwarded.status_code == 200
    assert api_as(county_staff).post(url + "approve/").status_code == 409
    answer = api_as(city_official).post(url + "approve/").json()
    assert (answer["status"], answer["passed"], answer["score"]) == ("approved", True, "100.0")


def test_the_api_revokes_a_designation_for_officials_only(
    alice: User, city_official: User, charlie: User
) -> None:
    designation = designate("330681107", 2024)
    url = f"/api/v1/designations/{designation.pk}/revoke/"
    assert api_as(charlie).post(url, {"reason": "x"}, format="json").status_code == 404
    assert api_as(alice).post(url, {"reason": "x"}, format="json").status_code == 409
    assert api_as(city_official).post(url, {}, format="json").status_code == 400
    answer = api_as(city_official).post(
        url, {"reason": "整改不力", "revoked_on": "2026-05-01"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["revoked_on"] == "2026-05-01"
    assert api_as(city_official).post(url, {"reason": "again"}, format="json").status_code == 409


def test_points_are_summed_exactly_in_decimals(alice: User) -> None:
    from demonstration.services import assessment_result

    assessment = assessment_create(centre=fengqiao(), by=alice, year=2026)
    scores = [
        ScoreInput(item=s.item, points=(s.item.max_points * Decimal("0.95")))
        for s in full_marks(assessment)
    ]
    assessment_scores_save(assessment=assessment, scores=scores, by=alice)
    result = assessment_result(assessment)
    assert str(result.by_dimension["environment"]) == "19.1"  # 5.7 + 3.8 + 4.8 + 4.8
    assert str(result.total) == "95.4"  # 6.65 rounds half up to 6.7


def test_scoping_is_a_range_on_the_rows_own_region_code_without_a_join(
    alice: User, county_staff: User, city_official: User
) -> None:
    assessment_at(Status.APPROVED, centre=fengqiao(), owner=alice, reviewer=county_staff,
                  approver=city_official)
    for queryset in (Assessment.objects.visible_to(alice), Designation.objects.visible_to(alice)):
        assert "JOIN" not in str(queryset.query)
        assert [row.region_id for row in queryset] == ["330681107000"]
