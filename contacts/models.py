"""Holiday campaigns (走访慰问): a county or a higher level visits its priority veterans
around a holiday (春节, 八一, or one it defines), for a period and the groups it names."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centres import codes
from centres.models import Region, jurisdiction_q
from veterans.models import PRIORITY_FLAGS

GROUP_CHOICES = [
    ("is_disabled", _("disabled veteran")),
    ("is_martyr_family", _("martyr's family")),
    ("needs_assistance", _("needs assistance")),
    ("is_decorated", _("decorated")),
    ("took_part_in_combat", _("took part in combat or weapons tests")),
]
assert [code for code, _label in GROUP_CHOICES] == list(PRIORITY_FLAGS)


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def visible_to(self, user: Any) -> CampaignQuerySet:
        """Campaigns of the user's area, and their reports (the one scoping rule)."""
        return self.filter(jurisdiction_q(user, "region"))

    def covering(self, user: Any) -> CampaignQuerySet:
        """Campaigns whose area meets the user's: those of the user's area and those
        opened above it, which the user's station carries out (its progress only)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.region_id is None:
            return self.all()
        above = [*codes.ancestor_candidates(user.region_id), user.region_id]
        return self.filter(jurisdiction_q(user, "region") | Q(region_id__in=above))


class Campaign(models.Model):
    """One holiday campaign (走访慰问) opened by a county or a higher level."""

    class Kind(models.TextChoices):
        SPRING_FESTIVAL = "spring_festival", _("Spring Festival")
        ARMY_DAY = "army_day", _("Army Day (1 August)")
        LOCAL = "local", _("defined locally")

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+",
        db_index=False,  # campaign_region_period serves it
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    # Flags of `veterans.models.PRIORITY_FLAGS`: the priority veterans covered.
    groups = models.JSONField(_("groups covered"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("holiday campaign")
        verbose_name_plural = _("holiday campaigns")
        ordering = ["-starts_on", "region_id"]
        indexes = [
            # the campaigns of an area in force on a day (the work-list, the dashboards)
            models.Index(fields=["region", "starts_on", "ends_on"], name="campaign_region_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_order"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["spring_festival", "army_day", "local"]),
                name="campaign_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.starts_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}）"

    @property
    def group_labels(self) -> list[str]:
        labels = dict(GROUP_CHOICES)
        return [str(labels[g]) for g in self.groups if g in labels]
