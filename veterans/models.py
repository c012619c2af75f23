"""The veteran registry and the visit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Region, User, jurisdiction_q


class VeteranQuerySet(models.QuerySet["Veteran"]):
    def visible_to(self, user: User) -> VeteranQuerySet:
        return self.filter(jurisdiction_q(user, "region"))


class VeteranSex(models.TextChoices):
    MALE = "M", _("male")
    FEMALE = "F", _("female")


class Veteran(models.Model):
    Sex = VeteranSex

    class DischargeKind(models.TextChoices):
        DISCHARGED = "discharged", _("discharged")
        TRANSFERRED = "transferred", _("transferred to civilian work")
        DEMOBILIZED = "demobilized", _("demobilized")
        RETIRED = "retired", _("retired")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=50)  # indexed first in veteran_name_birth
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number = models.CharField(_("resident ID number"), max_length=18, unique=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    region = models.ForeignKey(
        Region,
        verbose_name=_("home region"),
        on_delete=models.PROTECT,
        related_name="veterans",
        help_text=_("The village or township where the veteran lives."),
        db_index=False,  # veteran_region_name serves the code ranges and the list order
    )
    discharge_year = models.PositiveSmallIntegerField(_("discharge year"), null=True, blank=True)
    discharge_kind = models.CharField(
        _("discharge kind"), max_length=12, choices=DischargeKind.choices, blank=True
    )
    is_disabled = models.BooleanField(_("disabled veteran"), default=False)
    is_martyr_family = models.BooleanField(_("martyr's family"), default=False)
    needs_assistance = models.BooleanField(_("needs assistance"), default=False)
    is_party_secretary = models.BooleanField(_("veteran village party secretary"), default=False)
    is_volunteer = models.BooleanField(_("volunteer team member"), default=False)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VeteranQuerySet.as_manager()

    class Meta:
        verbose_name = _("veteran")
        verbose_name_plural = _("veterans")
        ordering = ["region_id", "name"]
        indexes = [
            models.Index(fields=["name", "birth_date"], name="veteran_name_birth"),
            models.Index(fields=["region", "name"], name="veteran_region_name"),
            # Name search from one character: a prefix (LIKE '王%') on PostgreSQL; infix
            # searches of 3+ characters use the trigram index of migration 0006.
            models.Index(fields=["name"], opclasses=["varchar_pattern_ops"],
                         name="veteran_name_prefix"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(id_number__regex=r"^[0-9]{17}[0-9X]$"), name="veteran_id_number_form"
            ),
            models.CheckConstraint(
                condition=Q(sex__in=VeteranSex.values), name="veteran_sex_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        from veterans.idnumbers import mask_id_number

        return mask_id_number(self.id_number)


class VisitQuerySet(models.QuerySet["Visit"]):
    def visible_to(self, user: User) -> VisitQuerySet:
        return self.filter(jurisdiction_q(user, "region"))


class VisitChannel(models.TextChoices):
    IN_PERSON = "in_person", _("in person")
    PHONE = "phone", _("phone")
    ONLINE = "online", _("online")
    HOME_VISIT = "home_visit", _("home visit")


class VisitPurpose(models.TextChoices):
    POLICY = "policy", _("policy consultation")
    EMPLOYMENT = "employment", _("employment and entrepreneurship")
    ASSISTANCE = "assistance", _("assistance")
    RIGHTS = "rights", _("rights and disputes")
    CARD = "card", _("preferential treatment card")
    COUNSELLING = "counselling", _("psychological counselling")
    HONOURS = "honours", _("honours and care")
    OTHER = "other", _("other")


class Visit(models.Model):
    Channel = VisitChannel
    Purpose = VisitPurpose

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("answered on the spot")
        REFERRED = "referred", _("referred")
        CASE_OPENED = "case_opened", _("case opened")

    veteran = models.ForeignKey(
        Veteran, verbose_name=_("veteran"), on_delete=models.PROTECT, related_name="visits"
    )
    # The centre and the region are indexed only as the first column of
    # visit_centre_time and visit_region_time: a key's own index (and, for the
    # varchar region code, its LIKE twin) would cost every visit more writes.
    centre = models.ForeignKey(
        Centre,
        verbose_name=_("centre"),
        on_delete=models.PROTECT,
        related_name="visits",
        db_index=False,
    )
    # The centre's region code, copied when the visit is logged (a centre never
    # changes region): scoping and rollups range-scan this column with no join.
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    summary = models.TextField(_("summary"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.ANSWERED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="visits_recorded",
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at"]
        indexes = [
            models.Index(fields=["region", "visited_at"], name="visit_region_time"),
            models.Index(fields=["centre", "visited_at"], name="visit_centre_time"),
            # The dashboards' rollups recompute whole days of visits, and their
            # refresh finds the visits logged since its watermark.
            models.Index(fields=["visited_at"], name="visit_time"),
            models.Index(fields=["created_at"], name="visit_logged_time"),
        ]
        constraints = [
            # A retried request with the same key never makes a second visit.
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="visit_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=VisitChannel.values),
                name="visit_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=VisitPurpose.values),
                name="visit_purpose_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.veteran} @ {self.centre} {self.visited_at:%Y-%m-%d}"


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("audit entries are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("audit entries are append-only")

    def for_object(self, obj: models.Model) -> AuditEntryQuerySet:
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class AuditEntry(models.Model):
    """Who did what to which record, and when (审计日志). Never changed or deleted."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        VIEW_ID_NUMBER = "view_id_number", _("viewed the full ID number")
        EXPORT = "export", _("exported")
        IMPORT = "import", _("imported")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("audit entries are append-only")


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def visible_to(self, user: User) -> ImportJobQuerySet:
        """A job is seen in the jurisdiction of the one who started it: by them,
        their colleagues and the levels above (a nationwide job, nationwide only)."""
        return self.filter(jurisdiction_q(user, "region"))


class ImportMode(models.TextChoices):
    ALL = "all", _("all or nothing")
    VALID = "valid", _("import the valid rows")


class ImportJob(models.Model):
    """One upload of the registry from Excel or CSV, run by a Celery task."""

    Mode = ImportMode

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="veteran_imports",
    )
    # The starter's jurisdiction, copied: it scopes who sees the job and its report.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ALL)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [[row, column, problem], ...]: the per-row report, capped (see imports.ERRORS_KEPT).
    errors = models.JSONField(_("error report"), default=list, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("veteran import")
        verbose_name_plural = _("veteran imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(mode__in=ImportMode.values), name="import_mode_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
