"""import_designations, recompute_targets, the Celery task and its schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from demonstration.models import Designation, TargetSnapshot
from demonstration.services import (
    DesignationRow,
    designation_revoke,
    designations_import,
    this_year,
)
from demonstration.tasks import target_snapshot_recompute
from tests.factories.demonstration import county_with_townships, designate

pytestmark = pytest.mark.django_db


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / f"designations-{encoding}.csv"
    path.write_bytes(text.encode(encoding))
    return path


GOOD = "region_code,year,grade\n330681,2021,\n330681101,2022,provincial\n330681102000,2023,city\n"


def snapshot_rows() -> list[tuple[Any, ...]]:
    return list(
        TargetSnapshot.objects.order_by("region_id", "year").values_list(
            "region_id", "year", "date", "total", "demonstration", "meets_target", "shortfall"
        )
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_import_designations_names_the_centres_of_the_file(
    tmp_path: Path, encoding: str
) -> None:
    county_with_townships("330681", 4)
    call_command("import_designations", write(tmp_path, GOOD, encoding))
    rows = list(
        Designation.objects.order_by("year").values_list("centre__region_id", "year", "grade",
                                                         "source")
    )
    assert rows == [
        ("330681000000", 2021, "national", "imported"),
        ("330681101000", 2022, "provincial", "imported"),
        ("330681102000", 2023, "city", "imported"),
    ]


def test_importing_the_same_list_twice_changes_nothing(tmp_path: Path) -> None:
    county_with_townships("330681", 4)
    path = write(tmp_path, GOOD)
    call_command("import_designations", path)
    before = list(Designation.objects.values_list("id", "centre_id", "year", "grade"))
    call_command("import_designations", path)
    assert list(Designation.objects.values_list("id", "centre_id", "year", "grade")) == before


def test_a_file_with_one_bad_row_changes_nothing(tmp_path: Path) -> None:
    county_with_townships("330681", 4)
    designate("330681103", 2020)
    before = list(Designation.objects.values_list("id", "centre_id", "year", "grade"))
    snapshots_before = snapshot_rows()
    text = GOOD + "330681104,20x4,\n"
    with pytest.raises(CommandError) as caught:
        call_command("import_designations", write(tmp_path, text, "gb18030"))
    message = str(caught.value)
    assert "第5行" in message and "20x4" in message
    assert "1行错误，未导入任何数据" in message
    assert list(Designation.objects.values_list("id", "centre_id", "year", "grade")) == before
    assert snapshot_rows() == snapshots_before


def test_every_bad_row_is_named_in_chinese(tmp_path: Path) -> None:
    county_with_townships("330681", 1)
    text = (
        "region_code,year,grade\n33068,2021,\n999999,2021,\n330681,2021,gold\n"
        "330681101,2021,\n330681101,2021,city\n"
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_designations", write(tmp_path, text))
    message = str(caught.value)
    assert "第2行" in message and "6位、9位或12位" in message
    assert "第3行" in message and "没有服务中心" in message
    assert "第4行" in message and "gold" in message
    assert "第6行" in message and "与第5行重复" in message
    assert not Designation.objects.exists()


def test_the_import_recomputes_the_target_after_commit(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    county_with_townships("330681", 4)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("import_designations", write(tmp_path, GOOD))
    assert len(callbacks) == 1
    snapshot = TargetSnapshot.objects.get(region_id="330681000000", year=this_year())
    assert (snapshot.total, snapshot.demonstration, snapshot.meets_target) == (5, 3, True)


def test_the_nightly_task_the_on_commit_task_and_the_command_give_the_same_answer(
    django_capture_on_commit_callbacks: Any, ministry: Any
) -> None:
    eligible = county_with_townships("330681", 10)  # 11 eligible
    county_with_townships("430181", 4, model_year=2025)  # 5 eligible
    for code in [*eligible[:5], "430181101"]:
        designate(code, 2024)
    revoked = designate("430181102", 2023)

    # A designation change enqueues the task once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        designations_import(rows=[DesignationRow(region_code=eligible[5], year=2024,
                                                 grade="city")])
        assert not TargetSnapshot.objects.exists()  # nothing before the commit
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        designation_revoke(designation=revoked, by=ministry, reason="复核")
    assert len(callbacks) == 1
    by_on_commit = snapshot_rows()
    TargetSnapshot.objects.all().delete()

    target_snapshot_recompute.delay()  # what beat sends at 02:00 (eager here)
    by_task = snapshot_rows()
    TargetSnapshot.objects.all().delete()

    call_command("recompute_targets")
    by_command = snapshot_rows()

    assert by_command == by_task == by_on_commit
    zhuji = next(r for r in by_command if r[0] == "330681000000")
    assert zhuji[3:] == (11, 6, False, 1)
    liuyang = next(r for r in by_command if r[0] == "430181000000")
    assert liuyang[3:] == (5, 1, False, 2)


def test_recomputing_twice_on_the_same_day_keeps_one_row_per_region() -> None:
    county_with_townships("330681", 2)
    call_command("recompute_targets")
    target_snapshot_recompute.delay()
    assert TargetSnapshot.objects.count() == 1


def test_recompute_targets_takes_a_year() -> None:
    county_with_townships("330681", 2, model_year=2021)
    call_command("recompute_targets", "--year", "2020")
    assert not TargetSnapshot.objects.exists()
    call_command("recompute_targets", "--year", "2022")
    assert TargetSnapshot.objects.get().year == 2022


def test_a_snapshot_of_an_earlier_day_is_kept(time_machine: Any) -> None:
    eligible = county_with_townships("330681", 4)
    time_machine.move_to("2026-03-01 10:00+08:00")
    call_command("recompute_targets")
    designate(eligible[0], 2026)
    time_machine.move_to("2026-03-02 10:00+08:00")
    call_command("recompute_targets")
    rows = list(TargetSnapshot.objects.order_by("date").values_list("date", "demonstration"))
    assert [(str(d), n) for d, n in rows] == [("2026-03-01", 0), ("2026-03-02", 1)]


def test_beat_recomputes_the_targets_at_two_shanghai_time(beat_started: None) -> None:
    task = PeriodicTask.objects.get(task="demonstration.target_snapshot_recompute")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("0", "2")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_the_task_is_late_acknowledged_and_time_limited() -> None:
    assert target_snapshot_recompute.acks_late is True
    assert target_snapshot_recompute.time_limit
    assert target_snapshot_recompute.soft_time_limit
