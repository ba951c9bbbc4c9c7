from canvas_sdk.effects import Effect
from canvas_sdk.effects.widgets import PortalWidget
from canvas_sdk.events import EventType
from canvas_sdk.handlers.base import BaseHandler
from canvas_sdk.templates import render_to_string
from canvas_sdk.v1.data import CareTeamMembership, Patient
from canvas_sdk.v1.data.care_team import CareTeamMembershipStatus


class LandingPage(BaseHandler):
    """The landing page as Canvas's "Tailoring Portal Landing Page" guide builds it."""

    RESPONDS_TO = EventType.Name(EventType.PATIENT_PORTAL__WIDGET_CONFIGURATION)

    def compute(self) -> list[Effect]:
        patient = Patient.objects.get(id=self.target)
        care_team = CareTeamMembership.objects.filter(
            patient=patient, status=CareTeamMembershipStatus.ACTIVE
        ).values("staff__first_name", "staff__last_name", "role_display")
        welcome = render_to_string(
            "templates/welcome.html",
            {"first_name": patient.preferred_first_name, "care_team": list(care_team)},
        )
        return [
            PortalWidget(content=welcome, size=PortalWidget.Size.MEDIUM, priority=10).apply(),
            PortalWidget(url="https://status.example.org/clinic", size=PortalWidget.Size.COMPACT, priority=20).apply(),
            PortalWidget(component=PortalWidget.Component.APPOINTMENTS, priority=30).apply(),
        ]
