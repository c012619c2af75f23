"""The Celery app the fault tests' workers run: the portal's app and tasks, a
short visibility timeout (an abandoned task comes back within seconds, not 2
hours), and one test-only task that is slow the first time it runs."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings

from config.celery import app

app.conf.broker_transport_options = {
    **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": 3,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
app.conf.task_acks_late = True
app.conf.task_reject_on_worker_lost = True
app.conf.worker_prefetch_multiplier = 1

FIRST_RUN_SLEEP = 120


@app.task(name="faults.targets_then_linger", acks_late=True, time_limit=300)
def targets_then_linger(year: int) -> int:
    """Recompute the year's target snapshots, then (the first time only) linger:
    the test kills the worker while this runs. A marker file per start counts runs."""
    from demonstration.services import target_snapshots_recompute

    markers = Path(os.environ["FAULTS_MARKERS"])
    starts = len(list(markers.glob("start-*")))
    (markers / f"start-{starts + 1}").touch()
    written = len(target_snapshots_recompute(year=year))
    if starts == 0:
        time.sleep(FIRST_RUN_SLEEP)
    (markers / f"done-{starts + 1}").touch()
    return written
