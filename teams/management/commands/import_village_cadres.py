from functools import partial
from pathlib import Path

from centres import codes
from centres.management.importing import CsvImportCommand
from centres.models import Level, Region
from centres.tabular import RowError, RowReport, parse_file, table_open
from teams.models import Post
from teams.services import CadreRow, cadre_row_parse, today, village_cadres_import
from veterans.idnumbers import normalize_id_number
from veterans.models import Veteran

REQUIRED = ["region_code", "id_number", "post"]


def _row_key(row: CadreRow) -> tuple[object, ...]:
    """Two rows with the same key contradict or repeat each other: the second is refused.

    A village has one party secretary from a given day, whoever it is.
    """
    if row.post == Post.PARTY_SECRETARY:
        return (row.village, row.post, row.since)
    return (row.village, row.veteran_id, row.post, row.since)


class Command(CsvImportCommand):
    help = (
        "Record veterans' posts in villages from a CSV file `region_code,id_number,post[,since]` "
        "(post: party_secretary, committee_member or reserve; since: a date, default today)."
    )

    def parse(self, path: Path) -> RowReport[CadreRow]:
        # Look up only what the file names: the registry is far larger than any file.
        numbers, village_codes = set(), set()
        try:
            for row in table_open(path, fields=[*REQUIRED, "since"], required=REQUIRED,
                                  kind="csv"):
                if row.refused is not None:
                    continue
                numbers.add(normalize_id_number(row.values.get("id_number", "")))
                try:
                    village_codes.add(codes.normalize_code(row.values.get("region_code", "")))
                except codes.InvalidCode:
                    continue
        except RowError:
            pass  # parse_file reports the size, the header or the encoding
        villages = set(
            Region.objects.filter(code__in=village_codes, level=Level.VILLAGE)
            .values_list("code", flat=True)
        )
        veterans = dict(
            Veteran.objects.filter(id_number__in=numbers).values_list("id_number", "id")
        )
        return parse_file(
            path,
            required=REQUIRED,
            optional=["since"],
            parse=partial(cadre_row_parse, villages=villages, veterans=veterans,
                          default_since=today()),
            key=_row_key,
        )

    def write(self, report: RowReport[CadreRow]) -> int:
        return village_cadres_import(rows=report.rows)
