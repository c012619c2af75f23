"""Reads really move to a streaming standby, and back to the primary when they must.

The portal runs as a subprocess against a primary and a hot standby of the test's
own (tests/faults/postgres.py). The marker is a region renamed on the primary while
the standby's replay is paused: an answer with the old name was read on the
standby, one with the new name on the primary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.faults.postgres import (
    Cluster,
    heartbeat,
    needs_pg_server,
    primary_and_standby,
    wait_caught_up,
)
from tests.faults.servers import unused_port, wait_until

ROOT = Path(settings.BASE_DIR)
MAX_LAG = 10  # seconds of replay lag the portal tolerates in this test
PIN = 3  # seconds a client reads from the primary after its own write
OLD, NEW = "诸暨市", "诸暨市（主库）"
REGIONS = """code,name,model_year
330000000000,浙江省,
330600000000,绍兴市,2017
330681000000,诸暨市,2021
"""

pytestmark = [needs_pg_server]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def deployment() -> Iterator[dict[str, object]]:
    # Not under pytest's tmp folder: that is root's alone, and the servers run as postgres.
    workdir = Path(tempfile.mkdtemp(prefix="fengqiao-replica-"))
    with primary_and_standby(workdir) as (primary, standby):
        env = {key: value for key, value in os.environ.items()
               if key not in ("DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL")}
        env.update(DATABASE_URL=primary.url, DEBUG="1", ROLLUPS_REFRESH_ON_READ="0")
        manage(env, "migrate", "--noinput")
        (workdir / "regions.csv").write_text(REGIONS, encoding="utf-8")
        manage(env, "import_regions", str(workdir / "regions.csv"))
        manage(env, "create_staff", "--username", "province", "--password", "pw-Province-1",
               "--region", "330000", "--role", "official")
        token = manage(env, "create_api_token", "province").strip()
        wait_caught_up(primary, standby)
        port = unused_port()
        env.update(DATABASE_REPLICA_URL=standby.url, REPLICA_MAX_LAG_SECONDS=str(MAX_LAG),
                   REPLICA_CHECK_SECONDS="0", REPLICA_PIN_SECONDS=str(PIN))
        server = subprocess.Popen(  # noqa: S603 - our own arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: _answers(f"{base}/healthz/"), seconds=60, what="the portal")
            yield {"primary": primary, "standby": standby, "base": base, "token": token}
        finally:
            server.terminate()
            server.wait(timeout=30)
    shutil.rmtree(workdir, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def zhuji_name(base: str, client: requests.Session) -> str:
    """The model region's name as the statistics API reads it (a replica view)."""
    answer = client.get(f"{base}/api/v1/stats/targets/", params={"region": "330681000000"},
                        timeout=30)
    assert answer.status_code == 200, answer.text
    rows = answer.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    return str(rows[0]["name"])


def sign_in(base: str) -> requests.Session:
    """A browser session of the provincial official (logging in writes the session)."""
    browser = requests.Session()
    assert browser.get(f"{base}/accounts/login/", timeout=30).status_code == 200
    signed_in = browser.post(f"{base}/accounts/login/", timeout=30, data={
        "username": "province", "password": "pw-Province-1",
        "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": f"{base}/accounts/login/"})
    assert signed_in.status_code == 200 and "fq_primary_until" in browser.cookies
    return browser


def test_reads_go_to_the_standby_until_it_lags_or_stops(deployment: dict[str, object]) -> None:
    primary, standby = deployment["primary"], deployment["standby"]
    assert isinstance(primary, Cluster) and isinstance(standby, Cluster)
    base = str(deployment["base"])
    api = requests.Session()
    api.headers["Authorization"] = f"Token {deployment['token']}"
    assert requests.get(f"{base}/healthz/", timeout=10).json()["replica"] == "ok"
    browser = sign_in(base)
    time.sleep(PIN + 0.5)  # the login's pin to the primary has run out

    # Replay paused on the standby; the region renamed on the primary only.
    heartbeat(primary)
    wait_caught_up(primary, standby)
    since = time.monotonic()
    standby.sql("SELECT pg_wal_replay_pause()")
    primary.sql(f"UPDATE centres_region SET name = '{NEW}' WHERE code = '330681000000'")  # noqa: S608

    # A statistics read by a client that has not written comes from the standby.
    assert zhuji_name(base, api) == OLD
    # So does a dashboard page.
    page = browser.get(f"{base}/dashboard/330600000000/", timeout=30).text
    assert OLD in page and NEW not in page
    # A person's read right after their own write (a new login) comes from the primary.
    assert zhuji_name(base, sign_in(base)) == NEW
    assert time.monotonic() - since < MAX_LAG, "the machine was too slow to show the standby"

    # Once the paused replay lags beyond the bound, everyone reads the primary.
    time.sleep(max(0.0, MAX_LAG + 1 - (time.monotonic() - since)))
    health = requests.get(f"{base}/healthz/", timeout=10).json()
    assert health["replica"] == "lagging" and health["replica_lag_seconds"] > MAX_LAG
    assert zhuji_name(base, api) == NEW

    # Replay resumed: the standby serves again, and has the new name.
    standby.sql("SELECT pg_wal_replay_resume()")
    wait_caught_up(primary, standby)
    heartbeat(primary)
    wait_caught_up(primary, standby)
    wait_until(lambda: requests.get(f"{base}/healthz/", timeout=10).json()["replica"] == "ok",
               seconds=30, what="the replica to be used again")
    assert zhuji_name(base, api) == NEW

    # The standby stopped: every page still answers, from the primary.
    standby.stop()
    assert zhuji_name(base, api) == NEW
    assert requests.get(f"{base}/healthz/", timeout=10).json()["replica"] == "down"
    for path in ("/dashboard/", "/dashboard/330600000000/", "/demonstration/targets/",
                 "/api/v1/stats/cases/?region=330600000000"):
        assert browser.get(f"{base}{path}", timeout=30).status_code == 200, path
