from typing import Any

from django.core.management.base import BaseCommand

from dashboards.rollups import rollups_rebuild


class Command(BaseCommand):
    help = "Rebuild every rollup row from the raw rows (what the nightly task does)."

    def handle(self, *args: Any, **options: Any) -> None:
        written = rollups_rebuild()
        self.stdout.write(self.style.SUCCESS(f"{written} rollup row(s) written."))
