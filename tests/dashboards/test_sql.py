"""The written statements of `dashboards.sql` answer what their ORM equivalents answer."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Q, Sum
from django.utils import timezone

from cases.models import Case, Status
from cases.selectors import cases_received
from centres.models import User, digits_q, within_q
from config.days import local_day_start
from dashboards import rollups, sql
from dashboards.models import COUNTERS, NATION, DailyStat, DueStat
from tests.dashboards.scenario import Scenario

pytestmark = pytest.mark.django_db

CODES = [NATION, "330000000000", "330681000000", "330681107000", "330681107201"]


def periods() -> list[tuple[datetime.date | None, datetime.date | None]]:
    today = timezone.localdate()
    return [(None, None), (today - datetime.timedelta(days=40), today),
            (today - datetime.timedelta(days=70), today - datetime.timedelta(days=10))]


def test_the_area_sums_equal_the_orm_aggregates(ministry: User) -> None:
    scenario = Scenario(31)
    scenario.visits(30)
    scenario.cases(15)
    scenario.moves(20)
    rollups.rollups_refresh()
    today = timezone.localdate()
    for code in CODES:
        for since, until in periods():
            days = Q(region_code=code)
            if since:
                days &= Q(day__gte=since)
            if until:
                days &= Q(day__lte=until)
            expected = {
                name: value or 0
                for name, value in DailyStat.objects.filter(days)
                .aggregate(**{name: Sum(name) for name in COUNTERS}).items()
            }
            expected[sql.OVERDUE_BEFORE_TODAY] = DueStat.objects.filter(
                days, due_day__lt=today
            ).aggregate(n=Sum("cases_open"))["n"] or 0
            got = sql.area_sums(code=code, since=since, until=until, counters=COUNTERS,
                                overdue_before=today)
            assert got == expected, (code, since, until)
    assert any(sql.area_sums(code=NATION, since=None, until=None, counters=COUNTERS).values())


def test_the_deadlines_falling_today_equal_the_orm_count(ministry: User) -> None:
    scenario = Scenario(32)
    scenario.cases(20)
    now = local_day_start(timezone.localdate()) + datetime.timedelta(hours=12)
    # Spread the open cases' deadlines around now: yesterday, this morning, later today.
    for index, case in enumerate(Case.objects.filter(status=Status.OPEN).order_by("pk")):
        shift = datetime.timedelta(hours=(index % 5) * 7 - 14)
        Case.objects.filter(pk=case.pk).update(deadline=now + shift)
    for code in CODES:
        for since, until in periods():
            expected = cases_received(since=since, until=until).filter(
                status=Status.OPEN, deadline__gte=local_day_start(timezone.localdate(now)),
                deadline__lt=now,
            )
            if code != NATION:
                expected = expected.filter(within_q(code, "received_region"))
            got = sql.due_today_count(code=code, since=since, until=until, now=now)
            assert got == expected.count(), (code, since, until)
            by_prefix = sql.due_today_by_prefix(code=code, since=since, until=until, now=now,
                                                width=6)
            assert sum(n for _key, n in by_prefix) == got
            for key, n in by_prefix:
                assert expected.filter(digits_q(key, "received_region")).count() == n
    assert sql.due_today_count(code=NATION, since=None, until=None, now=now) > 0
