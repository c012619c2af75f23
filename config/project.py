"""Which installed apps are this project's own rooms."""

import sys
from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings


def project_app_configs() -> list[AppConfig]:
    """The apps whose code lives in this repository (not in the virtualenv)."""
    base, prefix = Path(settings.BASE_DIR), Path(sys.prefix)
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(base) and not Path(config.path).is_relative_to(prefix)
    ]
