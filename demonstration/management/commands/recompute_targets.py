from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from demonstration.services import target_snapshots_recompute


class Command(BaseCommand):
    help = "Recompute today's target snapshots of every model region (default: this year)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="the target year")

    def handle(self, *args: Any, **options: Any) -> None:
        snapshots = target_snapshots_recompute(year=options["year"])
        short = sum(1 for s in snapshots if not s.meets_target)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(snapshots)} model region(s) computed, {short} below target."
            )
        )
