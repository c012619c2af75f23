"""Reads that users see, always through the user's jurisdiction."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from centres import codes
from centres.models import Centre, Region, User, jurisdiction_q, within_q
from demonstration.models import Assessment, AssessmentScore, Designation, TargetSnapshot
from demonstration.targets import eligible_centres, in_force_exists, targets_compute


@dataclass(frozen=True)
class TargetRow:
    """One model region's figures for a year, from a snapshot or computed just now."""

    region: Region
    year: int
    total: int
    demonstration: int
    meets_target: bool
    shortfall: int
    computed_at: datetime.datetime | None

    @property
    def ratio(self) -> float | None:
        return self.demonstration / self.total if self.total else None

    @property
    def percent(self) -> int:
        return round(100 * self.demonstration / self.total) if self.total else 0


def _in_scope(user: User, region_code: str | None) -> Q:
    q = jurisdiction_q(user, "region_id")
    if region_code:
        q &= within_q(region_code, "region_id")
    return q


def target_rows(*, user: User, year: int, region_code: str | None = None) -> list[TargetRow]:
    """The model regions in the user's area (and under `region_code`) for the year.

    Served from the latest snapshot of that year; computed on the fly (not
    stored) when the year has none yet.
    """
    of_the_year = TargetSnapshot.objects.filter(year=year)
    latest = of_the_year.order_by("-date").values("date")[:1]
    snapshots = list(
        of_the_year.filter(_in_scope(user, region_code), date=Subquery(latest))
        .select_related("region")
        .order_by("region_id")
    )  # one query: the statistics API's path
    if snapshots or of_the_year.exists():
        return [
            TargetRow(
                region=s.region, year=year, total=s.total, demonstration=s.demonstration,
                meets_target=s.meets_target, shortfall=s.shortfall, computed_at=s.computed_at,
            )
            for s in snapshots
        ]
    return [
        TargetRow(
            region=f.region, year=year, total=f.total, demonstration=f.demonstration,
            meets_target=f.meets_target, shortfall=f.shortfall, computed_at=None,
        )
        for f in targets_compute(year=year)
        if user.may_see(f.region.code)
        and (not region_code or codes.is_within(f.region.code, region_code))
    ]


@dataclass(frozen=True)
class TargetSummary:
    """The 60% target over the model regions in an area: each eligible centre counted
    once, however many model regions contain it (a model county inside a model city)."""

    year: int
    model_regions: int
    meeting: int
    demonstration: int
    total: int

    @property
    def ratio(self) -> float | None:
        return self.demonstration / self.total if self.total else None

    @property
    def short(self) -> int:
        return self.model_regions - self.meeting


def target_summary_of(rows: list[TargetRow], *, year: int) -> TargetSummary:
    """Sum the outermost model regions only: subtrees are code ranges, so two model
    regions are nested or apart, and the outermost ones hold every eligible centre of
    the others exactly once."""
    model_codes = {row.region.code for row in rows}
    outermost = [
        row for row in rows
        if not any(code in model_codes for code in codes.ancestor_candidates(row.region.code))
    ]
    return TargetSummary(
        year=year,
        model_regions=len(rows),
        meeting=sum(1 for row in rows if row.meets_target),
        demonstration=sum(row.demonstration for row in outermost),
        total=sum(row.total for row in outermost),
    )


def target_summary(*, user: User, region: Region | None, year: int) -> TargetSummary:
    """The target summary of the model regions in the region's subtree (itself
    included; None: the user's whole area)."""
    rows = target_rows(user=user, year=year, region_code=region.code if region else None)
    return target_summary_of(rows, year=year)


def targets_short_count(*, user: User, year: int) -> int:
    """How many model regions in the user's area are below target (latest snapshot)."""
    latest = TargetSnapshot.objects.filter(year=year).values("date").order_by("-date")[:1]
    return TargetSnapshot.objects.filter(
        jurisdiction_q(user, "region_id"), year=year, date=Subquery(latest), meets_target=False
    ).count()


