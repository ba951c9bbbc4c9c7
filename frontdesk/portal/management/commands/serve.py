"""`frontdesk serve`: the web server (gunicorn), the task worker, the events worker and the plugin
runner under one foreground process. Ctrl-C or SIGTERM stops them all cleanly. A background process
that dies is restarted (a crashed plugin runner comes back); if the web server dies, or another
process keeps dying, everything stops and the exit status says so."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from frontdesk.accounts.models import CanvasUser
from frontdesk.lib.env import envint, envstr


class Command(BaseCommand):
    help = "Serve the portal, back office and API with gunicorn, plus the background workers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--bind",
            default=envstr("FRONTDESK_BIND", "127.0.0.1:8000"),
            help="Address to listen on (FRONTDESK_BIND).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=envint("FRONTDESK_WEB_WORKERS", 2, minimum=1),
            help="gunicorn worker processes (FRONTDESK_WEB_WORKERS).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Serve web only; run the workers elsewhere.")

    def handle(self, *args: Any, bind: str, workers: int, no_worker: bool, **options: Any) -> None:
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "frontdesk.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                "--timeout",
                "60",
            ],
        }
        if not no_worker:
            commands["tasks"] = [
                python,
                "-m",
                "frontdesk",
                "db_worker",
                "--interval",
                "0.5",
                "--no-reload",
            ]
            commands["events"] = [python, "-m", "frontdesk", "events_worker"]
            commands["plugins"] = [python, "-m", "frontdesk.plugins.runner"]
            commands["scheduler"] = [python, "-m", "frontdesk", "scheduler"]
        procs: dict[str, subprocess.Popen[bytes]] = {}
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, cmd in commands.items():
            # Children get their own process group, so the terminal's Ctrl-C reaches only us and
            # we stop them in order instead of all at once.
            procs[name] = subprocess.Popen(cmd, start_new_session=True)  # noqa: S603
        self._announce(bind)
        failed = ""
        restarts: dict[str, list[float]] = {name: [] for name in commands}
        while not stopping:
            for name, proc in procs.items():
                if proc.poll() is None:
                    continue
                recent = [t for t in restarts[name] if time.monotonic() - t < 60]
                # The web server's death ends everything; a background process (plugin runner,
                # workers) is restarted, unless it keeps dying (5 times a minute).
                if name == "web" or len(recent) >= 5:
                    failed = f"{name} exited with status {proc.returncode}"
                    stopping = True
                    break
                self.stderr.write(f"{name} exited with status {proc.returncode}; restarting it")
                restarts[name] = [*recent, time.monotonic()]
                procs[name] = subprocess.Popen(commands[name], start_new_session=True)  # noqa: S603
            time.sleep(0.2)
        self.stdout.write("\nStopping frontdesk…" if not failed else f"\n{failed}; stopping the rest…")
        for proc in procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)  # the child and anything it forked
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
        if failed:
            raise SystemExit(1)
        self.stdout.write("Stopped.")

    def _announce(self, bind: str) -> None:
        host = bind if not bind.startswith("0.0.0.0") else "127.0.0.1" + bind[7:]  # noqa: S104
        lines = [f"frontdesk is running on http://{host}/  (back office: http://{host}/admin/)  — Ctrl-C stops it."]
        if settings.ALLOW_DEMO_ACCOUNTS and CanvasUser.objects.filter(is_demo=True).exists():
            lines.append("Demo logins (password frontdesk-demo): patient patient@example.com, staff staff@example.com")
        self.stdout.write("\n".join(lines))
