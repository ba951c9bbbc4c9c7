"""`frontdesk demo`: load the demo clinic (idempotent) and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.clinic.demo import DEMO_PASSWORD, PATIENT_LOGIN, STAFF_LOGIN, load_demo


class Command(BaseCommand):
    help = "Load the demo clinic: locations, staff, note types, patients with portal accounts. Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load demo accounts even though FRONTDESK_DEBUG is off.",
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        forced = not settings.ALLOW_DEMO_ACCOUNTS
        if forced:
            if not force:
                raise CommandError(
                    "Refusing to create demo accounts with FRONTDESK_DEBUG off (their password is public). "
                    "Pass --force and set FRONTDESK_ALLOW_DEMO_ACCOUNTS=1 to sign in with them."
                )
            settings.ALLOW_DEMO_ACCOUNTS = True
        report = load_demo()
        if report.created:
            self.stdout.write(f"Demo clinic loaded: {len(report.created)} item(s) created.")
        else:
            self.stdout.write("Demo clinic already loaded; nothing changed.")
        self.stdout.write(
            f"Demo logins (password {DEMO_PASSWORD}):\n"
            f"  patient  {PATIENT_LOGIN}   → http://127.0.0.1:8000/\n"
            f"  staff    {STAFF_LOGIN}     → http://127.0.0.1:8000/admin/"
        )
        if forced:
            # The server refuses demo accounts too unless told otherwise: say so rather than print
            # logins that do not work.
            self.stdout.write("These logins work only once the server runs with FRONTDESK_ALLOW_DEMO_ACCOUNTS=1.")
