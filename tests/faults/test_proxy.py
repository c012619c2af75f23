"""nginx in front of the portal, with the configuration docker compose uses.

The template docker/nginx/portal.conf.template is rendered as the nginx image does
(environment variables only) and served by Debian's nginx in front of the test's
live server: statistics revalidate with 304, static files come gzipped from disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from string import Template

import pytest
import requests
from django.conf import settings

from centres.models import User
from centres.services import api_token_create
from dashboards import rollups
from tests.dashboards.scenario import Scenario
from tests.faults.servers import unused_port, wait_until

ROOT = Path(settings.BASE_DIR)
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is absent; .ci/run installs it")


@contextmanager
def nginx(workdir: Path, *, upstream: str) -> Iterator[str]:
    port = unused_port()
    site = Template((ROOT / "docker" / "nginx" / "portal.conf.template").read_text())
    (workdir / "cache").mkdir()
    (workdir / "portal.conf").write_text(site.safe_substitute(
        PORTAL_UPSTREAM=upstream, PORTAL_LISTEN=f"127.0.0.1:{port}",
        PORTAL_CACHE_DIR=str(workdir / "cache"), PORTAL_STATIC_ROOT=str(ROOT / "static"),
    ))
    temp = " ".join(f"{kind}_temp_path {workdir / kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (workdir / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off; worker_processes 1; pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n"
        f"include {workdir / 'portal.conf'}; }}\n"
    )
    assert NGINX is not None
    server = subprocess.Popen(  # noqa: S603 - our own arguments
        [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _up(base) or server.poll() is not None, seconds=20, what="nginx")
        assert server.poll() is None, server.communicate()[0]
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def _up(base: str) -> bool:
    try:
        requests.get(f"{base}/static/css/portal.css", timeout=2)
    except requests.ConnectionError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_statistics_through_nginx_revalidate_with_304_and_static_files_come_gzipped(
    live_server: object, ministry: User, city_official: User, tmp_path: Path
) -> None:
    Scenario(31).cases(4)
    rollups.rollups_refresh()
    url = "/api/v1/stats/cases/?region=330600"
    mine = {"Authorization": f"Token {api_token_create(user=ministry).key}"}
    theirs = {"Authorization": f"Token {api_token_create(user=city_official).key}"}
    upstream = str(live_server).removeprefix("http://")
    with nginx(tmp_path, upstream=upstream) as base:
        first = requests.get(f"{base}{url}", headers=mine, timeout=30)
        direct = requests.get(f"{live_server}{url}", headers=mine, timeout=30).json()
        assert first.status_code == 200 and first.json() == direct
        etag = first.headers["ETag"]

        cached = requests.get(f"{base}{url}", headers={**mine, "If-None-Match": etag}, timeout=30)
        assert cached.status_code == 304 and not cached.content

        time.sleep(2.1)  # the proxy's copy (1 s, whole seconds) has expired: it revalidates
        revalidated = requests.get(f"{base}{url}", headers={**mine, "If-None-Match": etag},
                                   timeout=30)
        assert revalidated.status_code == 304
        assert revalidated.headers["X-Cache-Status"] == "REVALIDATED"
        full = requests.get(f"{base}{url}", headers=mine, timeout=30)
        assert full.status_code == 200 and full.json() == first.json()

        # Another caller's copy is their own, and the proxy never answers without a caller.
        other = requests.get(f"{base}{url}", headers={**theirs, "If-None-Match": etag},
                             timeout=30)
        assert other.status_code == 200 and other.headers["ETag"] != etag
        assert requests.get(f"{base}{url}", timeout=30).status_code == 401

        css = requests.get(f"{base}/static/css/portal.css", timeout=30,
                           headers={"Accept-Encoding": "gzip"})
        assert css.status_code == 200 and css.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in css.headers["Vary"]
