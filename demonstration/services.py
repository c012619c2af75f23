"""Writes: the assessment workflow, designations and target snapshots.

Each workflow transition is one service: it checks the state and who may act,
saves with `update_fields` and appends an `AssessmentEvent`. A user outside the
centre's jurisdiction gets 404 (the record does not exist for them); a user
inside it who may not take this step, or a step the state does not allow,
raises `centres.errors.Refused` (409 in the API, a message on pages).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from centres import codes
from centres.errors import Refused
from centres.models import Centre, Level, User
from centres.tabular import RowError, row_code
from demonstration.models import (
    Assessment,
    AssessmentEvent,
    AssessmentScore,
    Designation,
    Standard,
    StandardItem,
    TargetSnapshot,
)
from demonstration.targets import centre_is_eligible, targets_compute
from outbox.services import outbox_enqueue

Status = Assessment.Status
Action = AssessmentEvent.Action


def this_year() -> int:
    return timezone.localdate().year


def _visible_or_404(user: User, centre: Centre) -> None:
    if not user.may_see(centre.region_id):
        raise Http404


def _lock(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related(
        "centre__region", "standard"
    ).get(pk=assessment.pk)


def _begin(
    assessment: Assessment,
    *,
    by: User,
    may: Callable[[User, Centre], bool],
    refusal: str,
    state: str,
) -> Assessment:
    """Lock the row, then: 404 outside the jurisdiction, 409 for the wrong person or state."""
    assessment = _lock(assessment)
    _visible_or_404(by, assessment.centre)
    _refuse_unless(may(by, assessment.centre), refusal)
    _require_state(assessment, state)
    return assessment


def _move(
    assessment: Assessment, *, to: str, action: str, by: User, note: str = "", **fields: Any
) -> Assessment:
    """Change the status (and the given fields), save only those, append the event."""
    before = assessment.status
    assessment.status = to
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.save(update_fields=["status", *fields])
    _event(assessment, action=action, from_status=before, by=by, note=note)
    return assessment


def _event(
    assessment: Assessment, *, action: str, from_status: str, by: User, note: str = ""
) -> None:
    AssessmentEvent.objects.create(
        assessment=assessment,
        action=action,
        from_status=from_status,
        to_status=assessment.status,
        by=by,
        note=note,
    )


def _require_state(assessment: Assessment, *states: str) -> None:
    if assessment.status not in states:
        raise Refused(
            _("This step is not allowed while the assessment is “%(status)s”.")
            % {"status": assessment.get_status_display()}
        )


# --- Who may act ------------------------------------------------------------


def may_self_assess(user: User, centre: Centre) -> bool:
    """Staff of the centre itself fill in and submit its self-assessment."""
    return user.is_authenticated and user.is_staff_member and user.region_id == centre.region_id


def may_review(user: User, centre: Centre) -> bool:
    """Staff or officials of the next level up (the parent region) review."""
    parent = centre.region.parent_id
    return user.is_authenticated and parent is not None and user.region_id == parent


def may_approve(user: User, centre: Centre) -> bool:
    """A city or provincial official whose jurisdiction holds the centre approves."""
    if not (user.is_authenticated and user.is_official and user.region_id is not None):
        return False
    return codes.level_of(user.region_id) in (Level.CITY, Level.PROVINCE) and user.may_see(
        centre.region_id
    )


def may_revoke(user: User, centre: Centre) -> bool:
    """Officials of the centre's jurisdiction (any level above it) revoke."""
    return user.is_authenticated and user.is_official and user.may_see(centre.region_id)


def _refuse_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise Refused(message)


# --- The assessment workflow -------------------------------------------------


def standard_for_year(year: int) -> Standard:
    """The latest version of the newest standard in force in that year."""
    standard = Standard.objects.filter(year__lte=year).order_by("-year", "-version").first()
    if standard is None:
        raise Refused(_("No standard exists for %(year)d.") % {"year": year})
    return standard


@transaction.atomic
def assessment_create(*, centre: Centre, by: User, year: int | None = None) -> Assessment:
    """Start a self-assessment (draft) of the centre for the year."""
    _visible_or_404(by, centre)
    _refuse_unless(
        may_self_assess(by, centre), _("Only staff of this centre may start its self-assessment.")
    )
    year = year or this_year()
    if not centre_is_eligible(centre):
        raise Refused(
            _("This centre is not eligible: only county and township centres are assessed.")
        )
    if Assessment.objects.filter(centre=centre, year=year).exclude(
        status=Status.APPROVED
    ).exists():
        raise Refused(_("An assessment of this centre for this year is in progress."))
    assessment = Assessment.objects.create(
        centre=centre,
        region_id=centre.region_id,
        year=year,
        standard=standard_for_year(year),
        created_by=by,
    )
    _event(assessment, action=Action.CREATED, from_status="", by=by)
    return assessment


@dataclass(frozen=True)
class ScoreInput:
    item: StandardItem
    points: Decimal
    note: str = ""
    evidence: UploadedFile | None = None


