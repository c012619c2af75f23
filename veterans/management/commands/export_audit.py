"""The audit log for auditors: every entry in a date range, as .xlsx, streamed."""

import datetime
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from openpyxl import Workbook

from config.days import local_day_end, local_day_start, local_zone
from config.spreadsheets import xlsx_row
from veterans.models import AuditEntry

HEADER = ["时间 at", "操作人 actor", "操作 action", "记录类型 record type", "记录编号 record id",
          "内容 changes"]


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = "Export the audit log (append-only; ID numbers in it are masked) to an .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path, help="the .xlsx file to write")
        parser.add_argument("--since", type=_day, help="first day, YYYY-MM-DD (Asia/Shanghai)")
        parser.add_argument("--until", type=_day, help="last day, YYYY-MM-DD (Asia/Shanghai)")

    def handle(self, *args: Any, **options: Any) -> None:
        zone = local_zone()
        entries = AuditEntry.objects.select_related("actor").order_by("at", "id")
        if options["since"]:
            entries = entries.filter(at__gte=local_day_start(options["since"]))
        if options["until"]:
            entries = entries.filter(at__lt=local_day_end(options["until"]))
        book = Workbook(write_only=True)  # streamed: memory stays flat however long the log
        sheet = book.create_sheet("审计日志")
        sheet.append(HEADER)
        count = 0
        for entry in entries.iterator(chunk_size=2000):
            sheet.append(xlsx_row(sheet, [
                entry.at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor.username if entry.actor else "",
                entry.get_action_display(),
                entry.object_type,
                entry.object_id,
                json.dumps(entry.changes, ensure_ascii=False),
            ]))
            count += 1
        book.save(options["output"])
        self.stdout.write(f"{count} audit entries written to {options['output']}.")
