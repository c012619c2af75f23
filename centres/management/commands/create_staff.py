from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from centres import codes
from centres.models import Region, User
from centres.services import staff_upsert


class Command(BaseCommand):
    help = "Create or update a user with a jurisdiction (no --region: nationwide) and a role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--region", help="region code (6, 9 or 12 digits)")
        parser.add_argument("--role", required=True, choices=User.Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        region = None
        if options["region"]:
            try:
                code = codes.normalize_code(options["region"])
            except codes.InvalidCode as exc:
                raise CommandError(str(exc)) from exc
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"Region {code} does not exist.")
        user, created = staff_upsert(
            username=options["username"],
            password=options["password"],
            role=options["role"],
            region=region,
        )
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {user.username} ({user.role}, {user.jurisdiction_name}).")
