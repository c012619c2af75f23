"""Benchmark: import 100,000 veterans from .xlsx (goal: under 60 s and under 500 MB).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fengqiao_veterans \\
        python bench/import_veterans.py [--rows 100000] [--mode all|valid]

It needs migrated, seeded data (`migrate` + `seed_demo`: the demo villages of
诸暨市 and the nationwide `admin`). The workbook is generated in a child process
so that the peak memory reported (ru_maxrss of this process) is the import's.
The veterans it makes are named 基准… and removed before and after the run.
Not a test: it reports one run's figures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def generate(path: Path, rows: int) -> None:
    import openpyxl

    from veterans.idnumbers import check_character
    from veterans.imports import COLUMNS

    villages = [f"330681107{200 + v:03d}" for v in range(1, 6)] + [
        f"330681{100 + t:03d}{200 + v:03d}" for t in range(1, 5) for v in range(1, 6)
    ]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("退役军人")
    sheet.append([header for _name, header in COLUMNS])
    start = datetime.date(1940, 1, 1)
    for n in range(rows):
        born = start + datetime.timedelta(days=n // 1000)
        first17 = f"330681{born:%Y%m%d}{n % 1000:03d}"
        sheet.append([
            # Empty cells are None: Excel writes no cell at all for them.
            f"基准{n}", first17 + check_character(first17), villages[n % len(villages)],
            None, None, f"138{n:08d}", 1960 + n % 60, "退伍", None, None,
            "是" if n % 7 == 0 else None, None, None,
        ])
    book.save(path)


def cleanup() -> int:
    from django.db import connection, transaction

    # The audit log refuses deletes through the ORM on purpose; the benchmark's
    # own synthetic rows are removed with SQL.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM veterans_auditentry WHERE object_type = 'veterans.veteran' AND "
            "object_id IN (SELECT CAST(id AS VARCHAR) FROM veterans_veteran "
            "WHERE name LIKE %s)",
            ["基准%"],
        )
        cursor.execute("DELETE FROM veterans_veteran WHERE name LIKE %s", ["基准%"])
        return int(cursor.rowcount)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", choices=["all", "valid"], default="all")
    parser.add_argument("--file", type=Path,
                        default=Path(tempfile.gettempdir()) / "bench-veterans.xlsx")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    if args.generate_only:
        generate(args.file, args.rows)
        return
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--generate-only", "--rows", str(args.rows),
         "--file", str(args.file)],
        check=True,
    )
    generated = time.perf_counter() - t0
    from django.db import connection

    from centres.models import User
    from veterans.imports import veterans_import

    removed = cleanup()
    admin = User.objects.get(username="admin")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    result = veterans_import(path=args.file, mode=args.mode, by=admin)
    seconds = time.perf_counter() - t1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    cleanup()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"file: {args.file} ({args.file.stat().st_size / 1e6:.1f} MB), generated in "
          f"{generated:.1f} s; {removed} earlier benchmark rows removed")
    print(f"rows: {result.total}, imported: {result.imported}, errors: {result.error_count}")
    print(f"import: {seconds:.1f} s, {result.total / seconds:,.0f} rows/s "
          f"(veterans + one audit entry each)")
    print(f"peak memory (ru_maxrss): {peak_mb:.0f} MB (before the import: "
          f"{rss_before / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
