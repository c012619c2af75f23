"""The shape every fixed CSV import command shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from centres.tabular import RowReport


class CsvImportCommand(BaseCommand):
    """Parse the whole file; refuse it whole if any row is bad; else write it."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="CSV file, UTF-8 (with or without BOM) or GB18030"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with translation.override(settings.LANGUAGE_CODE):
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
            report = self.parse(path)
            if not report.ok:
                raise CommandError(
                    _("%(file)s: %(count)d bad row(s), nothing was imported.\n%(errors)s")
                    % {"file": path, "count": len(report.errors), "errors": report.error_text()}
                )
            written = self.write(report)
            self.stdout.write(
                self.style.SUCCESS(_("%(count)d row(s) imported from %(file)s.")
                                   % {"count": written, "file": path})
            )

    def parse(self, path: Path) -> RowReport[Any]:
        raise NotImplementedError

    def write(self, report: RowReport[Any]) -> int:
        raise NotImplementedError
