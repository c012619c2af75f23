from pathlib import Path

from centres.management.importing import CsvImportCommand
from centres.services import RegionRow, region_row_parse, regions_upsert
from centres.tabular import RowReport, parse_file


class Command(CsvImportCommand):
    help = "Upsert regions from a CSV file `code,name[,model_year]`."

    def parse(self, path: Path) -> RowReport[RegionRow]:
        return parse_file(
            path,
            required=["code", "name"],
            optional=["model_year"],
            parse=region_row_parse,
            key=lambda row: row.code,
        )

    def write(self, report: RowReport[RegionRow]) -> int:
        return regions_upsert(rows=report.rows)
