"""The 60% target (docs/design.md §2), computed for every model region at once.

For a model region (a city or county whose `model_year` is set and ≤ Y):
- `total` = eligible centres in its subtree: county and township centres, and
  village stations serving 300 or more registered veterans when
  `settings.DEMONSTRATION_VILLAGES_ELIGIBLE` is on;
- `demonstration` = those with a designation in force in Y (named in Y or
  before, and not revoked before Y ended: `revoked_on` is null or
  `revoked_on.year > Y`);
- `meets_target` = 5·demonstration ≥ 3·total and total > 0 (integers only);
- `shortfall` = max(0, ⌈3·total/5⌉ − demonstration).

Two queries whatever the number of model regions: the model regions, and one
count of eligible centres grouped by their 6-digit (county) prefix with a
conditional count of those in force. A county's figures are its own group; a
city's are the sum of the groups that share its 4-digit prefix.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from centres.models import Centre, Level, Region
from demonstration.models import Designation, in_force_q
from veterans.models import Veteran

VILLAGE_MIN_VETERANS = 300
MODEL_LEVELS = (Level.CITY, Level.COUNTY)


@dataclass(frozen=True)
class TargetFigures:
    region: Region
    year: int
    total: int
    demonstration: int

    @property
    def meets_target(self) -> bool:
        return target_meets(total=self.total, demonstration=self.demonstration)

    @property
    def shortfall(self) -> int:
        return target_shortfall(total=self.total, demonstration=self.demonstration)

    @property
    def ratio(self) -> float | None:
        return self.demonstration / self.total if self.total else None


def target_meets(*, total: int, demonstration: int) -> bool:
    return total > 0 and 5 * demonstration >= 3 * total


def target_shortfall(*, total: int, demonstration: int) -> int:
    needed = (3 * total + 4) // 5  # ⌈3·total/5⌉ in integers
    return max(0, needed - demonstration)


def villages_eligible() -> bool:
    return bool(getattr(settings, "DEMONSTRATION_VILLAGES_ELIGIBLE", False))


def eligible_centres_q() -> Q:
    """Centres that count in the target and may be assessed for designation."""
    q = Q(level__in=[Level.COUNTY, Level.TOWNSHIP])
    if villages_eligible():
        # A village's subtree is the village itself: veterans registered there.
        busy_villages = (
            Veteran.objects.order_by()
            .values("region_id")
            .annotate(n=Count("id"))
            .filter(n__gte=VILLAGE_MIN_VETERANS)
            .values("region_id")
        )
        q |= Q(level=Level.VILLAGE, region_id__in=busy_villages)
    return q


def eligible_centres() -> QuerySet[Centre]:
    return Centre.objects.filter(eligible_centres_q())


def centre_is_eligible(centre: Centre) -> bool:
    return eligible_centres().filter(pk=centre.pk).exists()


def in_force_exists(year: int) -> Exists:
    return Exists(Designation.objects.filter(in_force_q(year), centre=OuterRef("pk")))


def model_regions(year: int) -> QuerySet[Region]:
    return Region.objects.filter(
        model_year__isnull=False, model_year__lte=year, level__in=MODEL_LEVELS
    ).order_by("code")


def targets_compute(*, year: int) -> list[TargetFigures]:
    """The figures of every model region for year Y, in two queries."""
    regions = list(model_regions(year))
    if not regions:
        return []
    grouped = (
        eligible_centres()
        .annotate(county=Substr("region_id", 1, 6))
        .values("county")
        .annotate(total=Count("id"), demonstration=Count("id", filter=in_force_exists(year)))
        .order_by()
    )
    by_county: dict[str, tuple[int, int]] = {}
    by_city: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in grouped:
        by_county[row["county"]] = (row["total"], row["demonstration"])
        city = by_city[row["county"][:4]]
        city[0] += row["total"]
        city[1] += row["demonstration"]
    figures = []
    for region in regions:
        if region.level == Level.COUNTY:
            total, demonstration = by_county.get(region.code[:6], (0, 0))
        else:
            total, demonstration = by_city.get(region.code[:4], [0, 0])
        figures.append(
            TargetFigures(region=region, year=year, total=total, demonstration=demonstration)
        )
    return figures
