from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from centres.models import User
from centres.services import api_token_create


class Command(BaseCommand):
    help = "Print a new API token for the user (and nothing else). The old token stops working."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        self.stdout.write(api_token_create(user=user).key)
