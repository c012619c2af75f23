"""Dispute cases, Fengqiao style (矛盾纠纷案件): one number for life, an escalation
ladder one level at a time, petition-rule deadlines and an append-only event log.

The case copies the region code of the centre that received it
(`received_region`: statistics count there, whoever holds the case now) and of
the centre that holds it now (`region`): both are range-scanned with the one
scoping rule, with no join.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Level, Region, jurisdiction_q
from veterans.signals import CaseCategory as Category  # the one vocabulary, shared with visits


class RiskLevel(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary")
    SERIOUS = "serious", _("serious")
    MAJOR = "major", _("major")


class Status(models.TextChoices):
    OPEN = "open", _("open")
    RESOLVED = "resolved", _("resolved (awaiting follow-up)")
    CLOSED = "closed", _("closed")


class Arrival(models.TextChoices):
    """How the case reached the centre that holds it now."""

    RECEIVED = "received", _("received here")
    ESCALATED = "escalated", _("escalated")
    REFERRED_DOWN = "referred_down", _("referred down")


class MediationMethod(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("face-to-face mediation")
    HOME_VISIT = "home_visit", _("mediation on a home visit")
    JOINT = "joint", _("joint mediation")
    PHONE = "phone", _("mediation by phone")
    OTHER = "other", _("other")


class CaseCounter(models.Model):
    """The last sequence number given per (county code, year): row-locked when used."""

    county = models.CharField(_("county code"), max_length=6)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="case_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.county}-{self.year}: {self.last}"


def case_visible_q(user: Any, prefix: str = "") -> Q:
    """Cases received in the user's jurisdiction or held there now (`prefix`: the path
    to the case from another model, e.g. "case__")."""
    return jurisdiction_q(user, f"{prefix}received_region") | jurisdiction_q(
        user, f"{prefix}region"
    )


class CaseQuerySet(models.QuerySet["Case"]):
    def visible_to(self, user: Any) -> CaseQuerySet:
        return self.filter(case_visible_q(user))

    def overdue(self, now: Any = None) -> CaseQuerySet:
        """Open cases past their deadline now (the live condition, not the daily flag)."""
        return self.filter(status=Status.OPEN, deadline__lt=now or timezone.now())


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=20, unique=True, editable=False)
    county_code = models.CharField(_("county code"), max_length=6, editable=False)
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    sequence = models.PositiveIntegerField(_("sequence"), editable=False)

    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.ORDINARY
    )
    summary = models.TextField(_("summary"))
    veterans = models.ManyToManyField(
        "veterans.Veteran", verbose_name=_("veterans"), blank=True, related_name="cases"
    )
    other_parties = models.TextField(_("other parties"), blank=True)

    received_centre = models.ForeignKey(
        Centre, verbose_name=_("receiving centre"), on_delete=models.PROTECT, related_name="+"
    )
    # Region keys have no index of their own: the composite indexes below start
    # with them (a plain one and its LIKE twin would cost every insert two more).
    received_region = models.ForeignKey(
        Region,
        verbose_name=_("receiving region"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    centre = models.ForeignKey(
        Centre, verbose_name=_("holding centre"), on_delete=models.PROTECT, related_name="cases"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("holding region"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    arrival = models.CharField(
        _("arrived by"), max_length=14, choices=Arrival.choices, default=Arrival.RECEIVED
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    resolved_level = models.CharField(
        _("resolved at level"), max_length=10, choices=Level.choices, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True)

    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # When the row was written (received_at may be backdated): the rollups'
    # refresh finds new cases by it.
    created_at = models.DateTimeField(
        _("created at"), default=timezone.now, editable=False, db_index=True
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    accept_deadline = models.DateTimeField(_("accept by"))
    resolve_deadline = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # The deadline that runs now: acceptance until accepted, then resolution.
    deadline = models.DateTimeField(_("deadline"))
    extended = models.BooleanField(_("deadline extended"), default=False)
    extension_days = models.PositiveSmallIntegerField(_("extension (days)"), default=0)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    escalated_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)

    visit = models.ForeignKey(
        "veterans.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_assigned",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="cases_opened",
    )
    # The API's Idempotency-Key: a retried opening answers the first case.
    idempotency_key = models.CharField(
        _("idempotency key"), max_length=100, blank=True, editable=False
    )
    # SHA-256 of the request that opened the case: its key again with another body is refused.
    request_digest = models.CharField(
        _("request digest"), max_length=64, blank=True, editable=False
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute case")
        verbose_name_plural = _("dispute cases")
        ordering = ["-received_at", "-id"]
        indexes = [
            # Statistics: a range on the receiving region, within dates.
            models.Index(fields=["received_region", "received_at"], name="case_received_range"),
            # The dashboards' rollups recompute whole days of received cases.
            models.Index(fields=["received_at"], name="case_received_time"),
            # Queues: what a centre (or a subtree) holds, by status.
            models.Index(fields=["region", "status", "deadline"], name="case_holder_queue"),
            # The morning job: open cases by deadline.
            models.Index(
                fields=["deadline"], condition=Q(status="open"), name="case_open_deadline"
            ),
            # Overdue statistics: open cases of a receiving subtree, by deadline.
            models.Index(
                fields=["received_region", "deadline"],
                condition=Q(status="open"),
                name="case_open_received_deadline",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["county_code", "year", "sequence"], name="case_sequence_unique"
            ),
            models.UniqueConstraint(
                fields=["opened_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="case_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values), name="case_risk_level_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="case_status_valid"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="case_level_valid"),
            # Open cases have no resolved level; resolved and closed ones have one.
            models.CheckConstraint(
                condition=(Q(status="open") & Q(resolved_level=""))
                | (~Q(status="open") & Q(resolved_level__in=Level.values)),
                name="case_resolved_level_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(extension_days__lte=30), name="case_extension_at_most_30_days"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", args=[self.pk])

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_past_deadline(self) -> bool:
        return self.status == Status.OPEN and self.deadline < timezone.now()

    @property
    def status_label(self) -> str:
        """The status as the queue says it: an open case not yet accepted awaits acceptance."""
        if self.status == Status.OPEN and not self.is_accepted:
            return str(_("awaiting acceptance"))
        return str(self.get_status_display())


class EventKind(models.TextChoices):
    ACCEPT = "accept", _("accept")
    ASSIGN = "assign", _("assign")
    MEDIATE = "mediate", _("mediate")
    ESCALATE = "escalate", _("escalate")
    REFER_DOWN = "refer_down", _("refer down")
    RESOLVE = "resolve", _("resolve")
    FOLLOW_UP = "follow_up", _("follow-up visit")
    REOPEN = "reopen", _("reopen")
    EXTEND = "extend", _("extend the deadline")


class CaseEvent(models.Model):
    """One step of a case. Append-only: the database refuses updates (see 0002)."""

    Kind = EventKind

    case = models.ForeignKey(  # indexed first in case_event_case_kind
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_level = models.CharField(_("from level"), max_length=10, choices=Level.choices)
    to_level = models.CharField(_("to level"), max_length=10, choices=Level.choices)
    from_centre = models.ForeignKey(
        Centre, verbose_name=_("from centre"), on_delete=models.PROTECT, related_name="+"
    )
    to_centre = models.ForeignKey(
        Centre, verbose_name=_("to centre"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "kind", "id"], name="case_event_case_kind"),
            # The rollups' refresh reads the events since its watermark.
            models.Index(fields=["at"], name="case_event_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values),
                name="case_event_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: Any) -> NotificationQuerySet:
        """Reminders to centres in the user's jurisdiction about cases the user still sees
        (a case escalated or referred away since leaves no reminder behind)."""
        return self.filter(jurisdiction_q(user, "region"), case_visible_q(user, "case__"))


class Notification(models.Model):
    """An in-portal reminder to the holding centre about a case deadline."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("deadline in 7 days")
        DUE = "due", _("deadline reached")

    centre = models.ForeignKey(
        Centre, verbose_name=_("centre"), on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(  # indexed first in notification_region_time
        Region,
        verbose_name=_("region"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "created_at"], name="notification_region_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "deadline"], name="notification_once_per_deadline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
