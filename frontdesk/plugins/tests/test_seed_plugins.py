"""Every plugin example of seed 000, pasted into a plugin package, installs and does what the
seed says (the packages are under seed_plugins/; their code is the seed's, indentation restored)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from frontdesk.accounts.models import AccountToken
from frontdesk.audit.models import AuditEntry
from frontdesk.audit.services import Actor
from frontdesk.clinic.models import PatientContactPoint
from frontdesk.clinic.services import add_contact_point, update_contact_point
from frontdesk.events.models import OutboxEvent
from frontdesk.events.services import dispatch_pending
from frontdesk.plugins import hooks
from frontdesk.plugins.logs import read_log
from frontdesk.plugins.tests.conftest import SEED_PLUGINS
from frontdesk.scheduling.models import Appointment, NoteType

pytestmark = pytest.mark.django_db(transaction=True)


def _appointment(patient: Any) -> Appointment:
    note_type = NoteType.objects.create(
        name="Video visit", is_scheduleable=True, is_telehealth=True, online_duration=20
    )
    return Appointment.objects.create(
        patient=patient, note_type=note_type, start_time=timezone.now() + timedelta(days=2), duration_minutes=20
    )


def _drain() -> None:
    """Run the events worker until the outbox is empty (effects may record new events)."""
    for _ in range(10):
        if not dispatch_pending():
            return


def test_it_configures_the_portal(runner: Any, install: Any, alice: Any) -> None:
    plugin = install(SEED_PLUGINS / "portal_configuration")
    request = RequestFactory().get("/")

    answers = hooks.page_answers(request, alice)

    assert plugin.responds_to == ["PATIENT_PORTAL__GET_APPLICATION_CONFIGURATION"]
    assert answers.can_schedule_appointments is True


@pytest.mark.parametrize(
    ("package", "flags"),
    [
        ("hide_cancel", hooks.CardFlags(can_cancel=False)),
        ("hide_reschedule", hooks.CardFlags(can_reschedule=False)),
        ("show_join", hooks.CardFlags(show_meeting_link=True)),
    ],
)
def test_it_shapes_the_appointment_card(
    runner: Any, install: Any, alice: Any, package: str, flags: hooks.CardFlags
) -> None:
    appointment = _appointment(alice)
    install(SEED_PLUGINS / package)

    assert hooks.appointment_cards([appointment]) == {str(appointment.id): flags}


def test_it_updates_the_portal_user_when_a_contact_point_changes(runner: Any, install: Any, alice: Any) -> None:
    install(SEED_PLUGINS / "update_user")
    point = PatientContactPoint.objects.filter(patient=alice).first() or add_contact_point(
        actor=Actor.system("tests"), patient=alice, system="email", value="alice@home.example"
    )
    update_contact_point(actor=Actor.system("tests"), contact_point=point, use="work")

    _drain()

    alice.user.refresh_from_db()
    assert alice.user.email == "test@email.com"
    assert alice.user.phone_number == "+16175550101"  # "1234567890" is not a phone number: refused, logged
    entry = AuditEntry.objects.get(action="portal_user.linked", actor_label="plugin:update_user")
    assert entry.patient_key == alice.id
    assert any("not applied" in r["message"] and "1234567890" in r["message"] for r in read_log("update_user"))


def test_it_sends_an_invite_when_a_contact_point_changes(
    runner: Any, install: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from conftest import make_patient

    erin = make_patient("Erin", "Ellis", email="erin@example.com", registered=False)
    install(SEED_PLUGINS / "send_invite")
    point = add_contact_point(actor=Actor.system("tests"), patient=erin, system="email", value="erin@example.com")
    update_contact_point(actor=Actor.system("tests"), contact_point=point, rank=2)

    with django_capture_on_commit_callbacks(execute=True):
        _drain()

    assert AccountToken.objects.filter(user=erin.user, purpose="invite").count() == 1
    assert [m.to for m in mail.outbox] == [["erin@example.com"]]
    assert AuditEntry.objects.filter(action="portal_user.invited", actor_label="plugin:send_invite").exists()


def test_it_sends_a_verification_when_a_contact_point_is_created(
    runner: Any, install: Any, alice: Any, sms_outbox: Any
) -> None:
    install(SEED_PLUGINS / "send_contact_verification")
    point = add_contact_point(
        actor=Actor.system("tests"), patient=alice, system="phone", value="(617) 555-0177", use="mobile"
    )

    _drain()

    point.refresh_from_db()
    assert point.verification_sent_at is not None
    assert [s.to for s in sms_outbox] == ["+16175550177"]
    assert not OutboxEvent.objects.filter(
        name="PATIENT_CONTACT_POINT_UPDATED"
    ).exists()  # sending a code is not an update


def test_it_reports_a_bad_contact_point_id(runner: Any, install: Any, alice: Any) -> None:
    install(SEED_PLUGINS / "send_contact_verification")
    OutboxEvent.objects.create(
        name="PATIENT_CONTACT_POINT_CREATED",
        target_id="0b7c2a64-5f1e-4d3a-8c9b-2e4f6a8d0c1e",
        target_type="PatientContactPoint",
        context={"patient": {"id": alice.id}},
    )

    _drain()

    assert any("Patient Contact Point does not exist" in r["message"] for r in read_log("send_contact_verification"))


# Plugins seed 001 implies (it shows the result, not the code): a plugin-powered landing page,
# and contact points kept in step with the portal user "if you do not want this to be a manual process".


@pytest.fixture
def dr_hopper(alice: Any) -> Any:
    from frontdesk.clinic.models import CareTeamMembership, Staff
    from frontdesk.clinic.services import save_care_team_membership, save_staff

    actor = Actor.system("tests")
    doctor = save_staff(actor=actor, staff=Staff(first_name="Grace", last_name="Hopper", prefix="Dr."))
    save_care_team_membership(
        actor=actor,
        membership=CareTeamMembership(patient=alice, staff=doctor, role_display="Primary care physician", lead=True),
    )
    return doctor


def test_it_builds_the_landing_page_from_plugin_widgets(runner: Any, install: Any, alice: Any, dr_hopper: Any) -> None:
    from django.test import Client

    install(SEED_PLUGINS / "custom_landing_page")
    web = Client()
    web.force_login(alice.user, backend="frontdesk.accounts.backends.IdentifierBackend")

    page = web.get("/").content.decode()

    assert 'srcdoc="&lt;h2&gt;Hello, Alice!&lt;/h2&gt;' in page
    assert "Grace Hopper — Primary care physician" in page
    assert 'src="https://status.example.org/clinic"' in page
    assert page.index("srcdoc=") < page.index("status.example.org") < page.index("Upcoming appointments")


def test_it_keeps_the_portal_user_in_step_with_contact_points(runner: Any, install: Any, sms_outbox: Any) -> None:
    from conftest import make_patient

    frank = make_patient("Frank", "Fisher", phone="+16175550155", registered=False)
    install(SEED_PLUGINS / "portal_user_sync")

    add_contact_point(actor=Actor.system("tests"), patient=frank, system="email", value="Frank@Example.com")
    _drain()

    frank.user.refresh_from_db()
    assert frank.user.email == "frank@example.com"
    assert AccountToken.objects.filter(user=frank.user, purpose="invite", channel="email").count() == 1
    assert [m.to for m in mail.outbox] == [["frank@example.com"]]
    actions = list(
        AuditEntry.objects.filter(actor_label="plugin:portal_user_sync").values_list("action", flat=True).order_by("id")
    )
    assert actions == ["portal_user.linked", "portal_user.invited"]
