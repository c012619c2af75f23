"""The rollups equal a recomputation from the raw rows, and the statistics read
from them equal the raw statistics, after random sequences of visits and case
transitions (property-style: several seeds, each a different history)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cases.models import Case
from cases.selectors import case_stats as raw_case_stats
from centres.models import Region, User
from dashboards import rollups
from dashboards.models import DailyStat
from dashboards.selectors import Period, case_stats, visit_stats
from tests.dashboards.scenario import Scenario
from veterans.models import Visit

pytestmark = pytest.mark.django_db

AREAS = ["330000", "330600", "330681", "330681107", "330681107201", "330603", "430181"]


def assert_stats_equal_raw(ministry: User) -> None:
    today = timezone.localdate()
    periods = [Period(), Period(since=today - datetime.timedelta(days=30), until=today),
               Period(since=today - datetime.timedelta(days=60),
                      until=today - datetime.timedelta(days=20))]
    for code in AREAS:
        region = Region.objects.get(code=code.ljust(12, "0"))
        for period in periods:
            from_rollups = case_stats(region=region, period=period)
            raw = raw_case_stats(user=ministry, region=region, since=period.since,
                                 until=period.until)
            assert from_rollups == raw, (code, period)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rollups_equal_the_raw_computation_after_random_histories(
    seed: int, ministry: User
) -> None:
    scenario = Scenario(seed)
    scenario.visits(30)
    scenario.cases(12)
    scenario.moves(40)
    rollups.rollups_refresh()  # the first refresh builds everything
    assert rollups.rollups_differences() == []
    assert_stats_equal_raw(ministry)

    # Later changes reach the rollups through the incremental refresh.
    scenario.visits(10)
    scenario.cases(5)
    scenario.moves(30)
    rollups.rollups_refresh()
    assert rollups.rollups_differences() == []
    assert_stats_equal_raw(ministry)
    # The history was not trivial: cases moved up, got resolved and closed.
    statuses = set(Case.objects.values_list("status", flat=True))
    assert Case.objects.filter(escalated_count__gt=0).exists()
    assert statuses & {"resolved", "closed"}, statuses


def test_visit_statistics_count_by_channel_and_purpose(ministry: User) -> None:
    scenario = Scenario(7)
    scenario.visits(25)
    rollups.rollups_refresh()
    region = Region.objects.get(code="330681000000")
    stats = visit_stats(region=region, period=Period())
    raw = Visit.objects.filter(region_id__gte="330681000000", region_id__lte="330681999999")
    assert stats["total"] == raw.count()
    assert sum(stats["by_channel"].values()) == raw.count()
    assert stats["by_purpose"]["rights"] == raw.filter(purpose="rights").count()


def test_refreshing_twice_changes_nothing(ministry: User) -> None:
    scenario = Scenario(5)
    scenario.visits(10)
    scenario.cases(5)
    rollups.rollups_refresh()
    before = sorted(DailyStat.objects.values_list("region_code", "day", "visits", "cases_open"))
    rollups.rollups_refresh()
    rollups.rollups_rebuild()
    after = sorted(DailyStat.objects.values_list("region_code", "day", "visits", "cases_open"))
    assert before == after


def test_a_township_under_dongguan_is_counted_once(ministry: User) -> None:
    from tests.factories.cases import staff_at, veteran_make, visit_make
    from tests.factories.centres import regions_make

    regions_make(("440000", "广东省"), ("441900", "东莞市"), ("441900101", "石龙镇"))
    visit_make(veteran=veteran_make("330681107201"), code="441900101",
               by=staff_at("441900101", "shilong"))
    rollups.rollups_rebuild()
    assert DailyStat.objects.get(region_code="441900000000").visits == 1
    assert DailyStat.objects.get(region_code="440000000000").visits == 1
    assert DailyStat.objects.get(region_code="000000000000").visits == 1


def test_the_verify_command_reports_a_tampered_rollup(ministry: User) -> None:
    Scenario(3).visits(5)
    call_command("rollups_verify", "--refresh")
    DailyStat.objects.filter(region_code="000000000000").update(visits=999)
    with pytest.raises(CommandError, match="difference"):
        call_command("rollups_verify")
    call_command("rollups_rebuild")
    call_command("rollups_verify")


def test_the_refresh_and_rebuild_tasks_run_on_celery(ministry: User) -> None:
    from dashboards.tasks import rollups_rebuild, rollups_refresh

    Scenario(9).visits(4)
    assert rollups_refresh.delay().get() > 0
    assert rollups_rebuild.delay().get() > 0
    assert rollups.rollups_differences() == []


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL; CI runs this on PostgreSQL",
)
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_agree_with_a_recomputation(world: None) -> None:
    import threading

    Scenario(21).visits(15)
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            rollups.rollups_refresh()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert rollups.rollups_differences() == []


def test_overdue_counts_deadlines_before_today_from_rollups_and_today_up_to_now(
    ministry: User,
) -> None:
    """A deadline yesterday and one this morning are overdue at 10:00; one at 11:00, one
    tomorrow and a resolved case's are not — in the statistics and in the ranking."""
    from config.days import local_day_start
    from dashboards.selectors import dashboard_get
    from tests.factories.cases import case_make, staff_at

    today = timezone.localdate()
    now = local_day_start(today) + datetime.timedelta(hours=10)
    deadlines = {
        "yesterday": now - datetime.timedelta(hours=11),
        "this morning": now - datetime.timedelta(hours=1),
        "later today": now + datetime.timedelta(hours=1),
        "tomorrow": now + datetime.timedelta(days=1),
        "resolved": now - datetime.timedelta(days=3),
    }
    staff = staff_at("330681107201", "overdue-staff")
    for name, deadline in deadlines.items():
        case = case_make(code="330681107201", by=staff,
                         received_at=now - datetime.timedelta(days=20))
        Case.objects.filter(pk=case.pk).update(deadline=deadline)
        if name == "resolved":
            Case.objects.filter(pk=case.pk).update(status="resolved", resolved_level="village")
    rollups.rollups_rebuild()
    assert rollups.rollups_differences() == []

    for code in ("330681107201", "330681", "330000"):
        region = Region.objects.get(code=code.ljust(12, "0"))
        stats = case_stats(region=region, period=Period(), now=now)
        assert stats["overdue"] == 2, code
        assert stats == raw_case_stats(user=ministry, region=region, now=now)
    county = Region.objects.get(code="330681000000")
    board = dashboard_get(user=ministry, region=county, period=Period(), now=now)
    ranked = {child.region.code: child.overdue for child in board.children if child.region}
    assert ranked["330681107000"] == 2
    assert sum(ranked.values()) == 2
    # A day later, the morning's deadlines are in the rollup part, and still counted.
    later = now + datetime.timedelta(days=1, hours=2)
    assert case_stats(region=county, period=Period(), now=later)["overdue"] == 4
