"""A PostgreSQL primary and a streaming standby of its own, for the replica tests.

Both clusters are made with the server binaries Debian installs (`initdb`,
`pg_basebackup -R`, `pg_ctl`) in a temporary folder, on ports of their own, and
run as the `postgres` user when the tests run as root (PostgreSQL refuses root).
The portal under test is a subprocess (`manage.py runserver`) pointed at both,
so that its reads really cross to another server.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.faults.servers import unused_port, wait_until

_bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
PG_BIN = Path(_bins[-1]).parent if _bins else None
PSQL = shutil.which("psql") or "/usr/bin/psql"

needs_pg_server = pytest.mark.skipif(
    PG_BIN is None or not (PG_BIN / "pg_basebackup").exists(),
    reason="the PostgreSQL server binaries (initdb, pg_basebackup, pg_ctl) are absent; "
    ".ci/run installs them",
)


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class Cluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"postgres://postgres@127.0.0.1:{port}/portal"

    def run(self, tool: str, *args: str, timeout: float = 120) -> str:
        assert PG_BIN is not None
        done = subprocess.run(  # noqa: S603 - our own arguments
            _as_postgres([str(PG_BIN / tool), *args]),
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        assert done.returncode == 0, f"{tool} {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def sql(self, statement: str, database: str = "portal") -> str:
        done = subprocess.run(  # noqa: S603 - our own arguments
            [PSQL, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-qtAX", "-c", statement],
            capture_output=True, text=True, timeout=30, check=False,
        )
        assert done.returncode == 0, f"{statement}: {done.stderr}"
        return done.stdout.strip()

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                 "-w", "-t", "60", "start")

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        assert PG_BIN is not None
        return subprocess.run(  # noqa: S603 - our own arguments
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "status"]),
            capture_output=True, timeout=10, check=False,
        ).returncode == 0


def _settings(port: int, folder: Path) -> str:
    return "\n".join([
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{folder}'",
        "wal_level = replica",
        "max_wal_senders = 4",
        "hot_standby = on",
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "shared_buffers = 32MB",
        "",
    ])


@contextmanager
def primary_and_standby(workdir: Path) -> Iterator[tuple[Cluster, Cluster]]:
    """A primary with a database `portal`, and a hot standby streaming from it."""
    for name in ("primary", "standby"):
        (workdir / name).mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        for name in ("primary", "standby"):
            shutil.chown(workdir / name, "postgres")
    primary = Cluster(workdir / "primary", unused_port())
    standby = Cluster(workdir / "standby", unused_port())
    primary.run("initdb", "-D", str(primary.folder / "data"), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
    with open(primary.folder / "data" / "postgresql.conf", "a") as conf:
        conf.write(_settings(primary.port, primary.folder))
    try:
        primary.start()
        primary.sql("CREATE DATABASE portal", database="postgres")
        standby.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(standby.folder / "data"), "-R", "-X", "stream")
        with open(standby.folder / "data" / "postgresql.auto.conf", "a") as conf:
            conf.write(f"port = {standby.port}\nunix_socket_directories = '{standby.folder}'\n")
        standby.start()
        wait_until(lambda: primary.sql(
            "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == "1",
            seconds=60, what="the standby to stream")
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if cluster.is_running():
                cluster.stop()


def caught_up(primary: Cluster, standby: Cluster) -> bool:
    """Whether the standby has replayed everything the primary has written so far."""
    target = primary.sql("SELECT pg_current_wal_lsn()")
    return standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t"


def wait_caught_up(primary: Cluster, standby: Cluster) -> None:
    wait_until(lambda: caught_up(primary, standby), seconds=60, what="the standby to catch up")


def heartbeat(primary: Cluster) -> float:
    """Commit one transaction on the primary; returns when (the lag is measured from it)."""
    primary.sql("CREATE TABLE IF NOT EXISTS heartbeat (at timestamptz);"
                "INSERT INTO heartbeat VALUES (now())")
    return time.monotonic()
