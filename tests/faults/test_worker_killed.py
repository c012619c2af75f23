"""A Celery worker is killed (SIGKILL) in the middle of a task: with late
acknowledgement the message stays unacknowledged in Redis, comes back after the
visibility timeout (3 s in tests.faults.worker, 2 h in production), a new worker
runs it again, and the result is the same as running it once (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config.celery import app as celery_app
from demonstration.models import TargetSnapshot
from demonstration.services import target_snapshots_recompute, this_year
from tests.factories.demonstration import designate
from tests.faults.servers import broker, needs_servers, redis_server, wait_until, worker

PORT = 6392


def snapshot_rows() -> list[tuple[Any, ...]]:
    return list(TargetSnapshot.objects.order_by("region_id", "year").values_list(
        "region_id", "year", "date", "total", "demonstration", "meets_target", "shortfall"))


@needs_servers
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_is_killed_runs_again_with_the_same_result(
    world: None, tmp_path: Path
) -> None:
    designate("330681107", this_year())
    with redis_server(PORT, tmp_path) as redis, broker(redis.url):
        with worker(redis, tmp_path, "doomed") as doomed:
            celery_app.send_task("faults.targets_then_linger", args=[this_year()],
                                 ignore_result=True)
            wait_until(lambda: (tmp_path / "start-1").exists() and TargetSnapshot.objects.exists(),
                       seconds=60, what="the first worker to start the task")
            doomed.kill()
        assert not (tmp_path / "done-1").exists()
        # Killed before acknowledging: Redis still holds the message as unacknowledged.
        assert redis.cli("hlen", "unacked").stdout.strip() == "1"
        first = snapshot_rows()

        with worker(redis, tmp_path, "heir") as heir:
            wait_until(lambda: (tmp_path / "done-2").exists(), seconds=60,
                       what=f"a new worker to run the task again:\n{heir.output()}")
            wait_until(lambda: redis.cli("hlen", "unacked").stdout.strip() == "0",
                       seconds=30, what="the second run to be acknowledged")
        assert sorted(p.name for p in tmp_path.glob("start-*")) == ["start-1", "start-2"]

    again = snapshot_rows()
    assert again == first and len(again) == 1
    target_snapshots_recompute(year=this_year())  # running it once more, here
    assert snapshot_rows() == again
    assert again[0][4] == 1  # one demonstration centre, counted once
