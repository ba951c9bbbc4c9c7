"""Slot search for one location's providers over 7 and 14 days: 50 providers, a year of history
(55,000+ appointments) and a busy fortnight ahead, on SQLite and on PostgreSQL.

Reports p50/p95 of `scheduling.search.open_slots`, the same with every Slot object built, and the
p50 of the raw SQL query that fetches the same busy intervals, both as the driver returns
timestamps and with times as integers (as open_slots reads them; on PostgreSQL much the cheaper,
so the stricter baseline), with the ratios. Targets (issue 4): p50 ≤ 25 ms and ≤ 3x the raw query. Each database runs in its own
process (Django is configured once per process).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PROVIDERS = 50
ROUNDS = 40
ZONE = ZoneInfo("America/New_York")


def weekday_providers(location: Any, count: int) -> list[Any]:
    """Create `count` schedulable providers practising at `location`, available weekdays 08:00-17:00."""
    from frontdesk.clinic.models import Staff
    from frontdesk.scheduling.models import Availability

    staff = Staff.objects.bulk_create(
        [
            Staff(first_name=f"P{i}", last_name="Provider", is_schedulable=True, primary_practice_location=location)
            for i in range(count)
        ]
    )
    for member in staff:
        member.practice_locations.add(location)
    Availability.objects.bulk_create(
        [
            Availability(
                provider=m,
                location=location,
                weekdays=[0, 1, 2, 3, 4],
                start_date=date(2025, 1, 1),
                start_time=clock(8),
                end_time=clock(17),
            )
            for m in staff
        ]
    )
    return staff


def _seed() -> dict[str, object]:
    from django.db import connection
    from django.utils import timezone

    from frontdesk.clinic.models import Patient, PracticeLocation
    from frontdesk.scheduling.models import Appointment, NoteType

    rng = random.Random(4)
    location = PracticeLocation.objects.create(full_name="Bench Clinic", time_zone="America/New_York")
    visit = NoteType.objects.create(
        name="Visit",
        is_scheduleable=True,
        is_scheduleable_via_patient_portal=True,
        online_duration=30,
        min_notice_minutes=0,
    )
    patient = Patient.objects.create(first_name="Bench", last_name="Patient", birth_date=date(1980, 1, 1))
    staff = weekday_providers(location, PROVIDERS)
    now = timezone.now()
    today = now.astimezone(ZONE).date()
    rows = []
    for member in staff:
        for offset in range(-365, 15):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            # past: about 4.3 visits a day; ahead: about half the day booked
            hours = rng.sample(range(8, 17), 5 if offset >= 0 else rng.choice([4, 4, 5]))
            for hour in hours:
                start = datetime.combine(day, clock(hour, rng.choice([0, 30])), tzinfo=ZONE)
                rows.append(
                    Appointment(
                        patient=patient,
                        provider=member,
                        location=location,
                        note_type=visit,
                        start_time=start,
                        duration_minutes=30,
                        status="exited" if offset < 0 else "confirmed",
                    )
                )
    Appointment.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        # Planner statistics, as a live database has them (autovacuum keeps them): without them
        # PostgreSQL guesses 48 rows and scans the whole exclusion-constraint index.
        cursor.execute("ANALYZE")
    return {"location": location, "visit": visit, "staff": staff, "appointments": len(rows), "now": now}


def _timed(*fns: object, rounds: int = ROUNDS) -> list[list[float]]:
    """Time each of `fns` once per round, interleaved, so a slower stretch of a noisy machine
    weighs on all of them alike (the ratio compares like with like)."""
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, times in zip(fns, samples, strict=True):
            started = time.perf_counter()
            fn()  # type: ignore[operator]
            times.append((time.perf_counter() - started) * 1000)
    return samples


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(database: str) -> list[dict[str, object]]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from frontdesk.scheduling.search import epoch_us_sql, open_slots

    call_command("migrate", verbosity=0)
    data = _seed()
    now: datetime = data["now"]  # type: ignore[assignment]
    provider_ids = [m.pk for m in data["staff"]]  # type: ignore[attr-defined]
    results = []
    for days in (7, 14):
        end = now + timedelta(days=days)

        def search(end: datetime = end) -> Any:
            return open_slots(note_type=data["visit"], location=data["location"], start=now, end=end, now=now)  # type: ignore[arg-type]

        def every_slot(end: datetime = end) -> None:
            list(search(end))  # the search, then every Slot object built (a page showing them all)

        placeholders = ",".join(["%s"] * len(provider_ids))
        sql = (
            "SELECT provider_id, start_time, duration_minutes FROM scheduling_appointment "
            f"WHERE provider_id IN ({placeholders}) AND start_time >= %s AND start_time < %s "
            "AND status <> 'cancelled' AND entered_in_error_id IS NULL"
        )
        margin = timedelta(days=1, hours=1)  # the same window open_slots reads

        # The same rows with start times as integers, as open_slots reads them: on PostgreSQL,
        # the driver's timestamptz conversion is most of the first query's time.
        as_integers = sql.replace("start_time, duration_minutes", f"{epoch_us_sql('start_time')}, duration_minutes")

        def raw(end: datetime = end, sql: str = sql, margin: timedelta = margin) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, [*provider_ids, now - margin, end + margin])
                cursor.fetchall()

        def raw_integers(end: datetime = end, sql: str = as_integers, margin: timedelta = margin) -> None:
            raw(end, sql, margin)

        _timed(search, every_slot, raw, raw_integers, rounds=5)  # warm-up
        slots_ms, every_ms, raw_ms, integers_ms = _timed(search, every_slot, raw, raw_integers)
        found = len(search())
        results.append({
            "database": database, "days": days, "appointments": data["appointments"], "slots": found,
            "p50": statistics.median(slots_ms), "p95": _p(slots_ms, 0.95), "every_p50": statistics.median(every_ms),
            "raw_p50": statistics.median(raw_ms), "integers_p50": statistics.median(integers_ms),
        })  # fmt: skip
    return results


def run() -> str:
    rows: list[dict[str, object]] = []
    for database in ("sqlite", "postgresql"):
        var = Path(tempfile.mkdtemp(prefix="fdbs", dir="/tmp"))
        env = os.environ | {
            "FRONTDESK_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
            "FRONTDESK_LOG_LEVEL": "WARNING",
            # As in production: DEBUG off (no per-query bookkeeping in the timed code).
            "FRONTDESK_DEBUG": "0",
            "FRONTDESK_SECRET_KEY": "bench-only-" + "0" * 32,
        }
        env.pop("DATABASE_URL", None)
        name = f"fd_bench_{os.getpid()}"
        if database == "postgresql":
            if subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=False).returncode != 0:
                rows.append({"database": "postgresql", "error": "could not create a database on 127.0.0.1:5432"})
                continue
            env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.slots", database], env=env, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                rows.append(
                    {"database": database, "error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
                )
            else:
                rows.extend(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            shutil.rmtree(var, ignore_errors=True)
            if database == "postgresql":
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=False)
    lines = [
        "## Scheduling: slot search",
        "",
        f"One location, {PROVIDERS} providers (weekdays 08:00-17:00), a year of history and a busy fortnight ahead; medians of {ROUNDS} searches.",
        "",
        "| database | window | appointments | slots found | open_slots p50 | p95 | with every Slot built, p50 | raw busy query p50 | ratio | raw query, times as integers, p50 | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['database']} | — | — | — | error: {r['error']} | | | | | | |")
            continue
        lines.append(
            f"| {r['database']} | {r['days']} days | {r['appointments']:,} | {r['slots']:,} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['every_p50']:.1f} ms | {r['raw_p50']:.2f} ms | {float(r['p50']) / float(r['raw_p50']):.1f}x | {r['integers_p50']:.2f} ms | {float(r['p50']) / float(r['integers_p50']):.1f}x |"  # type: ignore[arg-type]
        )
    lines += ["", "Targets: open_slots p50 ≤ 25 ms and ≤ 3x the raw busy query (either form)."]
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
