from functools import partial
from pathlib import Path

from centres.management.importing import CsvImportCommand
from centres.models import Centre
from centres.tabular import RowReport, parse_file
from demonstration.services import DesignationRow, designation_row_parse, designations_import


class Command(CsvImportCommand):
    help = (
        "Name demonstration centres from an official list, a CSV file "
        "`region_code,year[,grade]` (grade: national, provincial or city; default national)."
    )

    def parse(self, path: Path) -> RowReport[DesignationRow]:
        known = set(Centre.objects.values_list("region_id", flat=True))
        return parse_file(
            path,
            required=["region_code", "year"],
            optional=["grade"],
            parse=partial(designation_row_parse, known_centres=known),
            key=lambda row: (row.region_code, row.year),
        )

    def write(self, report: RowReport[DesignationRow]) -> int:
        return designations_import(rows=report.rows)
