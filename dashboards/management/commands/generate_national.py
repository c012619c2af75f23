"""`generate_national --scale S [--seed N]`: the synthetic national data set for benchmarks."""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from config.bulkload import ProgressHook
from dashboards.generation import GenerationPlan, national_generate


class Command(BaseCommand):
    help = (
        "Generate a synthetic national data set: the real province/city/county tree, "
        "synthetic townships and villages (names end in （模拟）), a centre for every "
        "region, veterans and visits. S = 1.0 is the whole country (about 640,000 regions, "
        "2 million veterans, 5 million visits). Same seed, same rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, required=True,
                            help="1.0 = the whole country; 0.02 for a quick run.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--reset", action="store_true",
                            help="Delete the regions, centres, veterans and visits first.")
        parser.add_argument("--until", type=datetime.date.fromisoformat, default=None,
                            help="Visits end the day before this date (default: today).")
        parser.add_argument("--stats-json", type=Path, default=None,
                            help="Also write the timings as JSON to this file.")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--no-rollups", action="store_true",
                            help="Do not rebuild the dashboards' rollups afterwards.")
        # For tests: keep only this many counties, spread over the country.
        parser.add_argument("--counties", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        scale = options["scale"]
        if not 0 < scale <= 10:
            raise CommandError("--scale must be above 0 (1.0 is the whole country).")
        plan = GenerationPlan(scale=scale, seed=options["seed"], until=options["until"],
                              counties=options["counties"], rollups=not options["no_rollups"])
        show = not options["no_progress"]

        def progress(label: str, total: int | None) -> tuple[ProgressHook, Callable[[], None]]:
            bar = tqdm(total=total, desc=label, unit=" rows", unit_scale=True,
                       disable=not show, leave=False, mininterval=1.0)
            return bar.update, bar.close

        try:
            report = national_generate(plan, log=self.stdout.write, progress=progress,
                                       reset=options["reset"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{report.rows:,} rows in {report.seconds:.1f} s "
            f"({report.rows / report.seconds:,.0f} rows/s overall, indexes included, "
            f"rollups not); "
            f"peak memory {report.peak_memory_mb:.0f} MB"
        )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if options["stats_json"] is not None:
            options["stats_json"].write_text(json.dumps(report.as_dict(), indent=2))
