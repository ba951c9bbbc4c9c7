"""`frontdesk oauth create-client NAME [--scope ...] [--redirect-uri ...] [--public]`: register an
OAuth client and print its id and secret (the only time the secret is shown; a public client has none)."""

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
            help=f"An allowed scope (system/<Type>.<read|write|*>, patient/<Type>.<read|write|*>, "
            f"offline_access); repeat or space-separate. Default: {ALL}.",
        )
        create.add_argument(
            "--redirect-uri",
            action="append",
            default=[],
            help="A redirect URI for the authorization code flow (exact match); repeat for more.",
        )
        create.add_argument(
            "--public", action="store_true", help="A public client (no secret, authorization code with PKCE only)."
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create-client":
            self._create(
                options["name"],
                " ".join(options["scope"]) or ALL,
                redirect_uris="\n".join(options["redirect_uri"]),
                is_public=options["public"],
            )

    def _create(self, name: str, scopes: str, *, redirect_uris: str, is_public: bool) -> None:
        try:
            new = services.create_oauth_client(
                actor=Actor.system("cli"),
                name=name,
                allowed_scopes=scopes,
                redirect_uris=redirect_uris,
                is_public=is_public,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"client_id:     {new.client.client_id}")
        if is_public:
            self.stdout.write("client_secret: (none: a public client)")
        else:
            self.stdout.write(f"client_secret: {new.secret}")
        self.stdout.write(f"scopes:        {new.client.allowed_scopes}")
        for uri in new.client.redirect_uri_list:
            self.stdout.write(f"redirect_uri:  {uri}")
        if not is_public:
            self.stdout.write("The secret is stored only as a hash: keep it now, it cannot be shown again.")
