"""nginx in front of the portal, with the configuration docker compose uses.

The template docker/nginx/portal.conf.template, rendered as the nginx image does
(bench/proxy.py), served by Debian's nginx in front of the test's live server:
statistics revalidate with 304, static files come gzipped from disk.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

from bench.proxy import NGINX, nginx_in_front
from centres.models import User
from centres.services import api_token_create
from dashboards import rollups
from tests.dashboards.scenario import Scenario

ROOT = Path(settings.BASE_DIR)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is absent; .ci/run installs it")


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
    with nginx_in_front(tmp_path, upstream=upstream, static_root=ROOT / "static") as base:
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
