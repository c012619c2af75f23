"""Rollups: what the dashboards and the statistics API read instead of raw rows.

One `DailyStat` row holds the counts of one region's whole subtree on one day
(Asia/Shanghai), for every level from the nation (code 000000000000) down to
the village, so a dashboard reads one row per day for its own figures and one
row per child and day for its ranking, whatever the number of visits and cases.

- Visit columns count the visits made that day.
- Case columns count the cases RECEIVED that day, by what they are now (status,
  resolved level, escalated), as docs/design.md §4 defines the case statistics.
- Follow-up columns count the follow-up visits (回访) made that day, for the
  satisfaction rate.

Rows are derived data: `dashboards.rollups` recomputes them from the raw rows,
and `manage.py rollups_verify` proves they equal a fresh recomputation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from centres import codes
from veterans.models import Visit

NATION = codes.NATION

# The fixed codes, from the rooms that define them (one counter column per code).
VISIT_CHANNELS: tuple[str, ...] = tuple(Visit.Channel.values)
VISIT_PURPOSES: tuple[str, ...] = tuple(Visit.Purpose.values)
LEVELS: tuple[str, ...] = tuple(reversed(codes.LEVELS_TOP_DOWN))  # village first

# Every counter column, in a fixed order: the rollup code, the verification and
# the exports all iterate this list.
COUNTERS: tuple[str, ...] = (
    "visits",
    *(f"visits_{c}" for c in VISIT_CHANNELS),
    *(f"visits_{p}" for p in VISIT_PURPOSES),
    "cases_open",
    "cases_resolved",
    "cases_closed",
    "cases_resolved_locally",
    "cases_escalated",
    *(f"cases_resolved_{level}" for level in LEVELS),
    "follow_ups",
    "follow_ups_satisfied",
)


def counter() -> models.PositiveIntegerField:
    return models.PositiveIntegerField(default=0)


class DailyStat(models.Model):
    region_code = models.CharField(_("region code"), max_length=12)
    day = models.DateField(_("day"))
    visits = counter()
    visits_in_person = counter()
    visits_phone = counter()
    visits_online = counter()
    visits_home_visit = counter()
    visits_policy = counter()
    visits_employment = counter()
    visits_assistance = counter()
    visits_rights = counter()
    visits_card = counter()
    visits_counselling = counter()
    visits_honours = counter()
    visits_other = counter()
    cases_open = counter()
    cases_resolved = counter()
    cases_closed = counter()
    cases_resolved_locally = counter()
    cases_escalated = counter()
    cases_resolved_village = counter()
    cases_resolved_township = counter()
    cases_resolved_county = counter()
    cases_resolved_city = counter()
    cases_resolved_province = counter()
    follow_ups = counter()
    follow_ups_satisfied = counter()

    class Meta:
        verbose_name = _("daily statistics")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(fields=["region_code", "day"], name="daily_stat_unique"),
        ]
        # The refresh replaces whole days (`rollups.days_recompute`).
        indexes = [models.Index(fields=["day"], name="daily_stat_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day}"


class DueStat(models.Model):
    """Open cases of one region's subtree, by the day received and the day their deadline falls.

    "Overdue" (open and past the deadline) moves with the clock, not with a
    commit: a case becomes overdue at its deadline without any write. Counting
    open cases by the day their deadline falls lets a reader count every
    deadline before today from the rollups; only the deadlines falling today
    (before now) are read from the raw cases, through a partial index.
    """

    region_code = models.CharField(_("region code"), max_length=12)
    day = models.DateField(_("day received"))
    due_day = models.DateField(_("deadline day"))
    cases_open = counter()

    class Meta:
        verbose_name = _("open cases by deadline day")
        verbose_name_plural = _("open cases by deadline day")
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "day", "due_day"], name="due_stat_unique"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="due_stat_day")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} → {self.due_day}"


class RollupState(models.Model):
    """The refresh watermark: changes up to `upto` are in the rollups.

    One row; refreshes lock it, so two refreshes never interleave.
    """

    name = models.CharField(max_length=20, primary_key=True)
    upto = models.DateTimeField(null=True)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup state")

    def __str__(self) -> str:
        return f"{self.name}: {self.upto}"
