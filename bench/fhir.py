"""FHIR API throughput on the production server: requests per second for Appointment read,
Appointment search by patient and date, and Slot search, next to a trivial JSON view (`/healthz`)
on the same server as the ceiling.

The server is what `frontdesk serve` runs in production (gunicorn, 2 sync workers for 2 cores,
DEBUG off, PostgreSQL with persistent connections). The load comes from `wrk` (one thread,
keep-alive attempted; gunicorn's sync workers close each connection) on the same machine, so the
numbers include the load generator's share of the 2 cores. Each request rotates through a set of
ids so no single row stays hot. Target (issue 5): at least 400 requests per second per core.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.slots import weekday_providers

CORES = 2
PROVIDERS = 20
PATIENTS = 2000
SECONDS = 10
CONNECTIONS = 8
ZONE = ZoneInfo("America/New_York")


def seed() -> dict[str, object]:
    """Migrate and fill the database; return the request paths to rotate through and a token."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from frontdesk.audit.services import Actor
    from frontdesk.clinic.models import Patient, PracticeLocation
    from frontdesk.fhir import services
    from frontdesk.scheduling.models import Appointment, NoteType

    call_command("migrate", verbosity=0)
    rng = random.Random(5)
    location = PracticeLocation.objects.create(full_name="Bench Clinic", time_zone="America/New_York")
    visit = NoteType.objects.create(
        name="Office Visit",
        code="185389009",
        is_scheduleable=True,
        is_default_appointment_type=True,
        online_duration=30,
        min_notice_minutes=0,
    )
    staff = weekday_providers(location, PROVIDERS)
    patients = Patient.objects.bulk_create(
        [
            Patient(first_name=f"Pat{i}", last_name="Bench", birth_date=date(1950 + i % 50, 1, 1))
            for i in range(PATIENTS)
        ]
    )
    today = timezone.now().astimezone(ZONE).date()
    rows = []
    for member in staff:
        for offset in range(-365, 30):
            day = today + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for hour in rng.sample(range(8, 17), 4):
                rows.append(
                    Appointment(
                        patient=rng.choice(patients),
                        provider=member,
                        location=location,
                        note_type=visit,
                        start_time=datetime.combine(day, clock(hour), tzinfo=ZONE),
                        duration_minutes=30,
                        status="exited" if offset < 0 else "confirmed",
                    )
                )
    Appointment.objects.bulk_create(rows, batch_size=5000)
    client = services.create_oauth_client(actor=Actor.system("bench"), name="bench").client
    token = services.issue_access_token(actor=Actor.system("bench"), client=client).raw
    ids = list(Appointment.objects.values_list("id", flat=True))
    rng.shuffle(ids)
    start, end = today.isoformat(), (today + timedelta(days=7)).isoformat()
    week_ago, in_a_month = today - timedelta(days=7), today + timedelta(days=30)
    # Patients who have visits in the searched range, so each search returns a page of them.
    busy = sorted(
        set(
            Appointment.objects.filter(start_time__date__gte=week_ago, start_time__date__lt=in_a_month).values_list(
                "patient__id", flat=True
            )
        )
    )[:500]
    return {
        "token": token,
        "appointments": len(rows),
        "paths": {
            "ceiling: trivial JSON view (/healthz)": ["/healthz"],
            "Appointment read": [f"/fhir/Appointment/{key}" for key in ids[:500]],
            "Appointment search by patient and date": [
                f"/fhir/Appointment?patient=Patient/{key}&date=ge{week_ago}&date=lt{in_a_month}" for key in busy
            ],
            "Slot search (one provider, 7 days)": [
                f"/fhir/Slot?schedule=Location.{location.pk}-Staff.{m.id}&start={start}&end={end}&duration=30"
                for m in staff
            ],
        },
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (a loopback address we built)
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


_LUA = """
local paths = {%s}
local i = 0
wrk.headers["Authorization"] = "Bearer %s"
wrk.headers["Accept"] = "application/fhir+json"
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def _wrk(base: str, paths: list[str], token: str, seconds: int, work: Path) -> dict[str, float]:
    script = work / "rotate.lua"
    script.write_text(_LUA % (", ".join(json.dumps(p) for p in paths), token))
    done = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    latency = {q: re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)", out) for q in ("50", "99")}
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    result = {"rps": rate, "non_2xx": float(errors[1]) if errors else 0.0}
    for q, found in latency.items():
        result[f"p{q}"] = float(found[1]) * scale[found[2]] if found else float("nan")
    return result


def run() -> str:
    if shutil.which("wrk") is None:
        return "## FHIR API throughput\n\nSkipped: `wrk` is not installed (apt-get install wrk; `make bench` does it)."
    name = f"fd_bench_fhir_{os.getpid()}"
    if subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=False).returncode != 0:
        return "## FHIR API throughput\n\nerror: could not create a database on 127.0.0.1:5432"
    var = Path(tempfile.mkdtemp(prefix="fdbf", dir="/tmp"))
    env = os.environ | {
        "FRONTDESK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "frontdesk.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{name}",
        "FRONTDESK_DEBUG": "0",
        "FRONTDESK_SECRET_KEY": "bench-only-" + "x" * 40,
        "FRONTDESK_LOG_LEVEL": "WARNING",
    }
    server = None
    try:
        seeded = subprocess.run(
            [sys.executable, "-m", "bench.fhir", "seed"], env=env, capture_output=True, text=True, check=False
        )
        if seeded.returncode != 0:
            return f"## FHIR API throughput\n\nerror while seeding: {seeded.stderr.strip().splitlines()[-1:]}"
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "frontdesk",
                "serve",
                "--no-worker",
                "--workers",
                str(CORES),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait_ready(base + "/healthz")
        rows = []
        for label, paths in data["paths"].items():
            _wrk(base, paths, data["token"], 2, var)  # warm up: connections, caches, code paths
            rows.append((label, _wrk(base, paths, data["token"], SECONDS, var)))
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=20)
        shutil.rmtree(var, ignore_errors=True)
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=False)
    lines = [
        "## FHIR API throughput",
        "",
        f"PostgreSQL, `frontdesk serve` (gunicorn, {CORES} sync workers, DEBUG off); {PATIENTS:,} patients, "
        f"{PROVIDERS} providers, {data['appointments']:,} appointments; wrk, {CONNECTIONS} connections, "
        f"{SECONDS} s per row after a 2 s warm-up, on the same {CORES} cores as the server.",
        "",
        "| request | req/s | per core | p50 | p99 | non-2xx |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(
            f"| {label} | {r['rps']:,.0f} | {r['rps'] / CORES:,.0f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['non_2xx']:.0f} |"
        )
    lines += ["", "Target: at least 400 requests per second per core for the FHIR rows."]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["seed"]:
        print(json.dumps(seed()))
    else:
        print(run())
