"""`frontdesk oauth create-client NAME [--scope ...]`: register an OAuth client and print its id
and secret (the only time the secret is shown)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.audit.services import Actor
from frontdesk.fhir import services
from frontdesk.fhir.scopes import ALL


class Command(BaseCommand):
    help = "Manage OAuth clients of the FHIR API."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-client", help="Register a client; prints its id and secret once.")
        create.add_argument("name", help="Who the client is, e.g. “Acme scheduling”.")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            help=f"An allowed scope, system/<Type>.<read|write|*>; repeat or space-separate. Default: {ALL}.",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create-client":
            self._create(options["name"], " ".join(options["scope"]) or ALL)

    def _create(self, name: str, scopes: str) -> None:
        try:
            new = services.create_oauth_client(actor=Actor.system("cli"), name=name, allowed_scopes=scopes)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"client_id:     {new.client.client_id}")
        self.stdout.write(f"client_secret: {new.secret}")
        self.stdout.write(f"scopes:        {new.client.allowed_scopes}")
        self.stdout.write("The secret is stored only as a hash: keep it now, it cannot be shown again.")
