"""The demo clinic, loaded in-process on the test database (so on SQLite and PostgreSQL alike):
a patient signs in to a chart that has something in it, and loading twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from frontdesk.clinic import access
from frontdesk.clinic.demo import DEMO_PASSWORD, PATIENT_LOGIN
from frontdesk.clinic.models import Patient
from frontdesk.scheduling.access import upcoming_appointments

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        return counts


def load() -> str:
    out = StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_it_loads_a_chart_the_demo_patient_can_see() -> None:
    load()

    maria = Patient.objects.get(user__email=PATIENT_LOGIN)
    summary = access.chart_summary(maria)
    assert {str(c) for c in summary["conditions"]} == {"Essential hypertension", "Asthma", "Urinary tract infection"}
    assert len(summary["medications"]) == 2
    assert len(summary["allergies"]) == 2
    lead, *others = access.care_team(maria)
    assert (lead.lead, lead.staff.last_name, len(others)) == (True, "Patel", 1)
    assert maria.primary_phone_number is not None
    assert maria.user.check_password(DEMO_PASSWORD)
    assert len(upcoming_appointments(maria, now=timezone.now())) == 2


def test_it_changes_no_table_when_loaded_again() -> None:
    assert "Demo clinic loaded" in load()
    before = row_counts()

    assert "nothing changed" in load()

    assert row_counts() == before
    assert before["clinic_patient"] == 3