@transaction.atomic
def assessment_scores_save(
    *, assessment: Assessment, scores: Sequence[ScoreInput], by: User
) -> Assessment:
    """Record the centre's own points per indicator (draft only)."""
    assessment = _begin(
        assessment, by=by, may=may_self_assess, state=Status.DRAFT,
        refusal=_("Only staff of this centre may score its self-assessment."),
    )
    existing = {s.item_id: s for s in assessment.scores.all()}
    for score in scores:
        if score.item.dimension.standard_id != assessment.standard_id:
            raise Refused(_("This indicator belongs to another standard."))
        if not Decimal(0) <= score.points <= score.item.max_points:
            raise Refused(
                _("Points for %(item)s must lie between 0 and %(max)s.")
                % {"item": score.item.number, "max": score.item.max_points}
            )
        row = existing.get(score.item.pk) or AssessmentScore(assessment=assessment, item=score.item)
        row.points = score.points.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        row.note = score.note
        if score.evidence is not None:
            row.evidence = score.evidence
        try:
            row.full_clean(exclude=["assessment", "item"])
        except ValidationError as exc:
            raise Refused(" ".join(exc.messages)) from exc
        row.save()
    _event(assessment, action=Action.SCORED, from_status=assessment.status, by=by)
    return assessment


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by: User) -> Assessment:
    """draft → submitted: the centre sends its self-assessment up for review."""
    assessment = _begin(
        assessment, by=by, may=may_self_assess, state=Status.DRAFT,
        refusal=_("Only staff of this centre may submit its self-assessment."),
    )
    items = StandardItem.objects.filter(dimension__standard=assessment.standard).count()
    if assessment.scores.count() < items:
        raise Refused(_("Score every indicator before submitting."))
    return _move(assessment, to=Status.SUBMITTED, action=Action.SUBMITTED, by=by)


@transaction.atomic
def assessment_return(*, assessment: Assessment, by: User, comment: str) -> Assessment:
    """submitted → draft: the next level up sends it back with comments."""
    assessment = _begin(
        assessment, by=by, may=may_review, state=Status.SUBMITTED,
        refusal=_("Only the next level up may review this assessment."),
    )
    comment = comment.strip()
    if not comment:
        raise Refused(_("Say what needs to change when returning an assessment."))
    return _move(
        assessment, to=Status.DRAFT, action=Action.RETURNED, by=by, note=comment,
        review_comment=comment,
    )


@transaction.atomic
def assessment_forward(*, assessment: Assessment, by: User, comment: str = "") -> Assessment:
    """submitted → forwarded: the next level up passes it on for approval."""
    assessment = _begin(
        assessment, by=by, may=may_review, state=Status.SUBMITTED,
        refusal=_("Only the next level up may review this assessment."),
    )
    comment = comment.strip()
    return _move(
        assessment, to=Status.FORWARDED, action=Action.FORWARDED, by=by, note=comment,
        review_comment=comment,
    )


@dataclass(frozen=True)
class AssessmentResult:
    total: Decimal
    by_dimension: dict[str, Decimal]
    passed: bool


def assessment_result(assessment: Assessment) -> AssessmentResult:
    """The total, the points per dimension and whether it passes (mark and every floor)."""
    dimensions = list(assessment.standard.dimensions.all())
    # Summed here in Decimal: SQLite sums decimals as floats.
    sums: dict[int, Decimal] = {}
    for dimension_id, points in assessment.scores.values_list("item__dimension_id", "points"):
        sums[dimension_id] = sums.get(dimension_id, Decimal(0)) + points
    by_dimension = {d.code: sums.get(d.pk, Decimal(0)) for d in dimensions}
    total = sum(by_dimension.values(), Decimal(0))
    passed = total >= assessment.standard.pass_mark and all(
        by_dimension[d.code] >= d.floor for d in dimensions
    )
    return AssessmentResult(total=total, by_dimension=by_dimension, passed=passed)


def _grade_of(approver: User) -> str:
    level = codes.level_of(approver.region_id) if approver.region_id else None
    return Designation.Grade.PROVINCIAL if level == Level.PROVINCE else Designation.Grade.CITY


@transaction.atomic
def assessment_approve(*, assessment: Assessment, by: User, note: str = "") -> Assessment:
    """forwarded → approved: the score is computed; a pass names the centre."""
    assessment = _begin(
        assessment, by=by, may=may_approve, state=Status.FORWARDED,
        refusal=_("Only a city or provincial official may approve assessments."),
    )
    if not centre_is_eligible(assessment.centre):
        raise Refused(_("This centre is no longer eligible for designation."))
    result = assessment_result(assessment)
    _move(
        assessment, to=Status.APPROVED, action=Action.APPROVED, by=by, note=note,
        score=result.total, passed=result.passed, decided_at=timezone.now(),
    )
    if result.passed:
        _designation, created = Designation.objects.get_or_create(
            centre=assessment.centre,
            year=assessment.year,
            defaults={
                "region_id": assessment.centre.region_id,
                "grade": _grade_of(by),
                "source": Designation.Source.ASSESSMENT,
                "assessment": assessment,
            },
        )
        if created:
            targets_recompute_on_commit(years=[assessment.year])
    return assessment


