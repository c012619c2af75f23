"""Benchmark: import 100,000 veterans from .xlsx (goal: under 60 s and under 500 MB).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fengqiao_veterans \\
        python -m bench.import_veterans [--rows 100000] [--mode all|valid] \\
        [--user admin] [--json result.json]

It needs a migrated database with villages (the demo's or `generate_national`'s:
the first 25 villages in code order) and a nationwide user (`--user`, default the
demo's `admin`). `make bench` runs it after its other measurements. The workbook
is generated in a child process so that the peak memory reported (ru_maxrss of
this process) is the import's. The veterans it makes are named 基准…, born in
1930 (before any generated veteran, so no ID number collides), and removed before
and after the run. Not a test: it reports one run's figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
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


XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
OOXML = "http://schemas.openxmlformats.org"
SML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
REL = f"{OOXML}/officeDocument/2006/relationships"
CONTENT_TYPES = (
    f'{XML}<Types xmlns="{OOXML}/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SML}.sharedStrings+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{SML}.styles+xml"/></Types>'
)
ROOT_RELS = (
    f'{XML}<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    f'{XML}<workbook xmlns="{OOXML}/spreadsheetml/2006/main" xmlns:r="{REL}">'
    '<sheets><sheet name="退役军人" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'{XML}<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    f'{XML}<styleSheet xmlns="{OOXML}/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>"
)


def generate(path: Path, rows: int, villages: list[str]) -> None:
    """A workbook as Excel writes one: shared strings, a dimension, no empty cells.

    Written by hand (zip + XML, streamed) because openpyxl's write-only mode
    stores every string inline, which is slower to read than what Excel saves.
    """
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    from veterans.idnumbers import check_character
    from veterans.imports import COLUMNS

    strings: dict[str, int] = {}

    def cell(ref: str, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, int):
            return f'<c r="{ref}"><v>{value}</v></c>'
        index = strings.setdefault(str(value), len(strings))
        return f'<c r="{ref}" t="s" s="1"><v>{index}</v></c>'

    letters = [get_column_letter(i + 1) for i in range(len(COLUMNS))]
    start = datetime.date(1930, 1, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", ROOT_RELS)
        book.writestr("xl/workbook.xml", WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/styles.xml", STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(
                f'{XML}<worksheet xmlns="{OOXML}/spreadsheetml/2006/main">'
                f'<dimension ref="A1:{letters[-1]}{rows + 1}"/><sheetData>'.encode()
            )
            header = [h for _name, h in COLUMNS]
            sheet.write(('<row r="1">' + "".join(cell(f"{c}1", h) for c, h in zip(
                letters, header, strict=True)) + "</row>").encode())
            for n in range(rows):
                born = start + datetime.timedelta(days=n // 1000)
                first17 = f"330681{born:%Y%m%d}{n % 1000:03d}"
                given = {
                    "name": f"基准{n}", "id_number": first17 + check_character(first17),
                    "region": villages[n % len(villages)], "phone": f"138{n:08d}",
                    "discharge_year": 1960 + n % 60, "discharge_kind": "退伍",
                    "needs_assistance": "是" if n % 7 == 0 else None,
                }
                values = [given.get(name) for name, _header in COLUMNS]
                r = n + 2
                sheet.write((f'<row r="{r}">' + "".join(
                    cell(f"{c}{r}", v) for c, v in zip(letters, values, strict=True)
                ) + "</row>").encode())
            sheet.write(b"</sheetData></worksheet>")
        with book.open("xl/sharedStrings.xml", "w") as shared:
            shared.write(
                f'{XML}<sst xmlns="{OOXML}/spreadsheetml/2006/main" '
                f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            for text in strings:
                shared.write(f"<si><t>{escape(text)}</t></si>".encode())
            shared.write(b"</sst>")


def cleanup() -> int:
    from django.db import connection, transaction

    from veterans.models import Veteran

    # The audit log refuses deletes through the ORM on purpose; the benchmark's
    # own synthetic rows are removed with SQL. Their ids are read first: a join
    # planned on statistics taken before the import (no such audit rows yet)
    # became a nested loop over 2 million veterans per entry at national scale.
    ids = [str(pk) for pk in Veteran.objects.filter(name__startswith="基准")
           .values_list("pk", flat=True)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM veterans_auditentry WHERE object_type = 'veterans.veteran' "
            "AND object_id = ANY(%s)",
            [ids],
        )
        cursor.execute("DELETE FROM veterans_veteran WHERE id = ANY(%s)",
                       [[int(pk) for pk in ids]])
        return int(cursor.rowcount)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--mode", choices=["all", "valid"], default="all")
    parser.add_argument("--file", type=Path,
                        default=Path(tempfile.gettempdir()) / "bench-veterans.xlsx")
    parser.add_argument("--user", default="admin", help="a nationwide user who imports")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--villages", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    import django

    django.setup()
    if args.generate_only:
        generate(args.file, args.rows, args.villages.split(","))
        return
    from centres.models import Region

    villages = list(Region.objects.filter(level="village").order_by("code")
                    .values_list("code", flat=True)[:25])
    if not villages:
        sys.exit("The database has no villages: run seed_demo or generate_national first.")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench.import_veterans", "--generate-only", "--rows", str(args.rows),
         "--file", str(args.file), "--villages", ",".join(villages)],
        check=True,
    )
    generated = time.perf_counter() - t0
    from django.db import connection

    from centres.models import User
    from veterans.imports import veterans_import

    removed = cleanup()
    user = User.objects.get(username=args.user)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    result = veterans_import(path=args.file, mode=args.mode, by=user)
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
    if args.json:
        args.json.write_text(json.dumps({
            "command": f"python -m bench.import_veterans --rows {args.rows} --mode {args.mode}",
            "rows": result.total, "imported": result.imported, "errors": result.error_count,
            "seconds": round(seconds, 1), "rows_per_second": round(result.total / seconds),
            "peak_memory_mb": round(peak_mb), "memory_before_mb": round(rss_before / 1024),
            "file_mb": round(args.file.stat().st_size / 1e6, 1),
        }))


if __name__ == "__main__":
    main()
