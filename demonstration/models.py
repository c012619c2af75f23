"""Demonstration centres (示范型退役军人服务中心（站）) and the 60% target.

The rubric is data: a `Standard` per year (and version) holds the five "home"
dimensions, each with its items, maximum points and a floor. A centre's
`Assessment` is scored against one standard and moves through the workflow in
`services.py`; an approved passing assessment, or an imported official list,
makes a `Designation`. `TargetSnapshot` rows keep each day's target figures so
that a number shown last month can be shown again.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Region, User, jurisdiction_q

EVIDENCE_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx"]


def evidence_size_validate(file: UploadedFile | Any) -> None:
    limit = int(getattr(settings, "DEMONSTRATION_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024))
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The evidence file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)},
            code="file_too_large",
        )


def evidence_path(instance: Any, filename: str) -> str:
    """A random name under MEDIA_ROOT: files are served only through the scoped view."""
    suffix = Path(filename).suffix.lower()[:10]
    return f"demonstration/evidence/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Dimension(models.TextChoices):
    ENVIRONMENT = "environment", _("environment")
    DUTY = "duty", _("duty")
    COMFORT = "comfort", _("comfort")
    CARE = "care", _("care")
    CAPABILITY = "capability", _("capability")


class Standard(models.Model):
    """The rating rubric (创建标准) of one year; a new version replaces an older one."""

    year = models.PositiveSmallIntegerField(_("year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    pass_mark = models.DecimalField(
        _("pass mark"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("85"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("An assessment at or above this total passes (every floor met too)."),
    )

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="standard_year_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.year} v{self.version}）"


class StandardDimension(models.Model):
    """One of the five "home" dimensions of a standard, with its floor."""

    standard = models.ForeignKey(
        Standard, verbose_name=_("standard"), on_delete=models.CASCADE, related_name="dimensions"
    )
    code = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    floor = models.DecimalField(
        _("floor"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("A passing assessment scores at least this much in this dimension."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        ordering = ["standard", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["standard", "code"], name="dimension_once_per_standard"
            ),
            models.CheckConstraint(
                condition=Q(code__in=Dimension.values), name="dimension_code_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.standard} · {self.get_code_display()}"


class StandardItem(models.Model):
    """One scored indicator (指标) of a dimension."""

    dimension = models.ForeignKey(
        StandardDimension, verbose_name=_("dimension"), on_delete=models.CASCADE,
        related_name="items",
    )
    number = models.CharField(_("number"), max_length=10)
    text = models.CharField(_("indicator"), max_length=300)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=5, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"))],
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["dimension__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dimension", "number"], name="item_number_unique"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="item_max_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def visible_to(self, user: User) -> AssessmentQuerySet:
        return self.filter(jurisdiction_q(user, "region_id"))


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    FORWARDED = "forwarded", _("reviewed, awaiting approval")
    APPROVED = "approved", _("approved")


class Assessment(models.Model):
    """A centre's assessment (评估): self-assessment, review, approval."""

    Status = AssessmentStatus

    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="assessments"
    )
    # The centre's region code, copied when the row is created (a centre never
    # changes region): scoping by jurisdiction is a range on this column, no join.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    standard = models.ForeignKey(
        Standard, verbose_name=_("standard"), on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    decided_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One assessment in progress per centre and year; after approval a new one may start.
            models.UniqueConstraint(
                fields=["centre", "year"],
                condition=~Q(status=AssessmentStatus.APPROVED),
                name="assessment_one_open_per_centre_year",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values),
                name="assessment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="approved", score__isnull=False, passed__isnull=False)
                | (~Q(status="approved") & Q(passed__isnull=True)),
                name="assessment_result_when_approved",
            ),
        ]
        indexes = [
            models.Index(
                fields=["centre", "status", "decided_at"], name="assessment_centre_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.centre} · {self.year} · {self.get_status_display()}"


class AssessmentScore(models.Model):
    """The points a centre gives itself on one indicator, with a note and evidence."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        StandardItem, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))]
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(
        _("evidence"),
        upload_to=evidence_path,
        blank=True,
        validators=[FileExtensionValidator(EVIDENCE_EXTENSIONS), evidence_size_validate],
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assessment", "item__dimension__order", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="score_once_per_item"),
            models.CheckConstraint(
                condition=Q(points__gte=0), name="score_points_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.number}: {self.points}"


class AssessmentEvent(models.Model):
    """Append-only history of an assessment: who did what, when, from which state."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        SCORED = "scored", _("scores saved")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        FORWARDED = "forwarded", _("forwarded")
        APPROVED = "approved", _("approved")

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("assessment"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("assessment event")
        verbose_name_plural = _("assessment events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"


class DesignationQuerySet(models.QuerySet["Designation"]):
    def visible_to(self, user: User) -> DesignationQuerySet:
        return self.filter(jurisdiction_q(user, "region_id"))

    def in_force(self, year: int) -> DesignationQuerySet:
        return self.filter(in_force_q(year))


def in_force_q(year: int, prefix: str = "") -> Q:
    """In force during year Y: named in Y or before, and not revoked before Y ended.

    A designation revoked on any day of Y is not counted for Y (revoked_on.year
    > Y, i.e. revoked_on after 31 December of Y, keeps it in force for Y).
    """
    end = f"{year}-12-31"
    return Q(**{f"{prefix}year__lte": year}) & (
        Q(**{f"{prefix}revoked_on__isnull": True}) | Q(**{f"{prefix}revoked_on__gt": end})
    )


class DesignationGrade(models.TextChoices):
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    CITY = "city", _("city")


class DesignationSource(models.TextChoices):
    ASSESSMENT = "assessment", _("assessment")
    IMPORTED = "imported", _("imported list")


class Designation(models.Model):
    """A centre named a demonstration centre (命名), from an assessment or an official list."""

    Grade = DesignationGrade

    Source = DesignationSource

    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="designations"
    )
    # The centre's region code, copied when the row is created (a centre never
    # changes region): scoping by jurisdiction is a range on this column, no join.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+",
        editable=False,
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    assessment = models.OneToOneField(
        Assessment, verbose_name=_("assessment"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="designation",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )

    objects = DesignationQuerySet.as_manager()

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "year"], name="designation_once_per_year"),
            models.CheckConstraint(
                condition=Q(grade__in=DesignationGrade.values),
                name="designation_grade_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=DesignationSource.values),
                name="designation_source_valid",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | ~Q(revoke_reason=""),
                name="designation_revocation_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["centre", "year"], name="designation_centre_year")]

    def __str__(self) -> str:
        return f"{self.centre} · {self.year} · {self.get_grade_display()}"

    def in_force_in(self, year: int) -> bool:
        return self.year <= year and (self.revoked_on is None or self.revoked_on.year > year)


class TargetSnapshotQuerySet(models.QuerySet["TargetSnapshot"]):
    def visible_to(self, user: User) -> TargetSnapshotQuerySet:
        return self.filter(jurisdiction_q(user, "region_id"))


class TargetSnapshot(models.Model):
    """The target figures of one model region for one year, as computed on one day."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    date = models.DateField(_("date"))
    computed_at = models.DateTimeField(_("computed at"))
    total = models.PositiveIntegerField(_("eligible centres"))
    demonstration = models.PositiveIntegerField(_("demonstration centres"))
    meets_target = models.BooleanField(_("meets the target"))
    shortfall = models.PositiveIntegerField(_("shortfall"))

    objects = TargetSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["-date", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year", "date"], name="snapshot_once_per_region_year_day"
            ),
            models.CheckConstraint(
                condition=Q(demonstration__lte=models.F("total")),
                name="snapshot_demonstration_within_total",
            ),
        ]
        indexes = [models.Index(fields=["year", "date"], name="snapshot_year_date")]

    def __str__(self) -> str:
        return f"{self.region_id} · {self.year} · {self.date}"

    @property
    def ratio(self) -> float | None:
        return self.demonstration / self.total if self.total else None