@dataclass(frozen=True)
class Candidate:
    centre: Centre
    latest_score: Decimal | None


def target_candidates(
    *, rows: list[TargetRow], year: int, per_region: int = 10
) -> dict[str, list[Candidate]]:
    """For each short region: eligible centres without a designation in force, best
    latest approved assessment score first (never assessed last). One query."""
    short = [row.region for row in rows if not row.meets_target and row.total > 0]
    if not short:
        return {}
    latest_score = (
        Assessment.objects.filter(centre=OuterRef("pk"), status=Assessment.Status.APPROVED)
        .order_by("-decided_at", "-id")
        .values("score")[:1]
    )
    centres = (
        eligible_centres()
        .filter(reduce(or_, [within_q(r.code, "region_id") for r in short]))
        .exclude(in_force_exists(year))
        .annotate(latest_score=Subquery(latest_score))
        .select_related("region")
        .order_by(F("latest_score").desc(nulls_last=True), "region_id")
    )
    found: dict[str, list[Candidate]] = defaultdict(list)
    # A city and one of its counties may both be short: a centre is a candidate of both.
    for centre in centres:
        for region in short:
            if region.contains(centre.region_id) and len(found[region.code]) < per_region:
                found[region.code].append(
                    Candidate(centre=centre, latest_score=centre.latest_score)
                )
    return dict(found)


# --- Assessments ------------------------------------------------------------------


def assessment_get_for_user(*, user: User, pk: int) -> Assessment:
    assessment = (
        Assessment.objects.visible_to(user)
        .select_related("centre__region", "standard", "created_by")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


def assessments_of_own_centre(*, user: User) -> QuerySet[Assessment]:
    """The assessments of the centre the user works at (staff only)."""
    if not user.is_staff_member or user.region_id is None:
        return Assessment.objects.none()
    return (
        Assessment.objects.visible_to(user)
        .filter(region_id=user.region_id)
        .select_related("centre", "standard")
    )


def assessments_to_review(*, user: User) -> QuerySet[Assessment]:
    """Submitted assessments of the centres one level below the user."""
    if user.region_id is None:
        return Assessment.objects.none()
    return (
        Assessment.objects.visible_to(user)
        .filter(status=Assessment.Status.SUBMITTED, centre__region__parent_id=user.region_id)
        .select_related("centre__region", "standard")
        .order_by("created_at")
    )


def assessments_to_approve(*, user: User) -> QuerySet[Assessment]:
    """Forwarded assessments in a city or provincial official's area."""
    if not user.is_official or user.region_id is None:
        return Assessment.objects.none()
    if codes.level_of(user.region_id) not in ("city", "province"):
        return Assessment.objects.none()
    return (
        Assessment.objects.visible_to(user)
        .filter(status=Assessment.Status.FORWARDED)
        .select_related("centre__region", "standard")
        .order_by("created_at")
    )


def score_with_evidence_get_for_user(*, user: User, pk: int) -> AssessmentScore:
    """A score whose evidence file the user may download: the assessment is in their area."""
    score = (
        AssessmentScore.objects.filter(
            jurisdiction_q(user, "assessment__region_id"), pk=pk
        )
        .exclude(evidence="")
        .select_related("item")
        .first()
    )
    if score is None:
        raise Http404
    return score


def designation_get_for_user(*, user: User, pk: int) -> Designation:
    designation = (
        Designation.objects.visible_to(user).select_related("centre__region").filter(pk=pk).first()
    )
    if designation is None:
        raise Http404
    return designation


@dataclass(frozen=True)
class RatingHistory:
    assessments: list[Assessment]
    designations: list[Designation]


def centre_rating_history(*, user: User, centre: Centre) -> RatingHistory:
    """A centre's assessments and designations, newest first (two queries)."""
    return RatingHistory(
        assessments=list(
            Assessment.objects.visible_to(user).filter(centre=centre).select_related("standard")
        ),
        designations=list(
            Designation.objects.visible_to(user).filter(centre=centre).order_by("-year")
        ),
    )
