"""Compile every .po catalogue to .mo with polib, so no GNU gettext is needed."""

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

from config.project import project_app_configs


def catalogue_dirs() -> list[Path]:
    dirs = [Path(p) for p in settings.LOCALE_PATHS]
    dirs += [Path(config.path) / "locale" for config in project_app_configs()]
    return [d for d in dirs if d.is_dir()]


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (.po to .mo) without GNU gettext."

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for directory in catalogue_dirs():
            for po_path in directory.glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                compiled += 1
        self.stdout.write(f"{compiled} catalogue(s) compiled.")
