from functools import partial
from pathlib import Path

from centres.management.importing import CsvImportCommand
from centres.models import Region
from centres.services import CentreRow, centre_row_parse, centres_upsert
from centres.tabular import RowReport, parse_file


class Command(CsvImportCommand):
    help = "Upsert the centre of each region from a CSV file `region_code,name[,address,phone]`."

    def parse(self, path: Path) -> RowReport[CentreRow]:
        known = set(Region.objects.values_list("code", flat=True))
        return parse_file(
            path,
            required=["region_code", "name"],
            optional=["address", "phone"],
            parse=partial(centre_row_parse, known_regions=known),
            key=lambda row: row.region_code,
        )

    def write(self, report: RowReport[CentreRow]) -> int:
        return centres_upsert(rows=report.rows)
