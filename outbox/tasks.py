"""Celery beat sends `outbox_flush` every minute (migration 0002)."""

from __future__ import annotations

from celery import shared_task

from outbox import services


@shared_task(acks_late=True, time_limit=60, soft_time_limit=55)
def outbox_flush() -> dict[str, int]:
    """Resend the tasks the on-commit hooks could not send (idempotent)."""
    return services.outbox_flush(seconds=45.0)
