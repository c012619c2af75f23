from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outbox.services import outbox_flush


class Command(BaseCommand):
    help = "Send the Celery tasks still owed by committed writes (after a broker outage)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=300.0,
                            help="stop after this many seconds (default 300)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = outbox_flush(seconds=options["seconds"])
        style = self.style.SUCCESS if not result["failed"] else self.style.WARNING
        self.stdout.write(style(
            f"{result['sent']} sent, {result['failed']} failed, {result['unsent']} still owed."
        ))
