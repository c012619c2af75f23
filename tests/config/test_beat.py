"""The beat schedule lives in settings; django-celery-beat's table mirrors it, once per task."""

from collections import Counter

import pytest
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app

SCHEDULED = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def _start_beat() -> DatabaseScheduler:
    """What `celery beat --scheduler DatabaseScheduler` does when it starts."""
    return DatabaseScheduler(app=app)


def test_every_periodic_task_is_a_registered_task_with_a_route() -> None:
    app.loader.import_default_modules()
    for task in SCHEDULED:
        assert task in app.tasks
        assert task in settings.CELERY_TASK_ROUTES


@pytest.mark.django_db(transaction=True)
def test_migrations_create_no_schedule() -> None:
    assert not PeriodicTask.objects.filter(task__in=SCHEDULED).exists()


@pytest.mark.django_db(transaction=True)
def test_beat_lists_each_periodic_task_once_however_often_it_starts() -> None:
    _start_beat()
    beat = _start_beat()
    assert Counter(e.task for e in beat.schedule.values() if e.task in SCHEDULED) == Counter(
        SCHEDULED
    )
    rows = Counter(PeriodicTask.objects.filter(task__in=SCHEDULED).values_list("task", flat=True))
    assert rows == Counter(SCHEDULED)


@pytest.mark.django_db(transaction=True)
def test_a_database_with_the_rows_the_old_migrations_made_keeps_one_row_per_task() -> None:
    old = CrontabSchedule.objects.create(minute="0", hour="7", timezone="Asia/Shanghai")
    PeriodicTask.objects.create(
        name="cases: mark overdue cases and remind centres",
        task="cases.tasks.cases_mark_overdue",
        crontab=old,
    )
    _start_beat()
    rows = PeriodicTask.objects.filter(task="cases.tasks.cases_mark_overdue")
    assert rows.count() == 1
    crontab = rows.get().crontab
    assert crontab is not None
    assert (crontab.hour, crontab.minute, str(crontab.timezone)) == ("7", "0", "Asia/Shanghai")


@pytest.mark.django_db(transaction=True)
def test_the_nightly_jobs_run_in_shanghai_time() -> None:
    _start_beat()
    for row in PeriodicTask.objects.filter(task__in=SCHEDULED, crontab__isnull=False):
        assert row.crontab is not None
        assert str(row.crontab.timezone) == "Asia/Shanghai"
