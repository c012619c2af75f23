"""Celery: the target snapshots, nightly (django-celery-beat) and after designation changes."""

from __future__ import annotations

from celery import shared_task

from demonstration.services import target_snapshots_recompute


@shared_task(
    name="demonstration.target_snapshot_recompute",
    acks_late=True,
    time_limit=15 * 60,
    soft_time_limit=14 * 60,
)
def target_snapshot_recompute(year: int | None = None) -> int:
    """Recompute today's snapshot of the year (default: this year). Idempotent:
    a second run on the same day overwrites the same rows with the same figures."""
    return len(target_snapshots_recompute(year=year))
