"""Why config/bulkload.py writes SQL: COPY and INSERT … SELECT against the ORM's bulk_create.

    DATABASE_URL=postgres://... .venv/bin/python -m bench.bulkload_vs_orm [--rows 100000]

Loads the same synthetic village regions, then a centre for each, both ways, each
inside a transaction that is rolled back (the database is left as it was), and prints
rows per second and the ratio as Markdown; bench/results/bulkload_vs_orm.md keeps the
last run. PostgreSQL only: elsewhere bulkload already uses bulk_create.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402

from centres.generation import centres_generate  # noqa: E402
from centres.models import Centre, Region  # noqa: E402
from config.bulkload import load_rows  # noqa: E402

COLUMNS = ["code", "name", "level", "parent_id", "model_year"]


class _Rollback(Exception):
    pass


def _villages(n: int) -> Iterator[tuple[str, str, str, None, None]]:
    for i in range(n):
        # Province 99 does not exist: the rows never meet real ones.
        code = f"99{i // 1_000_000:02d}{(i // 1000) % 100:02d}{(i // 10) % 100:03d}{i % 1000:03d}"
        yield code[:12].ljust(12, "1"), f"基准村{i}", "village", None, None


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def _orm_regions(n: int) -> None:
    batch: list[Region] = []
    for code, name, level, _, _ in _villages(n):
        batch.append(Region(code=code, name=name, level=level))
        if len(batch) == 5000:
            Region.objects.bulk_create(batch)
            batch = []
    Region.objects.bulk_create(batch)


def _orm_centres() -> None:
    batch: list[Centre] = []
    rows = Region.objects.filter(code__startswith="99").order_by("code")
    for code, name, level in rows.values_list("code", "name", "level").iterator(5000):
        batch.append(Centre(region_id=code, level=level, name=f"{name}退役军人服务站"))
        if len(batch) == 5000:
            Centre.objects.bulk_create(batch)
            batch = []
    Centre.objects.bulk_create(batch)


def _run(regions: Callable[[], object], centres: Callable[[], object]) -> tuple[float, float]:
    timings: list[float] = []
    try:
        with transaction.atomic():
            timings.append(_timed(regions))
            timings.append(_timed(centres))
            raise _Rollback
    except _Rollback:
        pass
    return timings[0], timings[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    n = parser.parse_args().rows
    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only (DATABASE_URL=postgres://...)")
    if Region.objects.exists():
        # centres_generate numbers every region's centre: an empty database keeps it simple.
        raise SystemExit("run on an empty (migrated) database")
    orm = _run(lambda: _orm_regions(n), _orm_centres)
    sql = _run(lambda: load_rows(Region, COLUMNS, _villages(n)), centres_generate)
    print(f"| {n:,} villages | bulk_create rows/s | bulkload rows/s | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for label, a, b in [("regions (COPY)", orm[0], sql[0]),
                        ("centres (INSERT … SELECT)", orm[1], sql[1])]:
        print(f"| {label} | {n / a:,.0f} | {n / b:,.0f} | {a / b:.1f}× |")


if __name__ == "__main__":
    main()
