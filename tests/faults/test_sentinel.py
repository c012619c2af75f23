"""Redis behind Sentinel (docs/scaling.md §4): the cache and the broker find the master
through the Sentinels, and the cache follows it through a failover."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.cache import caches
from django.test import override_settings
from redis import Redis

from config.celery import app as celery_app
from tests.faults.servers import (
    ROOT,
    broker,
    redis_server,
    sentinel_server,
    unused_port,
    wait_until,
)


def _sentinel_cache(url: str) -> dict[str, Any]:
    return {"default": {
        "BACKEND": "config.cache.ResilientRedisCache", "LOCATION": url, "KEY_PREFIX": "portal",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5,
                    "sentinel_master": "fengqiao"},
    }}


def test_the_cache_follows_the_master_through_a_failover(tmp_path: Path) -> None:
    with redis_server(unused_port(), tmp_path) as master, \
            redis_server(unused_port(), tmp_path) as replica:
        replica.cli("replicaof", "127.0.0.1", str(master.port))
        wait_until(lambda: "master_link_status:up" in replica.cli("info", "replication").stdout,
                   seconds=10, what="the replica to follow the master")
        with sentinel_server(unused_port(), tmp_path, master) as sentinel, \
                override_settings(CACHES=_sentinel_cache(sentinel.url)):
            cache: Any = caches["default"]
            cache.set("k", "before")
            assert cache.get("k") == "before"
            assert Redis(port=master.port).get("portal:1:k") is not None  # on the master
            wait_until(lambda: sentinel.cli("sentinel", "replicas", "fengqiao").stdout.strip(),
                       seconds=15, what="the sentinel to know the replica")

            master.stop()
            wait_until(lambda: sentinel.master_port() == replica.port, seconds=30,
                       what="the sentinel to promote the replica")

            def written_after() -> bool:
                cache.set("k", "after")  # a miss or a skipped write while it moves
                return bool(cache.get("k") == "after")

            wait_until(written_after, seconds=15, what="the cache on the new master")
            assert Redis(port=replica.port).get("portal:1:k") is not None


def test_celery_publishes_to_the_master_the_sentinels_name(tmp_path: Path) -> None:
    with redis_server(unused_port(), tmp_path) as master, \
            sentinel_server(unused_port(), tmp_path, master) as sentinel:
        conf = celery_app.conf
        saved = dict(conf.broker_transport_options or {})
        conf.broker_transport_options = {**saved, "master_name": "fengqiao"}
        try:
            with broker(sentinel.url.removesuffix("/0")):
                celery_app.send_task("cases.tasks.cases_mark_overdue")
        finally:
            conf.broker_transport_options = saved
        assert master.cli("llen", "nightly").stdout.strip() == "1"


def test_a_sentinel_url_configures_the_broker_the_results_and_the_cache() -> None:
    script = (
        "import json, os\n"
        "os.environ['REDIS_URL'] = 'sentinel://s1:26379;sentinel://s2:26379/2'\n"
        "os.environ['REDIS_SENTINEL_MASTER'] = 'portal'\n"
        "from config import settings as s\n"
        "print(json.dumps({'cache': s.CACHES['default']['OPTIONS'],\n"
        "                  'location': s.CACHES['default']['LOCATION'],\n"
        "                  'broker': s.CELERY_BROKER_URL,\n"
        "                  'broker_options': s.CELERY_BROKER_TRANSPORT_OPTIONS,\n"
        "                  'results': s.CELERY_RESULT_BACKEND,\n"
        "                  'result_options': s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS}))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True, env={"PATH": "/usr/bin:/bin", "DEBUG": "1"},
    )
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["cache"]["sentinel_master"] == "portal"
    assert seen["location"] == seen["broker"] == seen["results"] == (
        "sentinel://s1:26379;sentinel://s2:26379/2")
    assert seen["broker_options"]["master_name"] == "portal"
    assert seen["result_options"] == {"master_name": "portal"}


def test_the_sentinel_location_is_read_as_kombu_writes_it() -> None:
    from config.cache import sentinel_addresses

    assert sentinel_addresses(["sentinel://s1:26379", "sentinel://s2:26380/3"]) == (
        [("s1", 26379), ("s2", 26380)], 3)
    assert sentinel_addresses(["sentinel://s1"]) == ([("s1", 26379)], 0)