# --- Designations --------------------------------------------------------------


@transaction.atomic
def designation_revoke(
    *, designation: Designation, by: User, reason: str, on: datetime.date | None = None
) -> Designation:
    """摘牌: the designation stops counting from the year of `on` (default today)."""
    designation = Designation.objects.select_for_update().select_related("centre").get(
        pk=designation.pk
    )
    _visible_or_404(by, designation.centre)
    _refuse_unless(
        may_revoke(by, designation.centre), _("Only an official may revoke a designation.")
    )
    if designation.revoked_on is not None:
        raise Refused(_("This designation is already revoked."))
    if not reason.strip():
        raise Refused(_("Give the reason for revoking the designation."))
    designation.revoked_on = on or timezone.localdate()
    designation.revoke_reason = reason.strip()
    designation.revoked_by = by
    designation.save(update_fields=["revoked_on", "revoke_reason", "revoked_by"])
    targets_recompute_on_commit(years=[designation.year, designation.revoked_on.year])
    return designation


@dataclass(frozen=True)
class DesignationRow:
    region_code: str
    year: int
    grade: str


def designation_row_parse(values: dict[str, str], *, known_centres: set[str]) -> DesignationRow:
    """One row of an `import_designations` file: `region_code,year[,grade]`."""
    code = row_code(values, "region_code")
    if code not in known_centres:
        raise RowError(
            _("region %(code)s has no centre; import it with import_centres first.")
            % {"code": code}
        )
    raw_year = values.get("year", "")
    if not raw_year.isdigit() or not 2000 <= int(raw_year) <= 2100:
        raise RowError(_("year “%(value)s” is not a year (2000 or later).") % {"value": raw_year})
    grade = values.get("grade", "") or Designation.Grade.NATIONAL
    if grade not in Designation.Grade.values:
        raise RowError(
            _("grade “%(value)s” is not one of national, provincial, city.") % {"value": grade}
        )
    return DesignationRow(region_code=code, year=int(raw_year), grade=grade)


@transaction.atomic
def designations_import(*, rows: Iterable[DesignationRow]) -> int:
    """Upsert designations from an official list; the same file twice changes nothing."""
    rows = list(rows)
    centres = dict(
        Centre.objects.filter(region_id__in={r.region_code for r in rows}).values_list(
            "region_id", "pk"
        )
    )
    Designation.objects.bulk_create(
        [
            Designation(
                centre_id=centres[r.region_code],
                region_id=r.region_code,
                year=r.year,
                grade=r.grade,
                source=Designation.Source.IMPORTED,
            )
            for r in rows
        ],
        update_conflicts=True,
        unique_fields=["centre", "year"],
        update_fields=["grade"],
        batch_size=2000,
    )
    if rows:
        targets_recompute_on_commit(years=[min(r.year for r in rows)])
    return len(rows)


# --- Target snapshots ------------------------------------------------------------


def targets_recompute_on_commit(*, years: Iterable[int]) -> None:
    """After the designation change commits, recompute the affected years.

    The current year always; a past year only if it already has snapshots (its
    figures changed and somebody looks at them), so today's row tells the new story.
    """
    current = this_year()
    earliest = min([*years, current])
    past = set(
        TargetSnapshot.objects.filter(year__gte=earliest, year__lt=current)
        .values_list("year", flat=True)
        .distinct()
    )
    for year in sorted({current, *past}):
        # Through the outbox: a broker that is down cannot fail the committed change.
        outbox_enqueue(task="demonstration.target_snapshot_recompute", args=[year])


@transaction.atomic
def target_snapshots_recompute(*, year: int | None = None) -> list[TargetSnapshot]:
    """Store today's figures of every model region for the year (idempotent per day)."""
    year = year or this_year()
    now = timezone.now()
    today = timezone.localdate(now)
    snapshots = [
        TargetSnapshot(
            region=f.region,
            year=year,
            date=today,
            computed_at=now,
            total=f.total,
            demonstration=f.demonstration,
            meets_target=f.meets_target,
            shortfall=f.shortfall,
        )
        for f in targets_compute(year=year)
    ]
    # Regions no longer model regions for the year drop out of today's snapshot.
    TargetSnapshot.objects.filter(year=year, date=today).exclude(
        region_id__in=[s.region_id for s in snapshots]
    ).delete()
    TargetSnapshot.objects.bulk_create(
        snapshots,
        update_conflicts=True,
        unique_fields=["region", "year", "date"],
        update_fields=["computed_at", "total", "demonstration", "meets_target", "shortfall"],
        batch_size=2000,
    )
    return snapshots
