"""Visit logging under load: locust users that only post visits (bench/run.py runs it).

Each user posts a visit with a fresh Idempotency-Key (bench/scenario.py's `visit_call`).
With FENGQIAO_BENCH_VISIT_RATE = r > 0 each user starts its visits at the moments of
a Poisson process of rate r a second (exponential gaps, a random first moment): fifty
independent front desks at 4 a second together offer 200 requests a second, arriving
as independent requests do, and the latency shows how the server copes with that
load. A user whose answer comes after its next moment sends at once. With r = 0 each
user sends its next request as soon as the last one is answered: the server's
saturation throughput. By hand:

    FENGQIAO_BENCH_SCENARIO=/tmp/scenario.json FENGQIAO_BENCH_VISIT_RATE=4 \\
        locust -f bench/locust_visits.py --headless -u 50 -r 50 --run-time 30s \\
        --host http://127.0.0.1:8105
"""

from __future__ import annotations

import os
import time

from locust import task

from bench import scenario as s
from bench.locustfile import ScenarioUser


class VisitLogger(ScenarioUser):
    """A front desk that does nothing but log visits."""

    rate = float(os.environ.get(s.VISIT_RATE_ENV) or 0)

    def on_start(self) -> None:
        super().on_start()
        self.next_start = time.monotonic()
        if self.rate > 0:
            self.next_start += self.rng.expovariate(self.rate)
            time.sleep(self.next_start - time.monotonic())  # gevent's sleep, under locust

    def wait_time(self) -> float:
        if self.rate <= 0:
            return 0.0
        self.next_start += self.rng.expovariate(self.rate)
        return max(0.0, self.next_start - time.monotonic())

    @task
    def log_visit(self) -> None:
        self.send(s.visit_call(self.scenario, self.rng))
