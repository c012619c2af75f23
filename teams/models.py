"""Social forces: the 兵支书 roster, veteran volunteer and shock teams, service records.

Every row that users reach carries a region code (the village of a cadre, the
region of a team's centre), so scoping is a range on its own column, as
everywhere else. A service record counts only once confirmed by staff of the
team's centre or above (谁记录谁证明), and a confirmed record is never changed:
a correction is a new record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Region, jurisdiction_q
from veterans.models import Veteran


class Post(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("veteran village party secretary")
    COMMITTEE_MEMBER = "committee_member", _("veteran village committee member")
    RESERVE = "reserve", _("reserve pool")


class VillageCadreQuerySet(models.QuerySet["VillageCadre"]):
    def visible_to(self, user: Any) -> VillageCadreQuerySet:
        return self.filter(jurisdiction_q(user, "village"))

    def current(self) -> VillageCadreQuerySet:
        return self.filter(until__isnull=True)


class VillageCadre(models.Model):
    """A veteran holding a post in a village (选、育、用、管), from `since` until `until`."""

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+",
        db_index=False,  # cadre_village_post serves the code ranges
    )
    veteran = models.ForeignKey(
        Veteran, verbose_name=_("veteran"), on_delete=models.PROTECT, related_name="cadre_posts"
    )
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    since = models.DateField(_("since"))
    until = models.DateField(_("term ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = VillageCadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("village cadre")
        verbose_name_plural = _("village cadres")
        ordering = ["village_id", "post", "-since"]
        indexes = [
            # the roster and stats/teams: a subtree's current posts
            models.Index(fields=["village", "post", "until"], name="cadre_village_post"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(post="party_secretary", until__isnull=True),
                name="cadre_one_current_party_secretary",
            ),
            models.UniqueConstraint(
                fields=["village", "veteran", "post"],
                condition=Q(until__isnull=True),
                name="cadre_one_current_post_per_person",
            ),
            models.CheckConstraint(
                condition=Q(post__in=Post.values),
                name="cadre_post_valid",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="cadre_term_ends_after_it_began",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.veteran} · {self.get_post_display()}"

    @property
    def is_current(self) -> bool:
        return self.until is None


class CadreTraining(models.Model):
    """A training course a cadre attended (育)."""

    cadre = models.ForeignKey(
        VillageCadre, verbose_name=_("village cadre"), on_delete=models.CASCADE,
        related_name="trainings",
    )
    date = models.DateField(_("date"))
    course = models.CharField(_("course"), max_length=200)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.course}"


class AssessmentGrade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    COMPETENT = "competent", _("competent")
    BASIC = "basic", _("basically competent")
    INCOMPETENT = "incompetent", _("incompetent")


class CadreAssessment(models.Model):
    """The yearly assessment of a cadre (管)."""

    cadre = models.ForeignKey(
        VillageCadre, verbose_name=_("village cadre"), on_delete=models.CASCADE,
        related_name="assessments",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    grade = models.CharField(_("assessment grade"), max_length=12,
                             choices=AssessmentGrade.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("yearly assessment")
        verbose_name_plural = _("yearly assessments")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "year"], name="cadre_assessment_once_a_year"),
            models.CheckConstraint(
                condition=Q(grade__in=AssessmentGrade.values), name="cadre_assessment_grade_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_grade_display()}"


class TeamQuerySet(models.QuerySet["Team"]):
    def visible_to(self, user: Any) -> TeamQuerySet:
        return self.filter(jurisdiction_q(user, "region"))


class Team(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _("volunteer service team")
        SHOCK = "shock", _("shock team")

    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.PROTECT, related_name="teams"
    )
    # The centre's region code, copied (a centre never changes region): scoping and
    # stats/teams range-scan it with no join.
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = TeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["region_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "name"], name="team_name_unique_per_centre"),
            models.CheckConstraint(
                condition=Q(kind__in=["volunteer", "shock"]), name="team_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceGroupKind(models.TextChoices):
    POLICY = "policy", _("policy advice")
    JOBS = "jobs", _("jobs and entrepreneurship")
    ASSISTANCE = "assistance", _("assistance")
    COUNSELLING = "counselling", _("psychological counselling")
    LEGAL = "legal", _("legal aid")
    MEDICAL = "medical", _("medical care")
    CULTURE = "culture", _("culture and publicity")


class ServiceGroup(models.Model):
    """A service group (服务小组) inside a volunteer team."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="groups"
    )
    kind = models.CharField(_("service group"), max_length=12, choices=ServiceGroupKind.choices)

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["team_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["team", "kind"], name="service_group_once_per_team"),
            models.CheckConstraint(
                condition=Q(kind__in=ServiceGroupKind.values), name="service_group_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class TeamMember(models.Model):
    class Role(models.TextChoices):
        CAPTAIN = "captain", _("captain")
        VICE_CAPTAIN = "vice_captain", _("vice captain")
        MEMBER = "member", _("member")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    veteran = models.ForeignKey(
        Veteran, verbose_name=_("veteran"), on_delete=models.PROTECT, related_name="team_posts"
    )
    role = models.CharField(_("role in the team"), max_length=12, choices=Role.choices,
                            default=Role.MEMBER)
    group = models.ForeignKey(
        ServiceGroup, verbose_name=_("service group"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="members",
    )
    # Printed on certificates instead of the ID number.
    volunteer_number = models.CharField(_("volunteer number"), max_length=30, unique=True)
    joined = models.DateField(_("joined"))
    left = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "left", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "veteran"], condition=Q(left__isnull=True),
                name="team_member_once_current",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["captain", "vice_captain", "member"]),
                name="team_member_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(left__isnull=True) | Q(left__gte=models.F("joined")),
                name="team_member_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.veteran} · {self.team}"

    @property
    def is_current(self) -> bool:
        return self.left is None


class ServiceRecordQuerySet(models.QuerySet["ServiceRecord"]):
    def visible_to(self, user: Any) -> ServiceRecordQuerySet:
        return self.filter(jurisdiction_q(user, "region"))

    def confirmed(self) -> ServiceRecordQuerySet:
        return self.filter(status=ServiceRecord.Status.CONFIRMED)

    def update(self, **kwargs: Any) -> int:
        """Bulk updates never reach a confirmed record."""
        return super(ServiceRecordQuerySet, self.exclude(status="confirmed")).update(**kwargs)


class ServiceRecord(models.Model):
    """Hours of volunteer service (志愿服务记录): pending until confirmed, then never changed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending confirmation")
        CONFIRMED = "confirmed", _("confirmed")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="records"
    )
    region = models.ForeignKey(  # the team's region code, copied
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+",
        db_index=False,  # service_record_region_date serves the code ranges
    )
    veteran = models.ForeignKey(
        Veteran, verbose_name=_("veteran"), on_delete=models.PROTECT,
        related_name="service_records",
    )
    group = models.ForeignKey(
        ServiceGroup, verbose_name=_("service group"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=3, decimal_places=1)
    activity = models.CharField(_("activity"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    corrects = models.ForeignKey(
        "self", verbose_name=_("corrects"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="corrections",
    )
    call_up = models.ForeignKey(
        "CallUp", verbose_name=_("call-up"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="records",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-id"]
        indexes = [
            # lists and stats/teams: a subtree's records by date
            models.Index(fields=["region", "date"], name="service_record_region_date"),
            # a team's page and its hours
            models.Index(fields=["team", "status"], name="service_record_team_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24), name="service_record_hours_in_a_day"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", confirmed_at__isnull=True)
                | Q(status="confirmed", confirmed_at__isnull=False),
                name="service_record_confirmed_has_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.veteran} {self.date} {self.hours}h"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A confirmed record is never changed: a correction is a new record.
        if getattr(self, "_stored_status", None) == self.Status.CONFIRMED:
            raise TypeError("a confirmed service record is never changed")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == self.Status.CONFIRMED:
            raise TypeError("a confirmed service record is never deleted")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> ServiceRecord:
        record = super().from_db(db, field_names, values)
        record._stored_status = record.status
        return record


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def visible_to(self, user: Any) -> CertificateQuerySet:
        return self.filter(jurisdiction_q(user, "region"))


class Certificate(models.Model):
    """A certificate of service hours (志愿服务证明), from confirmed records only."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    member = models.ForeignKey(
        TeamMember, verbose_name=_("team member"), on_delete=models.PROTECT,
        related_name="certificates",
    )
    centre = models.ForeignKey(
        Centre, verbose_name=_("issuing centre"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(  # the issuing centre's region code, copied
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    records = models.ManyToManyField(ServiceRecord, verbose_name=_("service records"))
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=1)
    issued_on = models.DateField(_("date of issue"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate of service")
        verbose_name_plural = _("certificates of service")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class CallUpQuerySet(models.QuerySet["CallUp"]):
    def visible_to(self, user: Any) -> CallUpQuerySet:
        return self.filter(jurisdiction_q(user, "region"))


class CallUp(models.Model):
    """A shock team's call-up (集结): task, place, time, how many, readiness tier."""

    class Tier(models.TextChoices):
        WITHIN_30_MIN = "30min", _("within 30 minutes")
        WITHIN_2_HOURS = "2h", _("within 2 hours")
        WITHIN_24_HOURS = "24h", _("within 24 hours")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, related_name="call_ups"
    )
    region = models.ForeignKey(  # the team's region code, copied
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    task = models.CharField(_("task"), max_length=200)
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("time"))
    needed = models.PositiveSmallIntegerField(_("how many"))
    tier = models.CharField(_("readiness tier"), max_length=6, choices=Tier.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    attendance_recorded = models.BooleanField(_("attendance recorded"), default=False)

    objects = CallUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("call-up")
        verbose_name_plural = _("call-ups")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(needed__gt=0), name="call_up_needs_someone"),
            models.CheckConstraint(
                condition=Q(tier__in=["30min", "2h", "24h"]), name="call_up_tier_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.starts_at:%Y-%m-%d %H:%M}"


class CallUpAnswer(models.Model):
    """A member's answer to a call-up: from their phone, or marked by staff."""

    call_up = models.ForeignKey(
        CallUp, verbose_name=_("call-up"), on_delete=models.CASCADE, related_name="answers"
    )
    member = models.ForeignKey(
        TeamMember, verbose_name=_("team member"), on_delete=models.CASCADE, related_name="+"
    )
    available = models.BooleanField(_("available"))
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)
    marked_by = models.ForeignKey(  # empty when the member answered from the link
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )

    class Meta:
        verbose_name = _("call-up answer")
        verbose_name_plural = _("call-up answers")
        constraints = [
            models.UniqueConstraint(fields=["call_up", "member"], name="call_up_answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.available}"
