"""Factories for the demonstration room: model regions with centres, designations, assessments."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile

from centres import codes
from centres.models import Centre, User
from demonstration.models import Assessment, AssessmentScore, Designation, StandardItem
from demonstration.services import (
    ScoreInput,
    assessment_approve,
    assessment_create,
    assessment_forward,
    assessment_scores_save,
    assessment_submit,
)
from tests.factories.centres import regions_make


def county_with_townships(
    county: str, townships: int, *, model_year: int | None = 2021, villages_each: int = 1
) -> list[str]:
    """A county (6 digits) with its townships and villages, all with centres.

    Returns the 12-digit codes of the eligible centres: the county and its townships.
    """
    rows = [(county, f"县{county}")]
    for t in range(1, townships + 1):
        township = f"{county}{100 + t:03d}"
        rows.append((township, f"镇{township}"))
        rows.extend((f"{township}{200 + v:03d}", f"村{v}") for v in range(1, villages_each + 1))
    years = {codes.normalize_code(county): model_year} if model_year else {}
    regions_make(*rows, model_years=years)
    return [codes.normalize_code(county)] + [
        codes.normalize_code(f"{county}{100 + t:03d}") for t in range(1, townships + 1)
    ]


def designate(
    code: str,
    year: int,
    *,
    grade: str = Designation.Grade.NATIONAL,
    revoked_on: datetime.date | None = None,
) -> Designation:
    designation: Designation = Designation.objects.create(
        centre=Centre.objects.get(region_id=codes.normalize_code(code)),
        region_id=codes.normalize_code(code),
        year=year,
        grade=grade,
        source=Designation.Source.IMPORTED,
        revoked_on=revoked_on,
        revoke_reason="整改不到位" if revoked_on else "",
    )
    return designation


def full_marks(assessment: Assessment, *, minus: Decimal = Decimal(0)) -> list[ScoreInput]:
    """Every indicator at its maximum, the last one worth `minus` or more `minus` lower
    (in the default standard: 5.3, so 7 points less also breaks the 家的能力 floor)."""
    items = list(
        StandardItem.objects.filter(dimension__standard=assessment.standard).order_by(
            "dimension__order", "order"
        )
    )
    lowered = next((item.pk for item in reversed(items) if item.max_points >= minus), None)
    return [
        ScoreInput(
            item=item,
            points=item.max_points - (minus if item.pk == lowered else 0),
            note="见台账",
        )
        for item in items
    ]


def assessment_at(
    status: str,
    *,
    centre: Centre,
    owner: User,
    reviewer: User | None = None,
    approver: User | None = None,
    year: int = 2026,
    minus: Decimal = Decimal(0),
) -> Assessment:
    """An assessment driven through the services up to `status`."""
    assessment = assessment_create(centre=centre, by=owner, year=year)
    assessment_scores_save(assessment=assessment, scores=full_marks(assessment, minus=minus),
                           by=owner)
    if status == Assessment.Status.DRAFT:
        return assessment
    assessment = assessment_submit(assessment=assessment, by=owner)
    if status == Assessment.Status.SUBMITTED:
        return assessment
    assert reviewer is not None
    assessment = assessment_forward(assessment=assessment, by=reviewer)
    if status == Assessment.Status.FORWARDED:
        return assessment
    assert approver is not None
    return assessment_approve(assessment=assessment, by=approver)


def staff_of(code: str) -> User:
    """A staff member of the centre of that region (created once)."""
    from tests.factories.centres import UserFactory, region

    user: User = UserFactory.create(username=f"staff-{code}", region=region(code))
    return user


def assessment_of(code: str) -> Assessment:
    """A draft self-assessment of the centre of that region, started by its staff."""
    found = Assessment.objects.filter(region_id=codes.normalize_code(code)).first()
    if found is not None:
        return found
    return assessment_create(
        centre=Centre.objects.get(region_id=codes.normalize_code(code)), by=staff_of(code)
    )


def designation_of(code: str) -> Designation:
    found = Designation.objects.filter(region_id=codes.normalize_code(code)).first()
    return found if found is not None else designate(code, 2024)


def evidence_of(code: str) -> AssessmentScore:
    """A score with an evidence file on the assessment of that region's centre."""
    assessment = assessment_of(code)
    found = assessment.scores.exclude(evidence="").first()
    if found is not None:
        return found
    item = StandardItem.objects.filter(dimension__standard=assessment.standard).first()
    score = AssessmentScore(assessment=assessment, item=item, points=Decimal(1))
    score.evidence.save("photo.pdf", ContentFile(b"%PDF-1.4 evidence"), save=False)
    score.save()
    return score
