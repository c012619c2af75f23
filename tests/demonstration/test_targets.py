"""The 60% target (docs/design.md §2): exact integer semantics, computed set-based."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from centres.models import Region
from demonstration.models import Designation
from demonstration.targets import target_meets, target_shortfall, targets_compute
from tests.factories.centres import regions_make
from tests.factories.demonstration import county_with_townships, designate
from veterans.models import Veteran

pytestmark = pytest.mark.django_db

YEAR = 2026


def figures_of(code: str, year: int = YEAR) -> Any:
    return next(f for f in targets_compute(year=year) if f.region.code.startswith(code))


@pytest.mark.parametrize(
    ("total", "demonstration", "meets", "shortfall"),
    [(5, 3, True, 0), (5, 2, False, 1), (11, 6, False, 1), (11, 7, True, 0), (10, 6, True, 0),
     (0, 0, False, 0), (1, 0, False, 1), (1, 1, True, 0), (3, 1, False, 1)],
)
def test_the_target_is_exact_integer_arithmetic(
    total: int, demonstration: int, meets: bool, shortfall: int
) -> None:
    assert target_meets(total=total, demonstration=demonstration) is meets
    assert target_shortfall(total=total, demonstration=demonstration) == shortfall


def test_three_of_five_eligible_centres_meets_the_target() -> None:
    eligible = county_with_townships("330681", 4)  # the county centre and 4 townships
    for code in eligible[:3]:
        designate(code, 2024)
    figures = figures_of("330681")
    assert (figures.total, figures.demonstration) == (5, 3)
    assert figures.meets_target is True
    assert figures.shortfall == 0
    assert figures.ratio == pytest.approx(0.6)


def test_six_of_eleven_does_not_meet_and_is_one_short() -> None:
    eligible = county_with_townships("330681", 10)
    for code in eligible[:6]:
        designate(code, 2025)
    figures = figures_of("330681")
    assert (figures.total, figures.demonstration) == (11, 6)
    assert figures.meets_target is False
    assert figures.shortfall == 1


def test_a_model_region_without_eligible_centres_does_not_meet_the_target() -> None:
    regions_make(("330683", "嵊州市"), model_years={"330683000000": 2021})
    Region.objects.filter(code="330683000000").get().centre.delete()
    figures = figures_of("330683")
    assert (figures.total, figures.demonstration) == (0, 0)
    assert figures.meets_target is False
    assert figures.ratio is None
    assert figures.shortfall == 0


def test_village_and_city_centres_are_not_counted(settings: Any) -> None:
    settings.DEMONSTRATION_VILLAGES_ELIGIBLE = False
    regions_make(("330600", "绍兴市"), model_years={"330600000000": 2017})
    eligible = county_with_townships("330681", 2, villages_each=3)
    designate("330600", 2020)  # the city centre: not eligible
    designate("330681101201", 2020)  # a village station: not eligible
    designate(eligible[1], 2020)
    city, county = figures_of("3306"), figures_of("330681")
    assert (county.total, county.demonstration) == (3, 1)
    assert (city.total, city.demonstration) == (3, 1)


def test_a_city_counts_every_county_below_it() -> None:
    regions_make(("330600", "绍兴市"), model_years={"330600000000": 2017})
    zhuji = county_with_townships("330681", 2, model_year=None)
    keqiao = county_with_townships("330603", 3, model_year=None)
    for code in [*zhuji, keqiao[0]]:
        designate(code, 2020)
    city = figures_of("3306")
    assert (city.total, city.demonstration) == (7, 4)
    assert city.meets_target is False
    assert city.shortfall == 1  # ceil(21/5) = 5


def test_villages_with_300_veterans_count_when_the_setting_is_on(settings: Any) -> None:
    county_with_townships("330681", 1, villages_each=2)
    busy, quiet = "330681101201", "330681101202"
    Veteran.objects.bulk_create(
        [
            Veteran(name=f"老兵{i}", sex="M", birth_date=datetime.date(1970, 1, 1),
                    id_number=f"{i:017d}X", region_id=busy if i <= 300 else quiet)
            for i in range(1, 600)
        ]
    )
    designate(busy, 2024)
    settings.DEMONSTRATION_VILLAGES_ELIGIBLE = False
    assert (figures_of("330681").total, figures_of("330681").demonstration) == (2, 0)
    settings.DEMONSTRATION_VILLAGES_ELIGIBLE = True
    figures = figures_of("330681")
    assert (figures.total, figures.demonstration) == (3, 1)  # 300 in busy, 299 in quiet


def test_designations_from_a_later_year_or_revoked_are_not_counted() -> None:
    eligible = county_with_townships("330681", 5)
    designate(eligible[0], YEAR)  # this year: counts
    designate(eligible[1], YEAR + 1)  # named next year: not yet
    designate(eligible[2], 2020, revoked_on=datetime.date(YEAR, 12, 31))  # revoked this year
    designate(eligible[3], 2020, revoked_on=datetime.date(YEAR - 1, 3, 1))  # revoked before
    designate(eligible[4], 2020, revoked_on=datetime.date(YEAR + 1, 1, 1))  # revoked next year
    assert figures_of("330681").demonstration == 2
    # Last year the one revoked this year still counted; the one revoked last year did not.
    assert figures_of("330681", YEAR - 1).demonstration == 2
    assert Designation.objects.in_force(YEAR).count() == 2


def test_a_region_before_its_model_year_is_not_listed() -> None:
    county_with_townships("430181", 2, model_year=2025)
    county_with_townships("330681", 2, model_year=2021)
    assert [f.region.code for f in targets_compute(year=2024)] == ["330681000000"]
    assert [f.region.code for f in targets_compute(year=2025)] == ["330681000000", "430181000000"]
    assert targets_compute(year=2020) == []


def test_only_cities_and_counties_are_model_regions() -> None:
    regions_make(("330000", "浙江省"))
    Region.objects.filter(code="330000000000").update(model_year=2017)
    assert targets_compute(year=YEAR) == []


def _many_model_counties(n: int) -> None:
    for i in range(n):
        county_with_townships(f"33{10 + i // 50:02d}{1 + i % 50:02d}", 2, villages_each=0)


@pytest.mark.parametrize("regions", [2, 20])
def test_the_computation_is_two_queries_whatever_the_number_of_regions(
    regions: int, django_assert_num_queries: Any
) -> None:
    _many_model_counties(regions)
    designate("331001", 2020)
    with django_assert_num_queries(2):
        figures = targets_compute(year=YEAR)
    assert len(figures) == regions
    assert sum(f.demonstration for f in figures) == 1


@pytest.mark.parametrize("villages_eligible", [False, True])
def test_storing_the_snapshot_takes_the_same_queries_for_2_and_20_regions(
    villages_eligible: bool, settings: Any
) -> None:
    from demonstration.services import target_snapshots_recompute

    settings.DEMONSTRATION_VILLAGES_ELIGIBLE = villages_eligible
    counts = []
    for n, start in [(2, 0), (20, 2)]:
        for i in range(start, n):
            county_with_townships(f"33{10 + i // 50:02d}{1 + i % 50:02d}", 1, villages_each=1)
        with CaptureQueriesContext(connection) as queries:
            snapshots = target_snapshots_recompute(year=YEAR)
        assert len(snapshots) == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
