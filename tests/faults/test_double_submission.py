"""Double submission: concurrent identical case posts (one Idempotency-Key)
create one case, thanks to the database's unique constraint on (opened_by,
idempotency_key), not only to the look-up before the insert. The visits'
twin of this test is tests/veterans/test_api.py
(test_concurrent_retries_with_one_key_create_one_visit)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction

from cases.models import Case, CaseCounter
from tests.conftest import api_as
from tests.factories.cases import staff_at
from tests.faults.servers import broker


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_posts_with_one_key_open_one_case(world: None) -> None:
    alice = staff_at("330681107", "alice")
    threads_n = 6
    barrier = threading.Barrier(threads_n)
    # SQLite has one writer at a time and answers "table is locked" instead of
    # waiting, so there the requests take turns; PostgreSQL runs them truly at once.
    turns = threading.Lock() if connection.vendor == "sqlite" else contextlib.nullcontext()
    answers: list[tuple[int, Any]] = []
    failures: list[BaseException] = []
    body = {"centre": "330681107", "category": "land_housing", "summary": "宅基地边界纠纷"}

    def attempt() -> None:
        try:
            client = api_as(alice)
            barrier.wait(timeout=10)
            with turns:
                answer = client.post("/api/v1/cases/", body, format="json",
                                     HTTP_IDEMPOTENCY_KEY="race-case")
            answers.append((answer.status_code, answer.json().get("id")))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures
    case = Case.objects.get()
    assert sorted(code for code, _ in answers) == [200] * (threads_n - 1) + [201]
    assert {pk for _, pk in answers} == {case.pk}
    # The losers' case numbers rolled back with them: the counter stands at one.
    assert CaseCounter.objects.get().last == 1 == case.sequence


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_case_with_the_same_key(world: None) -> None:
    from tests.factories.cases import case_make

    alice = staff_at("330681107", "alice")
    first = case_make(code="330681107", by=alice)
    Case.objects.filter(pk=first.pk).update(idempotency_key="twice")
    second = case_make(code="330681107", by=alice)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=second.pk).update(idempotency_key="twice")
    Case.objects.filter(pk=second.pk).update(idempotency_key="")  # blank keys never clash
    third = case_make(code="330681107", by=alice)
    assert Case.objects.filter(idempotency_key="").count() == 2 and third.pk


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite has no row locks; CI runs this on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_flushes_at_once_never_send_one_owed_task_twice() -> None:
    """A flush locks the rows it sends (FOR UPDATE SKIP LOCKED): a second flush
    meanwhile neither waits for it nor sends those rows."""
    from outbox.models import OutboxTask
    from outbox.services import outbox_send

    row = OutboxTask.objects.create(task="demonstration.target_snapshot_recompute", args=[2026])
    locked, release = threading.Event(), threading.Event()

    def first_flush_holding_the_row() -> None:
        try:
            with transaction.atomic():
                OutboxTask.objects.select_for_update().get(pk=row.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    holder = threading.Thread(target=first_flush_holding_the_row)
    holder.start()
    with broker("memory://"):  # kombu's in-process transport: sent, not run
        try:
            assert locked.wait(timeout=10)
            assert outbox_send() == (0, 0)  # skipped, not waited for, not sent
        finally:
            release.set()
            holder.join(timeout=30)
        assert outbox_send() == (1, 0)  # sent once the lock is gone
    row.refresh_from_db()
    assert row.sent_at is not None and row.attempts == 1
