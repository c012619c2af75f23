"""Profile one visit POST in-process: queries and (under callgrind) instructions per request.

    DATABASE_URL=postgres://... REDIS_URL=redis://... \\
        .venv/bin/python -m bench.visit_post_profile -n 200
    ... -m bench.visit_post_profile -n 50 --callgrind     # instructions per POST too

`POST /api/v1/visits/` goes through the whole Django stack (middleware, token
authentication, the serializer, `visit_log`) with Django's test client, as the
bench's staff member with an `Authorization: Token` header and a fresh
Idempotency-Key each time; no server and no load generator. The database must hold
generated data (`make bench` or `manage.py generate_national`): the veterans are
sampled from it, and the visits (and their audit entries) stay in it.

Instructions are repeatable on a busy machine where wall-clock times are not: with
--callgrind this script runs itself twice under `valgrind --tool=callgrind`, with 0
and with N requests after the same warm-up, and divides the difference by N.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WARM_UP = 20
# Under valgrind 30 s are a handful of requests: the token's cache entry must outlive
# the run, or the count would depend on the machine's speed.
CALLGRIND_ENV = {"PYTHONHASHSEED": "0", "API_TOKEN_CACHE_SECONDS": "3600"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.visit_post_profile", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--requests", type=int, default=200, help="measured POSTs")
    p.add_argument("--callgrind", action="store_true",
                   help="also count instructions per POST under valgrind's callgrind")
    p.add_argument("--show-queries", action="store_true",
                   help="print the SQL of one measured POST")
    p.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # the child runs
    return p.parse_args(argv)


def setup() -> tuple[Any, list[tuple[int, str]]]:
    """Django as the bench's gunicorn runs it; a client with the staff token; veterans."""
    from bench.run import bench_users, configure_environment, samples

    configure_environment()
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    _, staff_token, _ = bench_users()
    _, _, visitors = samples(seed=1)
    if not visitors:
        sys.exit("The database has no veterans: generate data first (make bench, or "
                 "manage.py generate_national --scale 0.02).")
    client = Client(HTTP_AUTHORIZATION=f"Token {staff_token}", secure=True)
    return client, visitors


def post(client: Any, visitors: list[tuple[int, str]], number: int) -> None:
    veteran, home = visitors[number % len(visitors)]
    body = {"veteran": veteran, "centre": home, "channel": "phone", "purpose": "policy",
            "summary": "性能剖析（模拟）"}
    response = client.post("/api/v1/visits/", json.dumps(body), content_type="application/json",
                           headers={"Idempotency-Key": str(uuid.uuid4())})
    if response.status_code != 201:
        sys.exit(f"POST answered {response.status_code}: {response.content[:500]!r}")


def measure(n: int, show_queries: bool) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, visitors = setup()
    for number in range(WARM_UP):
        post(client, visitors, number)
    counts, seconds = [], []
    shown: list[str] = []
    for number in range(WARM_UP, WARM_UP + n):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            post(client, visitors, number)
            seconds.append(time.perf_counter() - started)
        counts.append(len(queries))
        shown = shown or [q["sql"] for q in queries.captured_queries]
    if show_queries:
        print("\n".join(f"  {sql[:160]}" for sql in shown))
    return {
        "requests": n,
        "queries_per_request": statistics.mean(counts) if counts else None,
        "queries_min_max": [min(counts), max(counts)] if counts else None,
        "ms_median": round(statistics.median(seconds) * 1000, 2) if seconds else None,
    }


def child(n: int) -> None:
    """Under callgrind: the same setup and warm-up, then n POSTs, nothing measured."""
    client, visitors = setup()
    for number in range(WARM_UP + n):
        post(client, visitors, number)


def instructions(n: int) -> int:
    """Total instructions of a child run with n POSTs, counted by callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--quiet",
             sys.executable, "-m", "bench.visit_post_profile", "--json", "-n", str(n)],
            cwd=ROOT, check=True, env={**os.environ, **CALLGRIND_ENV},
        )
        found = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if found is None:
            raise RuntimeError("callgrind wrote no totals")
        return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.json:
        child(args.requests)
        return 0
    result = measure(args.requests, args.show_queries)
    from django.conf import settings

    result["token_cache_seconds"] = getattr(settings, "API_TOKEN_CACHE_SECONDS", 0)
    if args.callgrind:
        base, loaded = instructions(0), instructions(args.requests)
        result["instructions_per_request"] = (loaded - base) // max(args.requests, 1)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
