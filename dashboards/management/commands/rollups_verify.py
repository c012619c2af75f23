from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboards.rollups import rollups_differences, rollups_refresh


class Command(BaseCommand):
    help = "Recompute the rollups from the raw rows; report every difference (there must be none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--refresh", action="store_true", help="refresh the rollups first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["refresh"]:
            rollups_refresh()
        differences = rollups_differences()
        for key, name, stored, fresh in differences[:200]:
            where = " ".join(str(part) for part in key)
            self.stdout.write(f"{where} {name}: stored {stored}, recomputed {fresh}")
        if differences:
            raise CommandError(f"{len(differences)} difference(s) between rollups and raw rows.")
        self.stdout.write(self.style.SUCCESS("Rollups equal a recomputation from the raw rows."))
