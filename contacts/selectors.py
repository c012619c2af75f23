"""Reads of the regular-contact room: the figures, the work-list and campaign progress.

Every count follows `contacts.rules`: priority veterans as flagged now, by their home
region; a contact is a visit at any centre.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from centres import codes
from centres.models import Level, Region, User, within_q
from contacts.models import GROUP_CHOICES, Campaign
from contacts.rules import Periods, Status, contact_status, day_start
from veterans.models import PRIORITY_FLAGS, Veteran, Visit, priority_q


@dataclass
class ContactFigures:
    """Priority veterans and how many of them had this quarter's contact and this year's
    home visit (`GET /api/v1/stats/contacts/`)."""

    priority_veterans: int = 0
    contacted_this_quarter: int = 0
    home_visited_this_year: int = 0

    def add(self, other: ContactFigures) -> None:
        self.priority_veterans += other.priority_veterans
        self.contacted_this_quarter += other.contacted_this_quarter
        self.home_visited_this_year += other.home_visited_this_year

    @property
    def contact_rate(self) -> float | None:
        return _rate(self.contacted_this_quarter, self.priority_veterans)

    @property
    def home_visit_rate(self) -> float | None:
        return _rate(self.home_visited_this_year, self.priority_veterans)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _priority_in(code: str | None) -> QuerySet[Veteran]:
    veterans = Veteran.objects.priority()
    return veterans.filter(within_q(code, "region")) if code else veterans


def _figures_by_home(veterans: QuerySet[Veteran], periods: Periods) -> dict[str, ContactFigures]:
    """Contact figures per home region code, in one grouped query."""
    contacted = Exists(Visit.objects.filter(periods.contact_q(), veteran=OuterRef("pk")))
    home = Exists(Visit.objects.filter(periods.home_visit_q(), veteran=OuterRef("pk")))
    rows = (
        veterans.order_by().values("region_id")
        .annotate(n=Count("pk"), c=Count("pk", filter=Q(contacted)),
                  h=Count("pk", filter=Q(home)))
    )
    return {
        row["region_id"]: ContactFigures(row["n"], row["c"], row["h"]) for row in rows
    }


def contact_figures(*, code: str | None, on: datetime.date) -> ContactFigures:
    """The figures of a region's subtree (None: the nation) on a day."""
    total = ContactFigures()
    for figures in _figures_by_home(_priority_in(code), Periods.containing(on)).values():
        total.add(figures)
    return total


@dataclass
class RegionRow:
    region: Region | None  # None: the region's own row (本级)
    figures: Any


@dataclass
class ChildBreakdown:
    """A region's own row (本级: veterans whose home is the region itself), one row per
    child region's subtree, and the total: own + Σ rows = total, figure by figure."""

    region: Region | None
    own: Any
    rows: list[RegionRow]
    total: Any


