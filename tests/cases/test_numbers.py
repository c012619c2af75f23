"""One number per case for life (一案一码): county code, year, sequence without gaps."""

from __future__ import annotations

import datetime
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection, connections

from cases import services
from cases.models import Case
from centres.errors import DomainError
from centres.models import User
from tests.factories.cases import case_make, escalate_once, staff_at
from tests.factories.centres import centre

SH = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_numbers_run_per_county_and_year_without_gaps(alice: User, charlie: User) -> None:
    first = case_make(code="330681107201", by=alice)
    second = case_make(code="330681107", by=alice)
    elsewhere = case_make(code="430181101", by=charlie)
    year = first.year
    assert first.number == f"330681-{year}-000001"
    assert second.number == f"330681-{year}-000002"
    assert elsewhere.number == f"430181-{year}-000001"


@pytest.mark.django_db
def test_a_city_centre_numbers_with_its_own_code(world: None) -> None:
    case = case_make(code="330600", by=staff_at("330600"))
    assert case.number.startswith("330600-")


@pytest.mark.django_db
def test_the_year_is_the_shanghai_year_of_receipt(alice: User) -> None:
    # 2026-12-31 17:00 UTC is already 2027 in Shanghai.
    received = datetime.datetime(2027, 1, 1, 1, 0, tzinfo=SH)
    case = case_make(code="330681107", by=alice, received_at=received)
    assert case.number == "330681-2027-000001"


@pytest.mark.django_db
def test_the_number_stays_when_the_case_climbs(village_staff: User) -> None:
    case = case_make(code="330681107201", by=village_staff)
    number = case.number
    case = escalate_once(case, village_staff)
    case.refresh_from_db()
    assert case.number == number
    assert case.region_id == "330681107000"


@pytest.mark.django_db(transaction=True)
def test_concurrent_openings_get_distinct_numbers_without_gaps(world: None) -> None:
    by = staff_at("330681")
    where = centre("330681107")
    workers = 8 if connection.vendor == "postgresql" else 4
    per_worker = 5
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def open_retrying_while_sqlite_is_locked() -> None:
        # PostgreSQL queues the openings on the counter row lock. SQLite's shared
        # in-memory test database refuses a locked table instead; the refused
        # transaction rolls back whole, so retrying must still leave no gap.
        for _attempt in range(200):
            try:
                services.case_open(centre=where, category="other", summary="并发", by=by)
                return
            except OperationalError as exc:
                if connection.vendor != "sqlite" or "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        raise AssertionError("SQLite stayed locked")

    def work() -> None:
        try:
            start.wait()
            for _ in range(per_worker):
                open_retrying_while_sqlite_is_locked()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = sorted(Case.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, workers * per_worker + 1))
    assert Case.objects.values("number").distinct().count() == workers * per_worker


@pytest.mark.django_db(transaction=True)
def test_two_people_escalating_at_once_move_the_case_only_once(world: None) -> None:
    first, second = staff_at("330681107201", "v1"), staff_at("330681107201", "v2")
    case = case_make(code="330681107201", by=first)
    services.case_mediate(case=case, by=first, note="调解")
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def escalate(by: User) -> None:
        try:
            start.wait()
            for _attempt in range(200):
                try:
                    services.case_escalate(case=Case.objects.get(pk=case.pk), by=by,
                                           reason="同时上报")
                    outcomes.append("moved")
                    return
                except OperationalError as exc:  # SQLite: a locked table, retry
                    if connection.vendor != "sqlite" or "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
        except DomainError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=escalate, args=(by,)) for by in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["moved", "refused"]
    case.refresh_from_db()
    assert (case.level, case.escalated_count) == ("township", 1)
