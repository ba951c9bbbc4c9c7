"""The demo clinic `frontdesk demo` loads: two locations in different time zones, six staff (four
schedulable providers), in-person and telehealth note types, three patients with portal accounts,
their contact points, conditions, medications, allergies, care teams and a few appointments.

Idempotent: every record has a natural key (MRN, NPI, name) and is created only when missing, so a
second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from constance import config
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from frontdesk.accounts.models import CanvasUser
from frontdesk.accounts.services import create_demo_login, link_portal_user, send_invite
from frontdesk.audit.services import Actor
from frontdesk.clinic import services
from frontdesk.clinic.models import (
    AllergyIntolerance,
    CareTeamMembership,
    Condition,
    Medication,
    Patient,
    PracticeLocation,
    Staff,
    StaffRole,
)
from frontdesk.scheduling.models import Appointment, NoteType, NoteTypeCategory
from frontdesk.scheduling.services import save_appointment, save_note_type

DEMO_PASSWORD = "frontdesk-demo"  # noqa: S105 (documented demo password)
PATIENT_LOGIN = "patient@example.com"
STAFF_LOGIN = "staff@example.com"
CLINIC_NAME = "Harbor & Pine Family Health"

LOCATIONS = [
    {
        "full_name": "Harbor Clinic — Boston",
        "short_name": "Boston",
        "time_zone": "America/New_York",
        "address_line1": "120 Atlantic Ave",
        "city": "Boston",
        "state_code": "MA",
        "postal_code": "02110",
        "phone": "+16175550100",
    },
    {
        "full_name": "Pine Clinic — Denver",
        "short_name": "Denver",
        "time_zone": "America/Denver",
        "address_line1": "455 Larimer St",
        "city": "Denver",
        "state_code": "CO",
        "postal_code": "80202",
        "phone": "+13035550100",
    },
]

# (first, last, prefix, npi, schedulable, locations, role code, role name, meeting link, login)
STAFF = [
    (
        "Maya",
        "Patel",
        "Dr.",
        "1467583920",
        True,
        ["Boston"],
        "MD",
        "Physician",
        "https://meet.example.com/dr-patel",
        None,
    ),
    (
        "Samuel",
        "Okafor",
        "Dr.",
        "1578694031",
        True,
        ["Boston", "Denver"],
        "MD",
        "Physician",
        "https://meet.example.com/dr-okafor",
        None,
    ),
    ("Jordan", "Lee", "", "1689705142", True, ["Denver"], "NP", "Nurse Practitioner", None, None),
    (
        "Elena",
        "Rossi",
        "Dr.",
        "1790816253",
        True,
        ["Denver"],
        "DO",
        "Physician",
        "https://meet.example.com/dr-rossi",
        None,
    ),
    ("Priya", "Nair", "", "", False, ["Boston"], "RN", "Registered Nurse", None, None),
    (
        "Tom",
        "Becker",
        "",
        "",
        False,
        ["Boston", "Denver"],
        "PM",
        "Practice Manager",
        None,
        STAFF_LOGIN,
    ),
]

NOTE_TYPES = [
    {
        "name": "Office Visit",
        "category": NoteTypeCategory.ENCOUNTER,
        "code": "308335008",
        "display": "Patient encounter procedure",
        "is_scheduleable": True,
        "is_scheduleable_via_patient_portal": True,
        "online_duration": 30,
        "rank": 1,
        "is_default_appointment_type": True,
    },
    {
        "name": "New Patient Visit",
        "category": NoteTypeCategory.ENCOUNTER,
        "code": "185387006",
        "display": "New patient consultation",
        "is_scheduleable": True,
        "is_scheduleable_via_patient_portal": True,
        "online_duration": 60,
        "rank": 2,
    },
    {
        "name": "Telehealth Visit",
        "category": NoteTypeCategory.ENCOUNTER,
        "code": "448337001",
        "display": "Telemedicine consultation with patient",
        "is_scheduleable": True,
        "is_scheduleable_via_patient_portal": True,
        "online_duration": 20,
        "is_telehealth": True,
        "rank": 3,
    },
    {
        "name": "Annual Physical",
        "category": NoteTypeCategory.ENCOUNTER,
        "code": "410620009",
        "display": "Well child visit",
        "is_scheduleable": True,
        "online_duration": 0,
        "rank": 4,
    },
    {
        "name": "Staff Meeting",
        "category": NoteTypeCategory.SCHEDULE_EVENT,
        "is_scheduleable": True,
        "is_patient_required": False,
        "rank": 10,
    },
]

SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


@dataclass
class DemoPatient:
    mrn: str
    first_name: str
    last_name: str
    birth_date: date
    sex_at_birth: str
    location: str
    email: str | None
    phone: str | None
    activated: bool
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # (system, value, use)
    conditions: list[tuple[str, str, str, int]] = field(default_factory=list)  # (code, display, status, onset year)
    medications: list[tuple[str, str, str]] = field(default_factory=list)  # (rxnorm, display, sig)
    allergies: list[tuple[str, str, str, str]] = field(default_factory=list)  # (code, display, severity, reaction)
    team: list[tuple[str, str, bool]] = field(default_factory=list)  # (staff last name, role, lead)


PATIENTS = [
    DemoPatient(
        "DEMO-0001",
        "Maria",
        "Garcia",
        date(1984, 3, 9),
        "F",
        "Boston",
        PATIENT_LOGIN,
        "+16175550123",
        True,
        contacts=[("email", PATIENT_LOGIN, "home"), ("phone", "+16175550123", "mobile")],
        conditions=[
            ("38341003", "Essential hypertension", "active", 2019),
            ("195967001", "Asthma", "active", 1999),
            ("68566005", "Urinary tract infection", "resolved", 2023),
        ],
        medications=[
            ("314076", "Lisinopril 10 MG Oral Tablet", "Take 1 tablet by mouth once daily"),
            (
                "745679",
                "Albuterol 90 MCG/ACTUAT inhaler",
                "2 puffs every 4 to 6 hours as needed for wheezing",
            ),
        ],
        allergies=[
            ("91936005", "Penicillin allergy", "severe", "Hives and facial swelling"),
            ("300913006", "Shellfish allergy", "moderate", "Itching, nausea"),
        ],
        team=[("Patel", "Primary care physician", True), ("Nair", "Care coordinator", False)],
    ),
    DemoPatient(
        "DEMO-0002",
        "James",
        "Wilson",
        date(1957, 11, 23),
        "M",
        "Boston",
        "james.wilson@example.com",
        None,
        True,
        contacts=[("email", "james.wilson@example.com", "home"), ("phone", "+16175550145", "home")],
        conditions=[
            ("44054006", "Type 2 diabetes mellitus", "active", 2012),
            ("55822004", "Hyperlipidemia", "active", 2015),
        ],
        medications=[
            (
                "860975",
                "Metformin 500 MG Oral Tablet",
                "Take 1 tablet by mouth twice daily with meals",
            ),
            ("617312", "Atorvastatin 40 MG Oral Tablet", "Take 1 tablet by mouth at bedtime"),
        ],
        allergies=[("294505008", "Sulfonamide allergy", "mild", "Rash")],
        team=[("Okafor", "Primary care physician", True)],
    ),
    DemoPatient(
        "DEMO-0003",
        "Aiko",
        "Tanaka",
        date(1996, 6, 30),
        "F",
        "Denver",
        None,
        "+13035550188",
        False,
        contacts=[
            ("phone", "+13035550188", "mobile"),
            ("email", "aiko.tanaka@example.com", "home"),
        ],
        conditions=[("35489007", "Depressive disorder", "remission", 2020)],
        medications=[("312938", "Sertraline 50 MG Oral Tablet", "Take 1 tablet by mouth once daily")],
        allergies=[],
        team=[("Rossi", "Primary care physician", True), ("Lee", "Nurse practitioner", False)],
    ),
]


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.created.append(what)


def load_demo(*, now: datetime | None = None) -> DemoReport:
    """Create whatever part of the demo clinic is missing; return what was created."""
    actor = Actor.system("demo")
    now = now or timezone.now()
    report = DemoReport()
    with transaction.atomic():
        if settings.CONSTANCE_CONFIG["CLINIC_NAME"][0] == config.CLINIC_NAME:
            config.CLINIC_NAME = CLINIC_NAME
            report.add("clinic name")
        locations = {spec["short_name"]: _location(actor, spec, report) for spec in LOCATIONS}
        staff = {row[1]: _staff(actor, row, locations, report) for row in STAFF}
        note_types = {str(spec["name"]): _note_type(actor, spec, report) for spec in NOTE_TYPES}
        _availability(actor, staff, locations, note_types, report)
        # Chart items count (and show in My Health) only once committed by a user: the staff login.
        committer = staff["Becker"].user
        for spec in PATIENTS:
            patient = _patient(actor, spec, locations, staff, committer, report)
            if spec.mrn == "DEMO-0001":
                _appointments(actor, patient, staff, locations, note_types, now, report)
    return report


# (provider, location, weekdays, start, end, note types or None for any, hold)
AVAILABILITY = [
    ("Patel", "Boston", [0, 1, 2, 3, 4], time(9), time(17), None, ""),
    ("Okafor", "Boston", [0, 2, 4], time(8), time(12), None, ""),
    ("Okafor", "Denver", [1, 3], time(9), time(15), None, ""),
    ("Lee", "Denver", [0, 1, 2, 3, 4], time(10), time(18), None, ""),
    ("Rossi", "Denver", [0, 1, 2, 3], time(13), time(19), ["Telehealth Visit", "Office Visit"], ""),
    ("Rossi", "Denver", [4], time(8), time(10), None, "same_day"),
]


def _availability(
    actor: Actor,
    staff: dict[str, Staff],
    locations: dict[str, PracticeLocation],
    note_types: dict[str, NoteType],
    report: DemoReport,
) -> None:
    from frontdesk.scheduling.models import Availability
    from frontdesk.scheduling.services import save_availability

    if Availability.objects.filter(provider__in=staff.values()).exists():
        return
    start = date(2026, 1, 1)
    for provider, location, days, begins, ends, types, hold in AVAILABILITY:
        window = save_availability(
            actor=actor,
            availability=Availability(
                provider=staff[provider],
                location=locations[location],
                weekdays=days,
                start_date=start,
                start_time=begins,
                end_time=ends,
                hold=hold,
            ),
        )
        if types:
            window.note_types.set([note_types[name] for name in types])
    report.add(f"{len(AVAILABILITY)} availability windows")


def _location(actor: Actor, spec: dict, report: DemoReport) -> PracticeLocation:
    found = PracticeLocation.objects.filter(full_name=spec["full_name"]).first()
    if found:
        return found
    report.add(f"location {spec['short_name']}")
    return services.save_location(actor=actor, location=PracticeLocation(**spec), changed=sorted(spec))


def _staff(actor: Actor, row: tuple, locations: dict[str, PracticeLocation], report: DemoReport) -> Staff:
    first, last, prefix, npi, schedulable, locs, code, role, link, login = row
    found = Staff.objects.filter(first_name=first, last_name=last).first()
    if found:
        return found
    member = Staff(
        first_name=first,
        last_name=last,
        prefix=prefix,
        npi_number=npi,
        is_schedulable=schedulable,
        primary_practice_location=locations[locs[0]],
        personal_meeting_room_link=link,
        last_known_timezone=locations[locs[0]].time_zone,
    )
    if login:
        user = CanvasUser.objects.filter(email=login).first() or CanvasUser(email=login)
        if user._state.adding:
            user.set_unusable_password()
            user.save()
        create_demo_login(actor=actor, user=user, password=DEMO_PASSWORD, staff=True)
        member.user = user
    member = services.save_staff(actor=actor, staff=member, changed=["first_name", "last_name"])
    member.practice_locations.set([locations[name] for name in locs])
    role_type = StaffRole.RoleType.CLINICAL if code in {"MD", "DO", "NP", "RN"} else StaffRole.RoleType.ADMINISTRATIVE
    services.set_staff_roles(actor=actor, staff=member, roles=[(role_type, code, role)])
    report.add(f"staff {member.full_name}")
    return member


def _note_type(actor: Actor, spec: dict, report: DemoReport) -> NoteType:
    found = NoteType.objects.filter(name=spec["name"]).first()
    if found:
        return found
    report.add(f"note type {spec['name']}")
    return save_note_type(actor=actor, note_type=NoteType(**spec), changed=sorted(spec))


def _patient(
    actor: Actor,
    spec: DemoPatient,
    locations: dict[str, PracticeLocation],
    staff: dict[str, Staff],
    committer: CanvasUser | None,
    report: DemoReport,
) -> Patient:
    found = Patient.objects.filter(mrn=spec.mrn).first()
    if found:
        return found
    location = locations[spec.location]
    patient = services.create_patient(
        actor=actor,
        mrn=spec.mrn,
        first_name=spec.first_name,
        last_name=spec.last_name,
        birth_date=spec.birth_date,
        sex_at_birth=spec.sex_at_birth,
        default_location=location,
        default_provider=staff[spec.team[0][0]] if spec.team else None,
        last_known_timezone=location.time_zone,
    )
    for rank, (system, value, use) in enumerate(spec.contacts, start=1):
        services.add_contact_point(
            actor=actor,
            patient=patient,
            system=system,
            value=value,
            use=use,
            rank=rank,
            has_consent=True,
        )
    assessor = staff[spec.team[0][0]] if spec.team else None
    for code, display, status, year in spec.conditions:
        condition = services.save_chart_item(
            actor=actor,
            item=Condition(
                patient=patient,
                clinical_status=status,
                onset_date=date(year, 1, 15),
                last_assessed_date=timezone.localdate() - timedelta(days=80),
                last_assessed_by=assessor,
                resolution_date=date(year, 2, 20) if status == "resolved" else None,
                committer=committer,
            ),
        )
        services.set_codings(actor=actor, item=condition, codings=[(SNOMED, code, display)])
    for code, display, sig in spec.medications:
        med = services.save_chart_item(
            actor=actor,
            item=Medication(
                patient=patient,
                start_date=datetime(2024, 5, 6, 14, 0, tzinfo=ZoneInfo("UTC")),
                sig=sig,
                last_prescriber=assessor,
                committer=committer,
            ),
        )
        services.set_codings(actor=actor, item=med, codings=[(RXNORM, code, display)])
    for code, display, severity, reaction in spec.allergies:
        allergy = services.save_chart_item(
            actor=actor,
            item=AllergyIntolerance(
                patient=patient,
                severity=severity,
                narrative=reaction,
                onset_date=date(2005, 7, 1),
                committer=committer,
            ),
        )
        services.set_codings(actor=actor, item=allergy, codings=[(SNOMED, code, display)])
    for last_name, role, lead in spec.team:
        services.save_care_team_membership(
            actor=actor,
            membership=CareTeamMembership(patient=patient, staff=staff[last_name], role_display=role, lead=lead),
        )
    user = link_portal_user(actor=actor, patient=patient, email=spec.email, phone_number=spec.phone)
    if spec.activated:
        create_demo_login(actor=actor, user=user, password=DEMO_PASSWORD)
    else:
        # A pending invitation, so the staff Outbox page shows what patients receive.
        send_invite(actor=actor, user=user, channel="sms" if spec.phone else "email")
    report.add(f"patient {patient.full_name}")
    return patient


def _appointments(
    actor: Actor,
    patient: Patient,
    staff: dict[str, Staff],
    locations: dict[str, PracticeLocation],
    note_types: dict[str, NoteType],
    now: datetime,
    report: DemoReport,
) -> None:
    if Appointment.objects.filter(patient=patient).exists():
        return
    zone = ZoneInfo(locations["Boston"].time_zone)
    today = now.astimezone(zone).date()

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=zone)

    plans = [
        (at(-40, 9, 30), "Office Visit", "Patel", "Boston", "exited", None),
        (at(3, 10, 0), "Office Visit", "Patel", "Boston", "confirmed", None),
        (
            at(10, 15, 20),
            "Telehealth Visit",
            "Okafor",
            "Boston",
            "unconfirmed",
            staff["Okafor"].personal_meeting_room_link,
        ),
    ]
    for start, note_type, provider, location, status, link in plans:
        nt = note_types[note_type]
        save_appointment(
            actor=actor,
            appointment=Appointment(
                patient=patient,
                provider=staff[provider],
                location=locations[location],
                note_type=nt,
                start_time=start,
                duration_minutes=nt.online_duration or 30,
                status=status,
                meeting_link=link,
            ),
        )
    report.add(f"{len(plans)} appointments for {patient.full_name}")
