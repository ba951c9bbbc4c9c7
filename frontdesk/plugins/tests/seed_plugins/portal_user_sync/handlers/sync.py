from canvas_sdk.effects import Effect
from canvas_sdk.effects.send_invite import SendInviteEffect
from canvas_sdk.effects.update_user import UpdateUserEffect
from canvas_sdk.events import EventType
from canvas_sdk.handlers import BaseHandler
from canvas_sdk.v1.data import PatientContactPoint
from canvas_sdk.v1.data.common import ContactPointState, ContactPointSystem


class SyncPortalUser(BaseHandler):
    """Use the patient's first active email as the portal login and invite them once."""

    RESPONDS_TO = [
        EventType.Name(EventType.PATIENT_CONTACT_POINT_CREATED),
        EventType.Name(EventType.PATIENT_CONTACT_POINT_UPDATED),
    ]

    def compute(self) -> list[Effect]:
        contact_point = PatientContactPoint.objects.get(id=self.event.target.id)
        patient = contact_point.patient
        if patient.user is None or contact_point.system != ContactPointSystem.EMAIL:
            return []
        if contact_point.state != ContactPointState.ACTIVE:
            return []
        effects = []
        if patient.user.email != contact_point.value:
            effects.append(UpdateUserEffect(user_dbid=patient.user.dbid, email=contact_point.value).apply())
        if not patient.user.is_portal_registered and patient.user.last_invite_date_time is None:
            effects.append(SendInviteEffect(user_dbid=patient.user.dbid).apply())
        return effects
