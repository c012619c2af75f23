"""Real servers for the fault tests: a redis-server of their own, and Celery workers.

Each test owns a port (6391-6395) so that stopping "the broker" never touches the
shared Redis on 6379, and the workers are subprocesses that read the test
database (PostgreSQL: a `transaction=True` test commits, so they see its rows).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
QUEUES = "interactive,rollups,nightly,celery"
REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"

needs_servers = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker subprocess cannot see SQLite's in-memory test database; "
    "CI runs these on PostgreSQL with Redis",
)


def unused_port() -> int:
    """A free port on loopback for a server of a test's own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_until(check: Callable[[], object], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


class RedisServer:
    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{port}/0"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own arguments
            [REDIS_CLI, "-p", str(self.port), *args],
            capture_output=True, text=True, timeout=10, check=False,
        )

    def is_up(self) -> bool:
        return self.cli("ping").stdout.strip() == "PONG"

    def start(self) -> None:
        assert not self.is_up(), f"port {self.port} is taken by another redis-server"
        assert REDIS_SERVER is not None
        subprocess.run(  # noqa: S603 - our own arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "yes",
             "--dir", str(self.workdir),
             "--pidfile", str(self.workdir / f"redis-{self.port}.pid"),
             "--logfile", str(self.workdir / f"redis-{self.port}.log")],
            check=True, timeout=10,
        )
        wait_until(self.is_up, seconds=10, what=f"redis-server on {self.port}")

    def stop(self) -> None:
        """Stop it the hard way (no save): the broker is gone, with its queues."""
        self.cli("shutdown", "nosave")
        wait_until(lambda: not self.is_up(), seconds=10, what=f"redis {self.port} to stop")


@contextmanager
def redis_server(port: int, workdir: Path) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        pytest.fail("the fault tests need the redis-server binary (apt-get install redis-server)")
    server = RedisServer(port, workdir)
    server.start()
    try:
        yield server
    finally:
        if server.is_up():
            server.stop()


class SentinelServer:
    """A Redis Sentinel watching one master as `name`, quick to call it down (1 s)."""

    def __init__(self, port: int, workdir: Path, master: RedisServer,
                 name: str = "fengqiao") -> None:
        self.port, self.workdir, self.master, self.name = port, workdir, master, name
        self.url = f"sentinel://127.0.0.1:{port}/0"

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own arguments
            [REDIS_CLI, "-p", str(self.port), *args],
            capture_output=True, text=True, timeout=10, check=False,
        )

    def master_port(self) -> int | None:
        answer = self.cli("sentinel", "get-master-addr-by-name", self.name).stdout.split()
        return int(answer[1]) if len(answer) == 2 else None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        config = self.workdir / f"sentinel-{self.port}.conf"  # Sentinel rewrites it
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndaemonize yes\n"
            f"dir {self.workdir}\n"
            f"pidfile {self.workdir / f'sentinel-{self.port}.pid'}\n"
            f"logfile {self.workdir / f'sentinel-{self.port}.log'}\n"
            f"sentinel monitor {self.name} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {self.name} 1000\n"
            f"sentinel failover-timeout {self.name} 5000\n"
        )
        subprocess.run([REDIS_SERVER, str(config), "--sentinel"],  # noqa: S603
                       check=True, timeout=10)
        wait_until(lambda: self.master_port() == self.master.port, seconds=10,
                   what=f"sentinel on {self.port}")

    def stop(self) -> None:
        self.cli("shutdown", "nosave")


@contextmanager
def sentinel_server(port: int, workdir: Path, master: RedisServer) -> Iterator[SentinelServer]:
    sentinel = SentinelServer(port, workdir, master)
    sentinel.start()
    try:
        yield sentinel
    finally:
        sentinel.stop()


def _forget_connections() -> None:
    """Drop the app's pooled broker connections (they know the old URL)."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker(url: str) -> Iterator[None]:
    """Point this process's Celery at `url`, sending for real (not eagerly)."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)
    _forget_connections()
    conf.broker_url = url
    conf.task_always_eager = False
    try:
        yield
    finally:
        _forget_connections()
        conf.broker_url, conf.task_always_eager = saved


def database_url() -> str:
    """The test database (pytest-django's `test_<name>`), for the worker subprocesses."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """`celery -A tests.faults.worker worker` in a subprocess (solo pool: one process)."""

    def __init__(self, redis: RedisServer, workdir: Path, name: str) -> None:
        self.log = workdir / f"worker-{name}.log"
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "FAULTS_MARKERS": str(workdir),
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own arguments
            [sys.executable, "-m", "celery", "-A", "tests.faults.worker", "worker",
             "--pool=solo", "-Q", QUEUES, "-n", f"{name}@faults", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no goodbye, no acknowledgement, the task dies half-way."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def worker(redis: RedisServer, workdir: Path, name: str) -> Iterator[Worker]:
    running = Worker(redis, workdir, name)
    try:
        yield running
    finally:
        running.stop()
