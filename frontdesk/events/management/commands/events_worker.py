"""`frontdesk events_worker`: claim outbox events and hand them to the registered consumers."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from frontdesk.events.services import dispatch_pending


class Command(BaseCommand):
    help = "Dispatch outbox events to consumers until stopped (Ctrl-C / SIGTERM finish the current batch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Dispatch what is due now, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=0.5,
            help="Seconds to wait when nothing is due (default 0.5).",
        )
        parser.add_argument("--batch", type=int, default=50, help="Events claimed per round (default 50).")

    def handle(self, *args: Any, once: bool, interval: float, batch: int, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        total = 0
        while not stopping:
            close_old_connections()
            handled = dispatch_pending(limit=batch)
            total += handled
            if once and handled == 0:
                break
            if handled == 0:
                time.sleep(interval)
        if once or options["verbosity"] > 1:
            self.stdout.write(f"dispatched {total} event(s)")
