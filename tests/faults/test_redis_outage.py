"""Redis (the broker) stops while visits are logged, cases move and designations
change: every write succeeds and is stored; once Redis is back the outbox's flush
and a real worker run the tasks the writes owe, and the rollups end equal to a
recomputation. Real servers: a redis-server of the test's own, PostgreSQL, a
`celery worker` subprocess."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from cases.models import Case, CaseEvent
from centres.models import User
from config.celery import app as celery_app
from dashboards.models import RollupState
from dashboards.rollups import STATE, rollups_differences, rollups_refresh
from demonstration.models import Designation, TargetSnapshot
from demonstration.services import (
    DesignationRow,
    designations_import,
    target_snapshots_recompute,
    this_year,
)
from outbox.models import OutboxTask
from tests.conftest import api_as
from tests.factories.cases import case_make, escalate_once, staff_at
from tests.factories.centres import centre
from tests.factories.veterans import veteran_make
from tests.faults.servers import broker, needs_servers, redis_server, wait_until, worker
from veterans.models import Visit
from veterans.services import visit_log

PORT = 6391
MODEL_REGION = "330681000000"


def log_visit(by: User, n: int) -> Visit:
    visit, created = visit_log(
        by=by, veteran=veteran_make("330681107201"), centre=centre("330681107"),
        channel="in_person", purpose="rights", summary=f"第{n}次来访",
    )
    assert created
    return visit


def designate(code: str) -> None:
    designations_import(rows=[DesignationRow(region_code=code, year=this_year(),
                                             grade="national")])


def snapshot_rows() -> list[tuple[Any, ...]]:
    return list(TargetSnapshot.objects.filter(year=this_year()).order_by("region_id").values_list(
        "region_id", "date", "total", "demonstration", "meets_target", "shortfall"))


@needs_servers
@pytest.mark.django_db(transaction=True)
def test_writes_survive_a_broker_outage_and_their_tasks_run_once_it_is_back(
    world: None, alice: User, tmp_path: Path
) -> None:
    village = staff_at("330681107201", "village")
    with redis_server(PORT, tmp_path) as redis, broker(redis.url):
        # Before: the portal works and the rollups are current.
        log_visit(alice, 1)
        moving = case_make(code="330681107201", by=village)
        assert rollups_refresh() >= 0

        redis.stop()
        # During: every write succeeds and is stored; the tasks they owe wait in the outbox.
        log_visit(alice, 2)
        answer = api_as(alice).post(
            "/api/v1/visits/",
            {"veteran": veteran_make().pk, "centre": "330681107", "channel": "phone",
             "purpose": "employment", "summary": "求职"},
            format="json", HTTP_IDEMPOTENCY_KEY="outage-1",
        )
        assert answer.status_code == 201, answer.content
        escalate_once(moving, village)
        case_make(code="330681107201", by=village, summary="停电期间登记的纠纷")
        answer = api_as(alice).post(
            "/api/v1/cases/",
            {"centre": "330681107", "category": "other", "summary": "停电期间的接访"},
            format="json", HTTP_IDEMPOTENCY_KEY="outage-case",
        )
        assert answer.status_code == 201, answer.content
        designate("330681107000")
        designate("330681108000")

        assert Visit.objects.count() == 3
        assert Case.objects.count() == 3
        assert CaseEvent.objects.filter(case=moving, kind="escalate").exists()
        assert Designation.objects.filter(year=this_year()).count() == 2
        owed = list(OutboxTask.objects.filter(sent_at__isnull=True))
        assert [(o.task, o.args) for o in owed] == [
            ("demonstration.target_snapshot_recompute", [this_year()])] * 2
        assert all(o.attempts == 1 and "6391" in o.last_error for o in owed)
        assert not TargetSnapshot.objects.exists()

        # After: Redis is back (empty: it saved nothing); the flush sends what is owed.
        redis.start()
        call_command("outbox_flush", "--seconds", "30")
        assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()
        version = RollupState.objects.get(name=STATE).version
        celery_app.send_task("dashboards.tasks.rollups_refresh", ignore_result=True)  # beat's

        with worker(redis, tmp_path, "after-outage") as running:
            wait_until(
                lambda: TargetSnapshot.objects.filter(region_id=MODEL_REGION).exists()
                and RollupState.objects.get(name=STATE).version > version,
                seconds=90, what="the worker to run the owed tasks",
            )
            wait_until(lambda: redis.cli("llen", "nightly").stdout.strip() == "0",
                       seconds=30, what="the nightly queue to drain")
            assert "target_snapshot_recompute" in running.output()

    snapshot = TargetSnapshot.objects.get(region_id=MODEL_REGION, year=this_year())
    assert snapshot.demonstration == 2
    by_worker = snapshot_rows()
    target_snapshots_recompute(year=this_year())
    assert snapshot_rows() == by_worker  # what the worker stored is the recomputation
    rollups_refresh()
    assert rollups_differences() == []
