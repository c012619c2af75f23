"""Celery tasks of the cases room."""

from __future__ import annotations

from celery import shared_task

from cases.services import cases_overdue_mark


@shared_task(time_limit=10 * 60, soft_time_limit=9 * 60, acks_late=True)
def cases_mark_overdue() -> dict[str, int]:
    """Each morning (07:00 Asia/Shanghai, see migration 0003): flag overdue cases, remind centres.

    Idempotent: running it twice the same day changes nothing the second time.
    """
    return cases_overdue_mark()
