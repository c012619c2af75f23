"""Enqueue Celery tasks through the outbox, and resend what the broker missed.

`outbox_enqueue` writes an `OutboxTask` row inside the caller's transaction and
registers a robust on-commit hook that sends it: the write and the debt commit
or roll back together, and a broker that is down cannot turn a committed write
into an error. Whatever the hook could not send, `outbox_flush` (a Celery beat
task every minute, and the `outbox_flush` command) sends later. Tasks sent
through the outbox must be idempotent: a row may be sent twice (the broker took
it but the mark was lost), never zero times.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Sequence
from typing import Any

from celery import Celery
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from outbox.models import OutboxTask

logger = logging.getLogger(__name__)

ERROR_LENGTH = 1000
FLUSH_BATCH = 200
KEEP_SENT = datetime.timedelta(days=7)


def _app() -> Celery:
    from config.celery import app

    return app


def outbox_enqueue(*, task: str, args: Sequence[Any] = ()) -> OutboxTask:
    """Owe `task(*args)` once the current transaction commits (see the module docstring)."""
    row = OutboxTask.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: outbox_send(ids=[row.pk]), robust=True)
    return row


def _unsent(ids: Sequence[int] | None) -> QuerySet[OutboxTask]:
    rows = OutboxTask.objects.filter(sent_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if connection.features.has_select_for_update_skip_locked:
        # Two flushes (or a flush and an on-commit hook) never send one row at once.
        rows = rows.select_for_update(skip_locked=True)
    return rows.order_by("id")


def _mark(row: OutboxTask, error: BaseException | None) -> None:
    if error is None:
        OutboxTask.objects.filter(pk=row.pk).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
        )
    else:
        logger.warning("outbox: %s not sent: %r", row, error)
        OutboxTask.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, last_error=repr(error)[:ERROR_LENGTH]
        )


def _run_here(app: Celery, ids: Sequence[int] | None, limit: int) -> tuple[int, int]:
    """No broker (development, tests): run the tasks in-process, as `.delay` would.

    Outside any transaction and without row locks (a task such as an import must
    commit its own progress); one process, so nothing to race with.
    """
    app.loader.import_default_modules()
    sent = failed = 0
    rows = OutboxTask.objects.filter(sent_at__isnull=True).order_by("id")
    for row in rows.filter(pk__in=ids) if ids is not None else rows[:limit]:
        try:
            app.tasks[row.task].apply(args=row.args, throw=True)
        except Exception as exc:
            failed += 1
            _mark(row, exc)
        else:
            sent += 1
            _mark(row, None)
    return sent, failed


def _retry_policy(retries: int) -> dict[str, float]:
    return {"max_retries": retries, "interval_start": 0, "interval_step": 0.2,
            "interval_max": 0.2}


def outbox_send(*, ids: Sequence[int] | None = None, limit: int = FLUSH_BATCH,
                retries: int = 1) -> tuple[int, int]:
    """Send unsent rows (these ids, or the oldest `limit`); (sent, failed). Never raises.

    The rows are locked while they are sent and marked in the same transaction.
    The on-commit hook retries once, quickly (a request must not wait for a dead
    broker: the flush will send it); the flush a little more.
    """
    app = _app()
    sent = failed = 0
    try:
        if app.conf.task_always_eager:
            return _run_here(app, ids, limit)
        with transaction.atomic():
            rows = list(_unsent(ids)[:limit])
            if not rows:
                return 0, 0
            with app.connection_for_write() as broker:
                for row in rows:
                    try:
                        app.send_task(row.task, args=row.args, connection=broker,
                                      ignore_result=True, retry=True,
                                      retry_policy=_retry_policy(retries))
                    except Exception as exc:  # the broker is down
                        failed += 1
                        _mark(row, exc)
                    else:
                        sent += 1
                        _mark(row, None)
    except Exception:  # the database itself failed: the rows stay owed for the flush
        logger.exception("outbox: sending failed")
    return sent, failed


def outbox_flush(*, seconds: float = 45.0) -> dict[str, int]:
    """Resend the unsent rows, oldest first, in batches, for at most `seconds`. Idempotent.

    Rows sent more than a week ago are deleted: the outbox is a queue, not a log.
    """
    OutboxTask.objects.filter(sent_at__lt=timezone.now() - KEEP_SENT).delete()
    deadline = time.monotonic() + seconds
    sent = failed = 0
    while time.monotonic() < deadline:
        batch_sent, batch_failed = outbox_send(retries=3)
        sent += batch_sent
        failed += batch_failed
        if batch_failed or batch_sent < FLUSH_BATCH:
            break  # done, or the broker is still down: the next beat tries again
    return {"sent": sent, "failed": failed,
            "unsent": OutboxTask.objects.filter(sent_at__isnull=True).count()}
