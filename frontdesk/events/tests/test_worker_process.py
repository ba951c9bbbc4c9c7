"""`frontdesk events_worker` as a real process against the test database: it claims and finishes
due events, keeps polling for new ones, and exits cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from frontdesk.events.models import OutboxEvent
from frontdesk.events.tests.conftest import make_events

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    db = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env |= {"DATABASE_URL": database_url(), "FRONTDESK_VAR_DIR": str(tmp_path), "FRONTDESK_LOG_LEVEL": "WARNING"}
    return env


def wait_until(condition: Any, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def pending() -> int:
    return OutboxEvent.objects.filter(processed_at__isnull=True).count()


def test_it_dispatches_until_sigterm_then_exits_cleanly(tmp_path: Path) -> None:
    make_events(3)
    worker = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "events_worker", "--interval", "0.1", "--verbosity", "2"],
        env=worker_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_until(lambda: pending() == 0), "the worker did not process the first events"
        make_events(2, name="STAFF_UPDATED")  # arrives while the worker is idling
        assert wait_until(lambda: pending() == 0), "the worker did not pick up a later event"
        assert worker.poll() is None

        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=5)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    assert worker.returncode == 0, err
    assert "dispatched 5 event(s)" in out
    events = list(OutboxEvent.objects.all())
    assert len(events) == 5
    assert all(e.attempts == 1 and e.claim_token and not e.failed for e in events)


def test_it_drains_what_is_due_and_exits_with_once(tmp_path: Path) -> None:
    make_events(4)

    done = subprocess.run(
        [sys.executable, "-m", "frontdesk", "events_worker", "--once", "--batch", "3"],
        env=worker_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "dispatched 4 event(s)"
    assert pending() == 0
