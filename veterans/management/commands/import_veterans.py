"""`import_veterans FILE [--mode all|valid] [--user NAME]`: the registry import from the shell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from tqdm import tqdm

from centres.models import User
from veterans.imports import veterans_import
from veterans.models import ImportJob


class Command(BaseCommand):
    help = "Import veterans from an .xlsx or .csv file in the template's columns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mode", choices=ImportJob.Mode.values, default=ImportJob.Mode.ALL,
                            help="all: nothing unless every row is good; valid: the good rows")
        parser.add_argument("--user", default="",
                            help="the staff account the rows are imported as (its jurisdiction "
                                 "limits the regions); default: a nationwide superuser")
        parser.add_argument("--errors", type=Path, default=None,
                            help="write the per-row error report to this .xlsx file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        with translation.override(settings.LANGUAGE_CODE):
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
            user = self._user(options["user"])
            bar = tqdm(total=0, unit="row", disable=options["no_progress"], file=self.stderr)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            result = veterans_import(path=path, mode=options["mode"], by=user, progress=progress)
            bar.close()
            if options["errors"] and result.errors:
                from veterans.imports import error_report_workbook

                report = error_report_workbook([list(e) for e in result.errors])
                options["errors"].write_bytes(report)
            for row, column, problem in result.errors[:50]:
                self.stderr.write(f"row {row} {column}: {problem}")
            summary = _("%(imported)d of %(total)d row(s) imported, %(errors)d error(s).") % {
                "imported": result.imported, "total": result.total, "errors": result.error_count,
            }
            if result.error_count and result.imported == 0:
                raise CommandError(summary)
            self.stdout.write(self.style.SUCCESS(summary))

    def _user(self, username: str) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(_("No such user: %(name)s") % {"name": username})
            return user
        user = User.objects.filter(is_superuser=True, region__isnull=True, is_active=True).first()
        if user is None:
            raise CommandError(_("Give --user: there is no nationwide superuser."))
        return user
