"""Celery tasks of the registry: the import runs here, its progress in the cache."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from veterans.imports import import_job_run
from veterans.models import ImportJob

PROGRESS_TTL = 24 * 60 * 60


def progress_key(job_id: int) -> str:
    return f"veterans:import:{job_id}:progress"


def import_progress(job_id: int) -> dict[str, int]:
    return cache.get(progress_key(job_id)) or {"done": 0, "total": 0}


@shared_task(acks_late=True, time_limit=60 * 60, soft_time_limit=59 * 60)
def veterans_import_task(job_id: int, language: str = "") -> dict[str, Any]:
    """Run one import job (idempotent: a finished job is not run again).

    The error report is written in `language`, the language of the person who
    uploaded the file (the worker has no request to take it from).
    """
    with translation.override(language or settings.LANGUAGE_CODE):
        return _import_run(job_id)


def _import_run(job_id: int) -> dict[str, Any]:
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return {"job": job_id, "status": "missing"}
    # Committed on its own, before the import's long transaction, so that the page says so.
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING
    )

    def progress(done: int, total: int) -> None:
        cache.set(progress_key(job_id), {"done": done, "total": total}, PROGRESS_TTL)

    job = import_job_run(job=job, progress=progress)
    progress(job.rows_total, job.rows_total)
    return {"job": job_id, "status": job.status, "imported": job.rows_imported}
