"""Codings of chart items and roles of staff change only through services, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import Condition, StaffRole
from frontdesk.clinic.services import save_chart_item, set_codings, set_staff_roles
from frontdesk.events.models import OutboxEvent

SNOMED = "http://snomed.info/sct"


def test_it_replaces_codings_and_audits_only_real_changes(alice: Any, dana: Any) -> None:
    actor = Actor.for_user(dana)
    condition = save_chart_item(actor=actor, item=Condition(patient=alice))

    set_codings(actor=actor, item=condition, codings=[(SNOMED, "38341003", "Essential hypertension")])
    set_codings(actor=actor, item=condition, codings=[(SNOMED, "38341003", "Essential hypertension")])
    set_codings(actor=actor, item=condition, codings=[(SNOMED, "59621000", "Essential hypertension (disorder)")])

    assert [c.code for c in condition.codings.all()] == ["59621000"]
    entries = AuditEntry.objects.filter(action="condition.codings_changed").order_by("id")
    assert [e.detail["codes"] for e in entries] == [["38341003"], ["59621000"]]
    assert {e.patient_key for e in entries} == {alice.id}


def test_it_refuses_an_incomplete_coding_and_keeps_the_old_ones(alice: Any, dana: Any) -> None:
    actor = Actor.for_user(dana)
    condition = save_chart_item(actor=actor, item=Condition(patient=alice))
    set_codings(actor=actor, item=condition, codings=[(SNOMED, "195967001", "Asthma")])

    with pytest.raises(ValidationError, match="system, a code and a display"):
        set_codings(actor=actor, item=condition, codings=[(SNOMED, "", "Asthma")])

    assert [c.code for c in condition.codings.all()] == ["195967001"]


def test_it_replaces_staff_roles_with_an_event(dr_patel: Any, dana: Any) -> None:
    before = OutboxEvent.objects.filter(name="STAFF_UPDATED").count()

    set_staff_roles(
        actor=Actor.for_user(dana), staff=dr_patel, roles=[(StaffRole.RoleType.CLINICAL, "DO", "Physician")]
    )

    assert [(r.code, r.name) for r in dr_patel.roles.all()] == [("DO", "Physician")]
    assert dr_patel.credentialed_name.endswith(", DO")
    assert OutboxEvent.objects.filter(name="STAFF_UPDATED").count() == before + 1
    assert AuditEntry.objects.filter(action="staff.roles_changed", target_id=dr_patel.id).exists()
