"""The outbox: a write owes its tasks in its own transaction; a broker that is
down fails no write, and the flush sends what is owed once it is back.

These run everywhere (SQLite too): "the broker is down" is a port where nothing
listens. The real-server versions are in test_redis_outage.py and test_worker_killed.py.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from centres.models import User
from config.celery import app as celery_app
from demonstration.models import Designation, TargetSnapshot
from demonstration.services import DesignationRow, designations_import, this_year
from outbox.models import OutboxTask
from outbox.services import outbox_enqueue, outbox_flush
from tests.factories.demonstration import county_with_townships
from tests.faults.servers import broker
from tests.veterans.test_imports import good_row, xlsx
from veterans.models import ImportJob
from veterans.services import import_job_create

NOBODY_LISTENS = "redis://127.0.0.1:6395/0"


def test_a_designation_change_commits_while_the_broker_is_down_and_owes_its_task(
    django_capture_on_commit_callbacks: Any,
) -> None:
    townships = county_with_townships("330681", 3)
    with broker(NOBODY_LISTENS), django_capture_on_commit_callbacks(execute=True):
        designations_import(rows=[DesignationRow(region_code=townships[1], year=this_year(),
                                                 grade="national")])
    assert Designation.objects.filter(region_id=townships[1]).exists()
    owed = OutboxTask.objects.get()
    assert (owed.task, owed.args) == ("demonstration.target_snapshot_recompute", [this_year()])
    assert owed.sent_at is None and owed.attempts == 1 and owed.last_error
    assert not TargetSnapshot.objects.exists()

    # The broker is back (here: eager, in-process): the flush runs what is owed, once.
    assert outbox_flush() == {"sent": 1, "failed": 0, "unsent": 0}
    snapshot = TargetSnapshot.objects.get(region_id="330681000000", year=this_year())
    assert snapshot.demonstration == 1
    owed.refresh_from_db()
    assert owed.sent_at is not None and owed.attempts == 2 and owed.last_error == ""
    assert outbox_flush() == {"sent": 0, "failed": 0, "unsent": 0}


def test_an_upload_is_accepted_while_the_broker_is_down_and_imported_after(
    county_staff: User, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    path = xlsx([good_row(1), good_row(2)], tmp_path)
    with broker(NOBODY_LISTENS), django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            by=county_staff, upload=SimpleUploadedFile(path.name, path.read_bytes()),
            mode="valid",
        )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    assert OutboxTask.objects.get().args == [job.pk, "zh-hans"]  # the report's language

    call_command("outbox_flush")
    job.refresh_from_db()
    assert (job.status, job.rows_imported) == (ImportJob.Status.DONE, 2)


def test_a_rolled_back_write_owes_nothing() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task="demonstration.target_snapshot_recompute", args=[2026])
        raise RuntimeError("the write failed")
    assert not OutboxTask.objects.exists()


def test_the_hook_sends_at_once_when_the_broker_is_up(
    django_capture_on_commit_callbacks: Any,
) -> None:
    county_with_townships("330681", 2)
    with django_capture_on_commit_callbacks(execute=True) as hooks:
        outbox_enqueue(task="demonstration.target_snapshot_recompute", args=[this_year()])
    assert len(hooks) == 1
    assert OutboxTask.objects.get().sent_at is not None
    assert TargetSnapshot.objects.filter(year=this_year()).exists()


def test_the_command_says_what_is_still_owed_when_the_broker_stays_down(
    capsys: pytest.CaptureFixture[str],
) -> None:
    OutboxTask.objects.create(task="demonstration.target_snapshot_recompute", args=[2026])
    with broker(NOBODY_LISTENS):
        call_command("outbox_flush", "--seconds", "5")
    assert "0 sent, 1 failed, 1 still owed." in capsys.readouterr().out
    assert OutboxTask.objects.get().attempts == 1


def test_beat_flushes_the_outbox_every_minute(beat_started: None) -> None:
    task = PeriodicTask.objects.get(task="outbox.tasks.outbox_flush")
    assert task.enabled and task.interval is not None
    assert task.interval.schedule.run_every == datetime.timedelta(minutes=1)


def test_the_tasks_the_outbox_names_exist() -> None:
    celery_app.loader.import_default_modules()
    for name in ("demonstration.target_snapshot_recompute", "veterans.tasks.veterans_import_task",
                 "outbox.tasks.outbox_flush"):
        assert name in celery_app.tasks


def test_celery_is_configured_to_lose_no_task() -> None:
    """acks_late + reject_on_worker_lost + prefetch 1, time limits everywhere, and a
    visibility timeout longer than the longest time limit (else a long task runs twice)."""
    celery_app.loader.import_default_modules()
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    ours = [t for name, t in celery_app.tasks.items() if not name.startswith("celery.")]
    assert ours and all((t.time_limit or conf.task_time_limit) for t in ours)
    longest = max(t.time_limit or conf.task_time_limit for t in ours)
    assert django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > longest
    routes = django_settings.CELERY_TASK_ROUTES
    for name, queue in [("veterans.tasks.veterans_import_task", "interactive"),
                        ("dashboards.tasks.rollups_refresh", "rollups"),
                        ("dashboards.tasks.rollups_rebuild", "rollups"),
                        ("demonstration.target_snapshot_recompute", "nightly"),
                        ("cases.tasks.cases_mark_overdue", "nightly")]:
        assert name in celery_app.tasks and routes[name] == {"queue": queue}


@pytest.fixture(autouse=True)
def _db(db: Any, world: None) -> None:
    """Every test here writes."""


def test_the_flush_forgets_rows_sent_more_than_a_week_ago() -> None:
    now = timezone.now()
    old = OutboxTask.objects.create(task="x", sent_at=now - datetime.timedelta(days=8))
    recent = OutboxTask.objects.create(task="x", sent_at=now - datetime.timedelta(days=6))
    outbox_flush()
    assert list(OutboxTask.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not OutboxTask.objects.filter(pk=old.pk).exists()