def _fold(region: Region | None, by_home: dict[str, Any], make: Any) -> ChildBreakdown:
    """Sum figures by home region code into the region's own row, its child regions' rows
    and the total (None: the nation, whose rows are the provinces)."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    own, total = make(), make()
    per_child = {child.code: make() for child in children}
    for code, figures in by_home.items():
        total.add(figures)
        if region is not None and code == region.code:
            own.add(figures)
            continue
        child = next((c for c in children if c.contains(code)), None)
        if child is not None:
            per_child[child.code].add(figures)
        else:  # a home below a region missing from the tree: counted as the region's own
            own.add(figures)
    rows = [RegionRow(region=child, figures=per_child[child.code]) for child in children]
    return ChildBreakdown(region=region, own=own, rows=rows, total=total)


def contact_figures_by_child(*, region: Region | None, on: datetime.date) -> ChildBreakdown:
    """The contact figures of a region (None: the nation), by child region, with its own
    row (the dashboards)."""
    code = region.code if region is not None else None
    return _fold(region, _figures_by_home(_priority_in(code), Periods.containing(on)),
                 ContactFigures)


# --- the work-list ---------------------------------------------------------------------

@dataclass
class WorkRow:
    veteran: Veteran
    last_contact: datetime.datetime | None
    last_home_visit: datetime.datetime | None
    status: Status
    groups: list[str]


@dataclass
class VillageGroup:
    region: Region
    rows: list[WorkRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        tally: dict[str, int] = defaultdict(int)
        for row in self.rows:
            tally[row.status.code] += 1
        return dict(tally)


def _latest(periods: Periods, channel: str | None = None) -> Subquery:
    visits = Visit.objects.filter(veteran=OuterRef("pk"), visited_at__lt=periods.quarter_end)
    if channel:
        visits = visits.filter(channel=channel)
    return Subquery(visits.order_by("-visited_at").values("visited_at")[:1])


def worklist(
    *, user: User, on: datetime.date, village: str = "", group: str = ""
) -> list[VillageGroup]:
    """The priority veterans of the user's area, grouped by home village (or township),
    most urgent first: overdue, then due, then done; within a status, the longest
    without contact first. Two queries, however many rows."""
    if user.region_id is None:
        return []
    periods = Periods.containing(on)
    veterans = Veteran.objects.visible_to(user).priority()
    if village:  # a village, or a township and its villages
        veterans = veterans.filter(within_q(village, "region"))
    if group in PRIORITY_FLAGS:
        veterans = veterans.filter(priority_q([group]))
    veterans = (
        veterans.select_related("region")
        .only("pk", "name", "id_number", "phone", "region__code", "region__name",
              "region__level", *PRIORITY_FLAGS)
        .annotate(last_contact=_latest(periods),
                  last_home_visit=_latest(periods, Visit.Channel.HOME_VISIT))
    )
    labels = dict(GROUP_CHOICES)
    groups: dict[str, VillageGroup] = {}
    for veteran in veterans:
        row = WorkRow(
            veteran=veteran,
            last_contact=veteran.last_contact,  # type: ignore[attr-defined]
            last_home_visit=veteran.last_home_visit,  # type: ignore[attr-defined]
            status=contact_status(
                periods=periods, last_contact=veteran.last_contact,  # type: ignore[attr-defined]
                last_home_visit=veteran.last_home_visit,  # type: ignore[attr-defined]
            ),
            groups=[str(labels[f]) for f in PRIORITY_FLAGS if getattr(veteran, f)],
        )
        groups.setdefault(veteran.region_id, VillageGroup(region=veteran.region)).rows.append(row)
    for village_group in groups.values():
        village_group.rows.sort(key=_urgency)
    return sorted(groups.values(), key=lambda g: (_urgency(g.rows[0]), g.region.code))


_NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


def _urgency(row: WorkRow) -> tuple[int, datetime.datetime, str]:
    return (row.status, row.last_contact or _NEVER, row.veteran.name)


def worklist_villages(user: User) -> list[Region]:
    """The villages and townships of the user's area, for the work-list's filter."""
    if user.region_id is None:
        return []
    return list(
        Region.objects.visible_to(user).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .only("code", "name", "level").order_by("code")[:2000]
    )


def route_list(*, user: User, on: datetime.date, village: str = "") -> list[VillageGroup]:
    """The day's home visits to plan: priority veterans not yet visited at home this year,
    by village, most urgent first."""
    periods = Periods.containing(on)
    groups = []
    for village_group in worklist(user=user, on=on, village=village):
        rows = [r for r in village_group.rows
                if r.last_home_visit is None or r.last_home_visit < periods.year_start]
        if rows:
            groups.append(VillageGroup(region=village_group.region, rows=rows))
    return sorted(groups, key=lambda g: g.region.code)


# --- campaigns -------------------------------------------------------------------------

@dataclass
class CampaignFigures:
    covered: int = 0
    visited: int = 0

    def add(self, other: CampaignFigures) -> None:
        self.covered += other.covered
        self.visited += other.visited

    @property
    def rate(self) -> float | None:
        return _rate(self.visited, self.covered)


def _campaign_by_home(campaign: Campaign, code: str | None) -> dict[str, CampaignFigures]:
    """Per home region in `code`'s subtree: veterans the campaign covers, and those
    visited at home during its period (Asia/Shanghai days, both ends included)."""
    since = day_start(campaign.starts_on)
    until = day_start(campaign.ends_on + datetime.timedelta(days=1))
    visited = Exists(Visit.objects.filter(
        veteran=OuterRef("pk"), channel=Visit.Channel.HOME_VISIT,
        visited_at__gte=since, visited_at__lt=until,
    ))
    veterans = Veteran.objects.filter(
        within_q(campaign.region_id, "region"), priority_q(campaign.groups or list(PRIORITY_FLAGS))
    )
    if code:
        veterans = veterans.filter(within_q(code, "region"))
    rows = veterans.order_by().values("region_id").annotate(
        n=Count("pk"), v=Count("pk", filter=Q(visited))
    )
    return {row["region_id"]: CampaignFigures(row["n"], row["v"]) for row in rows}


def campaigns_in_force(*, user: User, on: datetime.date) -> list[Campaign]:
    return list(
        Campaign.objects.covering(user).filter(starts_on__lte=on, ends_on__gte=on)
        .select_related("region").order_by("ends_on", "pk")
    )


def campaign_progress(*, campaign: Campaign, user: User) -> CampaignFigures:
    """How far the campaign has come in the user's area (their station's progress)."""
    total = CampaignFigures()
    code = user.region_id or campaign.region_id
    for figures in _campaign_by_home(campaign, code).values():
        total.add(figures)
    return total


def campaign_get_for_user(*, user: User, pk: int) -> Campaign:
    campaign = Campaign.objects.visible_to(user).select_related("region").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def campaign_report(*, campaign: Campaign, root: Region | None = None) -> ChildBreakdown:
    """The campaign per child region of its region (or of `root`, a region it covers part
    or all of: the dashboards), with the own row and the total."""
    root = root if root is not None else campaign.region
    return _fold(root, _campaign_by_home(campaign, root.code), CampaignFigures)


@dataclass
class Coverage:
    """What the dashboards show of regular contact in an area: the figures by child
    region, and each campaign in force there by child region."""

    contacts: ChildBreakdown
    campaigns: list[tuple[Campaign, ChildBreakdown]]


def contact_coverage(*, region: Region | None, on: datetime.date) -> Coverage:
    """The contact figures of a region the caller already sees (`area_get_for_user`)."""
    campaigns = Campaign.objects.filter(starts_on__lte=on, ends_on__gte=on).select_related(
        "region")
    if region is not None:
        above = [*codes.ancestor_candidates(region.code), region.code]
        campaigns = campaigns.filter(Q(region_id__in=above) | within_q(region.code, "region"))
    # The region shown is in the user's area already: campaigns above it are shown for
    # its part only (its child regions' rows).
    shown = list(campaigns.order_by("ends_on", "pk")[:5])
    return Coverage(
        contacts=contact_figures_by_child(region=region, on=on),
        campaigns=[(c, _fold(region, _campaign_by_home(c, region.code if region else None),
                             CampaignFigures)) for c in shown],
    )
