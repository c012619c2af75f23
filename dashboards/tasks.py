"""Keeping the rollups current: a refresh every minute, a full rebuild each night.

Both are idempotent (they recompute from the raw rows) and serialised by a row
lock, so two workers running them at once do the work once and agree.
"""

from celery import shared_task

from dashboards import rollups


@shared_task(acks_late=True, time_limit=5 * 60, soft_time_limit=4 * 60)
def rollups_refresh() -> int:
    return rollups.rollups_refresh()


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=55 * 60)
def rollups_rebuild() -> int:
    return rollups.rollups_rebuild()
