"""`frontdesk scheduler`: periodic jobs (syncing providers' iCalendar feeds) until stopped."""

from __future__ import annotations

import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from frontdesk.scheduling.services import sync_due_calendars

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run periodic jobs: sync calendar feeds that are due (each feed has its own interval)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run the due jobs once, then exit.")
        parser.add_argument("--interval", type=float, default=30, help="Seconds between checks (default 30).")

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            close_old_connections()
            try:
                synced = sync_due_calendars()
            except Exception:  # a broken job must not stop the others next round
                log.exception("calendar sync failed")
                synced = 0
            if once:
                self.stdout.write(f"synced {synced} calendar(s)")
                return
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.5)
