"""Patient-facing code reaches contact points only through `clinic.access`, which answers 404 for
anything that is not the patient's own (so nobody can probe which ids exist)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.http import Http404

from frontdesk.audit.services import Actor
from frontdesk.clinic import access
from frontdesk.clinic.services import add_contact_point, delete_contact_point

pytestmark = pytest.mark.django_db


@pytest.fixture
def points(alice: Any, charlie: Any) -> dict[str, Any]:
    actor = Actor.system("tests")
    return {
        "alice_email": add_contact_point(actor=actor, patient=alice, system="email", value="alice@example.com"),
        "alice_phone": add_contact_point(actor=actor, patient=alice, system="phone", value="+16175550101"),
        "alice_old": delete_contact_point(
            actor=actor,
            contact_point=add_contact_point(actor=actor, patient=alice, system="phone", value="+16175550188", rank=2),
        ),
        "charlie_phone": add_contact_point(actor=actor, patient=charlie, system="phone", value="+16175550103"),
    }


def test_it_returns_the_patients_own_active_contact_point(alice: Any, points: dict[str, Any]) -> None:
    assert access.contact_point(alice, str(points["alice_phone"].id)) == points["alice_phone"]
    assert access.contact_points(alice) == [points["alice_email"], points["alice_phone"]]


@pytest.mark.parametrize(
    "which",
    ["charlie_phone", "alice_old", "random", "not-a-uuid", ""],
)
def test_it_answers_404_for_anything_else(alice: Any, points: dict[str, Any], which: str) -> None:
    fixed = {"random": str(uuid.uuid4()), "not-a-uuid": "../../etc/passwd", "": ""}
    contact_point_id = fixed[which] if which in fixed else str(points[which].id)

    with pytest.raises(Http404):
        access.contact_point(alice, contact_point_id)


def test_it_shows_charlie_none_of_alices_chart(alice: Any, charlie: Any, points: dict[str, Any]) -> None:
    assert points["alice_phone"] not in access.contact_points(charlie)
    assert access.chart_summary(charlie) == {"conditions": [], "medications": [], "allergies": []}
    assert access.care_team(charlie) == []
