"""Import uploads are private (issue 15, findings 4 and 8): stored under random names,
served by no URL, deleted once imported; the error report is its owner's for a limited
time; a job whose task raises ends failed with a reason; DEBUG is off by default."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from centres.models import User
from tests.veterans.test_imports import bad_rows, good_row, xlsx
from veterans import imports, services
from veterans.models import ImportJob, Veteran
from veterans.tasks import import_jobs_clean_task, veterans_import_task

pytestmark = pytest.mark.django_db


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, path: Path, capture: Any, mode: str = "valid") -> ImportJob:
    with capture(execute=True):
        answer = client.post("/veterans/import/", {
            "file": SimpleUploadedFile("张三等退役军人名单.xlsx", path.read_bytes()), "mode": mode,
        })
    assert answer.status_code == 302, answer.content[:500]
    return ImportJob.objects.latest("pk")


def test_an_upload_is_stored_under_a_random_name_and_deleted_once_imported(
    alice: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    path = xlsx([good_row(0)], tmp_path)
    with django_capture_on_commit_callbacks(execute=False):
        job = services.import_job_create(
            by=alice, upload=SimpleUploadedFile("张三名单.xlsx", path.read_bytes()), mode="all")
    assert re.fullmatch(r"imports/[0-9a-f]{32}\.xlsx", job.file.name)
    stored = Path(job.file.path)
    assert stored.is_file() and job.original_name == "张三名单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        veterans_import_task(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.rows_imported == 1
    assert job.file.name == "" and not stored.exists()


def test_no_url_serves_the_media_directory() -> None:
    with pytest.raises(Resolver404):
        resolve("/media/imports/0123456789abcdef0123456789abcdef.xlsx")


def test_debug_is_off_when_the_environment_does_not_set_it() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE")}
    out = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DEBUG, bool(s.SECRET_KEY))"],
        cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True, check=True,
    )
    assert out.stdout.split() == ["False", "False"]


def test_a_job_whose_task_raises_ends_failed_with_a_reason_and_no_file(
    alice: User, tmp_path: Path, django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(**kw: Any) -> None:
        raise RuntimeError("duplicate key (id_number)=(330681195001011015)")

    monkeypatch.setattr(imports, "veterans_import", explode)
    client = client_of(alice)
    job = upload(client, xlsx([good_row(0)], tmp_path), django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.finished_at is not None and job.file.name == ""
    assert not Veteran.objects.exists()
    page = client.get(f"/veterans/import/{job.pk}/").content.decode()
    assert 'id="job-failure"' in page and "RuntimeError" in page
    assert "330681195001011015" not in page
    progress = client.get(f"/veterans/import/{job.pk}/progress/").json()
    assert progress["finished"] and progress["status"] == "failed"


def test_a_nul_byte_or_an_over_long_cell_is_a_row_error_and_the_job_finishes(
    alice: User, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    header = ",".join(h for _n, h in imports.COLUMNS)
    rows = [",".join(str(c) for c in good_row(n)) for n in range(3)]
    rows[0] = rows[0].replace("张0", "张\x000")
    rows[1] = rows[1].replace("张1", "张" + "1" * 200_000)
    path = tmp_path / "v.csv"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("utf-8-sig"))
    client = client_of(alice)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/veterans/import/", {
            "file": SimpleUploadedFile("v.csv", path.read_bytes()), "mode": "valid"})
    assert answer.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "done" and (job.rows_imported, job.error_count) == (1, 2)
    assert [(row, column) for row, column, _problem in job.errors] == [(2, "姓名"), (3, "姓名")]
    assert "NUL" in job.errors[0][2] and "1000" in job.errors[1][2]


def test_an_upload_over_the_size_limit_is_refused_by_the_form(
    alice: User, tmp_path: Path, settings: Any
) -> None:
    settings.IMPORT_MAX_BYTES = 1024
    path = xlsx([good_row(n) for n in range(50)], tmp_path)
    answer = client_of(alice).post("/veterans/import/", {
        "file": SimpleUploadedFile("v.xlsx", path.read_bytes()), "mode": "all"})
    assert answer.status_code == 200 and "拆分" in answer.content.decode()
    assert not ImportJob.objects.exists()


def test_the_error_report_is_its_owners_only(
    alice: User, bob: User, county_staff: User, tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    job = upload(client_of(alice), xlsx(bad_rows(), tmp_path), django_capture_on_commit_callbacks)
    assert job.error_count
    owner = client_of(alice)
    assert owner.get(f"/veterans/import/{job.pk}/errors.xlsx").status_code == 200
    assert 'id="errors"' in owner.get(f"/veterans/import/{job.pk}/").content.decode()
    for other in (bob, county_staff):
        c = client_of(other)
        page = c.get(f"/veterans/import/{job.pk}/")
        assert page.status_code == 200 and 'id="errors"' not in page.content.decode()
        assert c.get(f"/veterans/import/{job.pk}/errors.xlsx").status_code == 404


def test_the_clean_up_empties_old_reports_fails_stuck_jobs_and_deletes_leftover_files(
    alice: User, tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any,
) -> None:
    done = upload(client_of(alice), xlsx(bad_rows(), tmp_path), django_capture_on_commit_callbacks)
    long_ago = timezone.now() - datetime.timedelta(days=settings.IMPORT_REPORT_DAYS + 1)
    ImportJob.objects.filter(pk=done.pk).update(finished_at=long_ago)
    with django_capture_on_commit_callbacks(execute=False):
        stuck = services.import_job_create(
            by=alice, upload=SimpleUploadedFile("s.xlsx", b"PK"), mode="all")
    stuck_file = Path(stuck.file.path)
    ImportJob.objects.filter(pk=stuck.pk).update(
        status="running", created_at=timezone.now() - datetime.timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        figures = import_jobs_clean_task()
    assert figures["failed"] == 1 and figures["reports"] == 1
    done.refresh_from_db()
    stuck.refresh_from_db()
    assert done.errors == [] and done.error_count  # the figures stay, the report goes
    assert stuck.status == "failed" and stuck.errors[0][2] and not stuck_file.exists()
    assert "veterans.tasks.import_jobs_clean_task" in {
        entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
