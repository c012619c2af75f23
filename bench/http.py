"""A small HTTP load client on loopback: latency samples and concurrent users.

Plain `http.client` with one keep-alive connection per user: no dependency, and
nothing but the server under test on the other end.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Request = tuple[str, str, bytes | None, dict[str, str]]  # method, path, body, headers
RequestFactory = Callable[[int, int], Request]  # (user number, request number) -> request


@dataclass
class Samples:
    """Latencies in seconds and the status of every answer."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, seconds: float, status: int, ok: bool) -> None:
        self.latencies.append(seconds)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if not ok:
            self.errors += 1

    def merge(self, other: Samples) -> None:
        self.latencies.extend(other.latencies)
        self.errors += other.errors
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count

    def summary(self) -> dict[str, Any]:
        return {"n": len(self.latencies), "errors": self.errors,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                **percentiles_ms(self.latencies)}


def percentiles_ms(latencies: list[float]) -> dict[str, float | None]:
    if len(latencies) < 2:
        value = round(latencies[0] * 1000, 2) if latencies else None
        return {"p50_ms": value, "p95_ms": value, "p99_ms": value, "mean_ms": value}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p95_ms": round(cuts[94] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
    }


class Client:
    """One user: a keep-alive connection, reopened when the server closes it."""

    def __init__(self, host: str, port: int, timeout: float = 30.0) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.last_headers: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        """Status, body and the seconds from sending to the last byte of the answer."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                self.last_headers = {k.lower(): v for k, v in response.getheaders()}
            except (http.client.HTTPException, ConnectionError) as exc:
                self.close()
                if attempt == 2:
                    raise ConnectionError(str(exc)) from exc
                continue  # the server closed an idle keep-alive connection: reconnect once
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            return response.status, data, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run_users(*, host: str, port: int, users: int, seconds: float, max_requests: int,
              make_request: RequestFactory, ok_statuses: tuple[int, ...]) -> dict[str, Any]:
    """`users` concurrent users, each sending requests back to back, for at most `seconds`
    and `max_requests` in all. Throughput counts the answers within the window."""
    deadline = time.perf_counter() + seconds
    budget = threading.Semaphore(max_requests)
    results = [Samples() for _ in range(users)]
    failures = [0] * users

    def user(number: int) -> None:
        client = Client(host, port)
        sent = 0
        while time.perf_counter() < deadline and budget.acquire(blocking=False):
            method, path, body, headers = make_request(number, sent)
            sent += 1
            try:
                status, _, elapsed = client.request(method, path, body, headers)
            except (ConnectionError, TimeoutError):
                failures[number] += 1
                continue
            results[number].add(elapsed, status, status in ok_statuses)
        client.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - started
    total = Samples()
    for samples in results:
        total.merge(samples)
    summary = total.summary()
    summary["errors"] += sum(failures)
    summary["connection_failures"] = sum(failures)
    summary["users"] = users
    summary["seconds"] = round(elapsed, 2)
    summary["throughput_rps"] = round(len(total.latencies) / elapsed, 1) if elapsed else 0.0
    return summary
