"""Load the demo data of every room that has a `demo` module, in dependency order."""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.core.management.base import BaseCommand

from centres.demo import DEMO_PASSWORD, logins
from config.project import project_app_configs


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        for config in project_app_configs():
            if find_spec(f"{config.name}.demo") is None:
                continue
            module = import_module(f"{config.name}.demo")
            self.stdout.write(f"[{config.label}] seeding demo data")
            module.seed(log=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password: {DEMO_PASSWORD}):"))
        for username, what in logins():
            self.stdout.write(f"  {username:<10} {what}")
